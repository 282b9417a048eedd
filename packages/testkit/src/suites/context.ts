import { MissingOperationContextError, type IEventHandler } from '@specstar/interfaces';
import { caught, expectError } from '../assert';
import { at, ctx, ids, USERS } from '../fixtures';
import { defineGroup, type ResourceManagerOf } from '../types';

/** Engine level: the operation context (user and clock per call, scoped proxies). */
export const contextCases = defineGroup('engine: operation context', [
  {
    name: 'context: reads need no context',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect((await rm.get(id)).data).toEqual({ name: 'a', value: 0 });
      expect((await rm.getMeta(id)).resource_id).toBe(id);
      expect(ids(await rm.searchResources({}))).toEqual([id]);
      expect(await rm.count({})).toBe(1);
      expect(await rm.exists(id)).toBe(true);
      expect(await rm.listRevisionIds(id)).toEqual([`${id}:1`]);
    },
  },
  {
    name: 'context: strict mode without context reports user and now, writes nothing',
    async run({ expect, engine }) {
      const seen: string[] = [];
      const recorder: IEventHandler = {
        isSupported: () => true,
        handleEvent: (event) => void seen.push(event.context_type),
      };
      const { rm } = engine({ spec: { strictOperationContext: true, eventHandlers: [recorder] } });
      await expectError(expect, () => rm.create({ name: 'a' }), MissingOperationContextError, {
        missing_fields: ['user', 'now'],
        method_name: 'create',
      });
      expect(seen).toEqual([]);
      expect(await rm.count({})).toBe(0);
      // Control: the recorder does see a create that has its context.
      await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect(seen).toContain('BeforeCreate');
    },
  },
  {
    name: 'context: strict mode with only a user reports now',
    async run({ expect, engine }) {
      const { rm } = engine({ spec: { strictOperationContext: true } });
      await expectError(expect, () => rm.create({ name: 'a' }, { user: USERS.alice }), MissingOperationContextError, {
        missing_fields: ['now'],
      });
      expect(await rm.count({})).toBe(0);
      const info = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      expect(info.created_time).toEqual(at(1));
    },
  },
  {
    name: 'context: strict mode checks before an update touches anything',
    async run({ expect, engine }) {
      const { rm } = engine({ spec: { strictOperationContext: true } });
      const { resource_id: id } = await rm.create({ name: 'a' }, ctx(USERS.alice, 1));
      await expectError(expect, () => rm.update(id, { name: 'b' }, { now: at(2) }), MissingOperationContextError, {
        missing_fields: ['user'],
      });
      expect(await rm.listRevisionIds(id)).toEqual([`${id}:1`]);
    },
  },
  {
    name: 'context: non-strict mode without a user is MissingOperationContextError',
    async run({ expect, engine }) {
      const { rm } = engine();
      const error = await expectError(expect, () => rm.create({ name: 'a' }, { now: at(1) }), MissingOperationContextError);
      expect(error.missing_fields).toContain('user');
      expect(await rm.count({})).toBe(0);
    },
  },
  {
    name: 'context: explicit beats using() beats defaults, per field',
    async run({ expect, engine }) {
      const { rm } = engine({ spec: { defaultUser: 'default-user', defaultNow: () => at(1) } });
      const byDefault = await rm.create({ name: 'a' });
      expect([byDefault.created_by, byDefault.created_time]).toEqual(['default-user', at(1)]);
      const scoped = await rm.using({ user: 'scope-user' }, async () => rm.create({ name: 'b' }));
      expect([scoped.created_by, scoped.created_time]).toEqual(['scope-user', at(1)]);
      const explicit = await rm.using({ user: 'scope-user', now: at(2) }, async (ops) =>
        ops.create({ name: 'c' }, { user: 'explicit-user' }),
      );
      expect([explicit.created_by, explicit.created_time]).toEqual(['explicit-user', at(2)]);
      const explicitNow = await rm.using({ user: 'scope-user', now: at(2) }, async () =>
        rm.create({ name: 'd' }, { now: at(3) }),
      );
      expect([explicitNow.created_by, explicitNow.created_time]).toEqual(['scope-user', at(3)]);
    },
  },
  {
    name: 'context: nested using() scopes override only what they supply',
    async run({ expect, engine }) {
      const { rm } = engine();
      const [inner, outerAgain] = await rm.using({ user: 'outer', now: at(2) }, async () => {
        const innerInfo = await rm.using({ now: at(3) }, async () => rm.create({ name: 'a' }));
        const after = await rm.create({ name: 'b' });
        return [innerInfo, after] as const;
      });
      expect([inner.created_by, inner.created_time]).toEqual(['outer', at(3)]);
      expect([outerAgain.created_by, outerAgain.created_time]).toEqual(['outer', at(2)]);
    },
  },
  {
    name: 'context: a scoped ops proxy throws after its scope ended',
    async run({ expect, engine }) {
      const { rm } = engine();
      let leaked: ResourceManagerOf | undefined;
      await rm.using({ user: USERS.alice, now: at(1) }, async (ops) => {
        leaked = ops;
      });
      const error = await caught(() => leaked?.create({ name: 'late' }));
      expect(error).toBeInstanceOf(Error);
      expect(await rm.count({})).toBe(0);
    },
  },
]);
