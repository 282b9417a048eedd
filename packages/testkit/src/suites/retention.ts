import { NotSupportedError, ValidationError } from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, ctx, makeRevision, USERS } from '../fixtures';
import { defineGroup } from '../types';

/** A revision ref to `item` (the `x-specstar-ref` marker `ref('item', …, { refType: 'revision_id' })` writes). */
const PIN_SCHEMA = {
  title: 'pin',
  type: 'object',
  properties: { pinned: { type: 'string', 'x-specstar-ref': { resource: 'item', on_delete: 'dangling', ref_type: 'revision_id' } } },
  required: ['pinned'],
};

/**
 * Revision retention. The store case runs where the storage deletes revisions (capability
 * `revisionDelete`; a NotSupportedError skips it); the engine cases need it as well, except the
 * dry run and the bad-policy case, which delete nothing.
 */
export const retentionCases = defineGroup('retention', [
  {
    name: 'retention: deleteRevision removes every schema version of one revision and nothing else',
    async run({ expect, storage: build }) {
      const storage = build();
      const id = 'item:pruned';
      for (let n = 1; n <= 3; n++) {
        const revision = makeRevision(id, n, `{"v":${n}}`);
        await storage.saveRevision(revision.info, revision.data);
      }
      const migrated = makeRevision(id, 2, '{"v":2}', { schema_version: 'v2' });
      await storage.saveRevision(migrated.info, migrated.data);
      try {
        await storage.deleteRevision?.(id, `${id}:2`);
      } catch (error) {
        if (error instanceof NotSupportedError) return;
        throw error;
      }
      if (storage.deleteRevision === undefined) return;
      expect(await storage.listRevisions(id)).toEqual([`${id}:1`, `${id}:3`]);
      expect(await storage.listSchemaVersions(id, `${id}:2`)).toEqual([]);
      expect(await storage.getRevision(id, `${id}:2`, 'v2')).toBeUndefined();
      expect((await storage.getRevision(id, `${id}:3`, null))?.info.revision_id).toBe(`${id}:3`);
      await storage.deleteRevision(id, `${id}:9`); // unknown: a no-op
      await storage.deleteRevision('item:unknown', `item:unknown:1`);
      const stored = [];
      for await (const record of storage.iterRevisions(id)) stored.push(record.info.revision_id);
      expect(stored).toEqual([`${id}:1`, `${id}:3`]);
    },
  },
  {
    name: 'retention: prune keeps the last N, the current and pinned revisions; dry run deletes nothing',
    async run({ expect, engine }) {
      const { spec, rm } = engine();
      const pins = spec.addModel(PIN_SCHEMA, { name: 'pin' });
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      for (let n = 2; n <= 6; n++) await rm.update(id, { name: 'a', value: n }, ctx(USERS.alice, n));
      await pins.create({ pinned: `${id}:2` }, ctx(USERS.alice, 7));
      const all = [1, 2, 3, 4, 5, 6].map((n) => `${id}:${n}`);
      const policy = { retention: { keepLast: 2 } };
      const dry = await rm.prune(id, { ...policy, dryRun: true });
      expect(dry).toEqual({ pruned: 3, kept: { pinned: 1, keep_last: 1, current: 1 }, resources: 1, dryRun: true });
      expect(await rm.storage.listRevisions(id)).toEqual(all);
      let result;
      try {
        result = await rm.prune(id, policy);
      } catch (error) {
        if (error instanceof NotSupportedError) return;
        throw error;
      }
      expect(result).toEqual({ ...dry, dryRun: false });
      const left = [`${id}:2`, `${id}:5`, `${id}:6`];
      expect(await rm.storage.listRevisions(id)).toEqual(left);
      expect((await rm.listRevisions(id)).map((info) => info.revision_id)).toEqual(left);
      // The meta is untouched: the next revision id continues the count.
      const next = await rm.update(id, { name: 'a', value: 7 }, ctx(USERS.alice, 8));
      expect(next.revision_id).toBe(`${id}:7`);
      expect(await rm.prune(id, policy)).toEqual({ pruned: 1, kept: { pinned: 1, keep_last: 1, current: 1 }, resources: 1, dryRun: false });
    },
  },
  {
    name: 'retention: keepNewerThan keeps young revisions; a query prunes every match',
    async run({ expect, engine }) {
      const { rm } = engine();
      const ids: string[] = [];
      for (const name of ['a', 'b']) {
        const { resource_id: id } = await rm.create({ name, value: 1 }, ctx(USERS.alice, 0));
        for (let n = 2; n <= 4; n++) await rm.update(id, { name, value: n }, ctx(USERS.alice, n * 60));
        ids.push(id);
      }
      // At 4m30s, revisions written at 3m and 4m are younger than 2 minutes; the one at 4m is current.
      const options = { retention: { keepNewerThan: '2m' }, now: new Date(at(270).getTime()) };
      const dry = await rm.prune({}, { ...options, dryRun: true });
      expect(dry).toEqual({ pruned: 4, kept: { current: 2, keep_newer_than: 2 }, resources: 2, dryRun: true });
      try {
        await rm.prune({}, options);
      } catch (error) {
        if (error instanceof NotSupportedError) return;
        throw error;
      }
      for (const id of ids) expect(await rm.storage.listRevisions(id)).toEqual([`${id}:3`, `${id}:4`]);
    },
  },
  {
    name: 'retention: a policy that keeps nothing is refused naming the field, nothing pruned',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      await rm.update(id, { name: 'a', value: 2 }, ctx(USERS.alice, 2));
      const keepLast = await expectError(expect, () => rm.prune(id, { retention: { keepLast: 0 } }), ValidationError);
      expect(keepLast.message).toContain('retention.keepLast');
      const empty = await expectError(expect, () => rm.prune(id, { retention: {} }), ValidationError);
      expect(empty.message).toContain('would keep nothing');
      const duration = await expectError(expect, () => rm.prune(id, { retention: { keepNewerThan: '0d' } }), ValidationError);
      expect(duration.message).toContain('retention.keepNewerThan');
      expect(await rm.storage.listRevisions(id)).toEqual([`${id}:1`, `${id}:2`]);
    },
  },
]);
