import {
  ResourceConflictError,
  ResourceIDNotFoundError,
  RevisionMismatchError,
  type IStorage,
  type ResourceMeta,
  type StoredRevision,
} from '@specstar/interfaces';
import { caught, expectError } from '../assert';
import {
  at,
  bytes,
  collect,
  fullQuery,
  hex,
  makeInfo,
  makeMeta,
  makeRevision,
  sortedIds,
  uidFor,
  USERS,
} from '../fixtures';
import { defineGroup, type CapabilityName } from '../types';

const CAPABILITY_NAMES: readonly CapabilityName[] = [
  'search',
  'compareAndSet',
  'createIfAbsent',
  'batchWrite',
  'atomicCommit',
  'atomicUnique',
];

/** Creates resource `id` at revision :1 (meta + revision) through an expect-absent commit. */
async function createOne(storage: IStorage, id: string, payload = '{"v":1}'): Promise<StoredRevision> {
  const revision = makeRevision(id, 1, payload);
  await storage.commit({ revision, meta: makeMeta(id, 1), expect: { absent: true } });
  return revision;
}

/** Comparable form of a revision: its info plus the hex of its bytes. */
function plain(revision: StoredRevision | undefined): unknown {
  return revision && { info: revision.info, data: hex(revision.data) };
}

/** Sort key for (revision, schema version) pairs; null versions sort first. */
function revisionKey(revision: StoredRevision): string {
  return `${revision.info.revision_id}|${revision.info.schema_version === null ? '' : `v:${revision.info.schema_version}`}`;
}

/** A meta using every field and every JSON type in indexed_data. */
function richMeta(id: string): ResourceMeta {
  return makeMeta(id, 3, {
    schema_version: 'v2',
    created_by: USERS.carol,
    updated_by: USERS.dave,
    is_deleted: true,
    indexed_data: {
      text: 'héllo wörld ✓ "quoted" \\ back',
      int: 42,
      negative: -7,
      float: 0.125,
      big: 9007199254740991,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two', null, [3], { four: 4 }],
      empty_list: [],
      map: { nested: { deep: ['x'] }, n: 1 },
      empty_map: {},
      when: '2025-03-01T10:00:00.123Z',
      'dotted.key': 'literal',
    },
    rev_status: 'draft',
    rev_created_by: USERS.bob,
    rev_updated_by: USERS.dave,
    rev_created_time: at(2),
    rev_updated_time: at(3),
  });
}

