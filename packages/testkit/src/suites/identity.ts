import { ResourceConflictError, ValidationError } from '@specstar/interfaces';
import { expectError } from '../assert';
import { at, ctx, USERS } from '../fixtures';
import { defineGroup } from '../types';

const UUID4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** Engine level: ids, revision ids, data hashes and the meta a create leaves. */
export const identityCases = defineGroup('engine: identity and data model', [
  {
    name: 'identity: create returns revision :1 stamped with user and now',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      expect(info.revision_id).toBe(`${info.resource_id}:1`);
      expect(info.parent_revision_id).toBeNull();
      expect(info.status).toBe('stable');
      expect(info.schema_version).toBeNull();
      expect(info.created_by).toBe(USERS.alice);
      expect(info.updated_by).toBe(USERS.alice);
      expect(info.created_time).toEqual(at(1));
      expect(info.updated_time).toEqual(at(1));
    },
  },
  {
    name: 'identity: a defaultNow factory is resolved once per create',
    async run({ expect, engine }) {
      let tick = 0;
      const { rm } = engine({ spec: { defaultUser: USERS.bob, defaultNow: () => at(++tick) } });
      const info = await rm.create({ name: 'a' });
      const meta = await rm.getMeta(info.resource_id);
      expect(info.created_by).toBe(USERS.bob);
      expect(info.updated_time).toEqual(info.created_time);
      expect(meta.created_time).toEqual(info.created_time);
      expect(meta.updated_time).toEqual(info.created_time);
    },
  },
  {
    name: 'identity: default resource id is <model>:<uuid4>',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect(info.resource_id).toMatch(new RegExp(`^item:${UUID4}$`));
      expect(info.uid).toMatch(new RegExp(`^${UUID4}$`));
    },
  },
  {
    name: 'identity: data_hash is xxh3_128 of 32 hex digits',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect(info.data_hash).toMatch(/^xxh3_128:[0-9a-f]{32}$/);
    },
  },
  {
    name: 'identity: identical data gives new ids and uids but an equal data_hash',
    async run({ expect, engine }) {
      const { rm } = engine();
      const first = await rm.create({ name: 'same', value: 2 }, ctx(USERS.alice, 1));
      const second = await rm.create({ value: 2, name: 'same' }, ctx(USERS.bob, 2));
      expect(second.resource_id).not.toBe(first.resource_id);
      expect(second.uid).not.toBe(first.uid);
      expect(second.data_hash).toBe(first.data_hash);
    },
  },
  {
    name: 'identity: meta after create points at :1 with count 1',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      const meta = await rm.getMeta(info.resource_id);
      expect(meta.resource_id).toBe(info.resource_id);
      expect(meta.current_revision_id).toBe(info.revision_id);
      expect(meta.total_revision_count).toBe(1);
      expect(meta.is_deleted).toBe(false);
      expect(meta.schema_version).toBeNull();
      expect(meta.created_by).toBe(USERS.alice);
      expect(meta.updated_by).toBe(USERS.alice);
      expect(meta.created_time).toEqual(at(1));
      expect(meta.updated_time).toEqual(at(1));
    },
  },
  {
    name: 'identity: meta mirrors the current revision in rev_* fields',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), status: 'draft' });
      const meta = await rm.getMeta(info.resource_id);
      expect(meta.rev_status).toBe('draft');
      expect(meta.rev_created_by).toBe(USERS.alice);
      expect(meta.rev_updated_by).toBe(USERS.alice);
      expect(meta.rev_created_time).toEqual(at(1));
      expect(meta.rev_updated_time).toEqual(at(1));
    },
  },
  {
    name: 'identity: get returns the stored data and the create info',
    async run({ expect, engine }) {
      const { rm } = engine();
      const data = { name: 'a', value: 7, tags: ['x', 'y'], note: null };
      const info = await rm.create(data, ctx(USERS.alice, 1));
      const got = await rm.get(info.resource_id);
      expect(got.data).toEqual(data);
      expect(got.info).toEqual(info);
    },
  },
  {
    name: 'identity: schema defaults are applied on create',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect((await rm.get(info.resource_id)).data).toEqual({ name: 'a', value: 0 });
    },
  },
  {
    name: 'identity: explicit resource id (argument and using scope)',
    async run({ expect, engine }) {
      const { rm } = engine();
      const info = await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'fixed' });
      expect(info.resource_id).toBe('fixed');
      expect(info.revision_id).toBe('fixed:1');
      const scoped = await rm.using({ ...ctx(USERS.alice, 2), resourceId: 'scoped' }, async (ops) =>
        ops.create({ name: 'b' }),
      );
      expect(scoped.resource_id).toBe('scoped');
      expect(scoped.revision_id).toBe('scoped:1');
      expect(await rm.exists('fixed')).toBe(true);
      expect(await rm.exists('scoped')).toBe(true);
    },
  },
  {
    name: 'identity: create with an existing explicit id conflicts and changes nothing',
    async run({ expect, engine }) {
      const { rm } = engine();
      const first = await rm.create({ name: 'original' }, { ...ctx(USERS.alice, 1), resourceId: 'dup' });
      const metaBefore = await rm.getMeta('dup');
      await expectError(
        expect,
        () => rm.create({ name: 'intruder' }, { ...ctx(USERS.bob, 2), resourceId: 'dup' }),
        ResourceConflictError,
      );
      const after = await rm.get('dup');
      expect(after.data).toEqual({ name: 'original', value: 0 });
      expect(after.info).toEqual(first);
      expect(await rm.getMeta('dup')).toEqual(metaBefore);
      expect(await rm.listRevisionIds('dup')).toEqual(['dup:1']);
    },
  },
  {
    name: 'identity: explicit ids with separators, control characters or blanks are rejected',
    async run({ expect, engine }) {
      const { rm } = engine();
      for (const bad of ['a/b', 'a\\b', 'a\u0001b', 'line\nbreak', '', '   ']) {
        await expectError(
          expect,
          () => rm.create({ name: 'x' }, { ...ctx(USERS.alice, 1), resourceId: bad }),
          ValidationError,
          { kind: 'input' },
        );
      }
      expect(await rm.count({})).toBe(0);
    },
  },
  {
    name: 'identity: data violating the schema is a type ValidationError naming the field',
    async run({ expect, engine }) {
      const { rm } = engine();
      const error = await expectError(
        expect,
        () => rm.create({ name: 'x', value: 'not-an-integer' }, ctx(USERS.alice, 1)),
        ValidationError,
        { kind: 'type' },
      );
      expect(error.issues.map((issue) => issue.path)).toContain('/value');
      expect(await rm.count({})).toBe(0);
    },
  },
]);
