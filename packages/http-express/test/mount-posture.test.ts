// The default posture of mount(): no X-Powered-By and nosniff on every response it sends, a
// Content-Security-Policy for /docs unless the app set one (helmet), and the logger option.
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { mount, type Logger } from '../src';
import { DOCS_CSP } from '../src/mount';
import { makeRegistry, makeServer } from './helpers';

function expectPosture(res: request.Response): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('headers of every mount response', () => {
  it('JSON, errors (404, 405, 422, 403), health, openapi.json, docs and its assets: nosniff, no X-Powered-By', async () => {
    const app = express(); // X-Powered-By is on by default in express
    app.get('/app-route', (_req, res) => {
      res.send('mine');
    });
    mount(app, makeRegistry());
    const http = request(app);
    const created = await http.post('/item').send({ name: 'a' }).expect(200);
    const responses = [
      created,
      await http.get(`/item/${created.body.resource_id as string}`).expect(200),
      await http.get('/item/count').expect(200),
      await http.get('/nowhere/at/all').expect(404),
      await http.put('/item').expect(405),
      await http.post('/item').send({ value: 'x' }).expect(422),
      await http.delete('/item').set('Origin', 'https://evil.example').expect(403),
      await http.get('/_health').expect(200),
      await http.get('/_health/ready').expect(200),
      await http.get('/openapi.json').expect(200),
      await http.get('/docs/').expect(200),
      await http.get('/docs/swagger-initializer.js').expect(200),
      await http.get('/docs/swagger-ui.css').expect(200),
    ];
    for (const res of responses) expectPosture(res);
    // The app's own routes keep the app's settings: mount changes nothing outside its responses.
    expect((await http.get('/app-route').expect(200)).headers['x-powered-by']).toBe('Express');
  });

  it('blob downloads carry nosniff too', async () => {
    const { http } = makeServer();
    const uploaded = await http.post('/blobs/upload').attach('file', Buffer.from('hi'), { filename: 'a.txt', contentType: 'text/plain' }).expect(200);
    expectPosture(await http.get(`/blobs/${uploaded.body.file_id as string}`).expect(200));
  });
});

describe('Content-Security-Policy of /docs', () => {
  it('without helmet, the docs page carries a policy that allows only its own scripts; API responses carry none', async () => {
    const { http } = makeServer();
    const page = await http.get('/docs/').expect(200);
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self'");
    expect((await http.get('/item').expect(200)).headers['content-security-policy']).toBeUndefined();
  });

  it("helmet's default policy is kept, and the page needs nothing it forbids (no inline script, scripts from the same origin)", async () => {
    const app = express();
    app.use(helmet());
    mount(app, makeRegistry(), { prefix: '/api' });
    const http = request(app);
    const page = await http.get('/api/docs').expect(200);
    const policy = String(page.headers['content-security-policy']);
    expect(policy).not.toBe(DOCS_CSP);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("script-src-attr 'none'");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).toBe(''); // inline code would need 'unsafe-inline'
      const src = /src="([^"]+)"/.exec(attributes!)?.[1];
      expect(src).toMatch(/^\.\//); // relative: same origin, allowed by 'self'
      expectPosture(await http.get(new URL(src!.replace(/&amp;/g, '&'), 'http://x/api/docs').pathname).expect(200));
    }
    expect(page.text).not.toMatch(/\son[a-z]+=/i); // no inline event handlers (script-src-attr 'none')
  });
});

describe('logger option', () => {
  // A provider bug on writes: the kind of error nobody anticipated.
  const failing = {
    dependencyProvider: {
      getUser: (req: express.Request): string => {
        if (req.method === 'POST') throw new TypeError('provider exploded');
        return 'reader';
      },
    },
  };

  it('an unexpected error → 500 {"detail":"Internal Server Error"}, logged once at error with method, path (no query) and the error', async () => {
    const calls: Array<[keyof Logger, unknown, string | undefined]> = [];
    const at = (level: keyof Logger) => (obj: unknown, msg?: string) => calls.push([level, obj, msg]);
    const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
    const app = express();
    mount(app, makeRegistry(), { ...failing, logger });
    const res = await request(app).post('/item?token=secret').send({ name: 'a' }).expect(500);
    expect(res.body).toEqual({ detail: 'Internal Server Error' });
    expect(calls).toHaveLength(1);
    const [level, obj, msg] = calls[0]!;
    expect(level).toBe('error');
    expect(msg).toBe('request failed with an unexpected error');
    expect(obj).toMatchObject({ method: 'POST', path: '/item' });
    expect((obj as { err: Error }).err).toBeInstanceOf(TypeError);
    // Client errors are not the server's problem: nothing is logged for them.
    await request(app).get('/item/item:missing').expect(404);
    await request(app).post('/item').set('Content-Type', 'application/json').send('{bad').expect(422);
    expect(calls).toHaveLength(1);
  });

  it('by default the error goes to stderr once, with method, path and the stack', async () => {
    const app = express();
    mount(app, makeRegistry(), failing);
    const written: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      written.push(args);
    });
    try {
      await request(app).post('/item').send({ name: 'a' }).expect(500);
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    const line = written[0]!;
    expect(line.slice(0, 4)).toEqual(['[@specstar/http-express]', 'request failed with an unexpected error', 'method=POST', 'path=/item']);
    expect(line[4]).toBeInstanceOf(TypeError);
  });

  it('a logger without the four methods is refused at mount, naming what is missing', () => {
    const incomplete = { error: () => undefined, warn: () => undefined } as unknown as Logger;
    expect(() => mount(express(), makeRegistry(), { logger: incomplete })).toThrow("Option 'logger' needs the methods error, warn, info and debug (pino-compatible); missing: info, debug");
  });

  it('console works as a logger', async () => {
    const app = express();
    mount(app, makeRegistry(), { logger: console });
    await request(app).get('/_health').expect(200);
  });
});
