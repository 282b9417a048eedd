import { ConfigurationError, ResourceAction, ResourceIDNotFoundError, type EventContext, type IEventHandler } from '@specstar/interfaces';
import { SpecStar } from '../src';
import { EventHandlerBuilder, on } from '../src/event-builder';
import { ItemSchema, alice, bob } from './fixtures';

function itemWith(handlers: IEventHandler[]) {
  return new SpecStar().addModel<{ name: string; value: number }>({ ...ItemSchema }, { name: 'item', eventHandlers: handlers });
}

describe('event handler builder', () => {
  it('a handler registered with .before(ResourceAction.create) is not invoked for get or for after-create (invariant 47)', async () => {
    const seen: string[] = [];
    const rm = itemWith(on((ctx) => void seen.push(ctx.context_type)).before(ResourceAction.create));
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    await rm.get(resource_id);
    await rm.update(resource_id, { name: 'b' }, bob);
    expect(seen).toEqual(['BeforeCreate']);
  });

  it('chains: each phase call takes the functions queued since the previous one', async () => {
    const seen: string[] = [];
    const builder = on((ctx) => void seen.push(`audit ${ctx.context_type}`))
      .before('create')
      .do((ctx) => void seen.push(`notify ${ctx.context_type}`))
      .after(['update', ResourceAction.delete]);
    expect(builder).toHaveLength(2);
    const rm = itemWith(builder);
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    await rm.update(resource_id, { name: 'b' }, bob);
    await rm.delete(resource_id, bob);
    expect(seen).toEqual(['audit BeforeCreate', 'notify AfterUpdate', 'notify AfterDelete']);
  });

  it('do([f, g]) registers one handler per function, in order; composite action names match their members', async () => {
    const seen: string[] = [];
    const builder = new EventHandlerBuilder().do([(c) => void seen.push(`f ${c.action_name}`), (c) => void seen.push(`g ${c.action_name}`)]).onSuccess('write');
    expect(builder.handlers).toHaveLength(2);
    const rm = itemWith(builder);
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    await rm.get(resource_id);
    await rm.patch(resource_id, [{ op: 'replace', path: '/name', value: 'p' }], bob);
    // patch runs update inside it: both are writes; get is not.
    expect(seen).toEqual(['f create', 'g create', 'f update', 'g update', 'f patch', 'g patch']);
  });

  it('onFailure handlers see the error text of a failed operation', async () => {
    const failures: EventContext[] = [];
    const rm = itemWith(on((c) => void failures.push(c)).onFailure('get'));
    await expect(rm.get('item:missing')).rejects.toBeInstanceOf(ResourceIDNotFoundError);
    expect(failures.map((c) => c.context_type)).toEqual(['OnFailureGet']);
    expect(failures[0]!.error).toMatch(/item:missing/);
  });

  it('is a list of handlers: spreads into a handler list and passes where one is expected', async () => {
    const seen: string[] = [];
    const other: IEventHandler = { isSupported: (c) => c.context_type === 'AfterCreate', handleEvent: () => void seen.push('plain') };
    const spec = new SpecStar({ eventHandlers: [...on(() => void seen.push('built')).before('create'), other] });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    await rm.create({ name: 'a' }, alice);
    expect(seen).toEqual(['built', 'plain']);
    const builder = on(() => undefined).before('get');
    expect(Array.isArray(builder)).toBe(true);
    expect([...builder]).toEqual(builder.handlers);
    // Derived arrays are plain arrays, not builders.
    expect(builder.map((h) => h)).not.toBeInstanceOf(EventHandlerBuilder);
  });

  it('an async handler is awaited before the operation continues', async () => {
    const order: string[] = [];
    const rm = itemWith(
      on(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        order.push('handler');
      }).before('create'),
    );
    await rm.create({ name: 'a' }, alice).then(() => order.push('created'));
    expect(order).toEqual(['handler', 'created']);
  });

  describe('misuse is a ConfigurationError that says what is wrong', () => {
    it('a phase call without a queued function', () => {
      expect(() => new EventHandlerBuilder().before('create')).toThrow(ConfigurationError);
      const builder = on(() => undefined).before('create');
      expect(() => builder.after('create')).toThrow(/call do\(fn\) first/);
    });

    it('an unknown phase', () => {
      expect(() => on(() => undefined).phase('during' as never, 'create')).toThrow(/Unknown event phase "during"/);
    });

    it('an unknown action name, an out-of-range flag, an empty list', () => {
      expect(() => on(() => undefined).before('fly' as never)).toThrow(/unknown action "fly"/);
      expect(() => on(() => undefined).before(0)).toThrow(ConfigurationError);
      expect(() => on(() => undefined).before(ResourceAction.full + 1)).toThrow(ConfigurationError);
      expect(() => on(() => undefined).before([])).toThrow(/at least one action/);
    });

    it('a function that is not one', () => {
      expect(() => on('log' as never)).toThrow(/fn must be a function/);
      expect(() => on([() => undefined, null as never])).toThrow(/fn\[1\]/);
    });
  });
});
