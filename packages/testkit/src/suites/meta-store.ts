import {
  ResourceConflictError,
  RevisionMismatchError,
  UniqueConstraintError,
  type IMetaStore,
  type MetaCommit,
  type MetaStoreCapabilities,
  type ResourceMeta,
} from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, makeMeta } from '../fixtures';

/** What one meta-store case receives. */
export interface MetaCaseContext {
  expect: any;
  /** A fresh, empty meta store (closed after the case). */
  store(): IMetaStore;
  declared: Partial<MetaStoreCapabilities>;
}

export interface MetaCaseDef<Name extends string = string> {
  name: Name;
  requires?: readonly (keyof MetaStoreCapabilities)[];
  run(ctx: MetaCaseContext): Promise<void>;
}

function defineMetaCases<const Name extends string>(cases: readonly MetaCaseDef<Name>[]): readonly MetaCaseDef<Name>[] {
  return cases;
}

const CONTENDERS = 6;

/** A meta whose `email` is indexed (the claimed field of these cases). */
function holder(id: string, email: unknown, n = 1, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  return makeMeta(id, n, { indexed_data: { email }, ...overrides });
}

/** Records which beforeWrite steps ran; each yields to the event loop a few times, so racing commits interleave. */
function payloads(): { ran: string[]; step(label: string): () => Promise<void> } {
  const ran: string[] = [];
  return {
    ran,
    step: (label) => async () => {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      ran.push(label);
    },
  };
}

function commit(store: IMetaStore, write: MetaCommit): Promise<void> {
  if (typeof store.commit !== 'function') throw new Error('the meta store declares atomicUnique but has no commit()');
  return store.commit(write);
}

async function race(store: IMetaStore, writes: MetaCommit[]): Promise<{ winners: number[]; losers: unknown[] }> {
  const results = await Promise.allSettled(writes.map((write) => commit(store, write)));
  const winners: number[] = [];
  const losers: unknown[] = [];
  results.forEach((result, index) => (result.status === 'fulfilled' ? winners.push(index) : losers.push(result.reason)));
  return { winners, losers };
}

/**
 * IMetaStore.commit (capability `atomicUnique`): the decision a SimpleStorage over this meta
 * store relies on, whatever store keeps the payloads.
 */
