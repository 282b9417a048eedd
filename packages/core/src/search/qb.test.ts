import { QueryError, type DataSearchCondition, type SearchFilter } from '@specstar/interfaces';
import { ConditionBuilder, Field, QB, isQueryBuilder, setQbClock } from './qb';

const c = (
  field_path: string,
  operator: DataSearchCondition['operator'],
  value: unknown,
  transform: 'len' | null = null,
): DataSearchCondition => ({ type: 'DataSearchCondition', field_path, operator, value, transform });
const group = (operator: 'and' | 'or' | 'not', ...conditions: SearchFilter[]): SearchFilter => ({
  type: 'DataSearchGroup',
  operator,
  conditions,
});
const truthy = (f: string, t: 'len' | null = null) =>
  group('and', c(f, 'is_null', false, t), c(f, 'ne', false, t), c(f, 'ne', 0, t), c(f, 'ne', '', t), c(f, 'ne', [], t));

/** The root condition of a builder. */
const root = (b: { build(): { conditions?: SearchFilter[] } }) => b.build().conditions?.[0];

describe('build() shape (invariant 77)', () => {
  it('QB["a"].gt(1) builds exactly the wire shape', () => {
    const built = QB.field('a').gt(1).build();
    expect(built).toStrictEqual({
      conditions: [{ type: 'DataSearchCondition', field_path: 'a', operator: 'gt', value: 1, transform: null }],
      limit: 10,
      offset: 0,
    });
    expect(JSON.stringify(built)).toBe(
      '{"conditions":[{"type":"DataSearchCondition","field_path":"a","operator":"gt","value":1,"transform":null}],"limit":10,"offset":0}',
    );
  });

  it('a bare field is is_truthy: AND of five conditions in order (invariant 78)', () => {
    expect(root(QB.field('x'))).toStrictEqual(truthy('x'));
    expect(root(QB.field('x').isTruthy())).toStrictEqual(truthy('x'));
  });

  it('omits conditions when there are none and includes sorts only when set', () => {
    expect(QB.all().build()).toStrictEqual({ limit: 10, offset: 0 });
    expect(QB.all().sort('name').build()).toStrictEqual({
      limit: 10,
      offset: 0,
      sorts: [{ type: 'data', field_path: 'name', direction: '+' }],
    });
  });

  it('build() accepts a default limit for builders without one', () => {
    expect(QB.all().build({ defaultLimit: 50 }).limit).toBe(50);
    expect(QB.all().limit(5).build({ defaultLimit: 50 }).limit).toBe(5);
  });

  it('returns a copy: mutating the query does not change the builder', () => {
    const b = QB.field('tags').in(['a', 'b']);
    const first = b.build();
    (first.conditions![0] as DataSearchCondition).value = 'changed';
    expect(root(b)).toStrictEqual(c('tags', 'in', ['a', 'b']));
  });
});

