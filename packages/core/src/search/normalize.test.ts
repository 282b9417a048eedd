import { QueryError, type ResourceMeta, type ResourceMetaSearchQuery } from '@specstar/interfaces';
import { runQuery } from './evaluator';
import { normalizeQuery } from './normalize';
import { QB } from './qb';

const raw = (q: Record<string, unknown>) => q as Partial<ResourceMetaSearchQuery>;

function queryError(fn: () => unknown): QueryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    return err as QueryError;
  }
  throw new Error('expected a QueryError');
}

describe('normalizeQuery: defaults and inputs', () => {
  it('fills limit 10 and offset 0', () => {
    expect(normalizeQuery(undefined)).toStrictEqual({ limit: 10, offset: 0 });
    expect(normalizeQuery({})).toStrictEqual({ limit: 10, offset: 0 });
    expect(normalizeQuery({}, { defaultLimit: 25 })).toStrictEqual({ limit: 25, offset: 0 });
    expect(normalizeQuery({ limit: 3, offset: 4 })).toStrictEqual({ limit: 3, offset: 4 });
  });

  it('builds a QB builder, applying the default limit only when the builder set none', () => {
    expect(normalizeQuery(QB.field('a').gt(1), { defaultLimit: 50 })).toStrictEqual({
      conditions: [{ type: 'DataSearchCondition', field_path: 'a', operator: 'gt', value: 1, transform: null }],
      limit: 50,
      offset: 0,
    });
    expect(normalizeQuery(QB.field('a').gt(1).limit(5), { defaultLimit: 50 }).limit).toBe(5);
  });

  it('tags untagged conditions and groups from JSON', () => {
    const out = normalizeQuery(
      raw({
        conditions: [
          { field_path: 'age', operator: 'gte', value: 18 },
          { operator: 'or', conditions: [{ field_path: 'a', operator: 'eq', value: 1, transform: 'len' }] },
        ],
      }),
    );
    expect(out.conditions).toStrictEqual([
      { type: 'DataSearchCondition', field_path: 'age', operator: 'gte', value: 18, transform: null },
      {
        type: 'DataSearchGroup',
        operator: 'or',
        conditions: [{ type: 'DataSearchCondition', field_path: 'a', operator: 'eq', value: 1, transform: 'len' }],
      },
    ]);
  });

  it('tags untagged sorts by their keys', () => {
    const out = normalizeQuery(
      raw({ sorts: [{ key: 'created_time', direction: '-' }, { field_path: 'age', direction: '+' }] }),
    );
    expect(out.sorts).toStrictEqual([
      { type: 'meta', key: 'created_time', direction: '-' },
      { type: 'data', field_path: 'age', direction: '+' },
    ]);
    expect(normalizeQuery(raw({ sorts: [] })).sorts).toBeUndefined();
  });

  it('keeps the other criteria and does not mutate its input', () => {
    const input = raw({
      is_deleted: false,
      created_bys: ['alice'],
      updated_bys: ['bob'],
      created_time_start: '2025-01-01T08:00:00+08:00',
      updated_time_end: new Date('2025-02-01T00:00:00Z'),
      data_conditions: [{ field_path: 'x', operator: 'exists', value: true }],
    });
    const snapshot = JSON.stringify(input);
    const out = normalizeQuery(input);
    expect(out).toStrictEqual({
      is_deleted: false,
      created_time_start: new Date('2025-01-01T00:00:00.000Z'),
      updated_time_end: new Date('2025-02-01T00:00:00.000Z'),
      created_bys: ['alice'],
      updated_bys: ['bob'],
      data_conditions: [{ type: 'DataSearchCondition', field_path: 'x', operator: 'exists', value: true, transform: null }],
      limit: 10,
      offset: 0,
    });
    expect(JSON.stringify(input)).toBe(snapshot);
  });
});

