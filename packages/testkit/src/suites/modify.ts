import { CannotModifyResourceError } from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, ctx, USERS } from '../fixtures';
import { defineGroup } from '../types';

/** Engine level: in-place modify and status changes. */
export const modifyCases = defineGroup('engine: modify and status', [
  {
    name: 'modify: data on a stable revision without status is refused and changes nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      const created = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      const id = created.resource_id;
      const metaBefore = await rm.getMeta(id);
      await expectError(expect, () => rm.modify(id, { data: { name: 'b' } }, ctx(USERS.bob, 2)), CannotModifyResourceError, {
        resource_id: id,
      });
      expect(await rm.get(id)).toEqual({ info: created, data: { name: 'a', value: 0 } });
      expect(await rm.getMeta(id)).toEqual(metaBefore);
    },
  },
  {
    name: 'modify: data on a draft edits in place (same revision, new uid)',
    async run({ expect, engine }) {
      const { rm } = engine();
      const draft = await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const id = draft.resource_id;
      const info = await rm.modify(id, { data: { name: 'b', value: 3 } }, ctx(USERS.bob, 2));
      expect(info.revision_id).toBe(draft.revision_id);
      expect(info.parent_revision_id).toBeNull();
      expect(info.uid).not.toBe(draft.uid);
      expect(info.status).toBe('draft');
      expect(info.created_by).toBe(USERS.alice);
      expect(info.created_time).toEqual(at(1));
      expect(info.updated_by).toBe(USERS.bob);
      expect(info.updated_time).toEqual(at(2));
      const meta = await rm.getMeta(id);
      expect(meta.total_revision_count).toBe(1);
      expect(meta.current_revision_id).toBe(draft.revision_id);
      expect(meta.updated_by).toBe(USERS.bob);
      expect(meta.updated_time).toEqual(at(2));
      expect(await rm.get(id)).toEqual({ info, data: { name: 'b', value: 3 } });
      expect(await rm.listRevisionIds(id)).toEqual([draft.revision_id]);
    },
  },
  {
    name: 'modify: status stable on a draft keeps revision and data_hash',
    async run({ expect, engine }) {
      const { rm } = engine();
      const draft = await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const info = await rm.modify(draft.resource_id, { status: 'stable' }, ctx(USERS.bob, 2));
      expect(info.status).toBe('stable');
      expect(info.revision_id).toBe(draft.revision_id);
      expect(info.data_hash).toBe(draft.data_hash);
      expect(info.updated_time).toEqual(at(2));
      const meta = await rm.getMeta(draft.resource_id);
      expect(meta.rev_status).toBe('stable');
      expect(meta.updated_by).toBe(USERS.bob);
    },
  },
  {
    name: 'modify: requesting the current status returns the current info',
    async run({ expect, engine }) {
      const { rm } = engine();
      const draft = await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const metaBefore = await rm.getMeta(draft.resource_id);
      const info = await rm.modify(draft.resource_id, { status: 'draft' }, ctx(USERS.bob, 2));
      expect(info).toEqual(draft);
      expect(await rm.getMeta(draft.resource_id)).toEqual(metaBefore);
    },
  },
  {
    name: 'modify: neither data nor status returns the current info unchanged',
    async run({ expect, engine }) {
      const { rm } = engine();
      const created = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      const metaBefore = await rm.getMeta(created.resource_id);
      const info = await rm.modify(created.resource_id, {}, ctx(USERS.bob, 2));
      expect(info).toEqual(created);
      expect(await rm.getMeta(created.resource_id)).toEqual(metaBefore);
    },
  },
  {
    name: 'modify: data with status draft re-opens a stable revision',
    async run({ expect, engine }) {
      const { rm } = engine();
      const created = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      const info = await rm.modify(created.resource_id, { data: { name: 'b' }, status: 'draft' }, ctx(USERS.bob, 2));
      expect(info.status).toBe('draft');
      expect(info.revision_id).toBe(created.revision_id);
      expect((await rm.get(created.resource_id)).data).toEqual({ name: 'b', value: 0 });
      expect((await rm.getMeta(created.resource_id)).total_revision_count).toBe(1);
    },
  },
  {
    name: 'modify: status draft alone re-opens a stable revision',
    async run({ expect, engine }) {
      const { rm } = engine();
      const created = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      const info = await rm.modify(created.resource_id, { status: 'draft' }, ctx(USERS.bob, 2));
      expect(info.status).toBe('draft');
      expect(info.revision_id).toBe(created.revision_id);
      expect(info.data_hash).toBe(created.data_hash);
      expect((await rm.getMeta(created.resource_id)).rev_status).toBe('draft');
    },
  },
  {
    name: 'modify: a JSON Patch on a draft applies in place',
    async run({ expect, engine }) {
      const { rm } = engine();
      const draft = await rm.create({ name: 'a', tags: ['x'] }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const info = await rm.modify(
        draft.resource_id,
        {
          data: [
            { op: 'add', path: '/tags/-', value: 'y' },
            { op: 'replace', path: '/name', value: 'b' },
          ],
        },
        ctx(USERS.bob, 2),
      );
      expect(info.revision_id).toBe(draft.revision_id);
      expect(info.status).toBe('draft');
      expect((await rm.get(draft.resource_id)).data).toEqual({ name: 'b', value: 0, tags: ['x', 'y'] });
      expect(await rm.listRevisionIds(draft.resource_id)).toEqual([draft.revision_id]);
    },
  },
  {
    name: 'modify: unchanged data with status stable still publishes the draft',
    async run({ expect, engine }) {
      const { rm } = engine();
      const draft = await rm.create({ name: 'a', value: 0 }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const info = await rm.modify(draft.resource_id, { data: { name: 'a', value: 0 }, status: 'stable' }, ctx(USERS.bob, 2));
      expect(info.status).toBe('stable');
      expect(info.revision_id).toBe(draft.revision_id);
      expect(info.data_hash).toBe(draft.data_hash);
      expect((await rm.get(draft.resource_id)).info.status).toBe('stable');
    },
  },
]);
