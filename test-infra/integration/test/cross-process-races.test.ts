/**
 * Several stateless servers over one store: two server processes (fixtures/race-server.ts,
 * mount() over express) share one PostgreSQL database, or one disk rootdir, and clients race
 * against both at once. If-Match updates have exactly one winner, a read-modify-write loop with
 * If-Match retries loses no increment, and a unique value is claimed exactly once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';

const PG = `postgres://postgres@${process.env.SPECSTAR_PG_HOST ?? '127.0.0.1'}:${process.env.SPECSTAR_PG_PORT ?? '5432'}`;
const REGISTER = resolve(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const SERVER = join(__dirname, 'fixtures', 'race-server.ts');
const RACERS = 16;

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Starts one server process on the shared store and resolves once it listens. */
function startServer(kind: 'postgres' | 'disk', location: string): Promise<Server> {
  const child = spawn(process.execPath, ['-r', REGISTER, SERVER, kind, location], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`race server exited early (${code}):\n${stderr}`)));
    child.stdout.setEncoding('utf8').once('data', (line: string) => {
      const { port } = JSON.parse(line) as { port: number };
      ready({
        url: `http://127.0.0.1:${port}`,
        stop: () => {
          child.stdin.end();
          return exited;
        },
      });
    });
  });
}

async function call(server: Server, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Record<string, any> };
}

/** How many responses had each status, e.g. `{ 200: 1, 412: 15 }`. */
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

interface Backend {
  name: string;
  /** Prepares a fresh shared store and returns what the servers open. */
  setUp(): Promise<{ kind: 'postgres' | 'disk'; location: string }>;
  tearDown(): Promise<void>;
}

const database = `specstar_races_${randomBytes(4).toString('hex')}`;
let rootdir = '';

const backends: Backend[] = [
  {
    name: 'one PostgreSQL database',
    async setUp() {
      const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
      await admin.unsafe(`CREATE DATABASE ${database}`);
      await admin.end();
      return { kind: 'postgres', location: `${PG}/${database}` };
    },
    async tearDown() {
      const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  },
  {
    name: 'one disk rootdir',
    async setUp() {
      rootdir = mkdtempSync(join(tmpdir(), 'specstar-races-'));
      return { kind: 'disk', location: rootdir };
    },
    async tearDown() {
      rmSync(rootdir, { recursive: true, force: true });
    },
  },
];

describe.each(backends)('two server processes on $name', (backend) => {
  let servers: Server[] = [];
  /** The server the i-th client talks to: clients alternate between the processes. */
  const via = (i: number) => servers[i % servers.length]!;

  beforeAll(async () => {
    const { kind, location } = await backend.setUp();
    // Started together, as a deployment would: each creates the tables it needs on first use.
    servers = await Promise.all([startServer(kind, location), startServer(kind, location)]);
    const warm = await Promise.all(servers.map((server) => call(server, 'GET', '/counter/count')));
    expect(warm.map((r) => r.status)).toEqual([200, 200]);
    // Two child processes compile and start: on a loaded machine that takes more than jest's 5 s.
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await backend.tearDown();
  });

  it(`${RACERS} PUTs with the same If-Match: exactly one 200, the rest 412, one new revision`, async () => {
    const created = await call(via(0), 'POST', '/counter', { name: 'if-match', count: 0 });
    expect(created.status).toBe(200);
    const { resource_id: id, revision_id: base } = created.body;

    const puts = await Promise.all(
      Array.from({ length: RACERS }, (_, i) => call(via(i), 'PUT', `/counter/${id}`, { name: 'if-match', count: i + 1 }, { 'if-match': base })),
    );
    expect(tally(puts.map((r) => r.status))).toEqual({ 200: 1, 412: RACERS - 1 });

    const winner = puts.find((r) => r.status === 200)!.body;
    for (const server of servers) {
      const read = await call(server, 'GET', `/counter/${id}`);
      expect(read.body.meta.total_revision_count).toBe(2);
      expect(read.body.meta.current_revision_id).toBe(winner.revision_id);
    }
  });

  it('read-modify-write with If-Match retries across both processes loses no increment', async () => {
    const created = await call(via(0), 'POST', '/counter', { name: 'tally', count: 0 });
    const id = created.body.resource_id as string;
    const CLIENTS = 6;
    const EACH = 5;
    let conflicts = 0;

    const increment = async (server: Server) => {
      for (;;) {
        // The ETag names the revision the data came from (the envelope's meta is read after it
        // and may already be newer): If-Match on it is what makes the loop safe.
        const read = await call(server, 'GET', `/counter/${id}`);
        const put = await call(server, 'PUT', `/counter/${id}`, { name: 'tally', count: read.body.data.count + 1 }, { 'if-match': read.etag! });
        if (put.status === 200) return;
        expect(put.status).toBe(412);
        conflicts++;
      }
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let n = 0; n < EACH; n++) await increment(via(client));
      }),
    );

    const final = await call(via(1), 'GET', `/counter/${id}`);
    expect(final.body.data.count).toBe(CLIENTS * EACH);
    expect(final.body.meta.total_revision_count).toBe(1 + CLIENTS * EACH);
    // Not a threshold: the race is only a race if some client had to retry.
    expect(conflicts).toBeGreaterThan(0);
  });

  it(`${RACERS} creates of the same unique value: exactly one 200, the rest 409`, async () => {
    const creates = await Promise.all(Array.from({ length: RACERS }, (_, i) => call(via(i), 'POST', '/counter', { name: 'only-once', count: i })));
    expect(tally(creates.map((r) => r.status))).toEqual({ 200: 1, 409: RACERS - 1 });

    const winner = creates.find((r) => r.status === 200)!.body.resource_id as string;
    for (const lost of creates.filter((r) => r.status === 409)) {
      expect(lost.body.detail).toMatchObject({ field: 'name', conflicting_resource_id: winner });
    }
    for (const server of servers) {
      const counted = await call(server, 'GET', `/counter/count?qb=${encodeURIComponent("QB['name'] == 'only-once'")}`);
      expect(counted.body).toBe(1);
    }
  });
});
