// The example's default posture: helmet's headers on every response, Swagger UI working under
// its Content-Security-Policy over plain http, health probes, and cross-site form posts refused.
import request from 'supertest';
import { createApp } from '../src/app';

describe('security headers (helmet)', () => {
  const { app } = createApp();
  const http = request(app);

  it('API responses carry helmet headers and nosniff, without X-Powered-By', async () => {
    const res = await http.get('/guild').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('/docs over plain http: a policy that allows its own scripts and does not upgrade requests to https', async () => {
    const page = await http.get('/docs').expect(200);
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("img-src 'self' data:");
    // Upgrading would send the page's scripts to https://, which a plain-http server cannot answer.
    expect(policy).not.toContain('upgrade-insecure-requests');
    const sources = [...page.text.matchAll(/<script src="([^"]+)"[^>]*><\/script>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(sources).toHaveLength(3);
    for (const src of sources) {
      const asset = await http.get(new URL(src, 'http://localhost/docs').pathname).expect(200);
      expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    }
    expect(page.text).not.toMatch(/<script>/); // nothing inline for 'unsafe-inline' to allow
  });

  it('behind an https proxy the upgrade directive is back', async () => {
    const { app: proxied } = createApp();
    proxied.set('trust proxy', true);
    const res = await request(proxied).get('/docs').set('X-Forwarded-Proto', 'https').expect(200);
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });
});

describe('operations and the cross-site rule', () => {
  it('health and readiness answer', async () => {
    const { app } = createApp();
    await request(app).get('/_health').expect(200, { status: 'ok' });
    const ready = await request(app).get('/_health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { guild: 'ok', character: 'ok', item: 'ok', quest: 'ok', 'train-job': 'ok', _blobs: 'ok' } });
  });

  it('a form post from another site cannot restore a deleted guild', async () => {
    const { app } = createApp();
    const http = request(app);
    const id = (await http.post('/guild').send({ name: 'Gone' }).expect(200)).body.resource_id as string;
    await http.delete(`/guild/${id}`).expect(200);
    const res = await http.post(`/guild/${id}/restore`).set('Origin', 'https://evil.example').set('Content-Type', 'application/x-www-form-urlencoded').expect(403);
    expect(res.body.detail).toMatch(/^Cross-site request refused/);
    await http.get(`/guild/${id}`).expect(404);
  });
});
