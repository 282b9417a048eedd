import {
  ResourceConflictError,
  RevisionMismatchError,
  UniqueConstraintError,
  type IStorage,
  type StorageWrite,
} from '@specstar/interfaces';
import { hex, makeMeta, makeRevision, uidFor, USERS } from '../fixtures';
import { defineGroup } from '../types';

const CONTENDERS = [USERS.alice, USERS.bob, USERS.carol, USERS.dave];

/** Writes for the same resource and revision id that differ by writer (meta and bytes). */
function contenders(n: number, expectation: StorageWrite['expect']): StorageWrite[] {
  return CONTENDERS.map((user, index) => ({
    revision: makeRevision('a', n, `{"by":"${user}"}`, { uid: uidFor('a', n, null, index + 1), created_by: user, updated_by: user }),
    meta: makeMeta('a', n, { updated_by: user }),
    expect: expectation,
  }));
}

interface RaceOutcome {
  winners: StorageWrite[];
  losers: unknown[];
}

async function race(store: IStorage, writes: StorageWrite[]): Promise<RaceOutcome> {
  const results = await Promise.allSettled(writes.map((write) => store.commit(write)));
  const winners: StorageWrite[] = [];
  const losers: unknown[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') winners.push(writes[index]!);
    else losers.push(result.reason);
  });
  return { winners, losers };
}

/**
 * Store level, gated on capabilities: concurrent writers with the same expectation. With
 * `createIfAbsent` / `compareAndSet` exactly one wins and the meta is the winner's; with
 * `atomicCommit` the revision record is the winner's too (no loser's bytes under its id).
 */
export const storeRaceCases = defineGroup('store: concurrent writers (capability-gated)', [
  {
    name: 'race: concurrent creates of one id have exactly one winner',
    requires: ['createIfAbsent'],
    async run({ expect, storage }) {
      const store = storage();
      const { winners, losers } = await race(store, contenders(1, { absent: true }));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(CONTENDERS.length - 1);
      for (const loser of losers) expect(loser).toBeInstanceOf(ResourceConflictError);
      expect(await store.getMeta('a')).toEqual(winners[0]!.meta);
    },
  },
  {
    name: 'race: concurrent compare-and-set updates have exactly one winner',
    requires: ['compareAndSet'],
    async run({ expect, storage }) {
      const store = storage();
      const base = makeRevision('a', 1, '{"base":true}');
      await store.commit({ revision: base, meta: makeMeta('a', 1), expect: { absent: true } });
      const { winners, losers } = await race(store, contenders(2, { current_revision_id: 'a:1' }));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(CONTENDERS.length - 1);
      for (const loser of losers) {
        expect(loser).toBeInstanceOf(RevisionMismatchError);
        expect((loser as RevisionMismatchError).expected).toBe('a:1');
      }
      expect(await store.getMeta('a')).toEqual(winners[0]!.meta);
    },
  },
  {
    name: 'race: an atomic create keeps the winner revision under its id',
    requires: ['createIfAbsent', 'atomicCommit'],
    async run({ expect, storage }) {
      const store = storage();
      const { winners } = await race(store, contenders(1, { absent: true }));
      expect(winners).toHaveLength(1);
      const stored = await store.getRevision('a', 'a:1', null);
      expect(stored?.info).toEqual(winners[0]!.revision!.info);
      expect(hex(stored?.data)).toBe(hex(winners[0]!.revision!.data));
    },
  },
  {
    name: 'race: an atomic compare-and-set keeps the winner revision under its id',
    requires: ['compareAndSet', 'atomicCommit'],
    async run({ expect, storage }) {
      const store = storage();
      await store.commit({ revision: makeRevision('a', 1, '{}'), meta: makeMeta('a', 1), expect: { absent: true } });
      const { winners } = await race(store, contenders(2, { current_revision_id: 'a:1' }));
      expect(winners).toHaveLength(1);
      const stored = await store.getRevision('a', 'a:2', null);
      expect(stored?.info).toEqual(winners[0]!.revision!.info);
      expect(hex(stored?.data)).toBe(hex(winners[0]!.revision!.data));
      expect(await store.listRevisions('a')).toEqual(['a:1', 'a:2']);
    },
  },
  {
    name: "race: a concurrent write that fails its own check does not fail the others'",
    requires: ['createIfAbsent', 'compareAndSet'],
    async run({ expect, storage }) {
      const store = storage();
      const atomicUnique = store.capabilities.atomicUnique;
      const code = (id: string) => ({ indexed_data: { code: `code-${id}` } });
      for (const id of ['taken', 'moved']) {
        await store.commit({ revision: makeRevision(id, 1, '{}'), meta: makeMeta(id, 1, code(id)), expect: { absent: true } });
      }
      const fresh = ['b', 'c', 'd', 'e'].map((id) => ({
        revision: makeRevision(id, 1, `{"id":"${id}"}`),
        meta: makeMeta(id, 1, code(id)),
        expect: { absent: true } as const,
        unique: ['code'],
      }));
      const doomed: StorageWrite[] = [
        { revision: makeRevision('taken', 1, '{"again":true}'), meta: makeMeta('taken', 1), expect: { absent: true } },
        { revision: makeRevision('moved', 2, '{}'), meta: makeMeta('moved', 2), expect: { current_revision_id: 'moved:0' } },
      ];
      // A taken unique value is refused inside the commit only by stores that enforce claims themselves.
      if (atomicUnique) {
        doomed.push({ revision: makeRevision('f', 1, '{}'), meta: makeMeta('f', 1, code('taken')), expect: { absent: true }, unique: ['code'] });
      }
      // Interleaved, so failing writes sit between succeeding ones in whatever batch a store makes.
      const writes: StorageWrite[] = [fresh[0]!, doomed[0]!, fresh[1]!, doomed[1]!, fresh[2]!, ...doomed.slice(2), fresh[3]!];
      const results = await Promise.allSettled(writes.map((write) => store.commit(write)));
      const statuses = results.map((result, index) => `${writes[index]!.meta.resource_id}: ${result.status}`);
      expect(statuses).toEqual(writes.map((write) => `${write.meta.resource_id}: ${fresh.includes(write as (typeof fresh)[number]) ? 'fulfilled' : 'rejected'}`));
      const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      expect(reasons[0]).toBeInstanceOf(ResourceConflictError);
      expect(reasons[1]).toBeInstanceOf(RevisionMismatchError);
      if (atomicUnique) expect(reasons[2]).toBeInstanceOf(UniqueConstraintError);
      for (const write of fresh) {
        expect(await store.getMeta(write.meta.resource_id)).toEqual(write.meta);
        const stored = await store.getRevision(write.meta.resource_id, write.meta.current_revision_id, null);
        expect(hex(stored?.data)).toBe(hex(write.revision.data));
      }
      // The refused writes left what was there.
      expect((await store.getMeta('taken'))?.current_revision_id).toBe('taken:1');
      expect(hex((await store.getRevision('taken', 'taken:1', null))?.data)).toBe(hex(makeRevision('taken', 1, '{}').data));
      expect((await store.getMeta('moved'))?.current_revision_id).toBe('moved:1');
      expect(await store.listRevisions('moved')).toEqual(['moved:1']);
      expect(await store.exists('f')).toBe(false);
    },
  },
]);
