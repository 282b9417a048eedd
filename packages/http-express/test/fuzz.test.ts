// Fuzz-style robustness: malformed JSON, bodies over the size limit, deep nesting, random qb
// strings, random JSON conditions and sorts, random paths, methods and headers. Whatever comes
// in, the answer is a 4xx or a success, never a 5xx, and the server keeps serving.
// Every random input comes from a seeded PRNG, so a failure names an input that reproduces.
import { seededRandom } from '@specstar/testkit';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SpecStar, ref, unique } from '@specstar/core';
import { mount } from '../src';

// ---------------------------------------------------------------- seeded randomness
/** Seeded helpers over the testkit PRNG: the same inputs on every machine. */
function prng(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

/** Percent-encodes the UTF-8 bytes of any string, lone surrogates included (encodeURIComponent throws on those). */
function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const query = (params: Record<string, string | string[]>): string =>
  Object.entries(params)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${pct(key)}=${pct(v)}`))
    .join('&');

// ---------------------------------------------------------------- the server under test
const HeroSchema = {
  title: 'Hero',
  type: 'object',
  properties: {
    name: unique({ type: 'string' }),
    level: { type: 'integer', default: 1 },
    tags: { type: 'array', items: { type: 'string' }, default: [] },
    stats: { type: 'object', properties: { str: { type: 'integer' }, dex: { type: 'integer' } } },
    born: { type: 'string', format: 'date-time' },
    guild: ref('guild', { type: ['string', 'null'], default: null }),
    extra: {}, // any JSON: where deep nesting can reach storage
  },
  required: ['name'],
};
const GuildSchema = { title: 'Guild', type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

const BODY_LIMIT = 16 * 1024;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Target {
  server: http.Server;
  port: number;
  agent: http.Agent;
  heroIds: string[];
}

async function startTarget(options: { bodyLimit?: number | string } = {}): Promise<Target> {
  const spec = new SpecStar();
  spec.addModel(GuildSchema);
  const heroes = spec.addModel(HeroSchema, { indexedFields: ['level', 'stats.str', 'born', 'tags'] });
  const app = express();
  mount(app, spec, options);
  const heroIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const info = await heroes.create(
      { name: `hero-${i}`, level: i % 7, tags: i % 2 ? ['odd'] : ['even', 'x'], stats: { str: i, dex: 20 - i }, born: `2024-01-${String(i + 1).padStart(2, '0')}T00:00:00Z` },
      { user: 'seed' },
    );
    heroIds.push(info.resource_id);
  }
  await heroes.update(heroIds[0] as string, { name: 'hero-0', level: 50 }, { user: 'seed' });
  await heroes.delete(heroIds[1] as string, { user: 'seed' });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  return { server, port: (server.address() as AddressInfo).port, agent, heroIds };
}

async function stopTarget(target: Target): Promise<void> {
  target.agent.destroy();
  await new Promise<void>((resolve) => {
    target.server.close(() => resolve());
    target.server.closeAllConnections();
  });
}

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Send the body chunked (no Content-Length) in pieces of this size. */
  chunked?: number;
}

function send(target: Target, call: Call): Promise<Reply> {
  const headers: Record<string, string | number> = { ...call.headers };
  // Frame every body: without a length, Node sends GET/DELETE/OPTIONS bodies unframed and the
  // server would read them as the next request on the connection.
  if (call.body !== undefined && !call.chunked) headers['Content-Length'] = Buffer.byteLength(call.body);
  return new Promise<Reply>((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: '127.0.0.1', port: target.port, method: call.method, path: call.path, headers, agent: target.agent },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // The server may answer (413) and drop the connection before the whole body is written.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (call.body === undefined) {
      req.end();
    } else if (call.chunked) {
      const bytes = Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body);
      for (let at = 0; at < bytes.length; at += call.chunked) req.write(bytes.subarray(at, at + call.chunked));
      req.end();
    } else {
      req.end(call.body);
    }
  });
}

const describeCall = (call: Call): string =>
  `${call.method} ${call.path.length > 300 ? `${call.path.slice(0, 300)}…(${call.path.length} chars)` : call.path}` +
  (call.headers ? ` ${JSON.stringify(call.headers).slice(0, 300)}` : '') +
  (call.body !== undefined ? ` body(${call.body.length}): ${String(call.body).slice(0, 200)}` : '');

/**
 * Sends every call (16 in flight) and returns the ones that were answered with a 5xx, that broke
 * the connection, or whose response claimed JSON and was not JSON.
 */
async function survey(target: Target, calls: Call[], check?: (call: Call, reply: Reply) => string | undefined): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++] as Call;
      let reply: Reply;
      try {
        reply = await send(target, call);
      } catch (err) {
        problems.push(`${describeCall(call)} → connection error ${(err as Error).message}`);
        continue;
      }
      if (reply.status >= 500) problems.push(`${describeCall(call)} → ${reply.status} ${reply.body.slice(0, 300)}`);
      else if (/application\/json/.test(reply.headers['content-type'] ?? '') && call.method !== 'HEAD') {
        try {
          JSON.parse(reply.body);
        } catch {
          problems.push(`${describeCall(call)} → ${reply.status} with a body that is not JSON: ${reply.body.slice(0, 200)}`);
        }
      }
      const extra = check?.(call, reply);
      if (extra) problems.push(`${describeCall(call)} → ${extra}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return problems;
}

