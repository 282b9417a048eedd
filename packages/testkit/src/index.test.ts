import type { IStorage, IStorageFactory } from '@specstar/interfaces';
import { runCase } from './harness';
import { BLOB_STORE_CASES, CASE_GROUPS, CASE_NAMES, planSuite, storageConformanceSuite, type TestName } from './index';
import type { CaseDef, TestApi } from './types';

/** A runner double that records what the suite registers. */
function recordingApi(withSkip: boolean) {
  const registered: { path: string; kind: 'it' | 'skip'; fn: () => unknown; timeout?: number }[] = [];
  const stack: string[] = [];
  const it = ((name: string, fn: () => Promise<unknown>, timeout?: number) => {
    registered.push({ path: [...stack, name].join(' > '), kind: 'it', fn, timeout });
  }) as TestApi['it'];
  if (withSkip) {
    it.skip = (name: string, fn: () => void) => {
      registered.push({ path: [...stack, name].join(' > '), kind: 'skip', fn });
    };
  }
  const api: TestApi = {
    describe(name, fn) {
      stack.push(name);
      fn();
      stack.pop();
    },
    it,
    expect,
  };
  return { api, registered };
}

const noFactory = () => {
  throw new Error('not used');
};

describe('case catalogue', () => {
  it('has unique, non-empty case names in every group', () => {
    expect(new Set(CASE_NAMES).size).toBe(CASE_NAMES.length);
    for (const group of CASE_GROUPS) expect(group.cases.length).toBeGreaterThan(0);
    expect(CASE_NAMES.length).toBeGreaterThan(150);
  });

  it('lists the blob cases', () => {
    expect(BLOB_STORE_CASES).toContain('blob: put addresses content by xxh3-128');
    expect(BLOB_STORE_CASES.every((name) => /^blob( staging)?: /.test(name))).toBe(true);
  });
});

describe('planSuite', () => {
  it('runs everything ungated when every capability is declared', () => {
    const plan = planSuite({
      name: 'x',
      createFactory: noFactory,
      capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true },
    });
    expect(plan.run).toEqual([...CASE_NAMES]);
    expect(plan.skipped).toEqual([]);
    expect(plan.unknownSkips).toEqual([]);
  });

  it('skips declared names and capability-gated cases with a reason', () => {
    const skip: TestName[] = ['blob: exists', 'search-op: regex (?i) flag'];
    const plan = planSuite({ name: 'x', createFactory: noFactory, capabilities: { compareAndSet: true }, skip });
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { name: 'blob: exists', reason: 'declared unsupported by the adapter' },
        { name: 'search-op: regex (?i) flag', reason: 'declared unsupported by the adapter' },
        { name: 'race: concurrent creates of one id have exactly one winner', reason: 'needs capability createIfAbsent' },
        {
          name: 'race: an atomic compare-and-set keeps the winner revision under its id',
          reason: 'needs capability atomicCommit',
        },
        {
          name: 'race: an atomic create keeps the winner revision under its id',
          reason: 'needs capability createIfAbsent + atomicCommit',
        },
        { name: 'unique: concurrent creates of one value have exactly one winner', reason: 'needs capability atomicUnique' },
        { name: "race: a concurrent write that fails its own check does not fail the others'", reason: 'needs capability createIfAbsent' },
      ]),
    );
    expect(plan.skipped).toHaveLength(8);
    expect(plan.run).toContain('race: concurrent compare-and-set updates have exactly one winner');
    expect(plan.run.length + plan.skipped.length).toBe(CASE_NAMES.length);
  });

  it('reports skip names that are not cases', () => {
    const plan = planSuite({ name: 'x', createFactory: noFactory, skip: ['no such case' as TestName] });
    expect(plan.unknownSkips).toEqual(['no such case']);
  });
});