describe('field methods', () => {
  const f = QB.field('f');
  it.each<[string, ConditionBuilder, SearchFilter]>([
    ['eq', f.eq(1), c('f', 'eq', 1)],
    ['ne', f.ne('x'), c('f', 'ne', 'x')],
    ['gt', f.gt(1), c('f', 'gt', 1)],
    ['gte', f.gte(1), c('f', 'gte', 1)],
    ['lt', f.lt(1), c('f', 'lt', 1)],
    ['lte', f.lte(1), c('f', 'lte', 1)],
    ['contains', f.contains('a'), c('f', 'contains', 'a')],
    ['startsWith', f.startsWith('a'), c('f', 'starts_with', 'a')],
    ['endsWith', f.endsWith('a'), c('f', 'ends_with', 'a')],
    ['in', f.in([1, 2]), c('f', 'in', [1, 2])],
    ['oneOf', f.oneOf(new Set([1, 2])), c('f', 'in', [1, 2])],
    ['notIn', f.notIn([1]), c('f', 'not_in', [1])],
    ['isNull', f.isNull(), c('f', 'is_null', true)],
    ['isNull(false)', f.isNull(false), c('f', 'is_null', false)],
    ['isNotNull', f.isNotNull(), c('f', 'is_null', false)],
    ['hasValue', f.hasValue(), c('f', 'is_null', false)],
    ['exists', f.exists(), c('f', 'exists', true)],
    ['exists(false)', f.exists(false), c('f', 'exists', false)],
    ['isna', f.isna(), c('f', 'isna', true)],
    ['isna(false)', f.isna(false), c('f', 'isna', false)],
    ['regex', f.regex('^a'), c('f', 'regex', '^a')],
    ['match', f.match('^a'), c('f', 'regex', '^a')],
    ['icontains escapes Python-style', f.icontains('a.b c'), c('f', 'regex', '(?i)a\\.b\\ c')],
    ['istartsWith', f.istartsWith('Al'), c('f', 'regex', '(?i)^Al')],
    ['iendsWith', f.iendsWith('$1'), c('f', 'regex', '(?i)\\$1$')],
    ['notContains', f.notContains('x'), group('not', c('f', 'contains', 'x'))],
    ['notStartsWith', f.notStartsWith('x'), group('not', c('f', 'starts_with', 'x'))],
    ['notEndsWith', f.notEndsWith('x'), group('not', c('f', 'ends_with', 'x'))],
    ['between (invariant 83)', f.between(1, 5), group('and', c('f', 'gte', 1), c('f', 'lte', 5))],
    ['inRange', f.inRange('a', 'm'), group('and', c('f', 'gte', 'a'), c('f', 'lte', 'm'))],
    ['isTrue', f.isTrue(), c('f', 'eq', true)],
    ['isFalse', f.isFalse(), c('f', 'eq', false)],
    ['isFalsy', f.isFalsy(), group('not', truthy('f'))],
    ['not() on a field is isFalsy', f.not(), group('not', truthy('f'))],
    ['isEmpty', f.isEmpty(), group('or', c('f', 'eq', ''), c('f', 'is_null', true))],
    ['isBlank', f.isBlank(), group('or', c('f', 'eq', ''), c('f', 'is_null', true), c('f', 'regex', '^\\s*$'))],
    ['like x% (invariant 81)', f.like('Al%'), c('f', 'starts_with', 'Al')],
    ['like %x (invariant 81)', f.like('%ice'), c('f', 'ends_with', 'ice')],
    ['like %x% (invariant 81)', f.like('%lic%'), c('f', 'contains', 'lic')],
    ['like with _ (invariant 81)', f.like('A_c'), c('f', 'regex', '^A.c$')],
    ['like escapes the rest', f.like('a.b%_'), c('f', 'regex', '^a\\.b.*.$')],
    ['like %x% keeps an inner %', f.like('%a%b%'), c('f', 'contains', 'a%b')],
    ['like % alone is a regex', f.like('%'), c('f', 'regex', '^.*$')],
    ['like without wildcards is an exact regex', f.like('abc'), c('f', 'regex', '^abc$')],
    ['length() carries len into conditions', f.length().gt(3), c('f', 'gt', 3, 'len')],
    ['length() is truthy by default', f.length(), truthy('f', 'len')],
    ['length().between carries len', f.length().between(1, 2), group('and', c('f', 'gte', 1, 'len'), c('f', 'lte', 2, 'len'))],
  ])('%s', (_label, builder, expected) => {
    expect(root(builder)).toStrictEqual(expected);
  });

  it('asc()/desc() give meta sorts for the three meta keys, else data sorts', () => {
    expect(QB.createdTime().desc()).toStrictEqual({ type: 'meta', key: 'created_time', direction: '-' });
    expect(QB.resourceId().asc()).toStrictEqual({ type: 'meta', key: 'resource_id', direction: '+' });
    expect(QB.field('age').desc()).toStrictEqual({ type: 'data', field_path: 'age', direction: '-' });
    expect(QB.createdBy().asc()).toStrictEqual({ type: 'data', field_path: 'created_by', direction: '+' });
  });

  it('rejects missing values and non-string text arguments', () => {
    expect(() => QB.field('a').eq(undefined)).toThrow(QueryError);
    expect(() => QB.field('a').between(1, undefined)).toThrow(QueryError);
    expect(() => QB.field('a').icontains(5 as never)).toThrow(QueryError);
    expect(() => QB.field('a').like(null as never)).toThrow(QueryError);
    expect(() => QB.field(7 as never)).toThrow(QueryError);
  });
});

