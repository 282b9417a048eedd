import type { IStorage, ResourceMeta, ResourceMetaSearchQuery } from '@specstar/interfaces';

/**
 * The metas a checked query matches, from its offset up to its limit, read `pageSize` at a time
 * (offset pages: stable while nothing the query filters or sorts on changes under them).
 */
export async function* searchInPages(storage: IStorage, query: ResourceMetaSearchQuery, pageSize: number): AsyncGenerator<ResourceMeta> {
  const end = query.offset + query.limit;
  for (let offset = query.offset; offset < end; offset += pageSize) {
    const limit = Math.min(pageSize, end - offset);
    const page = await storage.search({ ...query, offset, limit });
    yield* page;
    if (page.length < limit) return;
  }
}
