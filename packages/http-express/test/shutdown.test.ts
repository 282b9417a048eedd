// Graceful shutdown in a real process: a server on disk storage gets SIGTERM while a request is
// in flight. It stops accepting connections, finishes the request, closes the registry and
// exits 0; what it acknowledged is on disk. Past the drain deadline it cuts the request and
// exits 1, with the store still intact.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const SERVER = path.join(__dirname, 'fixtures', 'shutdown-server.ts');

type Line = Record<string, unknown>;

interface Child {
  process: ChildProcess;
  lines: Line[];
  /** Resolves with the first line (already printed or still to come) that satisfies `test`. */
  line(test: (line: Line) => boolean): Promise<Line>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function startServer(rootdir: string, timeoutMs?: number): Child {
  const args = ['-r', REGISTER, SERVER, rootdir, ...(timeoutMs === undefined ? [] : [String(timeoutMs)])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  const waiters: Array<{ test: (line: Line) => boolean; resolve: (line: Line) => void }> = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) {
      const line = JSON.parse(part) as Line;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return {
    process: child,
    lines,
    exited,
    line: (test) => {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise<Line>((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(({ code, stderr: err }) => reject(new Error(`server exited (${code}) first; lines: ${JSON.stringify(lines)}\n${err}`)));
      });
    },
  };
}

/** A raw HTTP request whose body is written in two halves, so the test decides when it completes. */
function openRequest(port: number, body: string): { socket: net.Socket; finish(): void; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST /item HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const response = new Promise<string>((resolve, reject) => {
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  return { socket, finish: () => socket.write(body.slice(half)), response };
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

function diskRegistry(rootdir: string): SpecStar {
  const spec = new SpecStar({
    backend: { version: 1, connections: { local: { type: 'disk', options: { rootdir } } }, meta: { use: 'local' }, resource: { use: 'local' }, blob: { use: 'local' } },
  });
  spec.addModel({ title: 'Item', type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
  return spec;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'specstar-shutdown-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}

describe('shutdownOnSignals in a child process', () => {
  it('SIGTERM mid-request: new connections are refused, the request completes, the process exits 0 and the write is on disk', async () => {
    const rootdir = tempRoot();
    const child = startServer(rootdir);
    const port = (await child.line((l) => 'listening' in l)).listening as number;
    // An earlier write, and a kept-alive idle connection that must not hold the shutdown open.
    const earlier = await fetch(`http://127.0.0.1:${port}/item`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"before"}' });
    const earlierId = ((await earlier.json()) as { resource_id: string }).resource_id;

    const inFlight = openRequest(port, JSON.stringify({ name: 'in flight' }));
    await child.line((l) => l.request === 'POST /item' && child.lines.filter((x) => x.request === 'POST /item').length === 2);
    child.process.kill('SIGTERM');
    await child.line((l) => l.msg === 'stopped accepting connections; waiting for requests in flight');
    expect(await connectionRefused(port)).toBe(true);

    inFlight.finish();
    const response = await inFlight.response;
    // The response resolves on the connection's end: the server closed it once the answer was out.
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const id = (JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { resource_id: string }).resource_id;

    const { code, stderr } = await child.exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(child.lines.find((l) => l.msg === 'shutdown complete')).toMatchObject({ signal: 'SIGTERM', forced: false });

    const spec = diskRegistry(rootdir);
    try {
      const rm = spec.getResourceManager('item');
      expect((await rm.get(id)).data).toEqual({ name: 'in flight' });
      expect((await rm.get(earlierId)).data).toEqual({ name: 'before' });
      expect(await rm.count({})).toBe(2);
    } finally {
      await spec.close();
    }
  });

  it('a request still running at the deadline is cut: exit 1, the store opens cleanly with what was acknowledged', async () => {
    const rootdir = tempRoot();
    const child = startServer(rootdir, 200);
    const port = (await child.line((l) => 'listening' in l)).listening as number;
    const kept = await fetch(`http://127.0.0.1:${port}/item`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"kept"}' });
    const keptId = ((await kept.json()) as { resource_id: string }).resource_id;

    const stuck = openRequest(port, JSON.stringify({ name: 'never finished' }));
    await child.line((l) => l.request === 'POST /item' && child.lines.filter((x) => x.request === 'POST /item').length === 2);
    child.process.kill('SIGTERM');
    expect(await stuck.response).toBe(''); // the connection was closed without an answer
    const { code } = await child.exited;
    expect(code).toBe(1);
    expect(child.lines.find((l) => l.log === 'warn')).toMatchObject({ msg: 'requests still running at the shutdown deadline: closing their connections', timeoutMs: 200 });
    expect(child.lines.find((l) => l.msg === 'shutdown complete')).toMatchObject({ forced: true });

    const spec = diskRegistry(rootdir);
    try {
      const rm = spec.getResourceManager('item');
      expect(await rm.count({})).toBe(1);
      expect((await rm.get(keptId)).data).toEqual({ name: 'kept' });
    } finally {
      await spec.close();
    }
  });
});
