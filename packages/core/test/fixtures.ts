import type { EventContext, IEventHandler } from '@specstar/interfaces';
import { ITEM_SCHEMA } from '@specstar/testkit';
import { SimpleMessageQueueFactory, SpecStar, type SpecStarOptions } from '../src';

/** The conformance model: Item{name, value = 0}, shared with the testkit. */
export const ItemSchema = ITEM_SCHEMA;

export const T0 = new Date('2025-01-01T00:00:00.000Z');
export const T1 = new Date('2025-01-02T00:00:00.000Z');
export const T2 = new Date('2025-01-03T00:00:00.000Z');
export const alice = { user: 'alice', now: T0 };
export const bob = { user: 'bob', now: T1 };

export function itemRegistry(options: SpecStarOptions = {}) {
  const spec = new SpecStar(options);
  const rm = spec.addModel<{ name: string; value: number; tags?: string[] }>({ ...ItemSchema }, { name: 'item', indexedFields: ['name', 'value'] });
  return { spec, rm };
}

/**
 * Registries on a fast-polling simple queue, with the models `setup` adds, closed after each
 * test of the file that calls this at its top level.
 */
export function queuedRegistries(setup: (spec: SpecStar) => void): () => SpecStar {
  const opened: SpecStar[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((spec) => spec.close()));
  });
  return () => {
    const spec = new SpecStar({ messageQueueFactory: new SimpleMessageQueueFactory({ pollInterval: 0.01 }) });
    setup(spec);
    opened.push(spec);
    return spec;
  };
}

/** Records every event context it sees, in order. */
export class RecordingHandler implements IEventHandler {
  readonly seen: EventContext[] = [];
  constructor(private readonly onEvent?: (ctx: EventContext) => void | Promise<void>) {}
  isSupported(): boolean {
    return true;
  }
  async handleEvent(ctx: EventContext): Promise<void> {
    this.seen.push(ctx);
    await this.onEvent?.(ctx);
  }
  types(): string[] {
    return this.seen.map((c) => c.context_type);
  }
}
