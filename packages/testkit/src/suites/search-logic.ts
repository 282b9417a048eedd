import type { SearchFilter } from '@specstar/interfaces';
import { and, cond, not, or } from '../fixtures';
import { ALL_IDS, searchGroup } from '../search-dataset';

const where = (...conditions: SearchFilter[]) => ({ conditions });
const UNKNOWN = cond('nope', 'eq', 1);
const TRUE = cond('resource_id', 'ne', 'zzz');
const FALSE = cond('resource_id', 'eq', 'zzz');

/** Store level: three-valued logic (a missing or null operand is unknown, never true), groups and their nesting. */
export const searchLogicCases = searchGroup('store: three-valued logic and groups', [
  { name: 'search-logic: missing == 1', query: where(cond('nope', 'eq', 1)), ids: [] },
  { name: 'search-logic: not(missing == 1)', query: where(not(cond('nope', 'eq', 1))), ids: [] },
  { name: 'search-logic: missing != 1', query: where(cond('nope', 'ne', 1)), ids: [] },
  { name: 'search-logic: not(missing != 1)', query: where(not(cond('nope', 'ne', 1))), ids: [] },
  { name: 'search-logic: null == 1', query: where(cond('note', 'eq', 1)), ids: [] },
  { name: 'search-logic: not(null == 1) is still unknown for nulls', query: where(not(cond('note', 'eq', 1))), ids: ['r2', 'r3'] },
  { name: 'search-logic: exists(missing)', query: where(cond('nope', 'exists', true)), ids: [] },
  { name: 'search-logic: not(exists(missing))', query: where(not(cond('nope', 'exists', true))), ids: ALL_IDS },
  { name: 'search-logic: isna(missing)', query: where(cond('nope', 'isna', true)), ids: ALL_IDS },
  { name: 'search-logic: not(isna(missing))', query: where(not(cond('nope', 'isna', true))), ids: [] },
  { name: 'search-logic: unknown and true', query: where(and(UNKNOWN, TRUE)), ids: [] },
  { name: 'search-logic: unknown and false', query: where(and(UNKNOWN, FALSE)), ids: [] },
  { name: 'search-logic: unknown or true', query: where(or(UNKNOWN, cond('name', 'eq', 'Alice'))), ids: ['r1'] },
  { name: 'search-logic: unknown or false', query: where(or(UNKNOWN, FALSE)), ids: [] },
  { name: 'search-logic: not(unknown and false) is true', query: where(not(UNKNOWN, FALSE)), ids: ALL_IDS },
  { name: 'search-logic: not(unknown and true) is unknown', query: where(not(UNKNOWN, TRUE)), ids: [] },
  {
    name: 'search-logic: not is true when any child is false',
    query: where(not(cond('rank', 'gt', 0), cond('rank', 'lt', 50))),
    ids: ['r3', 'r7'],
  },
  { name: 'search-logic: not(true, true)', query: where(not(TRUE, cond('resource_id', 'ne', 'yyy'))), ids: [] },
  {
    name: 'search-logic: not over data values with unknowns',
    query: where(not(UNKNOWN, cond('name', 'eq', 'nobody'))),
    ids: ['r1', 'r2', 'r3', 'r4', 'r7'],
  },
  { name: 'search-logic: empty and is true', query: where(and()), ids: ALL_IDS },
  { name: 'search-logic: empty or is false', query: where(or()), ids: [] },
  { name: 'search-logic: empty not is false', query: where(not()), ids: [] },
  { name: 'search-logic: double negation', query: where(not(not(cond('name', 'eq', 'Alice')))), ids: ['r1'] },
  {
    name: 'search-logic: nested groups',
    query: where(or(and(cond('name', 'starts_with', 'A'), cond('age', 'gt', 20)), not(cond('tags', 'exists', true)))),
    ids: ['r1', 'r5', 'r6'],
  },
  {
    name: 'search-logic: top-level conditions are AND-ed',
    query: where(cond('name', 'contains', 'lic'), cond('age', 'gt', 35)),
    ids: ['r3'],
  },
  {
    name: 'search-logic: or across meta and data fields',
    query: where(or(cond('created_by', 'eq', 'dave'), cond('name', 'eq', 'Bob'))),
    ids: ['r2', 'r6', 'r7'],
  },
  { name: 'search-logic: not over a meta field', query: where(not(cond('is_deleted', 'eq', true))), ids: ['r1', 'r2', 'r4', 'r5', 'r7'] },
]);
