/**
 * Registry wiring of permissions: `admin` without a
 * checker installs RBAC with that root user; a per-model checker wins over the registry's.
 */
import { PermissionDeniedError, PermissionResult, type IPermissionChecker, type IStorageFactory } from '@specstar/interfaces';
import { MemoryStorageFactory, SpecStar, type ResourceManager } from '../src';
import { AllowAll, RBACPermissionChecker, RootOnly } from '../src/permissions';
import { ItemSchema, RecordingHandler, T0, T1 } from './fixtures';

type Item = { name: string; value: number };

function item(spec: SpecStar, options: Parameters<SpecStar['addModel']>[1] = {}): ResourceManager<Item> {
  return spec.addModel<Item>({ ...ItemSchema }, { name: 'item', ...options });
}

describe('registry permissions', () => {
  it('admin="root" without a checker: root may perform every action, others are denied (invariant 54)', async () => {
    const spec = new SpecStar({ admin: 'root' });
    const rm = item(spec);
    const root = { user: 'root', now: T0 };
    const { resource_id: id } = await rm.create({ name: 'a' }, root);
    await rm.update(id, { name: 'b' }, root);
    await rm.patch(id, [{ op: 'replace', path: '/value', value: 2 }], root);
    await rm.update(id, { name: 'c', value: 2 }, { ...root, status: 'draft' });
    await rm.modify(id, { data: { name: 'c2', value: 2 } }, root);
    await rm.switch(id, `${id}:1`, root);
    await rm.createOrUpdate(id, { name: 'd' }, root);
    await spec.using(root, async () => {
      expect((await rm.get(id)).data).toEqual({ name: 'd', value: 0 });
      expect((await rm.getMeta(id)).total_revision_count).toBe(5);
      expect(await rm.getResourceRevision(id, `${id}:1`)).toMatchObject({ data: { name: 'a', value: 0 } });
      expect(await rm.listRevisions(id)).toHaveLength(5);
      expect(await rm.searchResources({})).toHaveLength(1);
      expect(await rm.listResources({})).toHaveLength(1);
    });
    await rm.delete(id, root);
    await rm.restore(id, root);

    const alice = { user: 'alice', now: T1 };
    await expect(rm.create({ name: 'x' }, alice)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(rm.update(id, { name: 'x' }, alice)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(spec.using(alice, () => rm.get(id))).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(await rm.count({})).toBe(1);

    await rm.permanentlyDelete(id, root);
    expect(await rm.exists(id)).toBe(false);
  });

  it('admin: the installed RBAC keeps its rules in the registry storage factory', async () => {
    const built: string[] = [];
    const inner = new MemoryStorageFactory();
    const storageFactory: IStorageFactory = { build: (name) => (built.push(name), inner.build(name)) };
    const rm = item(new SpecStar({ admin: 'root', storageFactory }));
    await expect(rm.create({ name: 'x' }, { user: 'alice', now: T0 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(built).toContain('RBACPermission');
  });

  it('a given permissionChecker is used instead of RBAC even with admin', async () => {
    const rm = item(new SpecStar({ admin: 'root', permissionChecker: new AllowAll() }));
    await rm.create({ name: 'x' }, { user: 'alice', now: T0 });
    expect(await rm.count({})).toBe(1);
  });

  it('a per-model permissionChecker wins over the registry one', async () => {
    const spec = new SpecStar({ permissionChecker: new AllowAll() });
    const guarded = item(spec, { permissionChecker: new RootOnly('boss') });
    const open = spec.addModel<Item>({ ...ItemSchema }, { name: 'open' });
    await expect(guarded.create({ name: 'x' }, { user: 'alice', now: T0 })).rejects.toBeInstanceOf(PermissionDeniedError);
    await guarded.create({ name: 'x' }, { user: 'boss', now: T0 });
    await open.create({ name: 'x' }, { user: 'alice', now: T0 });
    expect([await guarded.count({}), await open.count({})]).toEqual([1, 1]);
  });

  it('a per-model checker also wins over admin RBAC', async () => {
    const spec = new SpecStar({ admin: 'root' });
    const rm = item(spec, { permissionChecker: new AllowAll() });
    await rm.create({ name: 'x' }, { user: 'alice', now: T0 });
    expect(await rm.count({})).toBe(1);
  });

  it('the permission handler runs after the user event handlers', async () => {
    const recorder = new RecordingHandler();
    const deny: IPermissionChecker = { checkPermission: () => PermissionResult.deny };
    const rm = item(new SpecStar({ eventHandlers: [recorder], permissionChecker: deny }));
    await expect(rm.create({ name: 'x' }, { user: 'alice', now: T0 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(recorder.types()).toEqual(['BeforeCreate']);
  });

  it('an RBAC checker given to the registry guards its models', async () => {
    const rbac = new RBACPermissionChecker({ rootUser: 'root' });
    await rbac.addRule({ subject: 'alice', object: 'item', action: 'create' }, { user: 'root', now: T0 });
    const rm = item(new SpecStar({ permissionChecker: rbac }));
    await rm.create({ name: 'x' }, { user: 'alice', now: T0 });
    await expect(rm.create({ name: 'y' }, { user: 'bob', now: T0 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(await rm.count({})).toBe(1);
  });
});
