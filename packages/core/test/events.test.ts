import { ResourceAction, ResourceIDNotFoundError, ValidationError, type EventContext } from '@specstar/interfaces';
import { SpecStar } from '../src';
import { ItemSchema, RecordingHandler, T0, T1, alice, bob } from './fixtures';

function withHandler(handler: RecordingHandler) {
  const spec = new SpecStar({ eventHandlers: [handler] });
  return spec.addModel<{ name: string; value: number }>({ ...ItemSchema }, { name: 'item' });
}

describe('events', () => {
  it('create fires BeforeCreate, OnSuccessCreate, AfterCreate in order with action 1 (invariant 41)', async () => {
    const handler = new RecordingHandler();
    const rm = withHandler(handler);
    const info = await rm.create({ name: 'a' }, alice);
    expect(handler.types()).toEqual(['BeforeCreate', 'OnSuccessCreate', 'AfterCreate']);
    expect(handler.seen.map((c) => c.action)).toEqual([1, 1, 1]);
    expect(handler.seen[1]!.info).toEqual(info);
    expect(handler.seen[0]).toMatchObject({ phase: 'before', user: 'alice', now: T0, resource_name: 'item', data: { name: 'a', value: 0 } });
  });

  it('get of an unknown id fires OnFailureGet then AfterGet and never OnSuccessGet (invariant 42)', async () => {
    const handler = new RecordingHandler();
    const rm = withHandler(handler);
    await expect(rm.get('item:missing')).rejects.toBeInstanceOf(ResourceIDNotFoundError);
    const getEvents = handler.types().filter((t) => t.endsWith('Get'));
    expect(getEvents).toEqual(['BeforeGet', 'OnFailureGet', 'AfterGet']);
    const failure = handler.seen.find((c) => c.context_type === 'OnFailureGet')!;
    expect(typeof failure.error).toBe('string');
  });

  it('a throwing before-handler aborts: nothing written, no on_failure/after for that action (invariant 43)', async () => {
    const handler = new RecordingHandler((ctx) => {
      if (ctx.context_type === 'BeforeCreate') throw new ValidationError('refused by handler');
    });
    const rm = withHandler(handler);
    await expect(rm.create({ name: 'a' }, alice)).rejects.toBeInstanceOf(ValidationError);
    expect(handler.types()).toEqual(['BeforeCreate']);
    expect(await rm.count({})).toBe(0);
  });

  it('a before-handler that mutates ctx.data changes what is persisted (invariant 44)', async () => {
    const handler = new RecordingHandler((ctx) => {
      if (ctx.context_type === 'BeforeCreate') (ctx.data as { name: string }).name = 'changed';
    });
    const rm = withHandler(handler);
    const info = await rm.create({ name: 'original' }, alice);
    expect((await rm.get(info.resource_id)).data).toEqual({ name: 'changed', value: 0 });
  });

  it('a before-handler that makes data invalid is caught by validation, nothing written', async () => {
    const handler = new RecordingHandler((ctx) => {
      if (ctx.context_type === 'BeforeCreate') (ctx.data as Record<string, unknown>).value = 'not a number';
    });
    const rm = withHandler(handler);
    await expect(rm.create({ name: 'a' }, alice)).rejects.toBeInstanceOf(ValidationError);
    expect(await rm.count({})).toBe(0);
  });

  it('update fires the GetMeta events between BeforeUpdate and OnSuccessUpdate (invariant 45)', async () => {
    const handler = new RecordingHandler();
    const rm = withHandler(handler);
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    handler.seen.length = 0;
    await rm.update(resource_id, { name: 'b' }, bob);
    expect(handler.types()).toEqual(['BeforeUpdate', 'BeforeGetMeta', 'OnSuccessGetMeta', 'AfterGetMeta', 'OnSuccessUpdate', 'AfterUpdate']);
    expect(handler.seen[4]!.revision_info).toMatchObject({ revision_id: `${resource_id}:2` });
  });

  it('an on_success handler that throws yields OnFailure then After, and the error reaches the caller (invariant 46)', async () => {
    const handler = new RecordingHandler((ctx) => {
      if (ctx.context_type === 'OnSuccessCreate') throw new Error('post-check failed');
    });
    const rm = withHandler(handler);
    await expect(rm.create({ name: 'a' }, alice)).rejects.toThrow('post-check failed');
    expect(handler.types()).toEqual(['BeforeCreate', 'OnSuccessCreate', 'OnFailureCreate', 'AfterCreate']);
  });

  it('a handler that supports only before-create is not invoked for get or for after-create (invariant 47)', async () => {
    const calls: EventContext[] = [];
    const beforeCreateOnly = {
      isSupported: (ctx: EventContext) => ctx.phase === 'before' && (ctx.action & ResourceAction.create) !== 0,
      handleEvent: (ctx: EventContext) => void calls.push(ctx),
    };
    const spec = new SpecStar({ eventHandlers: [beforeCreateOnly] });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    await rm.get(resource_id);
    expect(calls.map((c) => c.context_type)).toEqual(['BeforeCreate']);
  });

  it('registry handlers run before per-model handlers', async () => {
    const order: string[] = [];
    const tag = (name: string) => ({ isSupported: () => true, handleEvent: (ctx: EventContext) => {
      if (ctx.context_type === 'BeforeCreate') order.push(name);
    } });
    const spec = new SpecStar({ eventHandlers: [tag('registry')] });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item', eventHandlers: [tag('model')] });
    await rm.create({ name: 'a' }, { user: 'u', now: T1 });
    expect(order).toEqual(['registry', 'model']);
  });

  it('read events carry user and now only when they resolve', async () => {
    const handler = new RecordingHandler();
    const spec = new SpecStar({ eventHandlers: [handler], defaultUser: 'svc' });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    handler.seen.length = 0;
    await rm.getMeta(resource_id);
    expect(handler.seen[0]!.user).toBe('svc');
    expect('resource_id' in handler.seen[0]!).toBe(true);
  });
});
