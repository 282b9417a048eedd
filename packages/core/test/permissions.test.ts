import {
  ConfigurationError,
  PermissionDeniedError,
  PermissionResult,
  ResourceAction,
  ValidationError,
  type EventContext,
  type IPermissionChecker,
  type IStorage,
  type IStorageFactory,
  type ResourceMeta,
  type SingleActionName,
} from '@specstar/interfaces';
import { MemoryStorageFactory, QB, SpecStar, type ResourceManager } from '../src';
import {
  ACLPermissionChecker,
  ActionBasedPermissionChecker,
  AllowAll,
  CompositePermissionChecker,
  ConditionalPermissionChecker,
  FieldLevelPermissionChecker,
  PermissionPolicy,
  RBACPermissionChecker,
  ResourceOwnershipChecker,
  permissionHandler,
} from '../src/permissions';
import { ItemSchema, RecordingHandler, T0, T1 } from './fixtures';

type Item = { name: string; value: number; tags?: string[] };
const { allow, deny, not_applicable } = PermissionResult;
const root = { user: 'root', now: T0 };

/** An item model of a fresh registry, guarded by the checker (as the registry will wire it). */
function guarded(checker: IPermissionChecker, name = 'item'): ResourceManager<Item> {
  const rm = new SpecStar().addModel<Item>({ ...ItemSchema }, { name, indexedFields: ['name', 'value'] });
  rm.addEventHandler(permissionHandler(checker));
  return rm;
}

/** Runs `fn` as `user` (reads take no context: a scope supplies it). */
function as<R>(rm: ResourceManager<Item>, user: string, fn: () => Promise<R>): Promise<R> {
  return rm.using({ user, now: T1 }, fn);
}

/** The rejection of `promise`; fails the test when it resolves. */
async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function denied(promise: Promise<unknown>): Promise<PermissionDeniedError> {
  const error = await catchError(promise);
  expect(error).toBeInstanceOf(PermissionDeniedError);
  return error as PermissionDeniedError;
}

/** Everything a denied write must leave as it was, read from storage (no events). */
async function snapshot(rm: ResourceManager<Item>) {
  const metas: ResourceMeta[] = [];
  for await (const meta of rm.storage.iterMetas()) metas.push(meta);
  metas.sort((a, b) => a.resource_id.localeCompare(b.resource_id));
  const revisions = await Promise.all(metas.map((m) => rm.storage.listRevisions(m.resource_id)));
  const found = await rm.storage.search(rm.query(QB.field('name').eq('kept').limit(100)));
  return { metas, revisions, found: found.map((m) => m.resource_id), count: await rm.count({}) };
}

/** Allows alice everything and denies everyone else. */
const aliceOnly = new ConditionalPermissionChecker().addCondition((ctx) => (ctx.user === 'alice' ? allow : deny));

