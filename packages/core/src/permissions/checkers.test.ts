import {
  ConfigurationError,
  PermissionDeniedError,
  PermissionResult,
  ResourceAction,
  type EventContext,
  type IPermissionChecker,
  type SingleActionName,
} from '@specstar/interfaces';
import {
  ActionBasedPermissionChecker,
  AllowAll,
  CompositePermissionChecker,
  ConditionalPermissionChecker,
  FieldLevelPermissionChecker,
  PermissionPolicy,
  RootOnly,
  permissionHandler,
  toPolicy,
} from '.';

const { allow, deny, not_applicable } = PermissionResult;

function ctx(action: SingleActionName, extra: Partial<EventContext> = {}): EventContext {
  return { context_type: 'Before', phase: 'before', action: ResourceAction[action], action_name: action, resource_name: 'item', user: 'alice', ...extra };
}

const fixed = (result: PermissionResult): IPermissionChecker => ({ checkPermission: () => result });

describe('CompositePermissionChecker (invariant 53)', () => {
  it.each([
    [[deny, allow], deny],
    [[allow, deny], deny],
    [[deny, not_applicable], deny],
    [[allow, not_applicable], allow],
    [[not_applicable, allow], allow],
    [[allow, allow], allow],
    [[not_applicable, not_applicable], not_applicable],
    [[], not_applicable],
  ] as const)('%j → %s', async (results, expected) => {
    const composite = new CompositePermissionChecker(results.map(fixed));
    expect(await composite.checkPermission(ctx('get'))).toBe(expected);
  });

  it('rejects something that is not a checker, naming its position', () => {
    expect(() => new CompositePermissionChecker([new AllowAll(), {} as IPermissionChecker])).toThrow(/checkers\[1\]/);
    expect(() => new CompositePermissionChecker([{} as IPermissionChecker])).toThrow(ConfigurationError);
  });
});

describe('AllowAll and RootOnly', () => {
  it('AllowAll allows anyone, anonymous included', () => {
    expect(new AllowAll().checkPermission()).toBe(allow);
  });

  it('RootOnly allows exactly its root user', () => {
    const checker = new RootOnly('admin');
    expect(checker.checkPermission(ctx('get', { user: 'admin' }))).toBe(allow);
    expect(checker.checkPermission(ctx('get', { user: 'root' }))).toBe(deny);
    expect(checker.checkPermission(ctx('get', { user: undefined }))).toBe(deny);
    expect(new RootOnly().checkPermission(ctx('get', { user: 'root' }))).toBe(allow);
    expect(() => new RootOnly('')).toThrow(ConfigurationError);
  });
});

describe('ConditionalPermissionChecker', () => {
  it('the first condition that is not not_applicable decides; none → not_applicable', async () => {
    const seen: string[] = [];
    const checker = new ConditionalPermissionChecker()
      .addCondition(() => (seen.push('first'), not_applicable))
      .addCondition((c) => (seen.push('second'), c.user === 'bob' ? deny : not_applicable))
      .addCondition(async () => (seen.push('third'), allow));
    expect(await checker.checkPermission(ctx('get', { user: 'bob' }))).toBe(deny);
    expect(seen).toEqual(['first', 'second']);
    expect(await checker.checkPermission(ctx('get'))).toBe(allow);
    expect(await new ConditionalPermissionChecker().addCondition(() => not_applicable).checkPermission(ctx('get'))).toBe(not_applicable);
  });

  it('rejects a condition that is not a function', () => {
    expect(() => new ConditionalPermissionChecker().addCondition('yes' as never)).toThrow(ConfigurationError);
  });
});

describe('ActionBasedPermissionChecker', () => {
  it('runs the handlers of every registered set containing the action, in registration order', async () => {
    const seen: string[] = [];
    const checker = new ActionBasedPermissionChecker()
      .registerActionHandler('read', () => (seen.push('read'), not_applicable))
      .registerActionHandler(ResourceAction.get, () => (seen.push('get'), allow))
      .registerActionHandler('read', () => (seen.push('read-2'), deny));
    // The second 'read' handler joins the first set's list, so it runs before the get handler.
    expect(await checker.checkPermission(ctx('get'))).toBe(deny);
    expect(seen).toEqual(['read', 'read-2']);
    expect(await checker.checkPermission(ctx('create'))).toBe(not_applicable);
  });

  it('fromDict takes names, flag numbers and lists of handlers', async () => {
    const checker = ActionBasedPermissionChecker.fromDict({
      create: () => allow,
      [String(ResourceAction.delete)]: () => deny,
      write: [() => not_applicable, (c) => (c.user === 'alice' ? allow : deny)],
    });
    expect(await checker.checkPermission(ctx('create', { user: 'bob' }))).toBe(allow);
    expect(await checker.checkPermission(ctx('delete'))).toBe(deny);
    expect(await checker.checkPermission(ctx('update'))).toBe(allow);
    expect(await checker.checkPermission(ctx('update', { user: 'bob' }))).toBe(deny);
    expect(await checker.checkPermission(ctx('get'))).toBe(not_applicable);
  });

  it('names an unknown action or a bad handler', () => {
    expect(() => new ActionBasedPermissionChecker().registerActionHandler('fly' as never, () => allow)).toThrow(/unknown action "fly"/);
    expect(() => new ActionBasedPermissionChecker().registerActionHandler(0, () => allow)).toThrow(ConfigurationError);
    expect(() => ActionBasedPermissionChecker.fromDict({ get: 42 as never })).toThrow(ConfigurationError);
  });
});

