import {
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionIDNotFoundError,
  RevisionMismatchError,
} from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, ctx, ids, USERS } from '../fixtures';
import { defineGroup, type ResourceManagerOf } from '../types';

/** Creates `id` and updates it twice: revisions :1 (value 1), :2 (value 2), :3 (value 3). */
async function threeRevisions(rm: ResourceManagerOf, id = 'r'): Promise<void> {
  await rm.create({ name: 'a', value: 1 }, { ...ctx(USERS.alice, 1), resourceId: id });
  await rm.update(id, { name: 'a', value: 2 }, ctx(USERS.alice, 2));
  await rm.update(id, { name: 'a', value: 3 }, ctx(USERS.alice, 3));
}

/** Engine level: switch, soft delete, restore and purge. */
export const lifecycleCases = defineGroup('engine: switch, delete, restore, purge', [
  {
    name: 'switch: to the current revision returns the meta unchanged',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const before = await rm.getMeta('r');
      const meta = await rm.switch('r', 'r:3', ctx(USERS.bob, 10));
      expect(meta).toEqual(before);
      expect((await rm.getMeta('r')).updated_time).toEqual(at(3));
    },
  },
  {
    name: 'switch: to :1 moves the current revision and keeps the count',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const meta = await rm.switch('r', 'r:1', ctx(USERS.bob, 10));
      expect(meta.current_revision_id).toBe('r:1');
      expect(meta.total_revision_count).toBe(3);
      expect(meta.updated_by).toBe(USERS.bob);
      expect(meta.updated_time).toEqual(at(10));
      expect(meta.rev_created_time).toEqual(at(1));
      expect(await rm.getMeta('r')).toEqual(meta);
      const current = await rm.get('r');
      expect(current.data).toEqual({ name: 'a', value: 1 });
      expect(current.info.revision_id).toBe('r:1');
    },
  },
  {
    name: 'switch: an update after a switch branches from the switched-to revision',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      await rm.switch('r', 'r:1', ctx(USERS.bob, 10));
      const info = await rm.update('r', { name: 'a', value: 4 }, ctx(USERS.bob, 11));
      expect(info.revision_id).toBe('r:4');
      expect(info.parent_revision_id).toBe('r:1');
      expect((await rm.getMeta('r')).total_revision_count).toBe(4);
    },
  },
  {
    name: 'switch: unknown revision and deleted resource are rejected',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const before = await rm.getMeta('r');
      await expectError(expect, () => rm.switch('r', 'r:99', ctx(USERS.bob, 10)), RevisionIDNotFoundError, {
        resource_id: 'r',
        revision_id: 'r:99',
      });
      expect(await rm.getMeta('r')).toEqual(before);
      await rm.delete('r', ctx(USERS.bob, 11));
      await expectError(expect, () => rm.switch('r', 'r:1', ctx(USERS.bob, 12)), ResourceIsDeletedError, {
        resource_id: 'r',
      });
      expect((await rm.getMeta('r', { includeDeleted: true })).current_revision_id).toBe('r:3');
    },
  },
  {
    name: 'read: unknown revision ids are RevisionIDNotFoundError',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      await expectError(expect, () => rm.get('r', { revisionId: 'r:9' }), RevisionIDNotFoundError, {
        resource_id: 'r',
        revision_id: 'r:9',
      });
      await expectError(expect, () => rm.getResourceRevision('r', 'r:9'), RevisionIDNotFoundError, {
        resource_id: 'r',
        revision_id: 'r:9',
      });
      expect((await rm.get('r', { revisionId: 'r:2' })).data).toEqual({ name: 'a', value: 2 });
      expect(await rm.revisionExists('r', 'r:2')).toBe(true);
      expect(await rm.revisionExists('r', 'r:9')).toBe(false);
      expect(await rm.revisionExists('nope', 'nope:1')).toBe(false);
      await expectError(expect, () => rm.get('nope'), ResourceIDNotFoundError, { resource_id: 'nope' });
    },
  },
  {
    name: 'delete: soft-deletes, hides from get, keeps revisions readable',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const meta = await rm.delete('r', ctx(USERS.bob, 10));
      expect(meta.is_deleted).toBe(true);
      expect(meta.updated_by).toBe(USERS.bob);
      expect(meta.updated_time).toEqual(at(10));
      expect(meta.current_revision_id).toBe('r:3');
      await expectError(expect, () => rm.get('r'), ResourceIsDeletedError, { resource_id: 'r' });
      await expectError(expect, () => rm.getMeta('r'), ResourceIsDeletedError, { resource_id: 'r' });
      expect(await rm.getMeta('r', { includeDeleted: true })).toEqual(meta);
      expect((await rm.getResourceRevision('r', 'r:1')).data).toEqual({ name: 'a', value: 1 });
      expect((await rm.getResourceRevision('r', 'r:3')).data).toEqual({ name: 'a', value: 3 });
      expect(await rm.exists('r')).toBe(true);
    },
  },
  {
    name: 'delete: a second delete is ResourceIsDeletedError',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const meta = await rm.delete('r', ctx(USERS.bob, 10));
      await expectError(expect, () => rm.delete('r', ctx(USERS.bob, 11)), ResourceIsDeletedError, { resource_id: 'r' });
      expect(await rm.getMeta('r', { includeDeleted: true })).toEqual(meta);
    },
  },
  {
    name: 'restore: clears the flag; on a live resource changes nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      await rm.delete('r', ctx(USERS.bob, 10));
      const restored = await rm.restore('r', ctx(USERS.carol, 11));
      expect(restored.is_deleted).toBe(false);
      expect(restored.updated_by).toBe(USERS.carol);
      expect(restored.updated_time).toEqual(at(11));
      expect((await rm.get('r')).data).toEqual({ name: 'a', value: 3 });
      const again = await rm.restore('r', ctx(USERS.dave, 12));
      expect(again).toEqual(restored);
      expect((await rm.getMeta('r')).updated_time).toEqual(at(11));
    },
  },
  {
    name: 'lifecycle: delete, restore and permanentlyDelete of an unknown id',
    async run({ expect, engine }) {
      const { rm } = engine();
      for (const action of [
        () => rm.delete('ghost', ctx(USERS.bob, 1)),
        () => rm.restore('ghost', ctx(USERS.bob, 1)),
        () => rm.permanentlyDelete('ghost', ctx(USERS.bob, 1)),
      ]) {
        await expectError(expect, action, ResourceIDNotFoundError, { resource_id: 'ghost' });
      }
    },
  },
  {
    name: 'purge: permanentlyDelete removes meta, revisions and search presence',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      await rm.create({ name: 'other' }, { ...ctx(USERS.alice, 4), resourceId: 'keep' });
      const deleted = await rm.delete('r', ctx(USERS.bob, 10));
      const purged = await rm.permanentlyDelete('r', ctx(USERS.bob, 11));
      expect(purged).toEqual(deleted);
      expect(purged.is_deleted).toBe(true);
      expect(await rm.exists('r')).toBe(false);
      await expectError(expect, () => rm.get('r'), ResourceIDNotFoundError, { resource_id: 'r' });
      await expectError(expect, () => rm.getMeta('r', { includeDeleted: true }), ResourceIDNotFoundError, {
        resource_id: 'r',
      });
      await expectError(expect, () => rm.restore('r', ctx(USERS.bob, 12)), ResourceIDNotFoundError, {
        resource_id: 'r',
      });
      expect(ids(await rm.searchResources({ limit: 100 }))).toEqual(['keep']);
      expect(await rm.count({})).toBe(1);
      expect(await rm.storage.listRevisions('r')).toEqual([]);
      expect(await rm.storage.listRevisions('keep')).toEqual(['keep:1']);
    },
  },
  {
    name: 'purge: permanentlyDelete of a live resource returns its meta',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const before = await rm.getMeta('r');
      expect(await rm.permanentlyDelete('r', ctx(USERS.bob, 10))).toEqual(before);
      expect(await rm.exists('r')).toBe(false);
    },
  },
  {
    name: 'revisions: one create and two updates list exactly three revisions',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      expect([...(await rm.listRevisionIds('r'))].sort()).toEqual(['r:1', 'r:2', 'r:3']);
      const infos = await rm.listRevisions('r');
      expect(infos.map((info) => info.revision_id).sort()).toEqual(['r:1', 'r:2', 'r:3']);
      const byId = new Map(infos.map((info) => [info.revision_id, info]));
      expect(byId.get('r:2')?.parent_revision_id).toBe('r:1');
      expect(byId.get('r:3')?.parent_revision_id).toBe('r:2');
    },
  },
  {
    name: 'diff: parent → current by default, any two revisions on request, unknown revisions not found',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      expect(await rm.diff('r')).toEqual([{ op: 'replace', path: '/value', value: 3 }]);
      expect(await rm.diff('r', 'r:3', 'r:1')).toEqual([{ op: 'replace', path: '/value', value: 1 }]);
      expect(await rm.diff('r', 'r:2', 'r:2')).toEqual([]);
      await expectError(expect, () => rm.diff('r', 'r:9'), RevisionIDNotFoundError, { revision_id: 'r:9' });
    },
  },
  {
    name: 'If-Match: switch, delete, restore and purge with a stale expectRevisionId write nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      await threeRevisions(rm);
      const stale = { ...ctx(USERS.bob, 10), expectRevisionId: 'r:2' };
      await expectError(expect, () => rm.switch('r', 'r:1', stale), RevisionMismatchError);
      await expectError(expect, () => rm.delete('r', stale), RevisionMismatchError);
      await expectError(expect, () => rm.permanentlyDelete('r', stale), RevisionMismatchError);
      expect(await rm.getMeta('r')).toMatchObject({ current_revision_id: 'r:3', is_deleted: false, updated_time: at(3) });
      await rm.delete('r', { ...ctx(USERS.bob, 11), expectRevisionId: 'r:3' });
      await expectError(expect, () => rm.restore('r', stale), RevisionMismatchError);
      expect((await rm.getMeta('r', { includeDeleted: true })).is_deleted).toBe(true);
    },
  },
]);