describe('permission handler on a manager', () => {
  it('a checker answering not_applicable makes the operation raise PermissionDeniedError (invariant 48)', async () => {
    const rm = guarded({ checkPermission: () => not_applicable });
    const error = await denied(rm.create({ name: 'a' }, { user: 'alice', now: T0 }));
    expect(error).toMatchObject({ user: 'alice', action: 'create', resource_name: 'item' });
  });

  it('a denied create persists nothing (invariant 49)', async () => {
    const rm = guarded(aliceOnly);
    await denied(rm.create({ name: 'a' }, { user: 'bob', now: T0 }));
    expect(await rm.count({})).toBe(0);
    expect(await rm.storage.search(rm.query({}))).toEqual([]);
  });

  it('denied update, modify, patch, switch, delete, restore and permanent delete leave no trace', async () => {
    const rm = guarded(aliceOnly);
    const { resource_id: id } = await rm.create({ name: 'kept' }, { user: 'alice', now: T0 });
    await rm.update(id, { name: 'kept', value: 1 }, { user: 'alice', now: T0, status: 'draft' });
    const { resource_id: gone } = await rm.create({ name: 'gone' }, { user: 'alice', now: T0 });
    await rm.delete(gone, { user: 'alice', now: T0 });
    const before = await snapshot(rm);
    const bob = { user: 'bob', now: T1 };
    await denied(rm.create({ name: 'kept' }, bob));
    await denied(rm.update(id, { name: 'changed' }, bob));
    await denied(rm.modify(id, { data: { name: 'changed' } }, bob));
    await denied(rm.patch(id, [{ op: 'replace', path: '/name', value: 'changed' }], bob));
    await denied(rm.switch(id, `${id}:1`, bob));
    await denied(rm.delete(id, bob));
    await denied(rm.restore(gone, bob));
    await denied(rm.permanentlyDelete(id, bob));
    await denied(rm.createOrUpdate('item:new', { name: 'kept' }, bob));
    expect(await snapshot(rm)).toEqual(before);
    expect(before.count).toBe(2);
    expect(before.revisions.map((r) => r.length).sort((a, b) => a - b)).toEqual([1, 2]);
    expect(before.found).toEqual([id]);
  });

  it('denied reads throw; count, exists, getPartial and getRevisionInfo with a revision are not checked', async () => {
    const rm = guarded(aliceOnly);
    const { resource_id: id } = await rm.create({ name: 'a', value: 3 }, { user: 'alice', now: T0 });
    await as(rm, 'bob', async () => {
      await denied(rm.get(id));
      await denied(rm.getMeta(id));
      await denied(rm.getResourceRevision(id, `${id}:1`));
      await denied(rm.listRevisions(id));
      await denied(rm.searchResources({}));
      await denied(rm.listResources({}));
      expect(await rm.count({})).toBe(1);
      expect(await rm.exists(id)).toBe(true);
      expect(await rm.getPartial(id, `${id}:1`, ['value'])).toEqual({ value: 3 });
      expect((await rm.getRevisionInfo(id, `${id}:1`)).revision_id).toBe(`${id}:1`);
    });
  });

  it('user event handlers registered earlier run before the permission check', async () => {
    const recorder = new RecordingHandler();
    const rm = new SpecStar().addModel<Item>({ ...ItemSchema }, { name: 'item', eventHandlers: [recorder] });
    rm.addEventHandler(permissionHandler(aliceOnly));
    await denied(rm.create({ name: 'a' }, { user: 'bob', now: T0 }));
    // The recorder saw the before event; no on_failure/after follow a before-phase denial.
    expect(recorder.types()).toEqual(['BeforeCreate']);
  });

  it('update needs update and get_meta', async () => {
    const rm = guarded(ActionBasedPermissionChecker.fromDict({ create: () => allow, update: () => allow }));
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T0 });
    const error = await denied(rm.update(id, { name: 'b' }, { user: 'alice', now: T1 }));
    expect(error.action).toBe('get_meta');
    expect(await rm.storage.listRevisions(id)).toEqual([`${id}:1`]);
  });

  it('patch needs patch, get, get_meta, get_resource_revision and update — each one is required', async () => {
    const needed: SingleActionName[] = ['patch', 'get', 'get_meta', 'get_resource_revision', 'update'];
    const seen = new Set<string>();
    const recording = guarded({ checkPermission: (ctx) => (seen.add(ctx.action_name), allow) });
    const { resource_id } = await recording.create({ name: 'a' }, { user: 'alice', now: T0 });
    seen.clear();
    await recording.patch(resource_id, [{ op: 'replace', path: '/name', value: 'b' }], { user: 'alice', now: T1 });
    expect([...seen].sort()).toEqual([...needed].sort());

    for (const missing of needed) {
      const granted = ResourceAction.create | needed.filter((a) => a !== missing).reduce((set, a) => set | ResourceAction[a], 0);
      const rm = guarded(new ActionBasedPermissionChecker().registerActionHandler(granted, () => allow));
      const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T0 });
      const error = await denied(rm.patch(id, [{ op: 'replace', path: '/name', value: 'b' }], { user: 'alice', now: T1 }));
      expect(error.action).toBe(missing);
      expect(await rm.storage.listRevisions(id)).toEqual([`${id}:1`]);
    }
    const all = needed.reduce<number>((set, a) => set | ResourceAction[a], ResourceAction.create);
    const rm = guarded(new ActionBasedPermissionChecker().registerActionHandler(all, () => allow));
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T0 });
    await rm.patch(id, [{ op: 'replace', path: '/name', value: 'b' }], { user: 'alice', now: T1 });
    expect((await as(rm, 'alice', () => rm.get(id))).data.name).toBe('b');
  });
});

