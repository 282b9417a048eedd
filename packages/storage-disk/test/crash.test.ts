/**
 * Crash safety: a child process writes on several concurrent lanes and prints every acknowledged
 * write; the test SIGKILLs it at seeded random moments (during startup, with commits of other
 * lanes in flight, mid-write), several rounds on one rootdir. After every kill the store must open cleanly (SQLite integrity check,
 * every meta's current revision readable) and every acknowledged write must read back exactly.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';
import { DiskStorage, DiskStorageFactory } from '../src';
import { CRASH_WRITERS, NOTE_INDEXED, NOTE_SCHEMA } from './fixtures/models';
import { removeTempDirs, seededRandom, tempDir, text } from './helpers';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WRITER = path.join(__dirname, 'fixtures', 'crash-writer.ts');
const ROUNDS = 8;
const SEED = 20260521;

type Ack =
  | { op: 'ready' }
  | { op: 'create' | 'update'; writer: number; id: string; rev: string; data: unknown }
  | { op: 'blob'; writer: number; file_id: string; body: string };

interface Round {
  acks: Ack[];
  killed: boolean;
}

/** Runs the writer and SIGKILLs it once `killAfter` writes were acknowledged (−1: during startup), `delayMs` later. */
function runAndKill(rootdir: string, round: number, killAfter: number, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, WRITER, rootdir, String(round), String(SEED + round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    let killing = false;
    const kill = () => {
      if (killing) return;
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    if (killAfter < 0) kill();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      // A line cut by the kill was never fully acknowledged: only complete lines count.
      pending = lines.pop()!;
      for (const line of lines) {
        const ack = JSON.parse(line) as Ack;
        acks.push(ack);
        if (ack.op !== 'ready' && acks.length - 1 >= killAfter) kill();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acks, killed: true });
      else reject(new Error(`writer exited by itself (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

interface Verdict {
  integrity: string[];
  lost: string[];
  unreadableCurrent: string[];
  metas: number;
}

/** Opens the store as an application would after a crash and checks every acknowledged write. */
async function verify(rootdir: string, acks: Ack[]): Promise<Verdict> {
  const spec = new SpecStar({ storageFactory: new DiskStorageFactory(rootdir), defaultUser: 'checker' });
  const notes = spec.addModel(NOTE_SCHEMA, { name: 'note', indexedFields: NOTE_INDEXED });
  const blobs = spec.getBlobStore();
  const lost: string[] = [];
  const unreadableCurrent: string[] = [];
  let metas = 0;
  try {
    const storage = notes.storage as DiskStorage;
    const integrity = storage.integrityCheck();
    for (const ack of acks) {
      if (ack.op === 'create' || ack.op === 'update') {
        try {
          const { data } = await notes.get(ack.id, { revisionId: ack.rev });
          if (JSON.stringify(data) !== JSON.stringify(ack.data)) lost.push(`${ack.op} ${ack.rev}: different data`);
        } catch (error) {
          lost.push(`${ack.op} ${ack.rev}: ${(error as Error).name}`);
        }
      } else if (ack.op === 'blob') {
        try {
          const blob = await blobs.get(ack.file_id);
          if (text(blob.data) !== ack.body) lost.push(`blob ${ack.file_id}: different bytes`);
        } catch (error) {
          lost.push(`blob ${ack.file_id}: ${(error as Error).name}`);
        }
      }
    }
    // Unacknowledged writes may or may not have landed, but whatever a meta points at must exist.
    for await (const meta of storage.iterMetas()) {
      metas++;
      const current = await storage.getRevision(meta.resource_id, meta.current_revision_id, meta.schema_version);
      if (current === undefined) unreadableCurrent.push(meta.current_revision_id);
    }
    return { integrity, lost, unreadableCurrent, metas };
  } finally {
    await spec.close();
  }
}

afterAll(removeTempDirs);

it(
  `loses no acknowledged write across ${ROUNDS} SIGKILLed writer processes`,
  async () => {
    const rootdir = tempDir('specstar-crash-');
    const random = seededRandom(SEED);
    const acknowledged: Ack[] = [];
    let killedMidRun = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Mostly mid-run kills; one in eight lands during startup (opening, creating tables).
      const killAfter = random() < 0.125 ? -1 : Math.floor(random() * 40);
      const delayMs = Math.floor(random() * 4);
      const result = await runAndKill(rootdir, round, killAfter, delayMs);
      expect(result.killed).toBe(true);
      const writes = result.acks.filter((a) => a.op !== 'ready');
      if (writes.length > 0) killedMidRun++;
      acknowledged.push(...writes);
      const verdict = await verify(rootdir, acknowledged);
      expect({ round, ...verdict, metas: undefined }).toEqual({ round, integrity: ['ok'], lost: [], unreadableCurrent: [], metas: undefined });
    }
    // The rounds really wrote: the check above is not vacuous.
    expect(killedMidRun).toBeGreaterThanOrEqual(ROUNDS / 2);
    expect(acknowledged.filter((a) => a.op === 'create').length).toBeGreaterThan(20);
    expect(acknowledged.some((a) => a.op === 'update')).toBe(true);
    expect(acknowledged.some((a) => a.op === 'blob')).toBe(true);
    // Every lane wrote: kills landed with concurrent commits in flight.
    expect(new Set(acknowledged.flatMap((a) => (a.op === 'ready' ? [] : [a.writer]))).size).toBe(CRASH_WRITERS);
  },
  90_000,
);
