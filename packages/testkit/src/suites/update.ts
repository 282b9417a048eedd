import {
  PatchError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  ValidationError,
} from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, ctx, USERS } from '../fixtures';
import { defineGroup } from '../types';

/** Engine level: update, patch and create-or-update. */
export const updateCases = defineGroup('engine: update and patch', [
  {
    name: 'update: new data appends :2 with parent :1 and keeps created_*',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      const info = await rm.update(id, { name: 'a', value: 2 }, ctx(USERS.bob, 2));
      expect(info.revision_id).toBe(`${id}:2`);
      expect(info.parent_revision_id).toBe(`${id}:1`);
      expect(info.created_by).toBe(USERS.bob);
      expect(info.created_time).toEqual(at(2));
      const meta = await rm.getMeta(id);
      expect(meta.current_revision_id).toBe(`${id}:2`);
      expect(meta.total_revision_count).toBe(2);
      expect(meta.created_by).toBe(USERS.alice);
      expect(meta.created_time).toEqual(at(1));
      expect(meta.updated_by).toBe(USERS.bob);
      expect(meta.updated_time).toEqual(at(2));
      expect((await rm.get(id)).data).toEqual({ name: 'a', value: 2 });
    },
  },
  {
    name: 'update: identical data is a no-op returning the current info',
    async run({ expect, engine }) {
      const { rm } = engine();
      const created = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      const metaBefore = await rm.getMeta(created.resource_id);
      const info = await rm.update(created.resource_id, { value: 1, name: 'a' }, ctx(USERS.bob, 2));
      expect(info).toEqual(created);
      expect(await rm.getMeta(created.resource_id)).toEqual(metaBefore);
      expect(await rm.listRevisionIds(created.resource_id)).toEqual([created.revision_id]);
    },
  },
  {
    name: 'update: deleted resource and unknown id are rejected',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      await rm.delete(id, ctx(USERS.alice, 2));
      await expectError(expect, () => rm.update(id, { name: 'b' }, ctx(USERS.alice, 3)), ResourceIsDeletedError, {
        resource_id: id,
      });
      await expectError(
        expect,
        () => rm.update('item:unknown', { name: 'b' }, ctx(USERS.alice, 3)),
        ResourceIDNotFoundError,
        { resource_id: 'item:unknown' },
      );
      expect(await rm.listRevisionIds(id)).toEqual([`${id}:1`]);
    },
  },
  {
    name: 'patch: replace /value makes a new revision keeping the other fields',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create(
        { name: 'a', value: 1, tags: ['t'], note: 'n' },
        ctx(USERS.alice, 1),
      );
      const info = await rm.patch(id, [{ op: 'replace', path: '/value', value: 5 }], ctx(USERS.bob, 2));
      expect(info.revision_id).toBe(`${id}:2`);
      expect(info.parent_revision_id).toBe(`${id}:1`);
      expect(info.status).toBe('stable');
      expect((await rm.get(id)).data).toEqual({ name: 'a', value: 5, tags: ['t'], note: 'n' });
      expect((await rm.getMeta(id)).total_revision_count).toBe(2);
    },
  },
  {
    name: 'patch: a result violating the schema is rejected and writes nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      const metaBefore = await rm.getMeta(id);
      const error = await expectError(
        expect,
        () => rm.patch(id, [{ op: 'replace', path: '/value', value: 'text' }], ctx(USERS.bob, 2)),
        ValidationError,
        { kind: 'type' },
      );
      expect(error.issues.map((issue) => issue.path)).toContain('/value');
      expect(await rm.getMeta(id)).toEqual(metaBefore);
      expect(await rm.listRevisionIds(id)).toEqual([`${id}:1`]);
    },
  },
  {
    name: 'patch: an operation that cannot apply is a PatchError and writes nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      const metaBefore = await rm.getMeta(id);
      await expectError(
        expect,
        () =>
          rm.patch(
            id,
            [
              { op: 'replace', path: '/value', value: 2 },
              { op: 'remove', path: '/missing/deeper' },
            ],
            ctx(USERS.bob, 2),
          ),
        PatchError,
        { operation_index: 1 },
      );
      expect(await rm.getMeta(id)).toEqual(metaBefore);
      expect(await rm.listRevisionIds(id)).toEqual([`${id}:1`]);
    },
  },
  {
    name: 'createOrUpdate: creates the given id, then appends a revision',
    async run({ expect, engine }) {
      const { rm } = engine();
      const first = await rm.createOrUpdate('x', { name: 'a' }, ctx(USERS.alice, 1));
      expect(first.resource_id).toBe('x');
      expect(first.revision_id).toBe('x:1');
      const second = await rm.createOrUpdate('x', { name: 'b' }, ctx(USERS.alice, 2));
      expect(second.revision_id).toBe('x:2');
      expect(second.parent_revision_id).toBe('x:1');
      expect((await rm.get('x')).data).toEqual({ name: 'b', value: 0 });
    },
  },
  {
    name: 'createOrUpdate: a soft-deleted id is not re-created',
    async run({ expect, engine }) {
      const { rm } = engine();
      await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'x' });
      await rm.delete('x', ctx(USERS.alice, 2));
      await expectError(expect, () => rm.createOrUpdate('x', { name: 'b' }, ctx(USERS.alice, 3)), ResourceIsDeletedError, {
        resource_id: 'x',
      });
      expect((await rm.getMeta('x', { includeDeleted: true })).total_revision_count).toBe(1);
    },
  },
]);
