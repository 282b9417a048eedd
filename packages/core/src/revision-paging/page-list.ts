import type { RevisionPage, RevisionPageRequest } from '@specstar/interfaces';

/**
 * Pages an already loaded revision list (store order). A revision's position is its index in
 * that list, which only grows at the end, so it is as stable as a store's write counter.
 * Core's fallback for stores without `listRevisionsPage`.
 */
export function pageRevisionList(ids: readonly string[], { limit, order, after }: RevisionPageRequest): RevisionPage {
  const items: RevisionPage['items'] = [];
  const step = order === 'asc' ? 1 : -1;
  let at = after === undefined ? (order === 'asc' ? 0 : ids.length - 1) : after + step;
  for (; at >= 0 && at < ids.length; at += step) {
    if (items.length === limit) return { items, hasMore: true };
    items.push({ revisionId: ids[at]!, position: at });
  }
  return { items, hasMore: false };
}
