// Every model route runs as the caller `dependencyProvider.getUser` names: reads are
// permission-checked as that caller, exactly like writes.
import { ResourceOwnershipChecker, RootOnly, SpecStar } from '@specstar/core';
import { PermissionResult, ResourceAction, type EventContext, type IPermissionChecker } from '@specstar/interfaces';
import { ItemSchema, makeServer } from './helpers';

/** Anyone may create and search; everything else is the ownership checker's call. */
class CreatorsOnly implements IPermissionChecker {
  owner: ResourceOwnershipChecker | undefined;
  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if (typeof ctx.resource_id !== 'string' || (ctx.action & ResourceAction.create) !== 0) return PermissionResult.allow;
    return this.owner!.checkPermission(ctx);
  }
}

describe('model routes run as the caller', () => {
  it('reads are checked as the caller: the creator reads, another user gets 403', async () => {
    const checker = new CreatorsOnly();
    const spec = new SpecStar({ permissionChecker: checker });
    checker.owner = new ResourceOwnershipChecker(spec.addModel(ItemSchema));
    const server = makeServer({ spec });
    const id = (await server.http.post('/item').set('X-User', 'alice').send({ name: 'ring', value: 1 }).expect(200)).body.resource_id;
    for (const path of [`/item/${id}`, `/item/${id}/data`, `/item/${id}/meta`, `/item/${id}/revision-info`, `/item/${id}/revision-list`]) {
      await server.http.get(path).set('X-User', 'alice').expect(200);
      const denied = await server.http.get(path).set('X-User', 'bob').expect(403);
      expect(typeof denied.body.detail).toBe('string');
    }
  });

  it('RootOnly: only the root user reads, whatever the registry default user is', async () => {
    const spec = new SpecStar({ permissionChecker: new RootOnly('root'), defaultUser: 'root' });
    const rm = spec.addModel(ItemSchema);
    const { resource_id: id } = await rm.create({ name: 'ring', value: 1 });
    const server = makeServer({ spec });
    await server.http.get(`/item/${id}`).set('X-User', 'root').expect(200);
    await server.http.get(`/item/${id}`).set('X-User', 'mallory').expect(403);
    await server.http.get('/item').set('X-User', 'mallory').expect(403);
    await server.http.get('/item').set('X-User', 'root').expect(200);
    // a count is a search: its conditions would otherwise reveal what the search hides
    await server.http.get('/item/count').query({ qb: 'QB["name"].regex("^r")' }).set('X-User', 'mallory').expect(403);
    expect((await server.http.get('/item/count').set('X-User', 'root').expect(200)).body).toBe(1);
  });
});
