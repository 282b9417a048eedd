// ReDoS: hostile `regex` searches against a real listening server (its own process, so a stalled
// server cannot stall the test runner) while a second client issues plain GETs by id. Every GET
// must keep answering and every hostile count must come back with the right number. The worst
// GET latency is printed, never asserted (the bound lives in test-infra/bench/regex.js).
// Constructs the linear-time engine cannot run answer 400 on every channel, naming the construct.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { jsonParam, makeServer, type TestServer } from './helpers';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const SERVER = path.join(__dirname, 'fixtures', 'regex-server.ts');

interface Server {
  child: ChildProcess;
  port: number;
  ids: string[];
}

function startServer(count: number, rootdir?: string): Promise<Server> {
  const child = spawn(process.execPath, ['-r', REGISTER, SERVER, String(count), ...(rootdir === undefined ? [] : [rootdir])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve({ child, ...(JSON.parse(stdout.slice(0, end)) as { port: number; ids: string[] }) });
    });
    child.on('close', (code) => reject(new Error(`regex server exited (${code}) before listening\n${stderr}`)));
  });
}

/** A GET on its own agent: status and body. */
function get(agent: http.Agent, port: number, pathAndQuery: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathAndQuery, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// Hostile patterns and the count each must give over the fixture's guilds (see regex-server.ts):
// `guild-<i>` names, plus 'a'×28+'!', 'a'×29, 'word word word word word abcd!' and 'ab cd Ef'.
const HOSTILE: Array<[string, (total: number) => number]> = [
  ['QB["name"].regex("^(a+)+$")', () => 1],
  ["QB.resource_id().regex('^guild:[0-9a-f-]{10}([0-9a-f-]+)+!')", () => 0],
  ['QB["name"].regex("(a|aa)+$")', () => 1],
  ['QB["name"].regex("(a|a?)+$")', (total) => total], // the empty match at the end of every name
  ['QB["name"].regex("(\\\\w+\\\\s?)*$")', (total) => total],
  ['QB["name"].regex("^(([a-z])+.)+[A-Z]([a-z])+$")', () => 1],
];

/** Passes over the hostile list, so the reader overlaps several of each. */
const ROUNDS = 3;

async function attackWhileReading(label: string, count: number, rootdir?: string): Promise<void> {
  const server = await startServer(count, rootdir);
  const reader = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const attacker = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // One GET and one benign regex count first, so the figure below is not the first-call warm-up.
    expect((await get(reader, server.port, `/guild/${server.ids[0]!}`)).status).toBe(200);
    const benign = await get(attacker, server.port, `/guild/count?qb=${encodeURIComponent('QB["name"].regex("^guild-\\\\d+$")')}`);
    expect(benign).toEqual({ status: 200, body: String(count - 4) });
    let attacking = true;
    const counts: Array<[string, number, string]> = [];
    const attack = (async () => {
      try {
        for (let round = 0; round < ROUNDS; round++) {
          for (const [qb] of HOSTILE) {
            const res = await get(attacker, server.port, `/guild/count?qb=${encodeURIComponent(qb)}`);
            counts.push([qb, res.status, res.body]);
          }
        }
      } finally {
        attacking = false;
      }
    })();
    const latencies: number[] = [];
    const statuses = new Set<number>();
    const reads = (async () => {
      // oxlint-disable-next-line no-unmodified-loop-condition -- the attack task above clears it while this loop awaits.
      for (let i = 0; attacking; i++) {
        const start = performance.now();
        const res = await get(reader, server.port, `/guild/${server.ids[i % server.ids.length]!}`);
        latencies.push(performance.now() - start);
        statuses.add(res.status);
      }
    })();
    await Promise.all([attack, reads]);

    console.log(
      `${label}: ${latencies.length} GETs answered during ${ROUNDS * HOSTILE.length} hostile regex counts over ${count} guilds; ` +
        `worst GET latency ${Math.max(...latencies).toFixed(1)} ms`,
    );
    const expected = HOSTILE.map(([qb, total]): [string, number, string] => [qb, 200, String(total(count))]);
    expect(counts).toEqual(Array.from({ length: ROUNDS }, () => expected).flat());
    expect(latencies.length).toBeGreaterThan(0);
    expect([...statuses]).toEqual([200]);
  } finally {
    reader.destroy();
    attacker.destroy();
    server.child.kill('SIGKILL');
  }
}

describe('hostile regex searches do not stall the server', () => {
  it('memory storage, 10k guilds: plain GETs keep answering and every count is right', async () => {
    await attackWhileReading('memory', 10_000);
  }, 120_000);

  it('disk storage, 1k guilds (the SQLite function runs the same engine)', async () => {
    const rootdir = mkdtempSync(path.join(tmpdir(), 'specstar-redos-'));
    try {
      await attackWhileReading('disk', 1_000, rootdir);
    } finally {
      rmSync(rootdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('constructs the linear-time engine cannot run answer 400 on every channel', () => {
  let server: TestServer;
  beforeEach(() => {
    server = makeServer();
  });

  const unsupported = (construct: string, pattern: string): string =>
    `Regex pattern on field 'name' uses ${construct}, which search patterns do not support ` +
    `(they run on a linear-time engine with RE2 syntax): ${pattern}`;

  it.each([
    ['a backreference (\\1)', '(a)\\1'],
    ['a lookahead (?=…)', 'a(?=b)'],
    ['a negative lookbehind (?<!…)', '(?<!a)b'],
    ['a possessive quantifier (++)', 'a++'],
  ])('qb: %s → 400 Invalid QB expression', async (construct, pattern) => {
    for (const route of ['/item', '/item/count']) {
      const res = await server.http.get(route).query({ qb: `QB['name'].regex(${JSON.stringify(pattern)})` });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: `Invalid QB expression: ${unsupported(construct, pattern)}` });
    }
  });

  it.each(['data_conditions', 'conditions'])('%s: a lookbehind → 400 naming the parameter and the construct', async (name) => {
    const pattern = '(?<=x)y';
    const res = await server.http.get(`/item?${name}=${jsonParam([{ field_path: 'name', operator: 'regex', value: pattern }])}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: `Invalid ${name} format: ${unsupported('a lookbehind (?<=…)', pattern)}` });
  });

  it('a pattern the engine can run still searches (Python syntax, (?i) flag)', async () => {
    for (const name of ['Alice', 'bob', 'ALINA']) await server.http.post('/item').send({ name }).expect(200);
    const res = await server.http.get('/item/count').query({ qb: "QB['name'].regex('(?i)^ali') | QB['name'].regex('^b\\\\w+\\\\Z')" });
    expect(res.status).toBe(200);
    expect(res.body).toBe(3);
  });
});
