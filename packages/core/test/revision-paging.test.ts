/*
 * Cursor paging of the revision list: pages in store order both ways, cursors that survive
 * concurrent writes, and cursors that were altered or belong elsewhere refused naming `cursor`.
 */
import { QueryError, type IResourceStore, type IStorageFactory } from '@specstar/interfaces';
import { MemoryMetaStore, MemoryResourceStore, SimpleStorage } from '../src/adapter';
import type { ResourceManager, RevisionInfoPage } from '../src';
import { T0, itemRegistry } from './fixtures';

type Item = { name: string; value: number; tags?: string[] };
const ids = (page: RevisionInfoPage): string[] => page.revisions.map((r) => r.revision_id);

async function withRevisions(rm: ResourceManager<Item>, count: number): Promise<string> {
  const { resource_id: id } = await rm.create({ name: 'v1', value: 1 }, { user: 'alice', now: T0 });
  for (let n = 2; n <= count; n++) await rm.update(id, { name: `v${n}`, value: n }, { user: 'alice', now: T0 });
  return id;
}

/** Walks every page and returns the ids in the order read. */
async function walk(rm: ResourceManager<Item>, id: string, options: { limit: number; order?: 'asc' | 'desc' }): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await rm.listRevisionsPage(id, { ...options, cursor });
    pages.push(ids(page));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

/** A resource store that only has the required methods, so core pages the full list itself. */
function unpagedFactory(): IStorageFactory {
  return {
    build: () => {
      const store = new MemoryResourceStore();
      const plain: IResourceStore = {
        listResources: () => store.listResources(),
        listRevisions: (r) => store.listRevisions(r),
        listSchemaVersions: (r, v) => store.listSchemaVersions(r, v),
        exists: (r, v, s) => store.exists(r, v, s),
        get: (r, v, s) => store.get(r, v, s),
        getInfo: (r, v, s) => store.getInfo(r, v, s),
        save: (i, d) => store.save(i, d),
        purge: (r) => store.purge(r),
      };
      return new SimpleStorage(new MemoryMetaStore(), plain);
    },
  };
}

describe.each([
  ['memory (store pages)', () => itemRegistry()],
  ['fallback (core pages the full list)', () => itemRegistry({ storageFactory: unpagedFactory() })],
])('revision paging on %s', (_name, make) => {
  it('pages newest first by default, then oldest first, next cursor null on the last page', async () => {
    const { rm } = make();
    const id = await withRevisions(rm, 7);
    const all = Array.from({ length: 7 }, (_, i) => `${id}:${i + 1}`);
    expect(await walk(rm, id, { limit: 3 })).toEqual([all.slice(4).reverse(), all.slice(1, 4).reverse(), [all[0]]]);
    expect(await walk(rm, id, { limit: 3, order: 'asc' })).toEqual([all.slice(0, 3), all.slice(3, 6), [all[6]]]);
    expect(await walk(rm, id, { limit: 7 })).toEqual([[...all].reverse()]);
    const first = await rm.listRevisionsPage(id, { limit: 7 });
    expect(first.nextCursor).toBeNull();
    expect(first.revisions[0]).toMatchObject({ revision_id: all[6], resource_id: id });
  });

  it('a cursor stays valid while revisions are written: no duplicates, no gaps', async () => {
    const { rm } = make();
    const id = await withRevisions(rm, 5);
    const desc = await rm.listRevisionsPage(id, { limit: 2 });
    const asc = await rm.listRevisionsPage(id, { limit: 2, order: 'asc' });
    await rm.update(id, { name: 'v6', value: 6 }, { user: 'alice', now: T0 });
    expect(ids(await rm.listRevisionsPage(id, { limit: 10, cursor: desc.nextCursor! }))).toEqual([`${id}:3`, `${id}:2`, `${id}:1`]);
    expect(ids(await rm.listRevisionsPage(id, { limit: 10, cursor: asc.nextCursor! }))).toEqual([3, 4, 5, 6].map((n) => `${id}:${n}`));
  });

  it('refuses altered cursors, cursors of another resource or order, and bad limits, naming the field', async () => {
    const { rm } = make();
    const id = await withRevisions(rm, 3);
    const other = await withRevisions(rm, 3);
    const cursor = (await rm.listRevisionsPage(id, { limit: 1 })).nextCursor!;
    const flipped = cursor.slice(0, -2) + (cursor.at(-2) === 'A' ? 'B' : 'A') + cursor.at(-1)!;
    for (const bad of [flipped, 'not a cursor', 'AAAA', cursor + 'x']) {
      await expect(rm.listRevisionsPage(id, { cursor: bad })).rejects.toThrow(/^Invalid cursor/);
    }
    await expect(rm.listRevisionsPage(other, { cursor })).rejects.toThrow('Invalid cursor: it belongs to another resource');
    await expect(rm.listRevisionsPage(id, { cursor, order: 'asc' })).rejects.toThrow('Invalid cursor: it was issued for the other sort order');
    await expect(rm.listRevisionsPage(id, { cursor: flipped })).rejects.toBeInstanceOf(QueryError);
    await expect(rm.listRevisionsPage(id, { limit: 0 })).rejects.toThrow('limit must be an integer >= 1');
  });

  it('an unknown resource is not found', async () => {
    const { rm } = make();
    await expect(rm.listRevisionsPage('missing')).rejects.toThrow("Resource 'missing' not found");
  });
});

describe('cursor secrets', () => {
  it('a cursor signed under another secret is refused; the same configured secret accepts it', async () => {
    const a = itemRegistry({ revisionCursorSecret: 'secret-a' }).rm;
    const id = await withRevisions(a, 3);
    const cursor = (await a.listRevisionsPage(id, { limit: 1 })).nextCursor!;
    expect(ids(await a.listRevisionsPage(id, { cursor }))).toEqual([`${id}:2`, `${id}:1`]);
    const b = itemRegistry({ revisionCursorSecret: 'secret-b' }).rm;
    await withRevisions(b, 3);
    await expect(b.listRevisionsPage(id, { cursor })).rejects.toThrow('Invalid cursor: it was altered or was not issued by this server');
  });
});