describe('storageConformanceSuite registration', () => {
  const options = { name: 'fake', createFactory: noFactory, skip: ['blob: exists'] as TestName[], timeout: 1234 };

  it('registers every case under the suite and group titles, skipped ones via it.skip', () => {
    const { api, registered } = recordingApi(true);
    storageConformanceSuite(api, options);
    const skipped = registered.filter((entry) => entry.kind === 'skip').map((entry) => entry.path);
    expect(skipped).toContain('storage conformance: fake > blob store > blob: exists (skipped: declared unsupported by the adapter)');
    expect(skipped).toHaveLength(1 + 7); // the declared one and the seven capability-gated cases (no capabilities)
    const run = registered.filter((entry) => entry.kind === 'it');
    expect(run[0]?.path).toBe('storage conformance: fake > suite: the skip list names only known cases');
    expect(run).toHaveLength(1 + CASE_NAMES.length - 8);
    expect(run.find((entry) => entry.path.endsWith('> identity: default resource id is <model>:<uuid4>'))?.timeout).toBe(1234);
  });

  it('falls back to named placeholders when the runner has no it.skip', () => {
    const { api, registered } = recordingApi(false);
    storageConformanceSuite(api, options);
    expect(registered.every((entry) => entry.kind === 'it')).toBe(true);
    expect(registered.map((entry) => entry.path)).toContain(
      'storage conformance: fake > blob store > blob: exists (skipped: declared unsupported by the adapter)',
    );
  });

  it('fails the skip-list check on unknown names', async () => {
    const { api, registered } = recordingApi(true);
    storageConformanceSuite(api, { ...options, skip: ['bogus' as TestName] });
    await expect(Promise.resolve().then(() => registered[0]!.fn())).rejects.toThrow();
  });
});

describe('runCase', () => {
  function fakeFactory(log: string[]): IStorageFactory {
    return {
      build(model) {
        log.push(`build ${model}`);
        return { close: async () => void log.push(`close ${model}`) } as unknown as IStorage;
      },
      close: async () => void log.push('factory close'),
    };
  }

  const api: TestApi = { describe: () => undefined, it: () => undefined, expect };

  it('closes built storages and the factory after a passing case', async () => {
    const log: string[] = [];
    const def: CaseDef = { name: 'x', run: async ({ storage }) => void storage('a') };
    await runCase(def, api, { name: 'fake', createFactory: () => fakeFactory(log) });
    expect(log).toEqual(['build a', 'close a', 'factory close']);
  });

  it('closes an engine-level case through SpecStar.close(), factory once', async () => {
    const log: string[] = [];
    const def: CaseDef = { name: 'x', run: async ({ engine }) => void engine() };
    await runCase(def, api, { name: 'fake', createFactory: () => fakeFactory(log) });
    expect(log).toEqual(['build item', 'close item', 'factory close']);
  });

  it('disposes instead of closing the factory, and rethrows the case failure', async () => {
    const log: string[] = [];
    const failure = new Error('case failed');
    const def: CaseDef = {
      name: 'x',
      run: async ({ storage }) => {
        storage('b');
        throw failure;
      },
    };
    const outcome = runCase(def, api, {
      name: 'fake',
      createFactory: async () => fakeFactory(log),
      dispose: () => void log.push('dispose'),
    });
    await expect(outcome).rejects.toBe(failure);
    expect(log).toEqual(['build b', 'close b', 'dispose']);
  });

  it('fails a passing case whose cleanup fails', async () => {
    const cleanup = new Error('dispose failed');
    const def: CaseDef = { name: 'x', run: async () => undefined };
    const outcome = runCase(def, api, {
      name: 'fake',
      createFactory: () => fakeFactory([]),
      dispose: () => {
        throw cleanup;
      },
    });
    await expect(outcome).rejects.toBe(cleanup);
  });

  it('asks for a skip entry when the factory has no blob store', async () => {
    const def: CaseDef = { name: 'x', run: async ({ blobStore }) => void blobStore() };
    const outcome = runCase(def, api, { name: 'fake', createFactory: () => fakeFactory([]) });
    await expect(outcome).rejects.toMatchObject({ code: 'not_supported' });
  });
});