describe('ResourceOwnershipChecker', () => {
  function ownedItems() {
    const rm = new SpecStar().addModel<Item>({ ...ItemSchema }, { name: 'item' });
    const ownership = new ResourceOwnershipChecker(rm);
    const calls: string[] = [];
    const counting: IPermissionChecker = { checkPermission: (ctx) => (calls.push(ctx.action_name), ownership.checkPermission(ctx)) };
    const createOnly = ActionBasedPermissionChecker.fromDict({ create: () => allow });
    rm.addEventHandler(permissionHandler(new CompositePermissionChecker([counting, createOnly])));
    return { rm, calls, ownership };
  }

  it('allows the creator and denies others', async () => {
    const { rm } = ownedItems();
    const { resource_id: id } = await rm.create({ name: 'mine' }, { user: 'alice', now: T0 });
    expect((await as(rm, 'alice', () => rm.get(id))).data.name).toBe('mine');
    await rm.update(id, { name: 'still mine' }, { user: 'alice', now: T1 });
    await denied(as(rm, 'bob', () => rm.get(id)));
    await denied(rm.update(id, { name: 'stolen' }, { user: 'bob', now: T1 }));
    await denied(rm.delete(id, { user: 'bob', now: T1 }));
    // No resource id (search): not applicable, and nothing else allows it.
    await denied(as(rm, 'alice', () => rm.searchResources({})));
    await rm.delete(id, { user: 'alice', now: T1 });
    expect((await rm.storage.getMeta(id))?.is_deleted).toBe(true);
  });

  it('does not recurse when guarding the same manager: one check per evented action', async () => {
    const { rm, calls } = ownedItems();
    const { resource_id: id } = await rm.create({ name: 'mine' }, { user: 'alice', now: T0 });
    calls.length = 0;
    await as(rm, 'alice', () => rm.get(id));
    expect(calls).toEqual(['get', 'get_meta', 'get_resource_revision']);
  });

  it('actions outside allowedActions are not applicable; an unknown resource is denied', async () => {
    const rm = new SpecStar().addModel<Item>({ ...ItemSchema }, { name: 'item' });
    const { resource_id: id } = await rm.create({ name: 'x' }, { user: 'alice', now: T0 });
    const readOnly = new ResourceOwnershipChecker(rm, 'read');
    const ctx = (action: SingleActionName, extra: Partial<EventContext> = {}): EventContext => ({
      context_type: 'x', phase: 'before', action: ResourceAction[action], action_name: action, resource_name: 'item', user: 'alice', resource_id: id, ...extra,
    });
    expect(await readOnly.checkPermission(ctx('get'))).toBe(allow);
    expect(await readOnly.checkPermission(ctx('delete'))).toBe(not_applicable);
    expect(await readOnly.checkPermission(ctx('get', { resource_id: 'item:nope' }))).toBe(deny);
    expect(await readOnly.checkPermission(ctx('get', { user: undefined }))).toBe(deny);
    const failing = new ResourceOwnershipChecker({ storage: { getMeta: () => Promise.reject(new Error('disk gone')) } as unknown as IStorage });
    expect(await failing.checkPermission(ctx('get'))).toBe(deny);
    expect(() => new ResourceOwnershipChecker(rm, 'fly' as never)).toThrow(ConfigurationError);
  });
});

