// GET /_health (liveness) and GET /_health/ready (readiness): one cheap read per store, 503
// naming the stores that failed or timed out, the reasons only in the log.
import express from 'express';
import request from 'supertest';
import { SpecStar } from '@specstar/core';
import { MemoryBlobStore, MemoryStorage } from '@specstar/core/adapter';
import { createRouter, mount, type Logger } from '../src';
import { ArticleSchema, ItemSchema, makeServer } from './helpers';

const SECRET_REASON = 'connect ECONNREFUSED 10.1.2.3:5432 (user=admin)';

/** A storage whose database went away: every read fails. */
class UnreachableStorage extends MemoryStorage {
  override exists(): Promise<boolean> {
    return Promise.reject(new Error(SECRET_REASON));
  }
}

/** A storage that stopped answering: reads never settle. */
class StalledStorage extends MemoryStorage {
  override exists(): Promise<boolean> {
    return new Promise<boolean>(() => undefined);
  }
}

/** A blob store that counts its reads. */
class CountingBlobStore extends MemoryBlobStore {
  reads = 0;
  override exists(fileId: string): Promise<boolean> {
    this.reads += 1;
    return super.exists(fileId);
  }
}

interface Entry {
  level: keyof Logger;
  obj: unknown;
  msg: string | undefined;
}

function recordingLogger(): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: keyof Logger) => (obj: unknown, msg?: string) => entries.push({ level, obj, msg });
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, entries };
}

describe('GET /_health', () => {
  it('answers 200 {"status":"ok"}, never cached', async () => {
    const { http } = makeServer();
    const res = await http.get('/_health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is alive even when every store is down (liveness touches nothing)', async () => {
    const spec = new SpecStar();
    spec.addModel(ItemSchema, { name: 'item', storage: new UnreachableStorage() });
    const { http } = makeServer({ spec, http: { logger: recordingLogger().logger } });
    await http.get('/_health').expect(200, { status: 'ok' });
  });

  it('other methods → 405 with Allow: GET; under a prefix it moves along', async () => {
    const { http } = makeServer();
    const res = await http.post('/_health').expect(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.body).toEqual({ detail: 'Method Not Allowed' });
    expect((await http.delete('/_health/ready').expect(405)).headers.allow).toBe('GET');
    const app = express();
    mount(app, new SpecStar(), { prefix: '/api' });
    await request(app).get('/api/_health').expect(200, { status: 'ok' });
    await request(app).get('/api/_health/ready').expect(200);
  });

  it('a healthTimeoutMs that is not a positive number is a setup error naming the option', () => {
    for (const bad of [0, -5, Number.NaN, '100']) {
      expect(() => makeServer({ http: { healthTimeoutMs: bad as number } })).toThrow(/^Option 'healthTimeoutMs' must be a positive number of milliseconds/);
    }
  });

  it('createRouter serves it too', async () => {
    const app = express();
    app.use('/x', createRouter(new SpecStar()));
    await request(app).get('/x/_health').expect(200, { status: 'ok' });
  });
});

describe('GET /_health/ready', () => {
  it('touches every model storage and the blob store: 200 with a state per store', async () => {
    const blobs = new CountingBlobStore();
    const spec = new SpecStar({ storageFactory: { build: () => new MemoryStorage(), buildBlobStore: () => blobs } });
    spec.addModel(ItemSchema, { name: 'item' });
    spec.addModel(ArticleSchema);
    const { http } = makeServer({ spec });
    const res = await http.get('/_health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { item: 'ok', article: 'ok', _blobs: 'ok' } });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(blobs.reads).toBe(1);
  });

  it('a failing store → 503 naming it; the reason goes to the logger, not to the caller', async () => {
    const spec = new SpecStar();
    spec.addModel(ItemSchema, { name: 'item' });
    spec.addModel(ArticleSchema, { storage: new UnreachableStorage() });
    const { logger, entries } = recordingLogger();
    const { http } = makeServer({ spec, http: { logger } });
    const res = await http.get('/_health/ready').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', detail: 'Not ready: article did not answer', checks: { item: 'ok', article: 'failed', _blobs: 'ok' } });
    expect(res.text).not.toContain('ECONNREFUSED');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 'warn', msg: 'readiness check failed', obj: { check: 'article' } });
    expect(String((entries[0]!.obj as { err: Error }).err.message)).toBe(SECRET_REASON);
  });

  it('a store that does not answer within healthTimeoutMs counts as timed out (503)', async () => {
    const spec = new SpecStar();
    spec.addModel(ItemSchema, { name: 'item', storage: new StalledStorage() });
    const { logger, entries } = recordingLogger();
    const { http } = makeServer({ spec, http: { logger, healthTimeoutMs: 20 } });
    const res = await http.get('/_health/ready').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', detail: 'Not ready: item did not answer', checks: { item: 'timeout', _blobs: 'ok' } });
    expect(entries.map((e) => [e.level, e.msg])).toEqual([['warn', 'readiness check did not answer in time']]);
  });

  it('probes that arrive while a check runs share it: the stores are read once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    /** Holds every read until the test has sent all its probes. */
    class GatedBlobStore extends CountingBlobStore {
      override async exists(fileId: string): Promise<boolean> {
        this.reads += 1;
        await gate;
        return false;
      }
    }
    const blobs = new GatedBlobStore();
    const spec = new SpecStar({ storageFactory: { build: () => new MemoryStorage(), buildBlobStore: () => blobs } });
    const { app } = makeServer({ spec });
    const server = app.listen(0);
    const PROBES = 20;
    let arrived = 0;
    // Express routes synchronously up to the shared check, so after the last arrival all wait on it.
    server.on('request', () => {
      if (++arrived === PROBES) release();
    });
    try {
      const { port } = server.address() as { port: number };
      const answers = await Promise.all(Array.from({ length: PROBES }, () => fetch(`http://127.0.0.1:${port}/_health/ready`)));
      expect(answers.map((r) => r.status)).toEqual(Array(PROBES).fill(200));
      expect(blobs.reads).toBe(1);
      // Once it has answered, the next probe reads again.
      expect((await fetch(`http://127.0.0.1:${port}/_health/ready`)).status).toBe(200);
      expect(blobs.reads).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