describe('PermissionPolicy', () => {
  it('strict and permissive are the documented flag combinations', () => {
    expect(PermissionPolicy.strict).toBe(PermissionPolicy.deny_overrides | PermissionPolicy.default_deny);
    expect(PermissionPolicy.permissive).toBe(PermissionPolicy.allow_overrides | PermissionPolicy.default_allow);
    expect(toPolicy(undefined)).toBe(PermissionPolicy.strict);
    expect(toPolicy('permissive')).toBe(PermissionPolicy.permissive);
    expect(() => toPolicy(64)).toThrow(ConfigurationError);
    expect(() => toPolicy('lenient' as never)).toThrow(ConfigurationError);
  });
});

describe('permissionHandler', () => {
  it('supports every action in phase before only', () => {
    const handler = permissionHandler(new AllowAll());
    for (const action of ['create', 'get', 'dump', 'modify'] as const) expect(handler.isSupported(ctx(action))).toBe(true);
    expect(handler.isSupported(ctx('create', { phase: 'after' }))).toBe(false);
    expect(handler.isSupported(ctx('create', { phase: 'on_success' }))).toBe(false);
  });

  it('anything but allow throws PermissionDeniedError naming user, action and resource (invariant 48)', async () => {
    for (const result of [deny, not_applicable, 'maybe' as PermissionResult]) {
      const handler = permissionHandler(fixed(result));
      const error = await Promise.resolve(handler.handleEvent(ctx('update', { user: 'bob' }))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error).toMatchObject({ user: 'bob', action: 'update', resource_name: 'item', code: 'permission_denied' });
      expect((error as Error).message).toMatch(/bob.*update.*item/);
    }
    await expect(Promise.resolve(permissionHandler(fixed(allow)).handleEvent(ctx('update')))).resolves.toBeUndefined();
  });

  it('an anonymous denial has no user field', async () => {
    const error = await Promise.resolve(permissionHandler(fixed(deny)).handleEvent(ctx('get', { user: undefined }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as PermissionDeniedError).user).toBeUndefined();
    expect((error as Error).message).toMatch(/anonymous/);
  });

  it('rejects something that is not a checker', () => {
    expect(() => permissionHandler({} as IPermissionChecker)).toThrow(ConfigurationError);
  });
});

describe('FieldLevelPermissionChecker (contexts)', () => {
  const checker = new FieldLevelPermissionChecker({
    allowedFieldsByUser: { alice: ['name'], admin: ['*'] },
    allowedFieldsByRole: { editor: ['value'] },
    getUserRoles: (user) => (user === 'erin' ? ['editor'] : []),
  });

  it('judges only update, patch and modify', async () => {
    expect(await checker.checkPermission(ctx('create', { data: { value: 1 } }))).toBe(not_applicable);
    expect(await checker.checkPermission(ctx('get', { resource_id: 'item:1' }))).toBe(not_applicable);
  });

  it('allows when every written field is allowed for the user or its roles, else denies', async () => {
    expect(await checker.checkPermission(ctx('update', { data: { name: 'x' } }))).toBe(allow);
    expect(await checker.checkPermission(ctx('update', { data: { name: 'x', value: 1 } }))).toBe(deny);
    expect(await checker.checkPermission(ctx('update', { user: 'erin', data: { value: 1 } }))).toBe(allow);
    expect(await checker.checkPermission(ctx('update', { user: 'erin', data: { name: 'x' } }))).toBe(deny);
    expect(await checker.checkPermission(ctx('update', { user: 'admin', data: { anything: 1 } }))).toBe(allow);
    expect(await checker.checkPermission(ctx('update', { user: 'mallory', data: { name: 'x' } }))).toBe(deny);
    expect(await checker.checkPermission(ctx('update', { user: undefined, data: { name: 'x' } }))).toBe(deny);
  });

  it('no fields → not_applicable', async () => {
    expect(await checker.checkPermission(ctx('update', { data: {} }))).toBe(not_applicable);
    expect(await checker.checkPermission(ctx('modify', { status: 'draft' }))).toBe(not_applicable);
  });

  it('patch fields are the top-level targets of the operations (merge patch: its keys)', async () => {
    expect(await checker.checkPermission(ctx('patch', { patch_data: [{ op: 'replace', path: '/name', value: 'y' }] }))).toBe(allow);
    expect(await checker.checkPermission(ctx('patch', { patch_data: [{ op: 'add', path: '/tags/0', value: 't' }] }))).toBe(deny);
    // move takes from one field and writes another: both count.
    expect(await checker.checkPermission(ctx('patch', { patch_data: [{ op: 'move', from: '/value', path: '/name' }] }))).toBe(deny);
    expect(await checker.checkPermission(ctx('patch', { patch_data: [{ op: 'test', path: '/value', value: 1 }] }))).toBe(not_applicable);
    expect(await checker.checkPermission(ctx('patch', { patch_data: { name: 'z' } }))).toBe(allow);
    // A root replacement touches every field: only '*' allows it.
    expect(await checker.checkPermission(ctx('patch', { patch_data: [{ op: 'replace', path: '', value: { name: 'n' } }] }))).toBe(deny);
    expect(await checker.checkPermission(ctx('patch', { user: 'admin', patch_data: [{ op: 'replace', path: '', value: {} }] }))).toBe(allow);
  });

  it('rejects malformed field lists', () => {
    expect(() => new FieldLevelPermissionChecker({ allowedFieldsByUser: { alice: 'name' as never } })).toThrow(/allowedFieldsByUser\['alice'\]/);
  });
});