describe('FieldLevelPermissionChecker on a manager', () => {
  function fieldGuarded() {
    const rm = new SpecStar().addModel<Item>({ ...ItemSchema }, { name: 'item' });
    const fields = new FieldLevelPermissionChecker({ allowedFieldsByUser: { alice: ['name'] }, resourceManager: rm });
    rm.addEventHandler(permissionHandler(new CompositePermissionChecker([new AllowAll(), fields])));
    return rm;
  }

  it('a patch of an allowed field passes; one touching another field is denied and writes nothing', async () => {
    const rm = fieldGuarded();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, { user: 'alice', now: T0 });
    await rm.patch(id, [{ op: 'replace', path: '/name', value: 'b' }], { user: 'alice', now: T1 });
    await rm.update(id, { name: 'c', value: 1 }, { user: 'alice', now: T1 });
    await denied(rm.patch(id, [{ op: 'replace', path: '/value', value: 9 }], { user: 'alice', now: T1 }));
    await denied(rm.update(id, { name: 'c', value: 9 }, { user: 'alice', now: T1 }));
    const meta = await rm.storage.getMeta(id);
    expect(meta?.total_revision_count).toBe(3);
    expect((await as(rm, 'alice', () => rm.get(id))).data).toEqual({ name: 'c', value: 1 });
  });

  it('without the manager every key of the written data counts', async () => {
    const fields = new FieldLevelPermissionChecker({ allowedFieldsByUser: { alice: ['name'] } });
    const ctx: EventContext = {
      context_type: 'BeforeUpdate', phase: 'before', action: ResourceAction.update, action_name: 'update', resource_name: 'item', user: 'alice', resource_id: 'item:1', data: { name: 'a', value: 0 },
    };
    expect(await fields.checkPermission(ctx)).toBe(deny);
  });
});