describe('entry points', () => {
  it.each<[string, Field]>([
    ['resource_id', QB.resourceId()],
    ['current_revision_id', QB.currentRevisionId()],
    ['current_revision_id', QB.revisionId()],
    ['created_time', QB.createdTime()],
    ['updated_time', QB.updatedTime()],
    ['created_by', QB.createdBy()],
    ['updated_by', QB.updatedBy()],
    ['is_deleted', QB.isDeleted()],
    ['schema_version', QB.schemaVersion()],
    ['total_revision_count', QB.totalRevisionCount()],
    ['rev_status', QB.revStatus()],
    ['rev_created_by', QB.revCreatedBy()],
    ['rev_updated_by', QB.revUpdatedBy()],
    ['rev_created_time', QB.revCreatedTime()],
    ['rev_updated_time', QB.revUpdatedTime()],
    ['user.name', QB.field('user.name')],
  ])('%s', (name, field) => {
    expect(root(field.eq(1))).toStrictEqual(c(name, 'eq', 1));
  });
});

describe('combinators', () => {
  const a = QB.field('a').eq(1);
  const b = QB.field('b').eq(2);
  const d = QB.field('d').eq(4);

  it('and/or build two-child groups; chains nest to the left', () => {
    expect(root(a.and(b))).toStrictEqual(group('and', c('a', 'eq', 1), c('b', 'eq', 2)));
    expect(root(a.or(b))).toStrictEqual(group('or', c('a', 'eq', 1), c('b', 'eq', 2)));
    expect(root(a.and(b).and(d))).toStrictEqual(
      group('and', group('and', c('a', 'eq', 1), c('b', 'eq', 2)), c('d', 'eq', 4)),
    );
  });

  it('an empty side yields the other side unchanged', () => {
    expect(root(QB.all().and(a))).toStrictEqual(c('a', 'eq', 1));
    expect(root(a.or(QB.all()))).toStrictEqual(c('a', 'eq', 1));
  });

  it('filter() is an AND chain and exclude() ANDs the negations', () => {
    expect(root(a.filter(b, d))).toStrictEqual(root(a.and(b).and(d)));
    expect(root(a.exclude(b, d))).toStrictEqual(
      group('and', group('and', c('a', 'eq', 1), group('not', c('b', 'eq', 2))), group('not', c('d', 'eq', 4))),
    );
  });

  it('not() wraps in a NOT group; not() of an empty condition throws', () => {
    expect(root(a.not())).toStrictEqual(group('not', c('a', 'eq', 1)));
    expect(root(a.not().not())).toStrictEqual(group('not', group('not', c('a', 'eq', 1))));
    expect(() => QB.all().not()).toThrow(QueryError);
  });

  it('QB.all / QB.any (invariant 82)', () => {
    expect(QB.all().build().conditions).toBeUndefined();
    expect(root(QB.all(a))).toStrictEqual(c('a', 'eq', 1));
    expect(root(QB.all(a, b, d))).toStrictEqual(group('and', c('a', 'eq', 1), c('b', 'eq', 2), c('d', 'eq', 4)));
    expect(root(QB.all(a, QB.all(), b))).toStrictEqual(group('and', c('a', 'eq', 1), c('b', 'eq', 2)));
    expect(() => QB.any()).toThrow(QueryError);
    expect(root(QB.any(a))).toStrictEqual(c('a', 'eq', 1));
    expect(root(QB.any(a, b))).toStrictEqual(group('or', c('a', 'eq', 1), c('b', 'eq', 2)));
    expect(root(QB.all(QB.field('x')))).toStrictEqual(truthy('x'));
  });

  it('rejects operands that are not conditions', () => {
    expect(() => a.and(1 as never)).toThrow(QueryError);
    expect(() => QB.all('x' as never)).toThrow(QueryError);
  });

  it('combining drops paging and sorts of the operands', () => {
    const paged = a.limit(5).offset(3).sort('-x');
    expect(paged.and(b).build()).toStrictEqual({
      conditions: [group('and', c('a', 'eq', 1), c('b', 'eq', 2))],
      limit: 10,
      offset: 0,
    });
  });
});

