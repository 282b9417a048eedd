import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { ConfigurationError } from '@specstar/interfaces';
import { docsRouter } from '../src/docs';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const VERSION = (JSON.parse(readFileSync(path.join(SWAGGER_DIR, 'package.json'), 'utf8')) as { version: string }).version;

function app(options: { openapiUrl: string; title?: string } = { openapiUrl: '/api/openapi.json', title: 'Game <API>' }): express.Express {
  const server = express();
  server.use('/api/docs', docsRouter(options));
  return server;
}

/** The href/src values of the page, in order. */
function links(html: string): string[] {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&#38;/g, '&'));
}

describe('docsRouter', () => {
  test('serves an HTML page that loads only local assets and names the title', async () => {
    const res = await request(app()).get('/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain('<title>Game &#60;API&#62;</title>');
    expect(links(res.text)).toEqual([
      `./docs/swagger-ui.css?v=${VERSION}`,
      `./docs/index.css?v=${VERSION}`,
      `./docs/favicon-32x32.png?v=${VERSION}`,
      `./docs/favicon-16x16.png?v=${VERSION}`,
      `./docs/swagger-ui-bundle.js?v=${VERSION}`,
      `./docs/swagger-ui-standalone-preset.js?v=${VERSION}`,
      './docs/swagger-initializer.js',
    ]);
    // No CDN, no absolute URL, no inline script.
    expect(res.text).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(res.text).not.toMatch(/<script>/);
  });

  test('with a trailing slash the links are relative to the directory', async () => {
    const res = await request(app()).get('/api/docs/');
    expect(res.status).toBe(200);
    expect(links(res.text)[0]).toBe(`./swagger-ui.css?v=${VERSION}`);
    expect(links(res.text)[6]).toBe('./swagger-initializer.js');
  });

  test('every asset the page links is served with its content type and the file bytes', async () => {
    const server = app();
    const page = await request(server).get('/api/docs');
    const expected: Record<string, string> = {
      'swagger-ui.css': 'text/css; charset=utf-8',
      'index.css': 'text/css; charset=utf-8',
      'favicon-32x32.png': 'image/png',
      'favicon-16x16.png': 'image/png',
      'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
      'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
    };
    for (const link of links(page.text).slice(0, 6)) {
      const url = new URL(link, 'http://localhost/api/docs');
      const name = path.basename(url.pathname);
      const res = await request(server).get(url.pathname + url.search);
      expect([name, res.status, res.headers['content-type']]).toEqual([name, 200, expected[name]]);
      expect(Number(res.headers['content-length'])).toBe(statSync(path.join(SWAGGER_DIR, name)).size);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  test('the initializer points Swagger UI at the OpenAPI URL', async () => {
    const res = await request(app()).get('/api/docs/swagger-initializer.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain('url: "/api/openapi.json"');
    expect(res.text).toContain('SwaggerUIBundle(');
    expect(res.text).toContain('SwaggerUIStandalonePreset');
    // the page never asks an outside validator about the document
    expect(res.text).toContain('validatorUrl: null');
  });

  test('the URL and title are escaped, not injected', async () => {
    const server = app({ openapiUrl: '/x?a="</script><b>', title: '"><script>alert(1)</script>' });
    const init = await request(server).get('/api/docs/swagger-initializer.js');
    expect(init.text).toContain('url: "/x?a=\\"\\u003c/script\\u003e\\u003cb\\u003e"');
    expect(init.text).not.toContain('</script>');
    const page = await request(server).get('/api/docs');
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).toContain('<title>&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>');
  });

  test('unversioned asset URLs are cached briefly', async () => {
    const res = await request(app()).get('/api/docs/swagger-ui.css');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
  });

  test('nothing else from the package directory is reachable', async () => {
    const server = app();
    for (const url of [
      '/api/docs/package.json',
      '/api/docs/index.js',
      '/api/docs/absolute-path.js',
      '/api/docs/index.html',
      '/api/docs/..%2Fpackage.json',
      '/api/docs/%2e%2e/package.json',
      '/api/docs/swagger-ui.css/x',
    ]) {
      const res = await request(server).get(url);
      expect([url, res.status]).toEqual([url, 404]);
    }
  });

  test('refuses a missing openapiUrl or a non-string title', () => {
    expect(() => docsRouter({ openapiUrl: '' })).toThrow(ConfigurationError);
    expect(() => docsRouter({} as { openapiUrl: string })).toThrow(ConfigurationError);
    expect(() => docsRouter({ openapiUrl: '/openapi.json', title: 5 as unknown as string })).toThrow(ConfigurationError);
  });

  test('defaults the title', async () => {
    const res = await request(app({ openapiUrl: '/openapi.json' })).get('/api/docs/');
    expect(res.text).toContain('<title>API docs</title>');
  });
});