describe('ACLPermissionChecker', () => {
  async function aclSetup(policy?: number) {
    const acl = new ACLPermissionChecker(policy === undefined ? {} : { policy });
    const rm = guarded(acl);
    return { acl, rm };
  }

  it('strict: root may do everything; a user with only a create rule can create but not get (invariant 50)', async () => {
    const { acl, rm } = await aclSetup();
    const { resource_id: id } = await rm.create({ name: 'r' }, root);
    await rm.update(id, { name: 'r2' }, root);
    await rm.patch(id, [{ op: 'replace', path: '/value', value: 2 }], root);
    await rm.switch(id, `${id}:1`, root);
    await rm.using(root, async () => {
      expect((await rm.get(id)).data).toEqual({ name: 'r', value: 0 });
      expect(await rm.listRevisions(id)).toHaveLength(3);
      expect(await rm.searchResources({})).toHaveLength(1);
    });
    await rm.delete(id, root);
    await rm.restore(id, root);
    await rm.permanentlyDelete(id, root);

    await acl.addRule({ subject: 'alice', object: 'item', action: ResourceAction.create }, root);
    const { resource_id: mine } = await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    const error = await denied(as(rm, 'alice', () => rm.get(mine)));
    expect(error).toMatchObject({ user: 'alice', action: 'get', resource_name: 'item' });
    // A user without rules gets the default (deny).
    await denied(rm.create({ name: 'b' }, { user: 'bob', now: T1 }));
    expect(await rm.count({})).toBe(1);
  });

  it('a matching deny rule denies under deny_overrides, even with an allow rule ordered first (invariant 51)', async () => {
    const { acl, rm } = await aclSetup(PermissionPolicy.strict);
    await acl.addRule({ subject: 'alice', object: '*', action: ['create', 'read'], order: 1 }, root);
    await acl.addRule({ subject: 'alice', object: 'item', action: 'get', effect: deny, order: 2 }, root);
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    await as(rm, 'alice', async () => {
      await denied(rm.get(id));
      expect((await rm.getMeta(id)).resource_id).toBe(id);
    });
  });

  it('allow_overrides: the first matching rule by order decides; without overrides deny beats allow', async () => {
    const rules = async (acl: ACLPermissionChecker) => {
      await acl.addRule({ subject: 'alice', object: 'item', action: 'create', effect: deny, order: 2 }, root);
      await acl.addRule({ subject: 'alice', object: 'item', action: 'create', effect: allow, order: 1 }, root);
    };
    const overriding = await aclSetup(PermissionPolicy.allow_overrides | PermissionPolicy.default_deny);
    await rules(overriding.acl);
    await overriding.rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    expect(await overriding.rm.count({})).toBe(1);

    const strict = await aclSetup(PermissionPolicy.strict);
    await rules(strict.acl);
    await denied(strict.rm.create({ name: 'a' }, { user: 'alice', now: T1 }));

    const neither = await aclSetup(PermissionPolicy.default_allow);
    await rules(neither.acl);
    await denied(neither.rm.create({ name: 'a' }, { user: 'alice', now: T1 }));
  });

  it('permissive: no rule → allow; a deny rule still denies; allow rules win over later deny rules', async () => {
    const { acl, rm } = await aclSetup(PermissionPolicy.permissive);
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'anyone', now: T1 });
    await acl.addRule({ subject: 'bob', object: 'item', action: 'delete', effect: deny }, root);
    await denied(rm.delete(id, { user: 'bob', now: T1 }));
    await acl.addRule({ subject: 'carol', object: '*', action: 'full', effect: allow, order: 0 }, root);
    await acl.addRule({ subject: 'carol', object: 'item', action: 'delete', effect: deny, order: 1 }, root);
    // The model's own rules are checked before '*' rules: carol's deny is met first, but it is
    // only collected, and the later allow decides under allow_overrides.
    await rm.delete(id, { user: 'carol', now: T1 });
    expect((await rm.storage.getMeta(id))?.is_deleted).toBe(true);
  });

  it('a rule action set must contain the action; other models and subjects do not match', async () => {
    const { acl, rm } = await aclSetup();
    await acl.addRule({ subject: 'alice', object: 'item', action: 'write' }, root);
    await acl.addRule({ subject: 'alice', object: 'other', action: 'full' }, root);
    await acl.addRule({ subject: 'bob', object: 'item', action: 'full' }, root);
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    // write holds update, but update also needs get_meta (read), which alice lacks on item.
    await denied(rm.update(id, { name: 'b' }, { user: 'alice', now: T1 }));
    await denied(rm.delete(id, { user: 'alice', now: T1 }));
    const other = guarded(acl, 'other');
    const { resource_id: otherId } = await other.create({ name: 'o' }, { user: 'alice', now: T1 });
    await other.delete(otherId, { user: 'alice', now: T1 });
  });

  it('a removed rule no longer applies', async () => {
    const { acl, rm } = await aclSetup();
    const rule = await acl.addRule({ subject: 'alice', object: 'item', action: 'create' }, root);
    await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    await acl.removeRule(rule.resource_id, root);
    await denied(rm.create({ name: 'b' }, { user: 'alice', now: T1 }));
  });

  it('only root may write rules; bad rules are ValidationErrors naming the field', async () => {
    const { acl } = await aclSetup();
    const error = await denied(acl.addRule({ subject: 'alice', object: '*', action: 'full' }, { user: 'alice', now: T1 }));
    expect(error).toMatchObject({ action: 'create', resource_name: 'ACLPermission' });
    expect(await acl.resourceManager.count({})).toBe(0);
    await expect(acl.resourceManager.create({ subject: 'alice', object: '*', action: 1 }, { user: 'mallory', now: T1 })).rejects.toBeInstanceOf(PermissionDeniedError);

    const badAction = await catchError(acl.addRule({ subject: 'alice', object: '*', action: 'fly' as never }, root));
    expect(badAction).toBeInstanceOf(ValidationError);
    expect((badAction as ValidationError).issues[0]?.path).toBe('action');
    await expect(acl.addRule({ subject: '', object: '*', action: 'get' }, root)).rejects.toBeInstanceOf(ValidationError);
    await expect(acl.addRule({ subject: 'a', object: '*', action: 'get', effect: 'maybe' as never }, root)).rejects.toBeInstanceOf(ValidationError);
    expect(await acl.resourceManager.count({})).toBe(0);
  });

  it('reads effect from the rule data: a deny rule written through the manager denies', async () => {
    const { acl, rm } = await aclSetup(PermissionPolicy.default_allow);
    await acl.resourceManager.create({ subject: 'alice', object: 'item', action: ResourceAction.create, effect: 'deny' }, root);
    await denied(rm.create({ name: 'a' }, { user: 'alice', now: T1 }));
    // effect defaults to allow in the model
    const info = await acl.resourceManager.create({ subject: 'bob', object: 'item', action: ResourceAction.create }, root);
    expect((await acl.resourceManager.using(root, () => acl.resourceManager.get(info.resource_id))).data).toMatchObject({ effect: 'allow' });
  });

  it('builds its rule model from the given storage factory, on first use', async () => {
    const built: string[] = [];
    const inner = new MemoryStorageFactory();
    const factory: IStorageFactory = { build: (name) => (built.push(name), inner.build(name)) };
    const acl = new ACLPermissionChecker({ storageFactory: factory, rootUser: 'admin' });
    expect(built).toEqual([]);
    const rm = guarded(acl);
    await rm.create({ name: 'a' }, { user: 'admin', now: T0 });
    expect(built).toEqual([]);
    await denied(rm.create({ name: 'a' }, { user: 'root', now: T0 }));
    expect(built).toEqual(['ACLPermission']);
    await acl.close();
  });

  it('rejects bad options', () => {
    expect(() => new ACLPermissionChecker({ policy: 99 })).toThrow(ConfigurationError);
    expect(() => new ACLPermissionChecker({ rootUser: '' })).toThrow(ConfigurationError);
  });
});

