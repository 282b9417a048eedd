import { QueryError, type IStorage, type RevisionInfo, type RevisionPage } from '@specstar/interfaces';
import { RevisionCursorCodec } from './cursor';
import { pageRevisionList } from './page-list';

export interface RevisionPageOptions {
  /** Page size, an integer >= 1 (default 10). */
  limit?: number;
  /** `next_cursor` of the previous page; omitted for the first page. */
  cursor?: string;
  /** Store (write) order, oldest first (`asc`) or newest first (`desc`, default). A cursor keeps its order. */
  order?: 'asc' | 'desc';
}

export interface RevisionInfoPage {
  revisions: RevisionInfo[];
  /** Pass it back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// One codec per process unless a secret is configured: cursors then survive restarts, not a change of secret.
let processCodec: RevisionCursorCodec | undefined;
const codecs = new Map<string, RevisionCursorCodec>();

export function revisionCursorCodec(secret = process.env['SPECSTAR_REVISION_CURSOR_SECRET']): RevisionCursorCodec {
  if (secret === undefined || secret === '') return (processCodec ??= new RevisionCursorCodec());
  let codec = codecs.get(secret);
  if (codec === undefined) codecs.set(secret, (codec = new RevisionCursorCodec(secret)));
  return codec;
}

/** The store request an options object stands for (checked: bad limits, orders and cursors throw QueryError). */
export function pageRequest(resourceId: string, options: RevisionPageOptions, codec: RevisionCursorCodec): { limit: number; order: 'asc' | 'desc'; after?: number } {
  const limit = options.limit ?? 10;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new QueryError('limit must be an integer >= 1');
  if (options.order !== undefined && options.order !== 'asc' && options.order !== 'desc') throw new QueryError("order must be 'asc' or 'desc'");
  if (options.cursor === undefined || options.cursor === '') return { limit, order: options.order ?? 'desc' };
  const cursor = codec.decode(options.cursor, resourceId);
  if (options.order !== undefined && options.order !== cursor.order) throw new QueryError('Invalid cursor: it was issued for the other sort order');
  return { limit, order: cursor.order, after: cursor.position };
}

/** One page of revision ids: the store's own paging when it has one, else the full list paged here. */
export async function readRevisionIdPage(storage: IStorage, resourceId: string, request: ReturnType<typeof pageRequest>): Promise<RevisionPage> {
  if (storage.listRevisionsPage) return storage.listRevisionsPage(resourceId, request);
  return pageRevisionList(await storage.listRevisions(resourceId), request);
}

export function nextCursorOf(page: RevisionPage, resourceId: string, order: 'asc' | 'desc', codec: RevisionCursorCodec): string | null {
  const last = page.items.at(-1);
  return page.hasMore && last !== undefined ? codec.encode({ position: last.position, order, resource: resourceId }) : null;
}
