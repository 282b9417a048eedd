/*
 * Revision retention around the registry: the model's policy checked at addModel, prune with the
 * model's policy, no policy and no delete capability refused, and nothing pruned while a dump runs.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { ConfigurationError, NotSupportedError, RevisionIDNotFoundError, type IStorageFactory } from '@specstar/interfaces';
import { MemoryMetaStore, MemoryResourceStore, SimpleStorage } from '../src/adapter';
import { SpecStar, type ResourceManager } from '../src';
import { ItemSchema, T0 } from './fixtures';

type Item = { name: string; value: number };

async function withRevisions(rm: ResourceManager<Item>, count: number): Promise<string> {
  const { resource_id: id } = await rm.create({ name: 'v1', value: 1 }, { user: 'alice', now: T0 });
  for (let n = 2; n <= count; n++) await rm.update(id, { name: `v${n}`, value: n }, { user: 'alice', now: T0 });
  return id;
}

/** A destination that accepts nothing until released, so a dump stays in flight (waiting for 'drain'). */
function heldDestination(): { out: Writable; release: () => void } {
  const held: (() => void)[] = [];
  let released = false;
  const out = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, done) {
      if (released) done();
      else held.push(done);
    },
  });
  return {
    out,
    release: () => {
      released = true;
      for (const done of held.splice(0)) done();
    },
  };
}

