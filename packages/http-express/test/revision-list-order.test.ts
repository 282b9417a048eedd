/*
 * `GET /{model}/{id}/revision-list` with several revisions in one millisecond (a job writes its
 * state changes that fast): created_time ties break by the revision counter, so newest-first
 * and oldest-first are exact.
 */
import { makeServer, type TestServer } from './helpers';

const SAME_MS = new Date(Date.UTC(2025, 0, 1, 12, 0, 0, 0));

describe('revision-list order within one millisecond', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    const rm = server.spec.getResourceManager('item');
    id = (await rm.create({ name: 'v1' }, { user: 'tester', now: SAME_MS })).resource_id;
    for (let n = 2; n <= 12; n++) await rm.update(id, { name: `v${n}` }, { user: 'tester', now: SAME_MS });
  });

  const counters = (body: { revisions: Array<{ revision_id: string; created_time: string }> }): string[] =>
    body.revisions.map((r) => r.revision_id.slice(id.length + 1));

  it('newest first by default: 12 … 1, every revision at the same instant', async () => {
    const res = await server.http.get(`/item/${id}/revision-list?limit=20`).expect(200);
    expect(counters(res.body)).toEqual(['12', '11', '10', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
    expect(new Set(res.body.revisions.map((r: { created_time: string }) => r.created_time))).toEqual(new Set([SAME_MS.toISOString()]));
  });

  it('oldest first with sort=created_time: 1 … 12 (numeric, not text, order)', async () => {
    const res = await server.http.get(`/item/${id}/revision-list?sort=created_time&limit=20`).expect(200);
    expect(counters(res.body)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  });

  it('pages stay exact across the tie', async () => {
    const first = await server.http.get(`/item/${id}/revision-list?limit=5`).expect(200);
    const second = await server.http.get(`/item/${id}/revision-list?limit=5&offset=5`).expect(200);
    expect([...counters(first.body), ...counters(second.body)]).toEqual(['12', '11', '10', '9', '8', '7', '6', '5', '4', '3']);
    expect(second.body.has_more).toBe(true);
  });
});
