import { NotSupportedError, QueryError, type IStorage, type RevisionPageRequest } from '@specstar/interfaces';
import { expectError } from '../assert';
import { ctx, makeRevision, USERS } from '../fixtures';
import { defineGroup } from '../types';

/** Every page of a store's own paging, walked to the end: the ids of each page. */
async function walkStore(storage: IStorage, resourceId: string, request: Omit<RevisionPageRequest, 'after'>): Promise<string[][]> {
  const pages: string[][] = [];
  let after: number | undefined;
  for (;;) {
    const page = await storage.listRevisionsPage!(resourceId, { ...request, after });
    pages.push(page.items.map((item) => item.revisionId));
    if (!page.hasMore) return pages;
    after = page.items.at(-1)!.position;
  }
}

/**
 * Cursor paging of the revision list. The store case runs where the store pages itself
 * (`listRevisionsPage`); the engine case runs everywhere (core pages the full list otherwise).
 */
export const revisionPagingCases = defineGroup('revision paging', [
  {
    name: 'revision paging: store pages follow listRevisions both ways; a migrated record keeps its first position',
    async run({ expect, storage: build }) {
      const storage = build();
      if (storage.listRevisionsPage === undefined) return; // served by core's fallback (engine case below)
      const id = 'item:paged';
      for (let n = 1; n <= 5; n++) {
        for (const revision of [makeRevision(id, n, `{"v":${n}}`), makeRevision('item:other', n, '{}')]) await storage.saveRevision(revision.info, revision.data);
      }
      // A later record of :2 under another schema version (a migration) must not move or repeat :2.
      const migrated = makeRevision(id, 2, '{"v":2}', { schema_version: 'v2' });
      await storage.saveRevision(migrated.info, migrated.data);
      const all = [1, 2, 3, 4, 5].map((n) => `${id}:${n}`);
      expect(await storage.listRevisions(id)).toEqual(all);
      expect(await walkStore(storage, id, { limit: 2, order: 'asc' })).toEqual([all.slice(0, 2), all.slice(2, 4), [all[4]]]);
      expect(await walkStore(storage, id, { limit: 2, order: 'desc' })).toEqual([[all[4], all[3]], [all[2], all[1]], [all[0]]]);
      expect(await walkStore(storage, id, { limit: 5, order: 'asc' })).toEqual([all]);
      expect(await storage.listRevisionsPage('item:unknown', { limit: 3, order: 'desc' })).toEqual({ items: [], hasMore: false });

      // A boundary survives a concurrent write: the rest of a newest-first walk neither repeats nor skips.
      const first = await storage.listRevisionsPage(id, { limit: 2, order: 'desc' });
      const sixth = makeRevision(id, 6, '{"v":6}');
      await storage.saveRevision(sixth.info, sixth.data);
      const rest = await storage.listRevisionsPage(id, { limit: 10, order: 'desc', after: first.items.at(-1)!.position });
      expect(rest.items.map((item) => item.revisionId)).toEqual([all[2], all[1], all[0]]);
      const positions = rest.items.map((item) => item.position);
      expect([...positions].sort((a, b) => b - a)).toEqual(positions);
    },
  },
  {
    name: 'revision paging: a walk that straddles a revision delete (a prune) neither repeats nor skips what remains',
    async run({ expect, storage: build }) {
      const storage = build();
      if (storage.listRevisionsPage === undefined || storage.deleteRevision === undefined) return;
      for (const order of ['asc', 'desc'] as const) {
        const id = `item:pruned-${order}`;
        for (let n = 1; n <= 8; n++) {
          const revision = makeRevision(id, n, `{"v":${n}}`);
          await storage.saveRevision(revision.info, revision.data);
        }
        const ids = (...ns: number[]): string[] => ns.map((n) => `${id}:${n}`);
        const first = await storage.listRevisionsPage(id, { limit: 3, order });
        expect(first.items.map((item) => item.revisionId)).toEqual(order === 'asc' ? ids(1, 2, 3) : ids(8, 7, 6));
        // Prune the page's last revision, one before it and one after it (a store that cannot delete says so: nothing to page across).
        try {
          for (const n of order === 'asc' ? [3, 2, 5] : [6, 7, 4]) await storage.deleteRevision(id, `${id}:${n}`);
        } catch (error) {
          if (error instanceof NotSupportedError) return;
          throw error;
        }
        const rest = await storage.listRevisionsPage(id, { limit: 10, order, after: first.items.at(-1)!.position });
        expect(rest.items.map((item) => item.revisionId)).toEqual(order === 'asc' ? ids(4, 6, 7, 8) : ids(5, 3, 2, 1));
      }
    },
  },
  {
    name: 'revision paging: rm.listRevisionsPage walks every revision once; an altered cursor is a QueryError',
    async run({ expect, engine }) {
      const { rm } = engine();
      const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, ctx(USERS.alice, 1));
      for (let n = 2; n <= 5; n++) await rm.update(id, { name: 'a', value: n }, ctx(USERS.alice, n));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await rm.listRevisionsPage(id, { limit: 2, order: 'asc', cursor });
        seen.push(...page.revisions.map((info) => info.revision_id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => `${id}:${n}`));
      const { nextCursor } = await rm.listRevisionsPage(id, { limit: 1 });
      const altered = nextCursor!.slice(0, -1) + (nextCursor!.endsWith('A') ? 'B' : 'A');
      await expectError(expect, () => rm.listRevisionsPage(id, { cursor: altered }), QueryError);
    },
  },
]);
