import { QB } from '@specstar/core';
import type { ResourceMetaSearchQuery } from '@specstar/interfaces';
import { and, at, cond, ctx, dataSort, ids, len, metaSort, not, or, sortedIds, USERS } from '../fixtures';
import { defineGroup, type CaseContext, type ResourceManagerOf } from '../types';

/**
 * Three items indexed on name, value, tags and note. `nope` is not indexed (a missing key);
 * e1 has no note and e3 no tags, so those index as present nulls (an indexed field absent from
 * the data is stored as null).
 */
async function seed(context: CaseContext): Promise<ResourceManagerOf> {
  const { rm } = context.engine();
  await rm.create({ name: 'Alice', value: 3, tags: ['red', 'blue'] }, { ...ctx(USERS.alice, 1), resourceId: 'e1' });
  await rm.create({ name: 'Bob', value: 1, tags: [], note: 'hi' }, { ...ctx(USERS.bob, 2), resourceId: 'e2' });
  await rm.create({ name: 'alice smith', value: 2, note: null }, { ...ctx(USERS.alice, 3), resourceId: 'e3' });
  return rm;
}

type Query = Partial<ResourceMetaSearchQuery>;

/** Filter rows: the matching ids (any order) and the count. */
const FILTER_ROWS: readonly [string, Query, string[]][] = [
  ['is_deleted unset includes deleted', {}, ['e1', 'e2', 'e3']],
  ['created_bys', { created_bys: [USERS.alice] }, ['e1', 'e3']],
  ['meta field condition', { conditions: [cond('created_by', 'eq', USERS.alice)] }, ['e1', 'e3']],
  ['missing == 1', { conditions: [cond('nope', 'eq', 1)] }, []],
  ['not(missing == 1)', { conditions: [not(cond('nope', 'eq', 1))] }, []],
  ['missing != 1', { conditions: [cond('nope', 'ne', 1)] }, []],
  ['not(missing != 1)', { conditions: [not(cond('nope', 'ne', 1))] }, []],
  ['null == 1', { conditions: [cond('note', 'eq', 1)] }, []],
  ['exists(missing)', { conditions: [cond('nope', 'exists', true)] }, []],
  ['not(exists(missing))', { conditions: [not(cond('nope', 'exists', true))] }, ['e1', 'e2', 'e3']],
  ['isna(missing)', { conditions: [cond('nope', 'isna', true)] }, ['e1', 'e2', 'e3']],
  ['not(isna(missing))', { conditions: [not(cond('nope', 'isna', true))] }, []],
  ['is_null true: absent and explicit null', { conditions: [cond('note', 'is_null', true)] }, ['e1', 'e3']],
  ['is_null false', { conditions: [cond('note', 'is_null', false)] }, ['e2']],
  ['is_null on a missing key', { conditions: [cond('nope', 'is_null', true)] }, []],
  ['unknown and true', { conditions: [and(cond('nope', 'eq', 1), cond('name', 'eq', 'Alice'))] }, []],
  ['unknown and false', { conditions: [and(cond('nope', 'eq', 1), cond('name', 'eq', 'Zed'))] }, []],
  ['unknown or true', { conditions: [or(cond('nope', 'eq', 1), cond('name', 'eq', 'Alice'))] }, ['e1']],
  ['unknown or false', { conditions: [or(cond('nope', 'eq', 1), cond('name', 'eq', 'Zed'))] }, []],
  ['not(true, false)', { conditions: [not(cond('value', 'gt', 0), cond('value', 'gt', 2))] }, ['e2', 'e3']],
  ['not(true, true)', { conditions: [not(cond('value', 'gt', 0), cond('value', 'lt', 9))] }, []],
  ['contains on a list is membership', { conditions: [cond('tags', 'contains', 'red')] }, ['e1']],
  ['contains on a list is not substring', { conditions: [cond('tags', 'contains', 're')] }, []],
  ['contains on a string is substring', { conditions: [cond('name', 'contains', 'lic')] }, ['e1', 'e3']],
  ['in with a non-list operand', { conditions: [cond('name', 'in', 'Alice')] }, []],
  ['not_in with a non-list operand', { conditions: [cond('name', 'not_in', 'Alice')] }, ['e1', 'e2', 'e3']],
  ['regex ^A', { conditions: [cond('name', 'regex', '^A')] }, ['e1']],
  ['regex (?i)alice', { conditions: [cond('name', 'regex', '(?i)alice')] }, ['e1', 'e3']],
  ['len of a string', { conditions: [len('name', 'eq', 3)] }, ['e2']],
  ['len of a list', { conditions: [len('tags', 'eq', 2)] }, ['e1']],
  ['len of a number', { conditions: [len('value', 'gte', 0)] }, []],
  ['starts_with is case-sensitive', { conditions: [cond('name', 'starts_with', 'al')] }, ['e3']],
  ['ends_with is case-sensitive', { conditions: [cond('name', 'ends_with', 'SMITH')] }, []],
  ['data_conditions ignore meta attributes', { data_conditions: [cond('created_by', 'eq', USERS.alice)] }, []],
  ['data_conditions see indexed data', { data_conditions: [cond('name', 'eq', 'Bob')] }, ['e2']],
];

/** Sort rows: the exact order. */
const SORT_ROWS: readonly [string, Query, string[]][] = [
  ['data sort ascending', { sorts: [dataSort('value')] }, ['e2', 'e3', 'e1']],
  ['data sort descending', { sorts: [dataSort('value', '-')] }, ['e1', 'e3', 'e2']],
  ['created_time descending is newest first', { sorts: [metaSort('created_time', '-')] }, ['e3', 'e2', 'e1']],
  ['offset applies after sorting', { sorts: [dataSort('value')], offset: 1, limit: 1 }, ['e3']],
  ['nulls last ascending, ties by resource_id', { sorts: [dataSort('note')] }, ['e2', 'e1', 'e3']],
  ['nulls first descending, ties by resource_id', { sorts: [dataSort('note', '-')] }, ['e1', 'e3', 'e2']],
];