describe('normalizeQuery: operand coercion', () => {
  it('turns ISO operands on meta time fields into Dates, including list members', () => {
    const out = normalizeQuery(
      raw({
        conditions: [
          { field_path: 'created_time', operator: 'gte', value: '2025-01-01T08:00:00+08:00' },
          { field_path: 'rev_updated_time', operator: 'in', value: ['2025-01-01', new Date('2025-01-02T00:00:00Z')] },
          { field_path: 'created_time', operator: 'starts_with', value: '2025' },
        ],
      }),
    );
    expect(out.conditions?.map((c) => ('value' in c ? c.value : undefined))).toStrictEqual([
      new Date('2025-01-01T00:00:00.000Z'),
      [new Date('2025-01-01T00:00:00.000Z'), new Date('2025-01-02T00:00:00.000Z')],
      '2025',
    ]);
  });

  it('rejects an invalid date-time operand on a meta time field, naming the field', () => {
    const err = queryError(() =>
      normalizeQuery(raw({ conditions: [{ field_path: 'updated_time', operator: 'lt', value: 'last tuesday' }] })),
    );
    expect(err.message).toContain('updated_time');
  });

  it('turns Date operands on data fields into ISO ms UTC strings', () => {
    const out = normalizeQuery(QB.field('due').between(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-31T23:59:59.999Z')));
    expect(out.conditions).toStrictEqual([
      {
        type: 'DataSearchGroup',
        operator: 'and',
        conditions: [
          { type: 'DataSearchCondition', field_path: 'due', operator: 'gte', value: '2025-01-01T00:00:00.000Z', transform: null },
          { type: 'DataSearchCondition', field_path: 'due', operator: 'lte', value: '2025-01-31T23:59:59.999Z', transform: null },
        ],
      },
    ]);
  });

  it('time helpers on meta fields keep Dates; on data fields become ISO strings', () => {
    const now = new Date('2025-01-15T12:00:00Z');
    const meta = normalizeQuery(QB.createdTime().lastNDays(1, 0, now)).conditions?.[0];
    expect(meta).toMatchObject({ field_path: 'created_time', value: new Date('2025-01-15T00:00:00.000Z') });
    const data = normalizeQuery(QB.field('due').lastNDays(1, 0, now)).conditions?.[0];
    expect(data).toMatchObject({ field_path: 'due', value: '2025-01-15T00:00:00.000Z' });
  });

  it('normalises ISO strings on declared date-time data fields, for value operators only', () => {
    const dateTimeFields = new Set(['due']);
    const out = normalizeQuery(
      raw({
        conditions: [
          { field_path: 'due', operator: 'gt', value: '2025-01-01T08:00:00+08:00' },
          { field_path: 'due', operator: 'in', value: ['2025-01-01', 'not a date'] },
          { field_path: 'due', operator: 'starts_with', value: '2025-01-01T08' },
          { field_path: 'other', operator: 'gt', value: '2025-01-01T08:00:00+08:00' },
        ],
      }),
      { dateTimeFields },
    );
    expect(out.conditions?.map((c) => ('value' in c ? c.value : undefined))).toStrictEqual([
      '2025-01-01T00:00:00.000Z',
      ['2025-01-01T00:00:00.000Z', 'not a date'],
      '2025-01-01T08',
      '2025-01-01T08:00:00+08:00',
    ]);
  });

  it('data_conditions never coerce meta time names (they are data keys there)', () => {
    const out = normalizeQuery(raw({ data_conditions: [{ field_path: 'created_time', operator: 'eq', value: 'x' }] }));
    expect(out.data_conditions?.[0]).toMatchObject({ value: 'x' });
  });

  it('normalised queries evaluate as the raw intent says', () => {
    const meta: ResourceMeta = {
      current_revision_id: 'a:1',
      resource_id: 'a',
      schema_version: null,
      total_revision_count: 1,
      created_time: new Date('2025-01-01T04:00:00Z'),
      updated_time: new Date('2025-01-01T04:00:00Z'),
      created_by: 'u',
      updated_by: 'u',
      is_deleted: false,
      indexed_data: { due: '2025-01-01T00:00:00.000Z' },
    };
    const q = normalizeQuery(
      raw({
        conditions: [
          { field_path: 'created_time', operator: 'eq', value: '2025-01-01T12:00:00+08:00' },
          { field_path: 'due', operator: 'eq', value: '2025-01-01T08:00:00+08:00' },
        ],
      }),
      { dateTimeFields: new Set(['due']) },
    );
    expect(runQuery([meta], q)).toHaveLength(1);
  });
});

describe('normalizeQuery: validation', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['unknown operator', { conditions: [{ field_path: 'a', operator: 'like', value: 1 }] }, 'like'],
    ['unknown group operator', { conditions: [{ operator: 'xor', conditions: [] }] }, 'xor'],
    ['condition without field_path', { conditions: [{ operator: 'eq', value: 1 }] }, 'field_path'],
    ['condition without value', { conditions: [{ field_path: 'a', operator: 'eq' }] }, "'a'"],
    ['bad transform', { conditions: [{ field_path: 'a', operator: 'eq', value: 1, transform: 'upper' }] }, 'upper'],
    ['unknown filter type', { conditions: [{ type: 'Vector', field_path: 'a' }] }, 'Vector'],
    ['group without a list', { conditions: [{ type: 'DataSearchGroup', operator: 'and', conditions: 'x' }] }, 'conditions'],
    ['conditions not a list', { conditions: { field_path: 'a' } }, 'conditions'],
    ['filter not an object', { data_conditions: ['a == 1'] }, 'data_conditions[0]'],
    ['bad regex', { conditions: [{ field_path: 'a', operator: 'regex', value: '(' }] }, '('],
    ['negative limit', { limit: -1 }, 'limit'],
    ['fractional limit', { limit: 2.5 }, 'limit'],
    ['string limit', { limit: '10' }, 'limit'],
    ['negative offset', { offset: -3 }, 'offset'],
    ['unknown meta sort key', { sorts: [{ type: 'meta', key: 'name', direction: '+' }] }, 'name'],
    ['sort without direction', { sorts: [{ type: 'data', field_path: 'age' }] }, 'direction'],
    ['sort with a bad direction', { sorts: [{ type: 'data', field_path: 'age', direction: 'asc' }] }, 'asc'],
    ['data sort without field_path', { sorts: [{ type: 'data', direction: '+' }] }, 'field_path'],
    ['unknown sort type', { sorts: [{ type: 'vector', direction: '+' }] }, 'vector'],
    ['sorts not a list', { sorts: 'age' }, 'sorts'],
    ['unknown query key', { condition: [] }, 'condition'],
    ['non-boolean is_deleted', { is_deleted: 'no' }, 'is_deleted'],
    ['invalid time bound', { created_time_start: 'soon' }, 'created_time_start'],
    ['created_bys not a list of strings', { created_bys: 'alice' }, 'created_bys'],
  ])('%s', (_label, input, named) => {
    const err = queryError(() => normalizeQuery(raw(input)));
    expect(err.message).toContain(named);
  });

  it('names the path of a nested offender', () => {
    const err = queryError(() =>
      normalizeQuery(raw({ conditions: [{ operator: 'and', conditions: [{ field_path: 'a', operator: 'eq', value: 1 }, { field_path: 'b', operator: 'nope', value: 1 }] }] })),
    );
    expect(err.message).toContain('conditions[0].conditions[1]');
  });

  it('rejects non-object input and an invalid defaultLimit', () => {
    expect(() => normalizeQuery('age > 1' as never)).toThrow(QueryError);
    expect(() => normalizeQuery({}, { defaultLimit: -5 })).toThrow(QueryError);
  });

  it('rejects pathologically deep nesting instead of overflowing the stack', () => {
    let filter: Record<string, unknown> = { field_path: 'a', operator: 'eq', value: 1 };
    for (let i = 0; i < 5000; i++) filter = { operator: 'not', conditions: [filter] };
    expect(() => normalizeQuery(raw({ conditions: [filter] }))).toThrow(QueryError);
  });
});
