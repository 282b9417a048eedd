/**
 * Fixtures of the route suites: a small registry (an indexed model, a draft workflow, a model
 * with a unique field whose conflicts a test event handler raises), an express app with
 * `mount`, a deterministic clock and a caller taken from the `X-User` header.
 */
import express, { type Express } from 'express';
import request from 'supertest';
import { SpecStar, unique, type SpecStarOptions } from '@specstar/core';
import { UniqueConstraintError, type EventContext, type IEventHandler } from '@specstar/interfaces';
import { mount, type HttpOptions } from '../src';

export const ItemSchema = {
  title: 'Item',
  type: 'object',
  properties: {
    name: { type: 'string' },
    value: { type: 'integer', default: 0 },
    tags: { type: 'array', items: { type: 'string' } },
    note: { type: ['string', 'null'] },
    address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } } },
  },
  required: ['name'],
};

export const ArticleSchema = {
  title: 'Article',
  type: 'object',
  properties: { title: { type: 'string' }, body: { type: 'string', default: '' } },
  required: ['title'],
};

export const MemberSchema = {
  title: 'Member',
  type: 'object',
  properties: { email: unique({ type: 'string' }), nick: { type: 'string' } },
  required: ['email'],
};

/** The email a test handler treats as already taken (unique enforcement is a later issue). */
export const TAKEN_EMAIL = 'taken@example.com';
export const TAKEN_BY = 'member:00000000-0000-4000-8000-000000000000';

/** Raises the conflict a unique check would raise, before anything is written. */
export class TakenEmailHandler implements IEventHandler {
  isSupported(ctx: EventContext): boolean {
    return ctx.resource_name === 'member' && ctx.phase === 'before' && (ctx.action_name === 'create' || ctx.action_name === 'update');
  }
  handleEvent(ctx: EventContext): void {
    const data = ctx['data'] as { email?: unknown } | undefined;
    if (data?.email === TAKEN_EMAIL) throw new UniqueConstraintError('email', TAKEN_EMAIL, TAKEN_BY);
  }
}

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0, 0);

/** A clock that advances one second per reading, so every write has a distinct, known time. */
export class StepClock {
  private tick = 0;
  constructor(private readonly start = T0) {}
  now = (): Date => new Date(this.start + 1000 * this.tick++);
  /** The instant of the n-th reading (0-based) as it appears on the wire. */
  static wire(n: number, start = T0): string {
    return new Date(start + 1000 * n).toISOString();
  }
}

export interface TestServer {
  app: Express;
  spec: SpecStar;
  clock: StepClock;
  http: ReturnType<typeof request>;
}

export function makeRegistry(options: SpecStarOptions = {}): SpecStar {
  const spec = new SpecStar({ eventHandlers: [new TakenEmailHandler()], ...options });
  spec.addModel(ItemSchema, { indexedFields: ['name', 'value', 'tags', 'address.city'] });
  spec.addModel(ArticleSchema, { defaultStatus: 'draft' });
  spec.addModel(MemberSchema);
  return spec;
}

export function makeServer(options: { http?: HttpOptions; spec?: SpecStar; clock?: StepClock } = {}): TestServer {
  const clock = options.clock ?? new StepClock();
  const spec = options.spec ?? makeRegistry();
  const app = express();
  mount(app, spec, {
    dependencyProvider: { getUser: (req) => req.get('X-User') ?? 'tester', getNow: () => clock.now() },
    ...options.http,
  });
  return { app, spec, clock, http: request(app) };
}

/** Matches a wire timestamp: UTC, `Z`, exactly milliseconds. */
export const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const DATA_HASH = /^xxh3_128:[0-9a-f]{32}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Creates items over HTTP and returns their resource ids, in order. */
export async function createItems(http: TestServer['http'], items: object[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) {
    const res = await http.post('/item').send(item).expect(200);
    ids.push((res.body as { resource_id: string }).resource_id);
  }
  return ids;
}

/** `encodeURIComponent` for a JSON query parameter. */
export function jsonParam(value: unknown): string {
  return encodeURIComponent(JSON.stringify(value));
}

/** Framework-style 422 list detail: every entry has `loc` and `msg`. */
export function expectValidationList(body: unknown, loc: (string | number)[]): void {
  const detail = (body as { detail: unknown }).detail;
  expect(Array.isArray(detail)).toBe(true);
  const entries = detail as Array<{ loc: unknown; msg: unknown }>;
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) expect(typeof entry.msg).toBe('string');
  expect(entries.map((e) => e.loc)).toContainEqual(loc);
}