describe('retention', () => {
  it('addModel refuses a policy that keeps nothing, naming the model and the field', () => {
    const spec = new SpecStar();
    expect(() => spec.addModel(ItemSchema, { name: 'a', retention: { keepLast: 0 } })).toThrow(ConfigurationError);
    expect(() => spec.addModel(ItemSchema, { name: 'a', retention: { keepLast: 0 } })).toThrow("Model 'a': retention.keepLast must be an integer >= 1");
    expect(() => spec.addModel(ItemSchema, { name: 'b', retention: {} })).toThrow("Model 'b': retention would keep nothing");
    expect(() => spec.addModel(ItemSchema, { name: 'c', retention: { keepNewerThan: '3 days' } })).toThrow("Model 'c': retention.keepNewerThan must be a duration");
    expect(() => spec.addModel(ItemSchema, { name: 'd', retention: { keepLast: 2, keep: 1 } as never })).toThrow("Model 'd': retention.keep is not a retention option");
  });

  it("prune applies the model's policy; without one it is refused", async () => {
    const spec = new SpecStar();
    const kept = spec.addModel<Item>(ItemSchema, { name: 'kept', retention: { keepLast: 3 } });
    const plain = spec.addModel<Item>(ItemSchema, { name: 'plain' });
    const id = await withRevisions(kept, 5);
    expect(await kept.prune(id)).toEqual({ pruned: 2, kept: { keep_last: 2, current: 1 }, resources: 1, dryRun: false });
    expect(await kept.storage.listRevisions(id)).toEqual([`${id}:3`, `${id}:4`, `${id}:5`]);
    const other = await withRevisions(plain, 2);
    await expect(plain.prune(other)).rejects.toThrow(NotSupportedError);
    await expect(plain.prune(other)).rejects.toThrow("Model 'plain' has no retention policy");
  });

  it('prune is refused before deleting anything when the resource store cannot delete revisions', async () => {
    const factory: IStorageFactory = {
      build: () => {
        const store = new MemoryResourceStore();
        return new SimpleStorage(new MemoryMetaStore(), {
          listResources: () => store.listResources(),
          listRevisions: (r) => store.listRevisions(r),
          listSchemaVersions: (r, v) => store.listSchemaVersions(r, v),
          exists: (r, v, s) => store.exists(r, v, s),
          get: (r, v, s) => store.get(r, v, s),
          getInfo: (r, v, s) => store.getInfo(r, v, s),
          save: (i, d) => store.save(i, d),
          purge: (r) => store.purge(r),
        });
      },
    };
    const rm = new SpecStar({ storageFactory: factory }).addModel<Item>(ItemSchema, { name: 'item', retention: { keepLast: 1 } });
    const id = await withRevisions(rm, 3);
    expect(await rm.prune(id, { dryRun: true })).toEqual({ pruned: 2, kept: { current: 1 }, resources: 1, dryRun: true });
    await expect(rm.prune(id)).rejects.toThrow('cannot delete revisions (capability revisionDelete)');
    expect(await rm.storage.listRevisions(id)).toEqual([`${id}:1`, `${id}:2`, `${id}:3`]);
  });

  it('while a dump is in flight prune keeps everything (dump_running); afterwards it prunes', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel<Item>(ItemSchema, { name: 'item', retention: { keepLast: 1 } });
    const id = await withRevisions(rm, 4);
    const { out, release } = heldDestination();
    const dump = spec.dump(out);
    // The dump counts as in flight from the call until it settles; the held destination keeps it waiting.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await rm.prune(id)).toEqual({ pruned: 0, kept: { current: 1, dump_running: 3 }, resources: 1, dryRun: false });
    expect(await rm.storage.listRevisions(id)).toHaveLength(4);
    release();
    await dump;
    expect(await rm.prune(id)).toEqual({ pruned: 3, kept: { current: 1 }, resources: 1, dryRun: false });
  });

  it('pruned revisions stay out of dumps and lists; the remaining chain is walked through the list', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel<Item>(ItemSchema, { name: 'item', retention: { keepLast: 2 } });
    const id = await withRevisions(rm, 5);
    await rm.prune(id);
    await expect(rm.get(id, { revisionId: `${id}:3` })).rejects.toThrow(RevisionIDNotFoundError);
    // The oldest kept revision names a pruned parent: the list is where the remaining chain ends.
    const left = await rm.listRevisions(id);
    expect(left.map((info) => [info.revision_id, info.parent_revision_id])).toEqual([
      [`${id}:4`, `${id}:3`],
      [`${id}:5`, `${id}:4`],
    ]);

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await spec.dump(out);
    const copy = new SpecStar();
    const loaded = copy.addModel<Item>(ItemSchema, { name: 'item' });
    expect(await copy.load(Readable.from([Buffer.concat(chunks)]))).toEqual({ item: { loaded: 1, skipped: 0, total: 1 } });
    expect(await loaded.storage.listRevisions(id)).toEqual([`${id}:4`, `${id}:5`]);
  });

  it('after a switch to an old revision prune keeps it as current', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel<Item>(ItemSchema, { name: 'item', retention: { keepLast: 1 } });
    const id = await withRevisions(rm, 3);
    await rm.switch(id, `${id}:1`, { user: 'alice', now: T0 });
    expect(await rm.prune(id)).toEqual({ pruned: 1, kept: { current: 1, keep_last: 1 }, resources: 1, dryRun: false });
    expect(await rm.storage.listRevisions(id)).toEqual([`${id}:1`, `${id}:3`]);
    expect((await rm.get(id)).data).toEqual({ name: 'v1', value: 1 });
  });

  it('scheduleRetention prunes every model with a policy, round by round, until stopped', async () => {
    const spec = new SpecStar();
    const kept = spec.addModel<Item>(ItemSchema, { name: 'kept', retention: { keepLast: 1 } });
    const plain = spec.addModel<Item>(ItemSchema, { name: 'plain' });
    const a = await withRevisions(kept, 3);
    const b = await withRevisions(plain, 3);
    const results: [string, number][] = [];
    const schedule = spec.scheduleRetention(3_600_000, { onPruned: (model, result) => results.push([model, result.pruned]) });
    await schedule.runNow();
    schedule.stop();
    expect(results).toEqual([['kept', 2]]);
    expect(await kept.storage.listRevisions(a)).toEqual([`${a}:3`]);
    expect(await plain.storage.listRevisions(b)).toHaveLength(3);

    // The timer runs the same rounds.
    const more = await withRevisions(kept, 2);
    const timed = spec.scheduleRetention(5);
    for (let tries = 0; (await kept.storage.listRevisions(more)).length > 1 && tries < 2000; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
    timed.stop();
    expect(await kept.storage.listRevisions(more)).toEqual([`${more}:2`]);
    expect(() => spec.scheduleRetention(0)).toThrow('scheduleRetention: intervalMs must be a positive number of milliseconds, got 0');
  });
});