/** Engine level: search through searchResources/count (conditions, sorts, paging, deleted resources). */
export const engineSearchCases = defineGroup('engine: search', [
  {
    name: 'engine-search: filters and three-valued logic',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      for (const [label, query, expected] of FILTER_ROWS) {
        const found = sortedIds(await rm.searchResources({ limit: 100, ...query }));
        expect({ row: label, ids: found }).toEqual({ row: label, ids: expected });
        expect({ row: label, count: await rm.count(query) }).toEqual({ row: label, count: expected.length });
      }
    },
  },
  {
    name: 'engine-search: sorting, nulls and paging',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      for (const [label, query, expected] of SORT_ROWS) {
        const found = ids(await rm.searchResources({ limit: 100, ...query }));
        expect({ row: label, ids: found }).toEqual({ row: label, ids: expected });
      }
    },
  },
  {
    name: 'engine-search: declared-but-absent indexed paths hold null',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      expect((await rm.getMeta('e1')).indexed_data).toEqual({ name: 'Alice', value: 3, tags: ['red', 'blue'], note: null });
      expect((await rm.getMeta('e3')).indexed_data).toEqual({ name: 'alice smith', value: 2, tags: null, note: null });
    },
  },
  {
    name: 'engine-search: default limit is 10 and count ignores paging',
    async run(context) {
      const { expect } = context;
      const { rm } = context.engine();
      for (let i = 0; i < 12; i++) {
        await rm.create({ name: `n${i}`, value: i }, { ...ctx(USERS.alice, i + 1), resourceId: `p${String(i).padStart(2, '0')}` });
      }
      const page = await rm.searchResources({});
      expect(page).toHaveLength(10);
      expect(new Set(ids(page)).size).toBe(10);
      expect(await rm.count({})).toBe(12);
      expect(await rm.count({ limit: 1, offset: 5 })).toBe(12);
      const sorted = await rm.searchResources({ sorts: [metaSort('resource_id')] });
      expect(ids(sorted)).toEqual(['p00', 'p01', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07', 'p08', 'p09']);
      const tail = await rm.searchResources({ sorts: [metaSort('resource_id')], offset: 10 });
      expect(ids(tail)).toEqual(['p10', 'p11']);
    },
  },
  {
    name: 'engine-search: is_deleted false excludes soft-deleted resources',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      await rm.delete('e2', ctx(USERS.bob, 9));
      expect(sortedIds(await rm.searchResources({ is_deleted: false }))).toEqual(['e1', 'e3']);
      expect(sortedIds(await rm.searchResources({ is_deleted: true }))).toEqual(['e2']);
      expect(sortedIds(await rm.searchResources({}))).toEqual(['e1', 'e2', 'e3']);
      expect(await rm.count({ is_deleted: false })).toBe(2);
    },
  },
  {
    name: 'engine-search: created_time window is inclusive and compares instants',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      expect(ids(await rm.searchResources({ created_time_start: at(2), created_time_end: at(2) }))).toEqual(['e2']);
      // The same instant written with a +08:00 offset.
      const offsetForm = { created_time_start: '2025-01-01T08:00:02.000+08:00', created_time_end: '2025-01-01T08:00:02.000+08:00' };
      expect(ids(await rm.searchResources(offsetForm as unknown as Query))).toEqual(['e2']);
      expect(sortedIds(await rm.searchResources({ created_time_start: at(2) }))).toEqual(['e2', 'e3']);
    },
  },
  {
    name: 'engine-search: query builder input',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      expect(ids(await rm.searchResources(QB.field('value').gt(1).sort('-value').limit(5)))).toEqual(['e1', 'e3']);
      expect(await rm.count(QB.field('value').gt(1))).toBe(2);
    },
  },
  {
    name: 'engine-search: listResources returns only the requested sections and keys, in search order',
    async run(context) {
      const { expect } = context;
      const rm = await seed(context);
      const byValue = QB.field('value').gte(1).sort('-value');
      const metasOnly = await rm.listResources(byValue, { returns: ['meta'] });
      expect(metasOnly.map((item) => Object.keys(item))).toEqual([['meta'], ['meta'], ['meta']]);
      expect(metasOnly.map((item) => (item.meta as { resource_id: string }).resource_id)).toEqual(['e1', 'e3', 'e2']);
      const partial = await rm.listResources(byValue, { partial: ['name', 'meta/resource_id', '/info/revision_id'] });
      expect(partial).toEqual([
        { data: { name: 'Alice' }, meta: { resource_id: 'e1' }, info: { revision_id: 'e1:1' } },
        { data: { name: 'alice smith' }, meta: { resource_id: 'e3' }, info: { revision_id: 'e3:1' } },
        { data: { name: 'Bob' }, meta: { resource_id: 'e2' }, info: { revision_id: 'e2:1' } },
      ]);
      const full = await rm.listResources(QB.field('name').eq('Bob'));
      expect(full).toHaveLength(1);
      expect(full[0]!.data).toEqual({ name: 'Bob', value: 1, tags: [], note: 'hi' });
      expect((full[0]!.info as { revision_id: string }).revision_id).toBe('e2:1');
      expect((full[0]!.meta as { current_revision_id: string }).current_revision_id).toBe('e2:1');
    },
  },
]);