describe('query settings', () => {
  it('page(2, 20) sets offset 20 and limit 20; page(0) throws (invariant 79)', () => {
    const built = QB.field('s').eq('a').page(2, 20).build();
    expect([built.offset, built.limit]).toEqual([20, 20]);
    expect(QB.all().page(3).build()).toMatchObject({ offset: 40, limit: 20 });
    expect(() => QB.all().page(0)).toThrow(QueryError);
    expect(() => QB.all().page(1, 0)).toThrow(QueryError);
  });

  it('limit/offset/first validate their numbers', () => {
    expect(QB.all().limit(0).build().limit).toBe(0);
    expect(QB.all().first().build().limit).toBe(1);
    expect(QB.all().offset(7).build().offset).toBe(7);
    expect(() => QB.all().limit(1.5)).toThrow(QueryError);
    expect(() => QB.all().limit(-1)).toThrow(QueryError);
    expect(() => QB.all().offset(-1)).toThrow(QueryError);
    expect(() => QB.all().limit('5' as never)).toThrow(QueryError);
  });

  it('sort("-created_time", "name") is a meta sort then a data sort (invariant 80); calls append', () => {
    const built = QB.all().sort('-created_time', 'name').orderBy('+updated_time', QB.field('age').desc()).build();
    expect(built.sorts).toStrictEqual([
      { type: 'meta', key: 'created_time', direction: '-' },
      { type: 'data', field_path: 'name', direction: '+' },
      { type: 'meta', key: 'updated_time', direction: '+' },
      { type: 'data', field_path: 'age', direction: '-' },
    ]);
    expect(() => QB.all().sort('-')).toThrow(QueryError);
    expect(() => QB.all().sort(5 as never)).toThrow(QueryError);
  });

  it('builders are immutable: settings return new builders', () => {
    const base = QB.field('a').eq(1);
    const limited = base.limit(3).sort('x');
    expect(base.build()).toMatchObject({ limit: 10 });
    expect(base.build().sorts).toBeUndefined();
    expect(limited.build()).toMatchObject({ limit: 3, sorts: [{ field_path: 'x' }] });
    const field = QB.field('f').limit(2);
    expect(field).toBeInstanceOf(Field);
    expect(root(field.eq(1))).toStrictEqual(c('f', 'eq', 1));
  });

  it('isQueryBuilder recognises builders only', () => {
    expect(isQueryBuilder(QB.field('a'))).toBe(true);
    expect(isQueryBuilder(QB.all().limit(1))).toBe(true);
    expect(isQueryBuilder({ limit: 1, offset: 0 })).toBe(false);
    expect(isQueryBuilder(null)).toBe(false);
  });
});

