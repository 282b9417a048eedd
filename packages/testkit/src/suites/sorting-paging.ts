import { cond, dataSort, metaSort } from '../fixtures';
import { searchGroup } from '../search-dataset';

/** Only r1–r3 have a plain numeric age, so this subset has no nulls and no ties. */
const AGE_SUBSET = [cond('age', 'is_null', false), cond('resource_id', 'ne', 'r7')];
const NOT_R7 = [cond('resource_id', 'ne', 'r7')];

/**
 * Store level: sorts (missing/null data values are greatest; ties after the given sorts order
 * by resource_id ascending, whatever the direction), then offset and limit; count ignores
 * paging.
 */
export const sortingPagingCases = searchGroup('store: sorting and paging', [
  { name: 'sort: data ascending', query: { conditions: AGE_SUBSET, sorts: [dataSort('age')] }, ids: ['r2', 'r1', 'r3'] },
  { name: 'sort: data descending is the reverse', query: { conditions: AGE_SUBSET, sorts: [dataSort('age', '-')] }, ids: ['r3', 'r1', 'r2'] },
  {
    name: 'sort: numbers numerically, nulls and missing last ascending',
    query: { sorts: [dataSort('rank')] },
    ids: ['r7', 'r2', 'r1', 'r3', 'r4', 'r5', 'r6'],
  },
  {
    name: 'sort: nulls and missing first descending, ties by resource_id',
    query: { sorts: [dataSort('rank', '-')] },
    ids: ['r4', 'r5', 'r6', 'r3', 'r1', 'r2', 'r7'],
  },
  {
    name: 'sort: strings by code point, empty string first',
    query: { conditions: NOT_R7, sorts: [dataSort('name')] },
    ids: ['r4', 'r1', 'r2', 'r3', 'r5', 'r6'],
  },
  {
    name: 'sort: strings descending',
    query: { conditions: NOT_R7, sorts: [dataSort('name', '-')] },
    ids: ['r5', 'r6', 'r3', 'r2', 'r1', 'r4'],
  },
  { name: 'sort: floats and negatives', query: { sorts: [dataSort('score')] }, ids: ['r2', 'r3', 'r1', 'r4', 'r5', 'r6', 'r7'] },
  { name: 'sort: iso datetime strings ascending', query: { sorts: [dataSort('when')] }, ids: ['r2', 'r1', 'r3', 'r4', 'r5', 'r6', 'r7'] },
  { name: 'sort: iso datetime strings descending', query: { sorts: [dataSort('when', '-')] }, ids: ['r4', 'r5', 'r6', 'r7', 'r3', 'r1', 'r2'] },
  {
    name: 'sort: a data sort reads indexed_data even for a meta attribute name',
    query: { sorts: [dataSort('created_by')] },
    ids: ['r5', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7'],
  },
  { name: 'sort: meta created_time descending is newest first', query: { sorts: [metaSort('created_time', '-')] }, ids: ['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1'] },
  { name: 'sort: meta updated_time ascending', query: { sorts: [metaSort('updated_time')] }, ids: ['r5', 'r2', 'r3', 'r4', 'r1', 'r6', 'r7'] },
  { name: 'sort: meta resource_id descending', query: { sorts: [metaSort('resource_id', '-')] }, ids: ['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1'] },
  { name: 'sort: meta created_by ascending, ties by resource_id', query: { sorts: [metaSort('created_by')] }, ids: ['r1', 'r3', 'r2', 'r4', 'r5', 'r6', 'r7'] },
  {
    name: 'sort: meta created_by descending, ties still by resource_id ascending',
    query: { sorts: [metaSort('created_by', '-')] },
    ids: ['r6', 'r7', 'r4', 'r5', 'r2', 'r1', 'r3'],
  },
  { name: 'sort: meta is_deleted false first', query: { sorts: [metaSort('is_deleted')] }, ids: ['r1', 'r2', 'r4', 'r5', 'r7', 'r3', 'r6'] },
  {
    name: 'sort: meta total_revision_count descending',
    query: { sorts: [metaSort('total_revision_count', '-')] },
    ids: ['r3', 'r2', 'r1', 'r4', 'r5', 'r6', 'r7'],
  },
  {
    name: 'sort: several sorts apply in order',
    query: { sorts: [metaSort('created_by'), dataSort('rank', '-')] },
    ids: ['r3', 'r1', 'r2', 'r4', 'r5', 'r6', 'r7'],
  },
  {
    name: 'paging: offset and limit after sorting; count ignores them',
    query: { sorts: [metaSort('resource_id')], offset: 2, limit: 3 },
    ids: ['r3', 'r4', 'r5'],
    count: 7,
  },
  { name: 'paging: offset after a data sort', query: { sorts: [dataSort('rank')], offset: 1, limit: 2 }, ids: ['r2', 'r1'], count: 7 },
  { name: 'paging: the last page', query: { offset: 6, limit: 5 }, ids: ['r7'], count: 7 },
  { name: 'paging: limit 0 returns nothing', query: { limit: 0 }, ids: [], count: 7 },
  { name: 'paging: offset past the end returns nothing', query: { offset: 10 }, ids: [], count: 7 },
  {
    name: 'paging: count of a filtered query ignores paging',
    query: { is_deleted: false, sorts: [metaSort('created_time', '-')], limit: 2 },
    ids: ['r7', 'r5'],
    count: 5,
  },
]);