/** Store level: the IStorage contract of interfaces/storage.ts (no search semantics). */
export const storeContractCases = defineGroup('store: storage contract', [
  {
    name: 'store: capabilities are booleans and match the declared ones',
    async run({ expect, storage, declared }) {
      const store = storage();
      for (const name of CAPABILITY_NAMES) {
        expect({ [name]: typeof store.capabilities[name] }).toEqual({ [name]: 'boolean' });
      }
      // Gated groups run on the declared flags, so a declaration must not overstate or hide one.
      for (const [name, value] of Object.entries(declared)) {
        expect({ [name]: store.capabilities[name as CapabilityName] }).toEqual({ [name]: value });
      }
    },
  },
  {
    name: 'store: an empty store reads as empty',
    async run({ expect, storage }) {
      const store = storage();
      expect(await store.exists('x')).toBe(false);
      expect(await store.getMeta('x')).toBeUndefined();
      expect(await store.listRevisions('x')).toEqual([]);
      expect(await store.listSchemaVersions('x', 'x:1')).toEqual([]);
      expect(await store.revisionExists('x', 'x:1', null)).toBe(false);
      expect(await store.getRevision('x', 'x:1', null)).toBeUndefined();
      expect(await store.getRevisionInfo('x', 'x:1', null)).toBeUndefined();
      expect(await store.search(fullQuery({}))).toEqual([]);
      expect(await store.count(fullQuery({}))).toBe(0);
      expect(await collect(store.iterMetas())).toEqual([]);
      expect(await collect(store.iterRevisions('x'))).toEqual([]);
    },
  },
  {
    name: 'store: commit expecting absence writes the revision and the meta',
    async run({ expect, storage }) {
      const store = storage();
      const revision = await createOne(store, 'a');
      expect(await store.exists('a')).toBe(true);
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 1));
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(revision));
      expect(await store.getRevisionInfo('a', 'a:1', null)).toEqual(revision.info);
      expect(await store.revisionExists('a', 'a:1', null)).toBe(true);
      expect(await store.listRevisions('a')).toEqual(['a:1']);
      expect(await store.listSchemaVersions('a', 'a:1')).toEqual([null]);
    },
  },
  {
    name: 'store: commit expecting absence on an existing id conflicts and writes nothing',
    async run({ expect, storage }) {
      const store = storage();
      const original = await createOne(store, 'a', '{"v":"original"}');
      const intruder = makeRevision('a', 1, '{"v":"intruder"}', { uid: uidFor('a', 1, null, 9), created_by: USERS.bob });
      const extra = makeRevision('a', 7, '{"v":"extra"}');
      await expectError(
        expect,
        () => store.commit({ revision: intruder, meta: makeMeta('a', 1, { created_by: USERS.bob }), expect: { absent: true } }),
        ResourceConflictError,
        { resource_id: 'a' },
      );
      await expectError(
        expect,
        () => store.commit({ revision: extra, meta: makeMeta('a', 7), expect: { absent: true } }),
        ResourceConflictError,
        { resource_id: 'a' },
      );
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 1));
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(original));
      expect(await store.listRevisions('a')).toEqual(['a:1']);
      expect(await store.revisionExists('a', 'a:7', null)).toBe(false);
    },
  },
  {
    name: 'store: compare-and-set commit at the expected revision',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      const second = makeRevision('a', 2, '{"v":2}');
      await store.commit({ revision: second, meta: makeMeta('a', 2), expect: { current_revision_id: 'a:1' } });
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 2));
      expect(plain(await store.getRevision('a', 'a:2', null))).toEqual(plain(second));
      expect(await store.listRevisions('a')).toEqual(['a:1', 'a:2']);
    },
  },
  {
    name: 'store: compare-and-set mismatch is RevisionMismatchError and writes nothing',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      await expectError(
        expect,
        () =>
          store.commit({
            revision: makeRevision('a', 2, '{"v":2}'),
            meta: makeMeta('a', 2),
            expect: { current_revision_id: 'a:0' },
          }),
        RevisionMismatchError,
        { resource_id: 'a', expected: 'a:0', actual: 'a:1' },
      );
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 1));
      expect(await store.listRevisions('a')).toEqual(['a:1']);
      expect(await store.getRevision('a', 'a:2', null)).toBeUndefined();
    },
  },
  {
    name: 'store: compare-and-set on an absent id fails and writes nothing',
    async run({ expect, storage }) {
      const store = storage();
      const error = await caught(() =>
        store.commit({
          revision: makeRevision('a', 2, '{"v":2}'),
          meta: makeMeta('a', 2),
          expect: { current_revision_id: 'a:1' },
        }),
      );
      // Either class is a faithful report of "not at a:1": the contract does not pick one.
      const accepted = error instanceof ResourceIDNotFoundError || (error instanceof RevisionMismatchError && error.actual === null);
      expect({ error: String(error), accepted }).toEqual({ error: String(error), accepted: true });
      expect(await store.exists('a')).toBe(false);
      expect(await store.listRevisions('a')).toEqual([]);
    },
  },
  {
    name: 'store: commit without expectation upserts; a meta-only commit keeps revisions',
    async run({ expect, storage }) {
      const store = storage();
      await store.commit({ revision: makeRevision('a', 1, '{"v":1}'), meta: makeMeta('a', 1) });
      await store.commit({ revision: makeRevision('a', 2, '{"v":2}'), meta: makeMeta('a', 2) });
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 2));
      const deleted = makeMeta('a', 2, { is_deleted: true, updated_time: at(9) });
      await store.commit({ meta: deleted });
      expect(await store.getMeta('a')).toEqual(deleted);
      expect(await store.listRevisions('a')).toEqual(['a:1', 'a:2']);
    },
  },
  {
    name: 'store: metas round-trip every field and indexed_data type',
    async run({ expect, storage }) {
      const store = storage();
      const meta = richMeta('rich');
      await store.commit({ meta, expect: { absent: true } });
      const got = await store.getMeta('rich');
      expect(got).toEqual(meta);
      expect(got?.created_time).toBeInstanceOf(Date);
      expect(got?.rev_updated_time).toBeInstanceOf(Date);
      expect(await store.search(fullQuery({}))).toEqual([meta]);
    },
  },
  {
    name: 'store: unset optional meta fields stay unset',
    async run({ expect, storage }) {
      const store = storage();
      const meta: ResourceMeta = {
        current_revision_id: 'old:1',
        resource_id: 'old',
        schema_version: null,
        total_revision_count: 1,
        created_time: at(1),
        updated_time: at(1),
        created_by: USERS.alice,
        updated_by: USERS.alice,
        is_deleted: false,
      };
      await store.commit({ meta });
      const got = await store.getMeta('old');
      expect(got).toEqual(meta);
      for (const key of ['indexed_data', 'rev_status', 'rev_created_by', 'rev_updated_by', 'rev_created_time', 'rev_updated_time'] as const) {
        expect({ [key]: got?.[key] }).toEqual({ [key]: undefined });
      }
      expect(got?.schema_version).toBeNull();
    },
  },
  {
    name: 'store: revision infos and bytes round-trip exactly',
    async run({ expect, storage }) {
      const store = storage();
      const allBytes = new Uint8Array(256).map((_, index) => index);
      const migrated = {
        info: makeInfo('a', 1, {
          schema_version: 'v2',
          parent_schema_version: 'v1',
          status: 'draft',
          updated_time: at(5),
          updated_by: USERS.bob,
          uid: uidFor('a', 1, 'v2'),
        }),
        data: allBytes,
      };
      const { data_hash: _omitted, ...withoutHash } = makeInfo('a', 2);
      const unhashed = { info: { ...withoutHash, parent_schema_version: null }, data: new Uint8Array(0) };
      await store.saveRevision(migrated.info, migrated.data);
      await store.saveRevision(unhashed.info, unhashed.data);
      expect(plain(await store.getRevision('a', 'a:1', 'v2'))).toEqual(plain(migrated));
      const gotUnhashed = await store.getRevision('a', 'a:2', null);
      expect(plain(gotUnhashed)).toEqual(plain(unhashed));
      expect(gotUnhashed?.info.data_hash).toBeUndefined();
      expect(gotUnhashed?.info.parent_schema_version).toBeNull();
      expect(gotUnhashed?.info.created_time).toBeInstanceOf(Date);
    },
  },
  {
    name: 'store: unknown keys read as undefined',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      expect(await store.getRevision('a', 'a:2', null)).toBeUndefined();
      expect(await store.getRevision('a', 'a:1', 'v1')).toBeUndefined();
      expect(await store.getRevision('b', 'a:1', null)).toBeUndefined();
      expect(await store.getRevisionInfo('a', 'a:2', null)).toBeUndefined();
      expect(await store.getRevisionInfo('a', 'a:1', 'v1')).toBeUndefined();
      expect(await store.revisionExists('a', 'a:1', 'v1')).toBe(false);
      expect(await store.listSchemaVersions('a', 'a:2')).toEqual([]);
      expect(await store.getMeta('b')).toBeUndefined();
    },
  },
  {
    name: 'store: a null schema version is a key of its own',
    async run({ expect, storage }) {
      const store = storage();
      const unversioned = makeRevision('a', 1, 'null-version');
      const v1 = makeRevision('a', 1, 'v1-version', { schema_version: 'v1', uid: uidFor('a', 1, 'v1') });
      const v10 = makeRevision('a', 1, 'v10-version', { schema_version: 'v10', uid: uidFor('a', 1, 'v10') });
      for (const revision of [unversioned, v1, v10]) await store.saveRevision(revision.info, revision.data);
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(unversioned));
      expect(plain(await store.getRevision('a', 'a:1', 'v1'))).toEqual(plain(v1));
      expect(plain(await store.getRevision('a', 'a:1', 'v10'))).toEqual(plain(v10));
      expect(await store.revisionExists('a', 'a:1', null)).toBe(true);
      expect(await store.revisionExists('a', 'a:1', 'null')).toBe(false);
      const versions = await store.listSchemaVersions('a', 'a:1');
      expect(versions).toHaveLength(3);
      expect(versions).toEqual(expect.arrayContaining([null, 'v1', 'v10']));
      expect(await store.listRevisions('a')).toEqual(['a:1']);
    },
  },
  {
    name: 'store: saving under an existing key replaces the record',
    async run({ expect, storage }) {
      const store = storage();
      const first = makeRevision('a', 1, 'first');
      const second = makeRevision('a', 1, 'second', { uid: uidFor('a', 1, null, 2), status: 'draft', updated_time: at(4) });
      await store.saveRevision(first.info, first.data);
      await store.saveRevision(second.info, second.data);
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(second));
      expect(await store.getRevisionInfo('a', 'a:1', null)).toEqual(second.info);
      expect(await store.listRevisions('a')).toEqual(['a:1']);
      expect(await store.listSchemaVersions('a', 'a:1')).toEqual([null]);
      expect((await collect(store.iterRevisions('a'))).map(plain)).toEqual([plain(second)]);
    },
  },
  {
    name: 'store: listRevisions is in write order',
    async run({ expect, storage }) {
      const store = storage();
      const order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
      for (const n of order) {
        const revision = makeRevision('a', n, `{"n":${n}}`);
        await store.saveRevision(revision.info, revision.data);
      }
      // Re-saving and saving under another version do not move or repeat a revision.
      const again = makeRevision('a', 2, 'again', { uid: uidFor('a', 2, null, 1) });
      await store.saveRevision(again.info, again.data);
      const migrated = makeRevision('a', 3, 'migrated', { schema_version: 'v2', uid: uidFor('a', 3, 'v2') });
      await store.saveRevision(migrated.info, migrated.data);
      expect(await store.listRevisions('a')).toEqual(order.map((n) => `a:${n}`));
      expect(await store.listRevisions('b')).toEqual([]);
    },
  },
  {
    name: 'store: purgeResource removes the meta and every revision of that resource only',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      await store.commit({ revision: makeRevision('a', 2, '2'), meta: makeMeta('a', 2), expect: { current_revision_id: 'a:1' } });
      const v2 = makeRevision('a', 1, 'v2', { schema_version: 'v2', uid: uidFor('a', 1, 'v2') });
      await store.saveRevision(v2.info, v2.data);
      const kept = await createOne(store, 'b');
      await store.purgeResource('a');
      expect(await store.exists('a')).toBe(false);
      expect(await store.getMeta('a')).toBeUndefined();
      expect(await store.listRevisions('a')).toEqual([]);
      expect(await store.getRevision('a', 'a:1', null)).toBeUndefined();
      expect(await store.getRevision('a', 'a:1', 'v2')).toBeUndefined();
      expect(await store.listSchemaVersions('a', 'a:1')).toEqual([]);
      expect(await collect(store.iterRevisions('a'))).toEqual([]);
      expect(sortedIds(await store.search(fullQuery({})))).toEqual(['b']);
      expect(await store.getMeta('b')).toEqual(makeMeta('b', 1));
      expect(plain(await store.getRevision('b', 'b:1', null))).toEqual(plain(kept));
    },
  },
  {
    name: 'store: purgeResource of an unknown id is a no-op',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'b');
      await store.purgeResource('a');
      expect(await store.getMeta('b')).toEqual(makeMeta('b', 1));
      expect(await store.count(fullQuery({}))).toBe(1);
    },
  },
  {
    name: 'store: a resource can be re-created after purgeResource',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a', 'old');
      await store.purgeResource('a');
      const fresh = await createOne(store, 'a', 'new');
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(fresh));
      expect(await store.listRevisions('a')).toEqual(['a:1']);
    },
  },
  {
    name: 'store: purgeMeta removes only the meta',
    async run({ expect, storage }) {
      const store = storage();
      const revision = await createOne(store, 'a');
      await store.purgeMeta('a');
      expect(await store.exists('a')).toBe(false);
      expect(await store.getMeta('a')).toBeUndefined();
      expect(await store.count(fullQuery({}))).toBe(0);
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(revision));
      expect(await store.listRevisions('a')).toEqual(['a:1']);
    },
  },
  {
    name: 'store: iterMetas lists every meta or the existing ones of the given ids',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      await createOne(store, 'b');
      await store.commit({ meta: makeMeta('c', 1, { is_deleted: true }) });
      expect(sortedIds(await collect(store.iterMetas()))).toEqual(['a', 'b', 'c']);
      expect(sortedIds(await collect(store.iterMetas(['c', 'missing', 'a'])))).toEqual(['a', 'c']);
      expect(await collect(store.iterMetas([]))).toEqual([]);
      const [deleted] = await collect(store.iterMetas(['c']));
      expect(deleted).toEqual(makeMeta('c', 1, { is_deleted: true }));
    },
  },
  {
    name: 'store: iterRevisions yields every revision under every schema version',
    async run({ expect, storage }) {
      const store = storage();
      const records = [
        makeRevision('a', 1, 'one'),
        makeRevision('a', 1, 'one-v2', { schema_version: 'v2', uid: uidFor('a', 1, 'v2') }),
        makeRevision('a', 2, 'two'),
      ];
      for (const record of records) await store.saveRevision(record.info, record.data);
      await store.saveRevision(makeInfo('b', 1), bytes('other'));
      const got = await collect(store.iterRevisions('a'));
      const sortByKey = (list: StoredRevision[]) => [...list].sort((x, y) => revisionKey(x).localeCompare(revisionKey(y)));
      expect(sortByKey(got).map(plain)).toEqual(sortByKey(records).map(plain));
    },
  },
  {
    name: 'store: saveMetas and saveRevisions write in bulk and upsert',
    async run({ expect, storage }) {
      const store = storage();
      await createOne(store, 'a');
      const metas = [makeMeta('a', 2, { updated_by: USERS.bob }), makeMeta('b', 1), makeMeta('c', 1, { is_deleted: true })];
      await store.saveMetas(metas);
      const revisions = [makeRevision('a', 2, 'a2'), makeRevision('b', 1, 'b1'), makeRevision('c', 1, 'c1')];
      await store.saveRevisions(revisions);
      for (const meta of metas) expect(await store.getMeta(meta.resource_id)).toEqual(meta);
      for (const revision of revisions) {
        expect(plain(await store.getRevision(revision.info.resource_id, revision.info.revision_id, null))).toEqual(plain(revision));
      }
      expect(await store.listRevisions('a')).toEqual(['a:1', 'a:2']);
      expect(await store.count(fullQuery({}))).toBe(3);
      await store.saveMetas([]);
      await store.saveRevisions([]);
      expect(await store.count(fullQuery({}))).toBe(3);
    },
  },
  {
    name: 'store: saveMetas of many metas',
    async run({ expect, storage }) {
      const store = storage();
      const metas = Array.from({ length: 250 }, (_, i) =>
        makeMeta(`m${String(i).padStart(3, '0')}`, 1, { indexed_data: { i, even: i % 2 === 0 } }),
      );
      await store.saveMetas(metas);
      expect(await store.count(fullQuery({}))).toBe(250);
      expect(await store.count(fullQuery({ conditions: [{ type: 'DataSearchCondition', field_path: 'even', operator: 'eq', value: true, transform: null }] }))).toBe(125);
      const page = await store.search(fullQuery({ offset: 240, limit: 20 }));
      expect(page.map((meta) => meta.resource_id)).toEqual(metas.slice(240).map((meta) => meta.resource_id));
    },
  },
  {
    name: 'store: callers cannot mutate a stored meta through returned objects',
    async run({ expect, storage }) {
      const store = storage();
      // commit() owns what it is given (IStorage contract), so only returned objects are mutated.
      await store.commit({ meta: makeMeta('a', 1, { indexed_data: { name: 'x' } }), expect: { absent: true } });
      const got = (await store.getMeta('a'))!;
      got.current_revision_id = 'mutated';
      got.indexed_data!.name = 'returned';
      const [searched] = await store.search(fullQuery({}));
      searched!.updated_by = 'mutated';
      searched!.indexed_data!.extra = 'searched';
      expect(await store.getMeta('a')).toEqual(makeMeta('a', 1, { indexed_data: { name: 'x' } }));
    },
  },
  {
    name: 'store: nested indexed values are not shared with callers',
    async run({ expect, storage }) {
      const store = storage();
      await store.commit({ meta: makeMeta('a', 1, { indexed_data: { tags: ['x'], map: { k: 1 } } }), expect: { absent: true } });
      const got = (await store.getMeta('a'))!;
      (got.indexed_data!.tags as string[]).push('returned');
      (got.indexed_data!.map as Record<string, number>).k = 99;
      const [searched] = await store.search(fullQuery({}));
      (searched!.indexed_data!.tags as string[]).push('searched');
      expect((await store.getMeta('a'))?.indexed_data).toEqual({ tags: ['x'], map: { k: 1 } });
    },
  },
  {
    name: 'store: callers cannot mutate a stored revision through given or returned objects',
    async run({ expect, storage }) {
      const store = storage();
      const revision = makeRevision('a', 1, 'abc');
      await store.saveRevision(revision.info, revision.data);
      revision.data[0] = 0;
      revision.info.status = 'draft';
      // Returned bytes are read-only by contract; the returned info is the caller's own.
      const read = (await store.getRevision('a', 'a:1', null))!;
      read.info.updated_by = 'mutated';
      const info = (await store.getRevisionInfo('a', 'a:1', null))!;
      info.created_by = 'mutated';
      expect(plain(await store.getRevision('a', 'a:1', null))).toEqual(plain(makeRevision('a', 1, 'abc')));
    },
  },
  {
    name: 'store: storages of different models are independent',
    async run({ expect, storage }) {
      const items = storage('item');
      const others = storage('other');
      await createOne(items, 'a', 'item-a');
      expect(await others.exists('a')).toBe(false);
      expect(await others.count(fullQuery({}))).toBe(0);
      const other = await createOne(others, 'a', 'other-a');
      expect(plain(await others.getRevision('a', 'a:1', null))).toEqual(plain(other));
      expect(hex((await items.getRevision('a', 'a:1', null))?.data)).toBe(hex(bytes('item-a')));
    },
  },
]);