describe('RBACPermissionChecker', () => {
  function rbacSetup(policy?: number) {
    const rbac = new RBACPermissionChecker(policy === undefined ? {} : { policy });
    return { rbac, rm: guarded(rbac) };
  }

  it('a user inherits its groups\' allow rules; a deny rule on the user itself wins (invariant 52)', async () => {
    const { rbac, rm } = rbacSetup();
    await rbac.addRule({ subject: 'editors', object: 'item', action: 'full' }, root);
    await rbac.addMembership({ subject: 'alice', group: 'editors' }, root);
    await rbac.addRule({ subject: 'alice', object: 'item', action: 'delete', effect: deny }, root);
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    await rm.update(id, { name: 'b' }, { user: 'alice', now: T1 });
    expect((await as(rm, 'alice', () => rm.get(id))).data.name).toBe('b');
    await denied(rm.delete(id, { user: 'alice', now: T1 }));
    // Not a member: nothing inherited.
    await denied(rm.create({ name: 'c' }, { user: 'bob', now: T1 }));
    expect(await rm.count({})).toBe(1);
  });

  it('inheritance is transitive; a member of the root principal is allowed', async () => {
    const { rbac, rm } = rbacSetup();
    await rbac.addRule({ subject: 'staff', object: '*', action: ['create', 'read'] }, root);
    await rbac.addMembership({ subject: 'editors', group: 'staff' }, root);
    await rbac.addMembership({ subject: 'alice', group: 'editors' }, root);
    await rbac.addMembership({ subject: 'ops', group: 'root' }, root);
    await rbac.addMembership({ subject: 'olga', group: 'ops' }, root);
    const { resource_id: id } = await rm.create({ name: 'a' }, { user: 'alice', now: T1 });
    await denied(rm.delete(id, { user: 'alice', now: T1 }));
    await rm.permanentlyDelete(id, { user: 'olga', now: T1 });
    expect(await rm.count({})).toBe(0);
  });

  it('a membership cycle terminates with the policy default', async () => {
    const { rbac, rm } = rbacSetup();
    await rbac.addMembership({ subject: 'a', group: 'b' }, root);
    await rbac.addMembership({ subject: 'b', group: 'c' }, root);
    await rbac.addMembership({ subject: 'c', group: 'a' }, root);
    await denied(rm.create({ name: 'x' }, { user: 'a', now: T1 }));
    const permissive = rbacSetup(PermissionPolicy.permissive);
    await permissive.rbac.addMembership({ subject: 'a', group: 'b' }, root);
    await permissive.rbac.addMembership({ subject: 'b', group: 'a' }, root);
    await permissive.rm.create({ name: 'x' }, { user: 'a', now: T1 });
    expect(await permissive.rm.count({})).toBe(1);
  });

  it('groups are visited by membership order, lowest first', async () => {
    for (const [denyOrder, allowOrder, expected] of [[1, 2, 'denied'], [2, 1, 'allowed']] as const) {
      const { rbac, rm } = rbacSetup();
      await rbac.addRule({ subject: 'blocked', object: 'item', action: 'create', effect: deny }, root);
      await rbac.addRule({ subject: 'writers', object: 'item', action: 'create' }, root);
      await rbac.addMembership({ subject: 'alice', group: 'blocked', order: denyOrder }, root);
      await rbac.addMembership({ subject: 'alice', group: 'writers', order: allowOrder }, root);
      const outcome = await rm.create({ name: 'x' }, { user: 'alice', now: T1 }).then(
        () => 'allowed',
        (e: unknown) => (e instanceof PermissionDeniedError ? 'denied' : String(e)),
      );
      expect(outcome).toBe(expected);
    }
  });

  it('only root may write rules and memberships; entries are a tagged union on type', async () => {
    const { rbac } = rbacSetup();
    await denied(rbac.addMembership({ subject: 'alice', group: 'root' }, { user: 'alice', now: T1 }));
    await denied(rbac.addRule({ subject: 'alice', object: '*', action: 'full' }, { user: 'alice', now: T1 }));
    expect(await rbac.resourceManager.count({})).toBe(0);
    const membership = await rbac.addMembership({ subject: 'alice', group: 'editors', order: 3 }, root);
    const rule = await rbac.addRule({ subject: 'editors', object: 'item', action: 'read' }, root);
    await rbac.resourceManager.using(root, async () => {
      expect((await rbac.resourceManager.get(membership.resource_id)).data).toEqual({ type: 'RoleMembership', subject: 'alice', group: 'editors', order: 3 });
      expect((await rbac.resourceManager.get(rule.resource_id)).data).toEqual({ type: 'RBACPermissionEntry', subject: 'editors', object: 'item', action: ResourceAction.read, effect: 'allow' });
    });
    await expect(rbac.resourceManager.create({ type: 'RoleMembership', subject: 'x' }, root)).rejects.toBeInstanceOf(ValidationError);
    await expect(rbac.resourceManager.create({ type: 'Other', subject: 'x', group: 'y' }, root)).rejects.toBeInstanceOf(ValidationError);
  });

  it('a removed membership no longer grants', async () => {
    const { rbac, rm } = rbacSetup();
    await rbac.addRule({ subject: 'writers', object: 'item', action: 'create' }, root);
    const membership = await rbac.addMembership({ subject: 'alice', group: 'writers' }, root);
    await rm.create({ name: 'x' }, { user: 'alice', now: T1 });
    await rbac.remove(membership.resource_id, root);
    await denied(rm.create({ name: 'y' }, { user: 'alice', now: T1 }));
  });
});
