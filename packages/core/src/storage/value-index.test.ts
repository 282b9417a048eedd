import type { ResourceMeta, ResourceMetaSearchQuery } from '@specstar/interfaces';
import { MemoryMetaStore } from './memory';

const T = new Date('2025-01-01T00:00:00.000Z');
function meta(id: string, indexed: Record<string, unknown>): ResourceMeta {
  return {
    current_revision_id: `${id}:1`, resource_id: id, schema_version: null, total_revision_count: 1,
    created_time: T, updated_time: T, created_by: 'u', updated_by: 'u', is_deleted: false, indexed_data: indexed,
  };
}
const cond = (field_path: string, operator: string, value: unknown) => ({ type: 'DataSearchCondition' as const, field_path, operator: operator as never, value, transform: null });
const q = (conditions: unknown[], extra: Partial<ResourceMetaSearchQuery> = {}): ResourceMetaSearchQuery => ({ conditions: conditions as never, limit: 100, offset: 0, ...extra });
const ids = (metas: ResourceMeta[]) => metas.map((m) => m.resource_id);

describe('memory meta store equality index', () => {
  async function store() {
    const s = new MemoryMetaStore();
    await s.put(meta('a', { level: 1, guild: 'x', flag: true }));
    await s.put(meta('b', { level: 2, guild: 'x', flag: 1 }));
    await s.put(meta('c', { level: 1, guild: 'y', flag: false, resource_id: 'shadowed' }));
    return s;
  }

  it('answers eq and in exactly like the evaluator, type-strictly', async () => {
    const s = await store();
    expect(ids(await s.search(q([cond('level', 'eq', 1)])))).toEqual(['a', 'c']);
    expect(ids(await s.search(q([cond('flag', 'eq', true)])))).toEqual(['a']);
    expect(ids(await s.search(q([cond('flag', 'eq', 1)])))).toEqual(['b']);
    expect(ids(await s.search(q([cond('level', 'in', [2, 'x'])])))).toEqual(['b']);
    expect(ids(await s.search(q([cond('level', 'in', 2)])))).toEqual([]);
    expect(await s.count(q([cond('guild', 'eq', 'x'), cond('level', 'eq', 1)]))).toBe(1);
  });

  it('narrows through AND groups but not through OR or NOT', async () => {
    const s = await store();
    const and = { type: 'DataSearchGroup', operator: 'and', conditions: [cond('guild', 'eq', 'y')] };
    const or = { type: 'DataSearchGroup', operator: 'or', conditions: [cond('guild', 'eq', 'y'), cond('level', 'eq', 2)] };
    const not = { type: 'DataSearchGroup', operator: 'not', conditions: [cond('guild', 'eq', 'y')] };
    expect(ids(await s.search(q([and])))).toEqual(['c']);
    expect(ids(await s.search(q([or])))).toEqual(['b', 'c']);
    expect(ids(await s.search(q([not])))).toEqual(['a', 'b']);
  });

  it('follows updates and deletes, and leaves meta attributes to the evaluator', async () => {
    const s = await store();
    await s.put(meta('a', { level: 2, guild: 'x', flag: true }));
    expect(ids(await s.search(q([cond('level', 'eq', 1)])))).toEqual(['c']);
    expect(ids(await s.search(q([cond('level', 'eq', 2)])))).toEqual(['a', 'b']);
    await s.delete('b');
    expect(ids(await s.search(q([cond('level', 'eq', 2)])))).toEqual(['a']);
    // `resource_id` in `conditions` is the meta attribute, in `data_conditions` the data key.
    expect(ids(await s.search(q([cond('resource_id', 'eq', 'shadowed')])))).toEqual([]);
    expect(ids(await s.search({ data_conditions: [cond('resource_id', 'eq', 'shadowed')], limit: 10, offset: 0 }))).toEqual(['c']);
  });
});
