/*
 * Cursor paging of `GET /{model}/{id}/revision-list`: `cursor=` starts, `next_cursor` continues
 * (null on the last page), pages survive concurrent writes, and a cursor that was altered,
 * belongs to another resource or is combined with whole-history filters answers 400.
 */
import { makeServer, type TestServer } from './helpers';

type Page = { revisions: Array<{ revision_id: string }>; next_cursor: string | null; has_more: boolean; total?: number; meta: { resource_id: string } };

describe('revision-list with cursor', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    const rm = server.spec.getResourceManager('item');
    id = (await rm.create({ name: 'v1' }, { user: 'tester' })).resource_id;
    for (let n = 2; n <= 5; n++) await rm.update(id, { name: `v${n}` }, { user: 'tester' });
  });

  const counters = (body: Page): string[] => body.revisions.map((r) => r.revision_id.slice(id.length + 1));
  const get = async (query: string, status = 200): Promise<Page> => (await server.http.get(`/item/${id}/revision-list?${query}`).expect(status)).body as Page;

  it('walks newest first from cursor= to a null next_cursor; no total in cursor mode', async () => {
    const first = await get('cursor=&limit=2');
    expect(counters(first)).toEqual(['5', '4']);
    expect(first).toMatchObject({ has_more: true, meta: { resource_id: id } });
    expect(first).not.toHaveProperty('total');
    const second = await get(`cursor=${first.next_cursor}&limit=2`);
    expect(counters(second)).toEqual(['3', '2']);
    const last = await get(`cursor=${second.next_cursor}&limit=2`);
    expect(counters(last)).toEqual(['1']);
    expect(last).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('sort=created_time pages oldest first; a write between pages neither repeats nor skips', async () => {
    const first = await get('cursor=&limit=3&sort=created_time');
    expect(counters(first)).toEqual(['1', '2', '3']);
    await server.spec.getResourceManager('item').update(id, { name: 'v6' }, { user: 'tester' });
    const rest = await get(`cursor=${first.next_cursor}&limit=10`);
    expect(counters(rest)).toEqual(['4', '5', '6']);
    expect(rest.next_cursor).toBeNull();
  });

  it('the offset form keeps its wire shape (total, has_more, no next_cursor)', async () => {
    const page = await get('limit=2');
    expect(page).toMatchObject({ total: 5, has_more: true });
    expect(page).not.toHaveProperty('next_cursor');
  });

  it('answers 400 naming cursor for altered cursors, other resources, the other order, and whole-history filters', async () => {
    const { next_cursor: cursor } = await get('cursor=&limit=1');
    const altered = cursor!.slice(0, -1) + (cursor!.endsWith('A') ? 'B' : 'A');
    for (const bad of [altered, 'garbage', '%2F%2F']) {
      expect((await get(`cursor=${bad}`, 400) as unknown as { detail: string }).detail).toMatch(/^Invalid cursor/);
    }
    const other = (await server.spec.getResourceManager('item').create({ name: 'x' }, { user: 'tester' })).resource_id;
    const res = await server.http.get(`/item/${other}/revision-list?cursor=${cursor}`).expect(400);
    expect(res.body).toEqual({ detail: 'Invalid cursor: it belongs to another resource' });
    expect(await get(`cursor=${cursor}&sort=created_time`, 400)).toEqual({ detail: 'Invalid cursor: it was issued for the other sort order' });
    for (const param of ['offset=1', 'chain_only=true', 'from_revision_id=x', 'created_time_start=2020-01-01T00:00:00Z']) {
      expect(await get(`cursor=&${param}`, 400)).toEqual({ detail: `cursor cannot be combined with ${param.split('=')[0]}` });
    }
  });
});