export const metaStoreCases = defineMetaCases([
  {
    name: 'meta store: capabilities are booleans and match the declared ones',
    async run({ expect, store, declared }) {
      const flags = store().capabilities ?? {};
      for (const [name, value] of Object.entries(declared)) expect({ [name]: flags[name as keyof MetaStoreCapabilities] ?? false }).toEqual({ [name]: value });
    },
  },
  {
    name: 'meta commit: a value another live meta holds is refused, nothing is written and beforeWrite does not run',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const steps = payloads();
      await commit(metas, { meta: holder('u1', 'e'), expect: { absent: true }, unique: ['email'], beforeWrite: steps.step('u1') });
      await expectError(expect, () => commit(metas, { meta: holder('u2', 'e'), expect: { absent: true }, unique: ['email'], beforeWrite: steps.step('u2') }), UniqueConstraintError, {
        field: 'email',
        value: 'e',
        conflicting_resource_id: 'u1',
      });
      expect(await metas.has('u2')).toBe(false);
      expect(steps.ran).toEqual(['u1']);
      // An unconditional write and a compare-and-set are refused the same way.
      await expectError(expect, () => commit(metas, { meta: holder('u2', 'e'), unique: ['email'] }), UniqueConstraintError, { conflicting_resource_id: 'u1' });
      await commit(metas, { meta: holder('u3', 'f'), expect: { absent: true }, unique: ['email'] });
      await expectError(expect, () => commit(metas, { meta: holder('u3', 'e', 2), expect: { current_revision_id: 'u3:1' }, unique: ['email'] }), UniqueConstraintError, {
        conflicting_resource_id: 'u1',
      });
      expect(await metas.get('u3')).toEqual(holder('u3', 'f'));
      expect(await metas.has('u2')).toBe(false);
    },
  },
  {
    name: "meta commit: nulls, deleted metas and a resource's own value claim nothing",
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      await commit(metas, { meta: holder('n1', null), expect: { absent: true }, unique: ['email'] });
      await commit(metas, { meta: holder('n2', null), expect: { absent: true }, unique: ['email'] });
      await commit(metas, { meta: holder('d1', 'e', 1, { is_deleted: true }), expect: { absent: true }, unique: ['email'] });
      await commit(metas, { meta: holder('u1', 'e'), expect: { absent: true }, unique: ['email'] });
      // Its own value: an update that keeps it is no conflict.
      await commit(metas, { meta: holder('u1', 'e', 2, { updated_time: at(5) }), expect: { current_revision_id: 'u1:1' }, unique: ['email'] });
      // Deleting frees the value; coming back to life while another holds it is refused.
      await commit(metas, { meta: holder('u1', 'e', 2, { is_deleted: true }), expect: { current_revision_id: 'u1:2' } });
      await commit(metas, { meta: holder('u2', 'e'), expect: { absent: true }, unique: ['email'] });
      await expectError(expect, () => commit(metas, { meta: holder('u1', 'e', 2), expect: { current_revision_id: 'u1:2' }, unique: ['email'] }), UniqueConstraintError, {
        conflicting_resource_id: 'u2',
      });
      expect((await metas.get('u1'))?.is_deleted).toBe(true);
      // Fields not named in `unique` are not checked.
      await commit(metas, { meta: holder('u3', 'e'), expect: { absent: true } });
      expect(await metas.has('u3')).toBe(true);
    },
  },
  {
    name: 'meta commit: a taken id or a stale revision is refused, nothing is written and beforeWrite does not run',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const steps = payloads();
      await commit(metas, { meta: holder('a', 'x'), expect: { absent: true } });
      await expectError(expect, () => commit(metas, { meta: holder('a', 'y'), expect: { absent: true }, beforeWrite: steps.step('create') }), ResourceConflictError, { resource_id: 'a' });
      await commit(metas, { meta: holder('a', 'x', 2), expect: { current_revision_id: 'a:1' } });
      await expectError(expect, () => commit(metas, { meta: holder('a', 'z', 3), expect: { current_revision_id: 'a:1' }, beforeWrite: steps.step('stale') }), RevisionMismatchError, {
        expected: 'a:1',
        actual: 'a:2',
      });
      expect(await metas.get('a')).toEqual(holder('a', 'x', 2));
      expect(steps.ran).toEqual([]);
    },
  },
  {
    name: 'meta commit: beforeWrite runs before the meta is visible; when it fails nothing is written and the value stays free',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const seen: unknown[] = [];
      await commit(metas, { meta: holder('a', 'x'), expect: { absent: true }, unique: ['email'], beforeWrite: async () => void seen.push(await metas.get('a')) });
      await commit(metas, { meta: holder('a', 'y', 2), expect: { current_revision_id: 'a:1' }, unique: ['email'], beforeWrite: async () => void seen.push((await metas.get('a'))?.current_revision_id) });
      expect(seen).toEqual([undefined, 'a:1']);
      const failing = async () => {
        throw new Error('payload store down');
      };
      await expect(commit(metas, { meta: holder('b', 'z'), expect: { absent: true }, unique: ['email'], beforeWrite: failing })).rejects.toThrow('payload store down');
      await expect(commit(metas, { meta: holder('a', 'z', 3), expect: { current_revision_id: 'a:2' }, beforeWrite: failing })).rejects.toThrow('payload store down');
      expect(await metas.has('b')).toBe(false);
      expect((await metas.get('a'))?.current_revision_id).toBe('a:2');
      await commit(metas, { meta: holder('c', 'z'), expect: { absent: true }, unique: ['email'] });
      expect(await metas.has('c')).toBe(true);
    },
  },
  {
    name: 'meta race: racing claims of one value have exactly one winner; only its beforeWrite runs',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const steps = payloads();
      const ids = Array.from({ length: CONTENDERS }, (_, i) => `c${i}`);
      const { winners, losers } = await race(metas, ids.map((id) => ({ meta: holder(id, 'taken'), expect: { absent: true }, unique: ['email'], beforeWrite: steps.step(id) })));
      expect(winners).toHaveLength(1);
      const winner = ids[winners[0]!]!;
      for (const loser of losers) {
        expect(loser).toBeInstanceOf(UniqueConstraintError);
        expect((loser as UniqueConstraintError).conflicting_resource_id).toBe(winner);
      }
      expect(steps.ran).toEqual([winner]);
      for (const id of ids) expect(await metas.has(id)).toBe(id === winner);
    },
  },
  {
    name: 'meta race: racing compare-and-set from one revision has exactly one winner; only its beforeWrite runs',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const steps = payloads();
      await commit(metas, { meta: holder('a', 'x'), expect: { absent: true } });
      const writers = Array.from({ length: CONTENDERS }, (_, i) => `w${i}`);
      const { winners, losers } = await race(
        metas,
        writers.map((w) => ({ meta: holder('a', 'x', 2, { updated_by: w }), expect: { current_revision_id: 'a:1' }, unique: ['email'], beforeWrite: steps.step(w) })),
      );
      expect(winners).toHaveLength(1);
      const winner = writers[winners[0]!]!;
      for (const loser of losers) {
        expect(loser).toBeInstanceOf(RevisionMismatchError);
        expect({ expected: (loser as RevisionMismatchError).expected, actual: (loser as RevisionMismatchError).actual }).toEqual({ expected: 'a:1', actual: 'a:2' });
      }
      expect(steps.ran).toEqual([winner]);
      expect((await metas.get('a'))?.updated_by).toBe(winner);
    },
  },
  {
    name: 'meta race: racing creates of one id have exactly one winner; only its beforeWrite runs',
    requires: ['atomicUnique'],
    async run({ expect, store }) {
      const metas = store();
      const steps = payloads();
      const writers = Array.from({ length: CONTENDERS }, (_, i) => `w${i}`);
      const { winners, losers } = await race(metas, writers.map((w) => ({ meta: holder('a', null, 1, { created_by: w }), expect: { absent: true }, beforeWrite: steps.step(w) })));
      expect(winners).toHaveLength(1);
      for (const loser of losers) expect(loser).toBeInstanceOf(ResourceConflictError);
      expect(steps.ran).toEqual([writers[winners[0]!]]);
      expect((await metas.get('a'))?.created_by).toBe(writers[winners[0]!]);
    },
  },
]);

export type MetaStoreCaseName = (typeof metaStoreCases)[number]['name'];
