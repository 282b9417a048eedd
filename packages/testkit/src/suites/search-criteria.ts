import { at, cond } from '../fixtures';
import { ALL_IDS, searchGroup } from '../search-dataset';

const where = (...conditions: ReturnType<typeof cond>[]) => ({ conditions });
const whereData = (...data_conditions: ReturnType<typeof cond>[]) => ({ data_conditions });

/**
 * Store level: conditions on meta attributes (a meta attribute shadows an indexed key of the
 * same name), the deprecated data_conditions, and the query-level criteria (is_deleted, time
 * windows, users).
 */
export const searchCriteriaCases = searchGroup('store: meta fields and query criteria', [
  { name: 'search-meta: resource_id eq', query: where(cond('resource_id', 'eq', 'r2')), ids: ['r2'] },
  { name: 'search-meta: resource_id in', query: where(cond('resource_id', 'in', ['r1', 'r3', 'absent'])), ids: ['r1', 'r3'] },
  { name: 'search-meta: resource_id starts_with', query: where(cond('resource_id', 'starts_with', 'r')), ids: ALL_IDS },
  { name: 'search-meta: current_revision_id eq', query: where(cond('current_revision_id', 'eq', 'r3:3')), ids: ['r3'] },
  { name: 'search-meta: created_by eq', query: where(cond('created_by', 'eq', 'alice')), ids: ['r1', 'r3'] },
  { name: 'search-meta: updated_by eq', query: where(cond('updated_by', 'eq', 'bob')), ids: ['r1', 'r2'] },
  { name: 'search-meta: is_deleted eq true', query: where(cond('is_deleted', 'eq', true)), ids: ['r3', 'r6'] },
  { name: 'search-meta: schema_version eq', query: where(cond('schema_version', 'eq', 'v1')), ids: ['r2', 'r7'] },
  { name: 'search-meta: schema_version is_null true', query: where(cond('schema_version', 'is_null', true)), ids: ['r1', 'r4', 'r5', 'r6'] },
  { name: 'search-meta: schema_version exists even when null', query: where(cond('schema_version', 'exists', true)), ids: ALL_IDS },
  { name: 'search-meta: schema_version isna', query: where(cond('schema_version', 'isna', true)), ids: ['r1', 'r4', 'r5', 'r6'] },
  { name: 'search-meta: total_revision_count gt', query: where(cond('total_revision_count', 'gt', 1)), ids: ['r2', 'r3'] },
  { name: 'search-meta: total_revision_count eq', query: where(cond('total_revision_count', 'eq', 3)), ids: ['r3'] },
  { name: 'search-meta: created_time gt an instant', query: where(cond('created_time', 'gt', at(3))), ids: ['r4', 'r5', 'r6', 'r7'] },
  { name: 'search-meta: created_time eq an instant', query: where(cond('created_time', 'eq', at(2))), ids: ['r2'] },
  { name: 'search-meta: created_time lte an instant', query: where(cond('created_time', 'lte', at(2))), ids: ['r1', 'r2'] },
  { name: 'search-meta: updated_time lt an instant', query: where(cond('updated_time', 'lt', at(13))), ids: ['r2', 'r5'] },
  { name: 'search-meta: rev_status eq', query: where(cond('rev_status', 'eq', 'draft')), ids: ['r2', 'r4'] },
  { name: 'search-meta: rev_status ne (unset rev_* is missing)', query: where(cond('rev_status', 'ne', 'draft')), ids: ['r1', 'r3', 'r5', 'r7'] },
  { name: 'search-meta: rev_status exists false on an old meta', query: where(cond('rev_status', 'exists', false)), ids: ['r6'] },
  { name: 'search-meta: rev_created_by eq', query: where(cond('rev_created_by', 'eq', 'dave')), ids: ['r7'] },
  { name: 'search-meta: rev_updated_time gte', query: where(cond('rev_updated_time', 'gte', at(16))), ids: ['r7'] },
  { name: 'search-meta: a meta attribute shadows a data key', query: where(cond('created_by', 'eq', 'zed')), ids: [] },
  { name: 'search-data: data_conditions read the shadowed data key', query: whereData(cond('created_by', 'eq', 'zed')), ids: ['r5'] },
  { name: 'search-data: data_conditions ignore meta attributes', query: whereData(cond('created_by', 'eq', 'alice')), ids: [] },
  { name: 'search-data: data_conditions on indexed data', query: whereData(cond('name', 'eq', 'Alice')), ids: ['r1'] },
  {
    name: 'search-data: data_conditions never match a meta without indexed_data',
    query: whereData(cond('nope', 'isna', true)),
    ids: ['r1', 'r2', 'r3', 'r4', 'r5', 'r7'],
  },
  { name: 'search-data: conditions isna on a missing key match every meta', query: where(cond('nope', 'isna', true)), ids: ALL_IDS },
  { name: 'search-query: is_deleted false', query: { is_deleted: false }, ids: ['r1', 'r2', 'r4', 'r5', 'r7'] },
  { name: 'search-query: is_deleted true', query: { is_deleted: true }, ids: ['r3', 'r6'] },
  { name: 'search-query: is_deleted unset includes everything', query: {}, ids: ALL_IDS },
  { name: 'search-query: created_time_start is inclusive', query: { created_time_start: at(3) }, ids: ['r3', 'r4', 'r5', 'r6', 'r7'] },
  { name: 'search-query: created_time_end is inclusive', query: { created_time_end: at(3) }, ids: ['r1', 'r2', 'r3'] },
  { name: 'search-query: created_time start equal to end', query: { created_time_start: at(3), created_time_end: at(3) }, ids: ['r3'] },
  { name: 'search-query: created_time window', query: { created_time_start: at(3), created_time_end: at(5) }, ids: ['r3', 'r4', 'r5'] },
  { name: 'search-query: updated_time_start', query: { updated_time_start: at(15) }, ids: ['r1', 'r6', 'r7'] },
  { name: 'search-query: updated_time_end', query: { updated_time_end: at(12) }, ids: ['r2', 'r5'] },
  { name: 'search-query: created_bys', query: { created_bys: ['alice'] }, ids: ['r1', 'r3'] },
  { name: 'search-query: created_bys with several users', query: { created_bys: ['alice', 'dave'] }, ids: ['r1', 'r3', 'r6', 'r7'] },
  { name: 'search-query: updated_bys', query: { updated_bys: ['carol'] }, ids: ['r3', 'r4'] },
  {
    name: 'search-query: all criteria are AND-ed',
    query: { is_deleted: false, created_bys: ['carol', 'dave'], conditions: [cond('name', 'exists', true)] },
    ids: ['r4', 'r7'],
  },
]);