/** The server still answers a plain request correctly. */
async function healthy(target: Target): Promise<void> {
  const reply = await send(target, { method: 'GET', path: '/guild/count' });
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual(expect.any(Number));
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The `detail` of an error body, or undefined when the body is not a JSON object with one. */
function detailOf(reply: Reply): unknown {
  try {
    return (JSON.parse(reply.body) as { detail?: unknown }).detail;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- generators
function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 6 : 9);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 42, -0]);
    case 3:
      return rng.pick(['', 'a', 'hero-3', 'odd', '2024-01-05T00:00:00Z', '(a+)+$', '(?i)HERO', '\u0000', '😀', '\ud800', 'x'.repeat(500), '__proto__']);
    case 4:
      return rng.pick(['level', 'name', 'tags', 'stats.str', 'created_time', 'resource_id']);
    case 5:
      return rng.int(100);
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) {
        const key = rng.pick(['a', 'name', 'level', '__proto__', 'constructor', 'field_path', 'operator', 'value', 'conditions']);
        // defineProperty, so `__proto__` becomes an own key that JSON.stringify sends.
        Object.defineProperty(out, key, { value: randomJson(rng, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'ends_with', 'in', 'not_in', 'is_null', 'exists', 'isna', 'regex', 'and', 'or', 'not', 'bogus', '', 'EQ'];
const FIELDS = ['level', 'name', 'tags', 'stats.str', 'stats', 'born', 'guild', 'nope', 'created_time', 'updated_time', 'resource_id', 'is_deleted', 'total_revision_count', 'current_revision_id', 'rev_status', '', '.', 'a..b', '__proto__'];

function randomCondition(rng: Rng, depth = 0): unknown {
  if (rng.chance(0.1)) return randomJson(rng);
  if (depth < 4 && rng.chance(0.2)) {
    return { operator: rng.pick(['and', 'or', 'not', 'xor']), conditions: Array.from({ length: rng.int(4) }, () => randomCondition(rng, depth + 1)) };
  }
  const condition: Record<string, unknown> = {};
  if (rng.chance(0.95)) condition.field_path = rng.chance(0.9) ? rng.pick(FIELDS) : randomJson(rng);
  if (rng.chance(0.95)) condition.operator = rng.chance(0.9) ? rng.pick(OPERATORS) : randomJson(rng);
  if (rng.chance(0.95)) condition.value = randomJson(rng);
  if (rng.chance(0.1)) condition.transform = rng.pick(['len', 'bogus', null]);
  if (rng.chance(0.05)) condition.type = rng.pick(['DataSearchCondition', 'DataSearchGroup', 'x']);
  return condition;
}

function randomSort(rng: Rng): unknown {
  if (rng.chance(0.1)) return randomJson(rng);
  const sort: Record<string, unknown> = {};
  if (rng.chance(0.9)) sort.type = rng.pick(['meta', 'data', 'x', 1]);
  if (rng.chance(0.6)) sort.key = rng.pick(['created_time', 'updated_time', 'resource_id', 'is_deleted', 'nope', 'rev_created_time', 3]);
  if (rng.chance(0.6)) sort.field_path = rng.pick(FIELDS);
  if (rng.chance(0.9)) sort.direction = rng.pick(['+', '-', 'asc', 'desc', '', 1, null]);
  return sort;
}

/** A JSON-ish parameter: usually JSON of the expected shape, sometimes broken text. */
function jsonParam(rng: Rng, element: (rng: Rng) => unknown): string {
  const r = rng.next();
  if (r < 0.75) return JSON.stringify(Array.from({ length: rng.int(4) }, () => element(rng)));
  if (r < 0.85) return JSON.stringify(randomJson(rng));
  return rng.pick(['[', '[{', '{"field_path":', 'null', 'nan', '[1,]', '\u0000', '', '[[[[[[', '"x"', ']']);
}

const QB_TOKENS = [
  'QB', "['level']", "['name']", "['tags']", "['stats.str']", "['born']", "['nope']", "['created_time']", "[0]", '[', ']', '(', ')', '.', ',', "'", '"',
  '==', '!=', '>=', '<=', '<', '>', '&', '|', '~', '>>', '<<', '%', '+', '-', '*', '/', '**', '^', '//', '@', ':=', 'not', 'and', 'or', 'in', 'is',
  'lambda', 'if', 'else', 'for', 'True', 'False', 'None', 'dt', 'datetime', '__import__', '__class__', 'os', 'process', 'constructor', 'eval',
  'eq', 'ne', 'gt', 'gte', 'lt', 'between', 'in_', 'one_of', 'not_in', 'regex', 'match', 'like', 'icontains', 'length', 'is_null', 'exists',
  'is_truthy', 'is_blank', 'sort', 'order_by', 'limit', 'offset', 'page', 'first', 'asc', 'desc', 'today', 'last_n_days', 'this_week',
  'resource_id', 'created_time', 'updated_time', 'is_deleted', 'all', 'any', 'exclude', 'filter', 'and_', 'or_', 'timedelta', 'timezone', 'utc',
  '0', '1', '-1', '1e309', '3.5', '0x10', '10**100', "'a'", "r'\\d+'", "'''x'''", "'(a+)+$'", "'%_x%'", '[1, 2]', '(1,)', 'tz=8', 'size=0',
  'week_start=9', 'days=1', '\n', ' ', '\t', '\\', '#', 'é', '😀', '\u0000', '\ud800', '{', '}', ';', '`', '$', '?',
];

const QB_SEEDS = [
  "QB['level'] >= 5",
  "QB['level'].gt(2) & QB['name'].starts_with('hero')",
  "(QB['level'] < 2) | (QB['level'] > 5)",
  "~QB['tags'].contains('odd')",
  "QB['name'].icontains('HERO-1').sort('-level').limit(3)",
  "QB['born'] >= dt.datetime(2024, 1, 5, tzinfo=dt.timezone.utc)",
  "QB.created_time().last_n_days(7, 8)",
  "QB['tags'].length() > 1",
  "QB.all(QB['level'] > 1, QB['stats.str'].between(2, 9))",
  "QB['name'].like('hero_1%').page(2, 3)",
  "QB['name'] << ['hero-1', 'hero-2']",
  "QB.resource_id().starts_with('hero:')",
  "QB['level'].in_range(1, 3).exclude(QB['name'] == 'hero-2')",
];

function randomQb(rng: Rng): string {
  const strategy = rng.int(4);
  if (strategy === 0) return Array.from({ length: 1 + rng.int(20) }, () => rng.pick(QB_TOKENS)).join(rng.chance(0.5) ? '' : ' ');
  if (strategy === 1 || strategy === 2) {
    // A valid expression with a few random edits: closest to real typos.
    let text = rng.pick(QB_SEEDS);
    for (let edits = 1 + rng.int(3); edits > 0; edits--) {
      const at = rng.int(text.length + 1);
      const op = rng.int(3);
      const token = rng.pick(QB_TOKENS);
      if (op === 0) text = text.slice(0, at) + token + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rng.int(4));
      else text = text.slice(0, at) + token + text.slice(at + token.length);
    }
    return text;
  }
  return Array.from({ length: rng.int(60) }, () => String.fromCharCode(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0x3000))).join('');
}

// ---------------------------------------------------------------- the suites
describe('the fuzz harness', () => {
  it('flags 5xx answers, JSON that is not JSON, and dropped connections', async () => {
    const app = express();
    app.get('/boom', (_req, res) => {
      res.status(500).json({ detail: 'boom' });
    });
    app.get('/liar', (_req, res) => {
      res.type('application/json').send('{not json');
    });
    app.get('/drop', (req) => {
      req.socket.destroy();
    });
    app.get('/fine', (_req, res) => {
      res.json([]);
    });
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const target: Target = { server, port: (server.address() as AddressInfo).port, agent: new http.Agent({ keepAlive: true }), heroIds: [] };
    try {
      const problems = await survey(target, ['/boom', '/liar', '/drop', '/fine'].map((path) => ({ method: 'GET', path })));
      expect(problems.map((p) => p.split(' → ')[0]!).sort()).toEqual(['GET /boom', 'GET /drop', 'GET /liar']);
    } finally {
      await stopTarget(target);
    }
  });
});

describe('fuzz: the server answers everything with < 500 and keeps serving', () => {
  let target: Target;
  const pollutionBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    target = await startTarget({ bodyLimit: BODY_LIMIT });
  });
  afterAll(async () => {
    await stopTarget(target);
  });
  afterEach(async () => {
    await healthy(target);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pollutionBefore);
  });

  it('malformed JSON bodies get a 4xx with a detail', async () => {
    const malformed = ['{', '{"name":', 'nul', '[1,2', '{"name": "x",}', "{'name': 'x'}", '\u0000', '{"name": "x"}}', 'NaN', ' ', '[1] [2]'];
    // Valid JSON, but odd: any answer below 500 is fine.
    const odd = ['{"name": "\\ud800"}', '{"a":1e999}', '\ufeff{"name":"bom"}', '', '"just a string"', 'null', '[]'];
    const id = target.heroIds[2] as string;
    const calls: Call[] = [];
    for (const body of [...malformed, ...odd]) {
      calls.push({ method: 'POST', path: '/hero', headers: JSON_HEADERS, body });
      calls.push({ method: 'PUT', path: `/hero/${id}`, headers: JSON_HEADERS, body });
      calls.push({ method: 'PATCH', path: `/hero/${id}`, headers: JSON_HEADERS, body });
      calls.push({ method: 'PATCH', path: `/hero/${id}`, headers: { 'Content-Type': 'application/merge-patch+json' }, body });
    }
    calls.push({ method: 'POST', path: '/hero', headers: JSON_HEADERS, body: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) });
    const problems = await survey(target, calls, (call, reply) => {
      if (typeof call.body === 'string' && odd.includes(call.body)) return undefined;
      if (reply.status < 400) return `malformed JSON accepted with ${reply.status}`;
      return typeof detailOf(reply) === 'undefined' ? `${reply.status} without a JSON detail: ${reply.body.slice(0, 100)}` : undefined;
    });
    expect(problems).toEqual([]);

    // An unparsable create body is framework validation: 422 with a list detail.
    const create = await send(target, { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: '{"name":' });
    expect(create.status).toBe(422);
    expect(JSON.parse(create.body).detail).toEqual([expect.objectContaining({ loc: expect.any(Array), msg: expect.any(String) })]);
  });

  it('bodies over the size limit get 413, with or without Content-Length, for JSON and merge patch', async () => {
    const id = target.heroIds[3] as string;
    const big = JSON.stringify({ name: 'big', extra: 'x'.repeat(BODY_LIMIT) });
    const huge = JSON.stringify({ name: 'huge', extra: 'y'.repeat(3 * 1024 * 1024) });
    const calls: Call[] = [
      { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: big },
      { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: huge },
      { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: big, chunked: 4096 },
      { method: 'PUT', path: `/hero/${id}`, headers: JSON_HEADERS, body: big },
      { method: 'PATCH', path: `/hero/${id}`, headers: JSON_HEADERS, body: JSON.stringify([{ op: 'add', path: '/extra', value: 'z'.repeat(BODY_LIMIT) }]) },
      { method: 'PATCH', path: `/hero/${id}`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: big },
      { method: 'PATCH', path: `/hero/${id}`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: huge, chunked: 65536 },
    ];
    const problems = await survey(target, calls, (_call, reply) => (reply.status === 413 ? undefined : `expected 413, got ${reply.status}`));
    expect(problems).toEqual([]);

    // Just under the limit is fine.
    const fits = await send(target, { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: JSON.stringify({ name: 'fits', extra: 'x'.repeat(BODY_LIMIT - 100) }) });
    expect(fits.status).toBe(200);
  });

  it('the default body limit is 1 MB', async () => {
    const defaults = await startTarget();
    try {
      const over = await send(defaults, { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: JSON.stringify({ name: 'a', extra: 'x'.repeat(1024 * 1024) }) });
      expect(over.status).toBe(413);
      const under = await send(defaults, { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: JSON.stringify({ name: 'b', extra: 'x'.repeat(1000 * 1000) }) });
      expect(under.status).toBe(200);
    } finally {
      await stopTarget(defaults);
    }
  });

  it('deeply nested bodies, patches, conditions and qb expressions', async () => {
    const id = target.heroIds[4] as string;
    const nest = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
    const calls: Call[] = [];
    for (const depth of [100, 1000, 5000]) {
      const arrays = nest(depth, '[', ']');
      const objects = nest(depth, '{"a":', '}');
      calls.push({ method: 'POST', path: '/hero', headers: JSON_HEADERS, body: `{"name":"deep-${depth}","extra":${arrays}}` });
      calls.push({ method: 'POST', path: '/hero', headers: JSON_HEADERS, body: `{"name":"deep-o-${depth}","extra":${objects}}` });
      calls.push({ method: 'POST', path: '/hero', headers: JSON_HEADERS, body: arrays });
      calls.push({ method: 'PUT', path: `/hero/${id}`, headers: JSON_HEADERS, body: `{"name":"deep","stats":${objects}}` });
      calls.push({ method: 'PATCH', path: `/hero/${id}`, headers: JSON_HEADERS, body: `[{"op":"add","path":"/extra","value":${arrays}}]` });
      calls.push({ method: 'PATCH', path: `/hero/${id}`, headers: JSON_HEADERS, body: `[{"op":"replace","path":"${'/a'.repeat(depth)}","value":1}]` });
      calls.push({ method: 'PATCH', path: `/hero/${id}`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: `{"extra":${objects}}` });
    }
    for (const depth of [10, 100, 1000]) {
      const group = nest(depth, '{"operator":"and","conditions":[', ']}', '{"field_path":"level","operator":"gt","value":1}');
      calls.push({ method: 'GET', path: `/hero?${query({ conditions: `[${group}]` })}` });
      calls.push({ method: 'GET', path: `/hero?${query({ data_conditions: nest(depth, '[', ']') })}` });
      calls.push({ method: 'GET', path: `/hero/count?${query({ qb: nest(depth, '(', ')', "QB['level'] > 1") })}` });
      calls.push({ method: 'GET', path: `/hero?${query({ qb: `${"QB['level'].gt(1) & ".repeat(depth)}QB['level'].lt(9)` })}` });
      calls.push({ method: 'GET', path: `/hero?${query({ qb: '~'.repeat(depth) + "QB['level'].gt(1)" })}` });
      calls.push({ method: 'GET', path: `/hero?${query({ partial: '/a'.repeat(depth) })}` });
    }
    // A deep value that was stored is also read back, listed and patched without trouble.
    const stored = await send(target, { method: 'POST', path: '/hero', headers: JSON_HEADERS, body: `{"name":"deep-kept","extra":${nest(1000, '[', ']')}}` });
    expect(stored.status).toBeLessThan(500);
    if (stored.status === 200) {
      const keptId = JSON.parse(stored.body).resource_id as string;
      calls.push({ method: 'GET', path: `/hero/${keptId}` });
      calls.push({ method: 'GET', path: `/hero/${keptId}?${query({ partial: ['/extra/0/0/0', 'meta/resource_id'] })}` });
      calls.push({ method: 'GET', path: `/hero?${query({ qb: "QB['name'] == 'deep-kept'" })}` });
      calls.push({ method: 'PATCH', path: `/hero/${keptId}`, headers: JSON_HEADERS, body: '[{"op":"replace","path":"/level","value":2}]' });
    }
    expect(await survey(target, calls)).toEqual([]);
  });

  it('thousands of random qb strings on list and count', async () => {
    const rng = prng(0x5eed_0001);
    const calls: Call[] = [];
    for (let i = 0; i < 3000; i++) {
      const params: Record<string, string> = { qb: randomQb(rng) };
      if (rng.chance(0.1)) params.limit = rng.pick(['1', '0', '-1', 'x', '999999999999']);
      if (rng.chance(0.1)) params.offset = rng.pick(['0', '3', '-5', '1.5']);
      if (rng.chance(0.05)) params[rng.pick(['sorts', 'conditions', 'data_conditions', 'created_bys', 'updated_time_start'])] = '[]';
      if (rng.chance(0.05)) params.is_deleted = rng.pick(['true', 'false', 'maybe']);
      calls.push({ method: 'GET', path: `/hero${rng.chance(0.3) ? '/count' : ''}?${query(params)}` });
    }
    const statuses = new Map<number, number>();
    const problems = await survey(target, calls, (call, reply) => {
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status === 200) {
        const body = JSON.parse(reply.body) as unknown;
        const ok = call.path.startsWith('/hero/count') ? Number.isInteger(body) : Array.isArray(body);
        return ok ? undefined : `200 with an unexpected body ${reply.body.slice(0, 100)}`;
      }
      return [400, 422].includes(reply.status) ? undefined : `unexpected status ${reply.status}`;
    });
    expect(problems).toEqual([]);
    // The generator must reach both sides: some expressions run, most are refused.
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(500);
  });

  it('random JSON conditions, sorts and meta filters on every list route', async () => {
    const rng = prng(0x5eed_0002);
    const routes = ['/hero', '/hero/count', '/hero/full', '/hero/data', '/hero/meta', '/hero/revision-info'];
    const calls: Call[] = [];
    for (let i = 0; i < 1500; i++) {
      const params: Record<string, string | string[]> = {};
      if (rng.chance(0.5)) params.conditions = jsonParam(rng, randomCondition);
      if (rng.chance(0.4)) params.data_conditions = jsonParam(rng, randomCondition);
      if (rng.chance(0.4)) params.sorts = jsonParam(rng, randomSort);
      if (rng.chance(0.2)) params.limit = rng.pick(['1', '0', '-1', 'abc', '1e3', '99999999999999999999', '1.5', '']);
      if (rng.chance(0.2)) params.offset = rng.pick(['0', '2', '-1', 'abc', '']);
      if (rng.chance(0.2)) params.is_deleted = rng.pick(['true', 'false', 'maybe', '', 'TRUE', '1', 'on']);
      if (rng.chance(0.1)) params[rng.pick(['created_time_start', 'created_time_end', 'updated_time_start', 'updated_time_end'])] = rng.pick(['2025-01-01', 'garbage', '2025-13-45T99:99', 'Z', '', '2024-01-02T03:04:05.123456+08:00', '9999-12-31T23:59:59Z']);
      if (rng.chance(0.1)) params.created_bys = rng.pick([['seed'], ['a', 'b'], ['']]);
      if (rng.chance(0.1)) params.rev_statuses = rng.pick([['draft'], ['stable', 'bogus']]);
      if (rng.chance(0.2)) params.returns = rng.pick(['data', 'meta,info', '', 'x', 'data,revision_info,meta,only-data', 'only-data']);
      if (rng.chance(0.2)) params[rng.pick(['partial', 'partial[]'])] = rng.pick([['/name'], ['meta/resource_id', 'info/status'], ['/tags/-'], ['/tags/1:'], ['::-1'], ['/x/-/-/-'], ['']]);
      calls.push({ method: 'GET', path: `${rng.pick(routes)}?${query(params)}` });
    }
    const problems = await survey(target, calls, (_call, reply) => ([200, 400, 422].includes(reply.status) ? undefined : `unexpected status ${reply.status}`));
    expect(problems).toEqual([]);
  });

  it('random bodies, patches, ids, revision ids and If-Match on the item routes', async () => {
    const rng = prng(0x5eed_0003);
    const calls: Call[] = [];
    const ids = () => rng.pick([...target.heroIds, 'hero:nope', 'hero', '', ':', 'a/b', '%2F', '..', '%2e%2e', '%00', 'x'.repeat(2000), '%F0%9F%98%80', 'hero%3Ax', '%']);
    const pointers = ['/name', '/level', '/tags/-', '/tags/0', '/tags/99', '/stats/str', '/', '', 'name', '/__proto__/polluted', '/constructor/prototype/polluted', '/a~2b', '/extra/-/x'];
    for (let i = 0; i < 1200; i++) {
      const id = ids();
      const which = rng.int(6);
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (rng.chance(0.2)) headers['If-Match'] = rng.pick(['*', '"x"', `${target.heroIds[2]}:1`, `"${target.heroIds[2]}:1@xxh3_128:00"`, 'W/"a"', '', ',,,']);
      const q = rng.chance(0.3) ? `?${query({ mode: rng.pick(['update', 'modify', 'x', '']), ...(rng.chance(0.5) ? { change_status: rng.pick(['draft', 'stable', 'x']) } : {}) })}` : '';
      if (which === 0) calls.push({ method: 'POST', path: '/hero', headers, body: JSON.stringify(rng.chance(0.7) ? { name: `r-${i}`, ...(randomJson(rng) as object) } : randomJson(rng)) });
      else if (which === 1) calls.push({ method: 'PUT', path: `/hero/${id}${q}`, headers, body: JSON.stringify(rng.chance(0.5) ? { name: `p-${i}`, level: randomJson(rng) } : randomJson(rng)) });
      else if (which === 2) {
        const ops = Array.from({ length: 1 + rng.int(3) }, () => {
          const op: Record<string, unknown> = { op: rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', '_get', 'bogus']), path: rng.pick(pointers) };
          if (rng.chance(0.7)) op.value = randomJson(rng);
          if (rng.chance(0.3)) op.from = rng.pick(pointers);
          return rng.chance(0.9) ? op : randomJson(rng);
        });
        calls.push({ method: 'PATCH', path: `/hero/${id}${q}`, headers, body: JSON.stringify(rng.chance(0.9) ? ops : randomJson(rng)) });
      } else if (which === 3) {
        calls.push({ method: 'PATCH', path: `/hero/${id}${q}`, headers: { ...headers, 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify(randomJson(rng)) });
      } else if (which === 4) {
        calls.push({ method: 'POST', path: `/hero/${id}/switch/${rng.pick([`${id}:1`, `${id}:0`, `${id}:-1`, `${id}:999`, `${id}:1.5`, 'x', `${target.heroIds[5]}:1`])}` });
      } else {
        const read = rng.pick(['', '/full', '/data', '/meta', '/revision-info', '/revision-list']);
        const params: Record<string, string | string[]> = {};
        if (rng.chance(0.3)) params.revision_id = rng.pick([`${id}:1`, `${id}:2`, `${id}:x`, '']);
        if (rng.chance(0.3)) params.include_deleted = rng.pick(['true', 'false', 'x', '']);
        if (rng.chance(0.3)) params.returns = rng.pick(['data', 'info', 'meta,data', '', 'only-data', 'x']);
        if (rng.chance(0.3)) params[rng.pick(['partial', 'partial[]'])] = rng.pick([['name'], ['data/name', 'meta/x', 'info/uid'], ['/tags/-1'], ['/tags/a:b']]);
        if (read === '/revision-list') {
          if (rng.chance(0.3)) params.limit = rng.pick(['0', '-1', '5', 'x']);
          if (rng.chance(0.3)) params.sort = rng.pick(['created_time', '-created_time', 'x']);
          if (rng.chance(0.3)) params.chain_only = rng.pick(['true', 'x']);
          if (rng.chance(0.3)) params.from_revision_id = rng.pick([`${id}:1`, 'x']);
        }
        calls.push({ method: 'GET', path: `/hero/${id}${read}?${query(params)}` });
      }
    }
    expect(await survey(target, calls)).toEqual([]);
  });

  it('random paths, methods and headers', async () => {
    const rng = prng(0x5eed_0004);
    const segments = ['hero', 'guild', 'nope', 'count', 'full', 'data', 'meta', 'revision-info', 'revision-list', 'switch', 'restore', 'permanently', 'export', 'import',
      'openapi.json', 'docs', '_relationships', '_backup', 'blobs', 'upload', '..', '.', '%2e%2e', '%2F', '%00', '%ff', '%', '%zz', 'é', '%F0%9F%98%80', '', ':', 'hero:x',
      ...target.heroIds.slice(0, 3), `${target.heroIds[2]}:1`, 'x'.repeat(1000), '__proto__', 'constructor', 'toString', '?', '#', ';'];
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE', 'SEARCH', 'LINK', 'FOO'];
    const contentTypes = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json',
      'application/json-patch+json', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/octet-stream', '*/*', ';;', ''];
    const calls: Call[] = [];
    for (let i = 0; i < 1200; i++) {
      const path = `/${Array.from({ length: 1 + rng.int(5) }, () => rng.pick(segments)).join('/')}${rng.chance(0.2) ? `?${rng.pick(['a=1', 'qb=', 'limit=5&limit=6', 'partial[]=x&partial=y', 'returns[]=data', 'is_deleted[x]=1', '%=%', '&&&'])}` : ''}`;
      const method = rng.pick(methods);
      const headers: Record<string, string> = {};
      if (rng.chance(0.6)) headers['Content-Type'] = rng.pick(contentTypes);
      if (rng.chance(0.1)) headers['Content-Encoding'] = rng.pick(['gzip', 'deflate', 'br', 'identity', 'bogus']);
      if (rng.chance(0.1)) headers.Accept = rng.pick(['text/html', 'application/xml', '*/*', '']);
      if (rng.chance(0.1)) headers['If-Match'] = rng.pick(['*', '"a"', 'hero:x:1', '']);
      if (rng.chance(0.05)) headers['X-HTTP-Method-Override'] = rng.pick(['DELETE', 'PATCH']);
      let body: string | undefined;
      if (!['GET', 'HEAD'].includes(method) && rng.chance(0.7)) body = rng.chance(0.6) ? JSON.stringify(randomJson(rng)) : Array.from({ length: rng.int(40) }, () => String.fromCharCode(rng.int(256))).join('');
      calls.push({ method, path, headers, body });
    }
    expect(await survey(target, calls)).toEqual([]);
  });

  it('garbage on the socket and oversized headers never bring the server down', async () => {
    const raw = [
      'GARBAGE\r\n\r\n',
      'GET /hero HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /hero HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /hero HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /hero HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":',
      `GET /hero?qb=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /hero HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`,
      'GET /hero/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET http://evil.example/hero HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    const answers = await Promise.all(
      raw.map(
        (text) =>
          new Promise<string>((resolve) => {
            const socket = net.connect(target.port, '127.0.0.1');
            let got = '';
            socket.on('data', (chunk) => {
              got += chunk.toString('latin1');
            });
            socket.on('error', () => resolve(got));
            socket.on('close', () => resolve(got));
            socket.write(text, 'latin1');
            // Half-open requests (a short body) are abandoned by the client after a moment.
            setTimeout(() => socket.destroy(), 500).unref();
          }),
      ),
    );
    for (const answer of answers) {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (status !== undefined) expect(Number(status)).toBeLessThan(500);
    }
  });
});