describe('time helpers', () => {
  // Wednesday 2025-01-15 20:30 UTC = Thursday 2025-01-16 04:30 at UTC+8.
  const now = new Date('2025-01-15T20:30:00.000Z');
  const range = (b: ConditionBuilder) => {
    const g = root(b) as { conditions: DataSearchCondition[] };
    return g.conditions.map((x) => [x.operator, (x.value as Date).toISOString()]);
  };

  it('today / yesterday in a fixed offset', () => {
    expect(range(QB.createdTime().today(8, now))).toEqual([
      ['gte', '2025-01-15T16:00:00.000Z'],
      ['lte', '2025-01-16T15:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().today('-4', now))).toEqual([
      ['gte', '2025-01-15T04:00:00.000Z'],
      ['lte', '2025-01-16T03:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().yesterday('+0', now))).toEqual([
      ['gte', '2025-01-14T00:00:00.000Z'],
      ['lte', '2025-01-14T23:59:59.999Z'],
    ]);
  });

  it('yesterday rolls over month boundaries', () => {
    expect(range(QB.createdTime().yesterday(0, new Date('2025-03-01T05:00:00Z')))).toEqual([
      ['gte', '2025-02-28T00:00:00.000Z'],
      ['lte', '2025-02-28T23:59:59.999Z'],
    ]);
  });

  it('thisWeek starts on Monday by default, on week_start otherwise', () => {
    expect(range(QB.createdTime().thisWeek(0, 0, now))).toEqual([
      ['gte', '2025-01-13T00:00:00.000Z'],
      ['lte', '2025-01-19T23:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().thisWeek(0, 6, now))).toEqual([
      ['gte', '2025-01-12T00:00:00.000Z'],
      ['lte', '2025-01-18T23:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().thisWeek(8, 3, now))).toEqual([
      ['gte', '2025-01-15T16:00:00.000Z'],
      ['lte', '2025-01-22T15:59:59.999Z'],
    ]);
    expect(() => QB.createdTime().thisWeek(0, 7, now)).toThrow(QueryError);
  });

  it('thisMonth and thisYear end at the last millisecond', () => {
    expect(range(QB.createdTime().thisMonth(0, new Date('2024-12-31T23:00:00Z')))).toEqual([
      ['gte', '2024-12-01T00:00:00.000Z'],
      ['lte', '2024-12-31T23:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().thisMonth(0, new Date('2024-02-10T00:00:00Z')))).toEqual([
      ['gte', '2024-02-01T00:00:00.000Z'],
      ['lte', '2024-02-29T23:59:59.999Z'],
    ]);
    expect(range(QB.createdTime().thisYear(8, now))).toEqual([
      ['gte', '2024-12-31T16:00:00.000Z'],
      ['lte', '2025-12-31T15:59:59.999Z'],
    ]);
  });

  it('lastNDays includes today', () => {
    const built = root(QB.updatedTime().lastNDays(7, '+8', now)) as DataSearchCondition;
    expect(built.operator).toBe('gte');
    expect((built.value as Date).toISOString()).toBe('2025-01-09T16:00:00.000Z');
    expect(() => QB.updatedTime().lastNDays(1.5, 0, now)).toThrow(QueryError);
  });

  it('rejects timezones other than whole-hour offsets', () => {
    for (const tz of ['abc', 8.5, 24, '+24', 'UTC']) {
      expect(() => QB.createdTime().today(tz as never, now)).toThrow(QueryError);
    }
  });

  it('uses the local zone when tz is absent', () => {
    // Jest sandboxes process.env, so the zone cannot be switched here: compare with local wall-clock math.
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    const end = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 23, 59, 59, 999);
    expect(range(QB.createdTime().today(undefined, now))).toEqual([
      ['gte', start.toISOString()],
      ['lte', end.toISOString()],
    ]);
    const month = range(QB.createdTime().thisMonth(null, now));
    expect(month[0]?.[1]).toBe(new Date(now.getFullYear(), now.getMonth(), 1).toISOString());
  });

  it('reads "now" from the QB clock when not passed', () => {
    setQbClock(() => now);
    try {
      expect(range(QB.createdTime().today(0))).toEqual([
        ['gte', '2025-01-15T00:00:00.000Z'],
        ['lte', '2025-01-15T23:59:59.999Z'],
      ]);
    } finally {
      setQbClock();
    }
  });
});
