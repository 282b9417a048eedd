import { parseInstant } from '../codec/instants';
import {
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type SearchFilter,
} from '@specstar/interfaces';
import {
  compareBySorts,
  countQuery,
  evaluateFilter,
  matchesQuery,
  runQuery,
} from './evaluator';

const T0 = new Date('2025-01-01T00:00:00.000Z');

function meta(id: string, indexed?: Record<string, unknown>, extra: Partial<ResourceMeta> = {}): ResourceMeta {
  const m: ResourceMeta = {
    current_revision_id: `${id}:1`,
    resource_id: id,
    schema_version: null,
    total_revision_count: 1,
    created_time: T0,
    updated_time: T0,
    created_by: 'alice',
    updated_by: 'alice',
    is_deleted: false,
    ...extra,
  };
  if (indexed !== undefined) m.indexed_data = indexed;
  return m;
}

function cond(
  field_path: string,
  operator: DataSearchCondition['operator'],
  value: unknown,
  transform: 'len' | null = null,
): DataSearchCondition {
  return { type: 'DataSearchCondition', field_path, operator, value, transform };
}
const and = (...conditions: SearchFilter[]): DataSearchGroup => ({ type: 'DataSearchGroup', operator: 'and', conditions });
const or = (...conditions: SearchFilter[]): DataSearchGroup => ({ type: 'DataSearchGroup', operator: 'or', conditions });
const not = (...conditions: SearchFilter[]): DataSearchGroup => ({ type: 'DataSearchGroup', operator: 'not', conditions });

const q = (partial: Partial<ResourceMetaSearchQuery> = {}): ResourceMetaSearchQuery => ({ limit: 10, offset: 0, ...partial });

// Building blocks with a known truth value on ITEM.
const ITEM = meta('item:1', { one: 1, nothing: null, name: 'Alice', tags: ['a', 'b'] });
const TRUE = cond('one', 'eq', 1);
const FALSE = cond('one', 'eq', 2);
const UNKNOWN = cond('missing', 'eq', 1);

describe('three-valued logic', () => {
  it.each<[string, SearchFilter, boolean | null]>([
    ['missing == 1 is unknown', cond('missing', 'eq', 1), null],
    ['not(missing == 1) is unknown', not(cond('missing', 'eq', 1)), null],
    ['missing != 1 is unknown', cond('missing', 'ne', 1), null],
    ['not(missing != 1) is unknown', not(cond('missing', 'ne', 1)), null],
    ['null == 1 is unknown', cond('nothing', 'eq', 1), null],
    ['null != 1 is unknown', cond('nothing', 'ne', 1), null],
    ['exists(missing) is false', cond('missing', 'exists', true), false],
    ['not(exists(missing)) is true', not(cond('missing', 'exists', true)), true],
    ['isna(missing) is true', cond('missing', 'isna', true), true],
    ['not(isna(missing)) is false', not(cond('missing', 'isna', true)), false],
    ['unknown and true is unknown', and(UNKNOWN, TRUE), null],
    ['unknown and false is false', and(UNKNOWN, FALSE), false],
    ['false and unknown is false', and(FALSE, UNKNOWN), false],
    ['unknown or true is true', or(UNKNOWN, TRUE), true],
    ['unknown or false is unknown', or(UNKNOWN, FALSE), null],
    ['true and true is true', and(TRUE, TRUE), true],
    ['false or false is false', or(FALSE, FALSE), false],
    ['empty and is true', and(), true],
    ['empty or is false', or(), false],
    ['empty not is false', not(), false],
    ['not(true, false) is true', not(TRUE, FALSE), true],
    ['not(true, true) is false', not(TRUE, TRUE), false],
    ['not(true, unknown) is unknown', not(TRUE, UNKNOWN), null],
    ['not(false, unknown) is true', not(FALSE, UNKNOWN), true],
    ['and of three with one unknown is unknown', and(TRUE, TRUE, UNKNOWN), null],
    ['or of three with one true is true', or(UNKNOWN, FALSE, TRUE), true],
    ['nested same-operator groups keep their meaning', and(and(TRUE, and(TRUE, TRUE)), TRUE), true],
    ['nested and inside or', or(and(TRUE, UNKNOWN), FALSE), null],
  ])('%s', (_label, filter, expected) => {
    expect(evaluateFilter(filter, ITEM)).toBe(expected);
  });

  it('a query entry matches only when it is true (invariants 60, 63, 64)', () => {
    const run = (f: SearchFilter) => matchesQuery(ITEM, q({ conditions: [f] }));
    expect(run(cond('missing', 'eq', 1))).toBe(false);
    expect(run(not(cond('missing', 'eq', 1)))).toBe(false);
    expect(run(cond('missing', 'ne', 1))).toBe(false);
    expect(run(not(cond('missing', 'ne', 1)))).toBe(false);
    expect(run(cond('nothing', 'eq', 1))).toBe(false);
    expect(run(and(UNKNOWN, TRUE))).toBe(false);
    expect(run(or(UNKNOWN, FALSE))).toBe(false);
    expect(run(or(UNKNOWN, TRUE))).toBe(true);
    expect(run(and(UNKNOWN, FALSE))).toBe(false);
    expect(run(not(TRUE, FALSE))).toBe(true);
    expect(run(not(TRUE, TRUE))).toBe(false);
  });

  it('invariant 61: exists / isna on a missing key', () => {
    const run = (f: SearchFilter) => matchesQuery(ITEM, q({ conditions: [f] }));
    expect(run(cond('missing', 'exists', true))).toBe(false);
    expect(run(not(cond('missing', 'exists', true)))).toBe(true);
    expect(run(cond('missing', 'isna', true))).toBe(true);
    expect(run(not(cond('missing', 'isna', true)))).toBe(false);
  });
});

describe('operators', () => {
  const m = meta('op:1', {
    n: 10,
    f: 2.5,
    s: 'Alice',
    b: true,
    list: ['a', 'b', [1, 2], { k: 1 }],
    map: { x: 1, y: [1, 2] },
    flags: 7,
    nil: null,
    emoji: '😀a',
    when: '2025-03-01T00:00:00.000Z',
  });

  it.each<[string, string, DataSearchCondition['operator'], unknown, boolean | null]>([
    // eq / ne: strict, type-aware, deep
    ['eq number', 'n', 'eq', 10, true],
    ['eq float', 'f', 'eq', 2.5, true],
    ['eq string', 's', 'eq', 'Alice', true],
    ['eq is case-sensitive', 's', 'eq', 'alice', false],
    ['eq bool vs number is false (strict)', 'b', 'eq', 1, false],
    ['eq number vs string is false', 'n', 'eq', '10', false],
    ['eq deep list', 'list', 'eq', ['a', 'b', [1, 2], { k: 1 }], true],
    ['eq list order matters', 'list', 'eq', ['b', 'a', [1, 2], { k: 1 }], false],
    ['eq deep map ignores key order', 'map', 'eq', { y: [1, 2], x: 1 }, true],
    ['eq map with extra key', 'map', 'eq', { x: 1, y: [1, 2], z: 0 }, false],
    ['eq null operand on a value is false', 'n', 'eq', null, false],
    ['ne number', 'n', 'ne', 11, true],
    ['ne same number', 'n', 'ne', 10, false],
    ['ne different type is true', 'n', 'ne', '10', true],
    ['ne deep list', 'list', 'ne', ['a'], true],
    // ordering
    ['gt number', 'n', 'gt', 9, true],
    ['gt equal number', 'n', 'gt', 10, false],
    ['gte equal number', 'n', 'gte', 10, true],
    ['lt number', 'n', 'lt', 10.5, true],
    ['lte number', 'n', 'lte', 9, false],
    ['gt string lexicographic', 's', 'gt', 'Al', true],
    ['lt string lexicographic', 's', 'lt', 'B', true],
    ['string order is by code point', 'emoji', 'gt', '\uffff', true],
    ['string vs number is unknown', 's', 'gt', 5, null],
    ['number vs string is unknown', 'n', 'lt', 'abc', null],
    ['bool ordering is unknown', 'b', 'gt', false, null],
    ['list ordering is unknown', 'list', 'gt', ['a'], null],
    ['null operand ordering is unknown', 'n', 'gt', null, null],
    ['ISO strings order as text', 'when', 'gt', '2025-02-28T23:59:59.999Z', true],
    ['a Date operand on a data field compares as ISO text', 'when', 'gte', new Date('2025-03-01T00:00:00.000Z'), true],
    ['a Date operand on a data field compares as ISO text (lt)', 'when', 'lt', new Date('2025-03-01T00:00:00.000Z'), false],
    // contains
    ['contains on a list is membership', 'list', 'contains', 'a', true],
    ['contains on a list is not substring', 'list', 'contains', 'al', false],
    ['contains on a list compares deeply', 'list', 'contains', [1, 2], true],
    ['contains on a list compares maps deeply', 'list', 'contains', { k: 1 }, true],
    ['contains on a string is substring', 's', 'contains', 'lic', true],
    ['contains is case-sensitive', 's', 'contains', 'LIC', false],
    ['contains on an integer with an integer operand is a bit test', 'flags', 'contains', 5, true],
    ['bit test needs every bit', 'flags', 'contains', 8, false],
    ['bit test, not substring', 'n', 'contains', 1, false],
    ['contains with a string operand on a number is substring', 'n', 'contains', '1', true],
    ['contains on a map uses its text form', 'map', 'contains', '"x"', true],
    // starts_with / ends_with
    ['starts_with', 's', 'starts_with', 'Al', true],
    ['starts_with is case-sensitive', 's', 'starts_with', 'al', false],
    ['ends_with', 's', 'ends_with', 'ice', true],
    ['ends_with is case-sensitive', 's', 'ends_with', 'ICE', false],
    ['starts_with on a number uses its text', 'n', 'starts_with', 1, true],
    ['ends_with on a bool uses its text', 'b', 'ends_with', 'rue', true],
    // in / not_in
    ['in list', 's', 'in', ['Bob', 'Alice'], true],
    ['in list without the value', 's', 'in', ['Bob'], false],
    ['in is strict', 'n', 'in', ['10'], false],
    ['in compares deeply', 'map', 'in', [{ x: 1, y: [1, 2] }], true],
    ['in with a non-list operand is false', 's', 'in', 'Alice', false],
    ['not_in list', 's', 'not_in', ['Bob'], true],
    ['not_in list with the value', 's', 'not_in', ['Alice'], false],
    ['not_in with a non-list operand is true', 's', 'not_in', 'Alice', true],
    ['in on a null value is unknown', 'nil', 'in', [null], null],
    ['not_in on a missing key is unknown', 'missing', 'not_in', 'x', null],
    // is_null / exists / isna
    ['is_null true on null', 'nil', 'is_null', true, true],
    ['is_null false on null', 'nil', 'is_null', false, false],
    ['is_null true on a value', 'n', 'is_null', true, false],
    ['is_null false on a value', 'n', 'is_null', false, true],
    ['is_null on a missing key is unknown', 'missing', 'is_null', true, null],
    ['is_null false on a missing key is unknown', 'missing', 'is_null', false, null],
    ['exists true on null', 'nil', 'exists', true, true],
    ['exists false on a value', 'n', 'exists', false, false],
    ['exists false on a missing key', 'missing', 'exists', false, true],
    ['isna true on null', 'nil', 'isna', true, true],
    ['isna false on null', 'nil', 'isna', false, false],
    ['isna false on a value', 'n', 'isna', false, true],
    ['isna false on a missing key', 'missing', 'isna', false, false],
    // regex
    ['regex is an unanchored search', 's', 'regex', 'lic', true],
    ['regex anchored', 's', 'regex', '^A', true],
    ['regex anchored no match', 's', 'regex', '^B', false],
    ['regex (?i) is case-insensitive', 's', 'regex', '(?i)alice', true],
    ['regex without (?i) is case-sensitive', 's', 'regex', 'alice', false],
    ['regex combined leading flags', 's', 'regex', '(?is)^ALICE$', true],
    ['regex on a number uses its text', 'n', 'regex', '^1\\d$', true],
    ['regex on null is unknown', 'nil', 'regex', '.*', null],
    ['regex on a missing key is unknown', 'missing', 'regex', '.*', null],
  ])('%s', (_label, field, op, operand, expected) => {
    expect(evaluateFilter(cond(field, op, operand), m)).toBe(expected);
  });

  it('regex (?s) lets . match newlines and (?m) makes ^ match at line starts', () => {
    const multi = meta('m:1', { text: 'first\nsecond' });
    expect(evaluateFilter(cond('text', 'regex', 'first.second'), multi)).toBe(false);
    expect(evaluateFilter(cond('text', 'regex', '(?s)first.second'), multi)).toBe(true);
    expect(evaluateFilter(cond('text', 'regex', '^second'), multi)).toBe(false);
    expect(evaluateFilter(cond('text', 'regex', '(?m)^second'), multi)).toBe(true);
  });

  it('rejects regex patterns JS cannot compile, naming the pattern', () => {
    expect(() => evaluateFilter(cond('s', 'regex', '(unclosed'), m)).toThrow(QueryError);
    expect(() => evaluateFilter(cond('s', 'regex', '(unclosed'), m)).toThrow(/\(unclosed/);
  });

  it('rejects unsupported inline flags and over-long patterns', () => {
    expect(() => evaluateFilter(cond('s', 'regex', '(?x)a b'), m)).toThrow(QueryError);
    expect(() => evaluateFilter(cond('s', 'regex', 'a'.repeat(1001)), m)).toThrow(QueryError);
    expect(evaluateFilter(cond('s', 'regex', `A${'x?'.repeat(499)}l`), m)).toBe(true); // exactly 1000 chars
  });

  it('rejects an unknown operator and an unknown group operator', () => {
    expect(() => evaluateFilter(cond('n', 'like' as never, 1), m)).toThrow(QueryError);
    expect(() =>
      evaluateFilter({ type: 'DataSearchGroup', operator: 'xor' as never, conditions: [] }, m),
    ).toThrow(QueryError);
    expect(() => evaluateFilter(cond('n', 'eq', 1, 'upper' as never), m)).toThrow(QueryError);
  });

  describe('transform len (invariant 68)', () => {
    it.each<[string, string, DataSearchCondition['operator'], unknown, boolean | null]>([
      ['string length', 's', 'eq', 5, true],
      ['string length counts code points', 'emoji', 'eq', 2, true],
      ['list length', 'list', 'eq', 4, true],
      ['list length comparison', 'list', 'gt', 3, true],
      ['map size', 'map', 'eq', 2, true],
      ['a number has no length', 'n', 'eq', 2, null],
      ['a number has no length (ne)', 'n', 'ne', 2, null],
      ['a bool has no length', 'b', 'gte', 0, null],
      ['missing is unknown', 'missing', 'eq', 0, null],
      ['null is unknown', 'nil', 'eq', 0, null],
      ['is_null still sees null', 'nil', 'is_null', true, true],
      ['exists is decided on the key', 'n', 'exists', true, true],
    ])('%s', (_label, field, op, operand, expected) => {
      expect(evaluateFilter(cond(field, op, operand, 'len'), m)).toBe(expected);
    });
  });
});

describe('field resolution', () => {
  const m = meta(
    'res:1',
    { created_by: 'data-bob', city: 'Paris', constructor: 'own', 'user.name': 'flat' },
    { created_by: 'alice', schema_version: null, rev_status: 'stable' },
  );

  it('conditions read meta attributes first (invariant 59) and shadow same-named data keys', () => {
    expect(evaluateFilter(cond('created_by', 'eq', 'alice'), m)).toBe(true);
    expect(evaluateFilter(cond('created_by', 'eq', 'data-bob'), m)).toBe(false);
    expect(evaluateFilter(cond('resource_id', 'starts_with', 'res:'), m)).toBe(true);
    expect(evaluateFilter(cond('total_revision_count', 'gte', 1), m)).toBe(true);
    expect(evaluateFilter(cond('is_deleted', 'eq', false), m)).toBe(true);
    expect(evaluateFilter(cond('current_revision_id', 'eq', 'res:1:1'), m)).toBe(true);
  });

  it('data_conditions see indexed_data only (invariant 73)', () => {
    expect(evaluateFilter(cond('created_by', 'eq', 'data-bob'), m, true)).toBe(true);
    expect(evaluateFilter(cond('resource_id', 'exists', true), m, true)).toBe(false);
    expect(matchesQuery(m, q({ data_conditions: [cond('created_by', 'eq', 'alice')] }))).toBe(false);
    expect(matchesQuery(m, q({ conditions: [cond('created_by', 'eq', 'alice')] }))).toBe(true);
    expect(matchesQuery(m, q({ conditions: [cond('city', 'eq', 'Paris')] }))).toBe(true);
  });

  it('a null meta attribute is present-and-null', () => {
    expect(evaluateFilter(cond('schema_version', 'is_null', true), m)).toBe(true);
    expect(evaluateFilter(cond('schema_version', 'exists', true), m)).toBe(true);
    expect(evaluateFilter(cond('schema_version', 'eq', 'v1'), m)).toBeNull();
  });

  it('unset rev_* mirrors are missing, set ones are present', () => {
    expect(evaluateFilter(cond('rev_status', 'eq', 'stable'), m)).toBe(true);
    expect(evaluateFilter(cond('rev_created_by', 'exists', true), m)).toBe(false);
    expect(evaluateFilter(cond('rev_created_by', 'is_null', true), m)).toBeNull();
    expect(evaluateFilter(cond('rev_created_time', 'isna', true), m)).toBe(true);
  });

  it('keys are flat and never resolve through the prototype chain', () => {
    expect(evaluateFilter(cond('user.name', 'eq', 'flat'), m)).toBe(true);
    expect(evaluateFilter(cond('constructor', 'eq', 'own'), m)).toBe(true);
    const bare = meta('res:2', {});
    expect(evaluateFilter(cond('constructor', 'exists', true), bare)).toBe(false);
    expect(evaluateFilter(cond('toString', 'exists', true), bare)).toBe(false);
    expect(evaluateFilter(cond('__proto__', 'exists', true), bare)).toBe(false);
  });

  it('a meta without indexed_data has every data key missing', () => {
    const none = meta('res:3');
    expect(evaluateFilter(cond('city', 'isna', true), none)).toBe(true);
    expect(evaluateFilter(cond('city', 'eq', 'Paris'), none)).toBeNull();
    expect(matchesQuery(none, q({ data_conditions: [cond('city', 'isna', true)] }))).toBe(false);
    expect(matchesQuery(none, q({ data_conditions: [] }))).toBe(false);
  });

  it('meta time fields compare as instants with Date or ISO operands', () => {
    const timed = meta('t:1', {}, { created_time: new Date('2023-01-01T04:00:00.000Z') });
    expect(evaluateFilter(cond('created_time', 'eq', '2023-01-01T12:00:00+08:00'), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'eq', new Date('2023-01-01T04:00:00Z')), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'gt', '2023-01-01T03:59:59.999Z'), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'lt', '2023-01-01'), timed)).toBe(false);
    expect(evaluateFilter(cond('created_time', 'in', ['2023-01-01T04:00:00Z']), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'gt', 5), timed)).toBeNull();
    expect(evaluateFilter(cond('created_time', 'starts_with', '2023-01-01T04'), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'contains', '2023-01-01'), timed)).toBe(true);
    expect(evaluateFilter(cond('created_time', 'regex', '^2023-01-01T04:00'), timed)).toBe(true);
  });

  it('enum-valued fields match by value (invariant 70)', () => {
    enum Status {
      Active = 'active',
      Closed = 'closed',
    }
    const e = meta('e:1', { status: Status.Active });
    expect(evaluateFilter(cond('status', 'eq', Status.Active), e)).toBe(true);
    expect(evaluateFilter(cond('status', 'in', [Status.Closed, Status.Active]), e)).toBe(true);
  });
});

describe('query criteria', () => {
  const live = meta('a:1', { v: 1 }, { created_by: 'alice', updated_by: 'carol' });
  const deleted = meta('a:2', { v: 2 }, { created_by: 'bob', updated_by: 'bob', is_deleted: true });

  it('is_deleted filters only when set (invariant 56)', () => {
    expect(runQuery([live, deleted], q({ is_deleted: false })).map((m) => m.resource_id)).toEqual(['a:1']);
    expect(runQuery([live, deleted], q({ is_deleted: true })).map((m) => m.resource_id)).toEqual(['a:2']);
    expect(runQuery([live, deleted], q()).map((m) => m.resource_id)).toEqual(['a:1', 'a:2']);
  });

  it('time windows are inclusive instants (invariant 57)', () => {
    const t = new Date('2025-05-05T10:00:00.000Z');
    const at = meta('w:1', {}, { created_time: t, updated_time: t });
    const later = meta('w:2', {}, { created_time: new Date(t.getTime() + 1), updated_time: new Date(t.getTime() + 1) });
    const run = (p: Partial<ResourceMetaSearchQuery>) => runQuery([at, later], q(p)).map((m) => m.resource_id);
    expect(run({ created_time_start: t, created_time_end: t })).toEqual(['w:1']);
    expect(run({ created_time_start: '2025-05-05T18:00:00+08:00' as unknown as Date })).toEqual(['w:1', 'w:2']);
    expect(run({ created_time_end: '2025-05-05T18:00:00+08:00' as unknown as Date })).toEqual(['w:1']);
    expect(run({ updated_time_start: new Date(t.getTime() + 1) })).toEqual(['w:2']);
    expect(run({ updated_time_end: new Date(t.getTime() - 1) })).toEqual([]);
  });

  it('created_bys / updated_bys are membership tests (invariant 58)', () => {
    expect(runQuery([live, deleted], q({ created_bys: ['alice'] })).map((m) => m.resource_id)).toEqual(['a:1']);
    expect(runQuery([live, deleted], q({ updated_bys: ['bob', 'carol'] })).length).toBe(2);
    expect(runQuery([live, deleted], q({ created_bys: [] }))).toEqual([]);
  });

  it('rejects an invalid time bound', () => {
    expect(() => runQuery([live], q({ created_time_start: 'yesterday' as unknown as Date }))).toThrow(QueryError);
  });

  it('all criteria are AND-ed', () => {
    const query = q({ is_deleted: false, created_bys: ['alice', 'bob'], conditions: [cond('v', 'gte', 1)] });
    expect(runQuery([live, deleted], query).map((m) => m.resource_id)).toEqual(['a:1']);
  });
});

describe('sorting, paging and counting', () => {
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
  const metas = [
    meta('s:c', { score: 2, label: 'b' }, { created_time: at(3) }),
    meta('s:a', { score: null, label: 'a' }, { created_time: at(1) }),
    meta('s:e', { score: 1, label: 'c' }, { created_time: at(5) }),
    meta('s:b', { label: 'd' }, { created_time: at(1) }),
    meta('s:d', { score: 2, label: 'e' }, { created_time: at(2) }),
  ];
  const ids = (list: ResourceMeta[]) => list.map((m) => m.resource_id);

  it('an empty query returns at most 10 results from offset 0 (invariant 55)', () => {
    const many = Array.from({ length: 25 }, (_, i) => meta(`n:${String(i).padStart(2, '0')}`, {}));
    const out = runQuery(many, q());
    expect(out).toHaveLength(10);
    expect(out[0]?.resource_id).toBe('n:00');
    expect(runQuery(many, { limit: undefined as never, offset: undefined as never })).toHaveLength(10);
  });

  it('without sorts orders by created_time then resource_id', () => {
    expect(ids(runQuery(metas, q()))).toEqual(['s:a', 's:b', 's:d', 's:c', 's:e']);
  });

  it('data sorts: nulls and missing last ascending, first descending, ties by resource_id (invariants 72, 75)', () => {
    expect(ids(runQuery(metas, q({ sorts: [{ type: 'data', field_path: 'score', direction: '+' }] })))).toEqual([
      's:e',
      's:c',
      's:d',
      's:a',
      's:b',
    ]);
    expect(ids(runQuery(metas, q({ sorts: [{ type: 'data', field_path: 'score', direction: '-' }] })))).toEqual([
      's:a',
      's:b',
      's:c',
      's:d',
      's:e',
    ]);
  });

  it('ascending then descending data sort yields reversed orders on distinct values (invariant 72)', () => {
    const asc = ids(runQuery(metas, q({ sorts: [{ type: 'data', field_path: 'label', direction: '+' }] })));
    const desc = ids(runQuery(metas, q({ sorts: [{ type: 'data', field_path: 'label', direction: '-' }] })));
    expect(asc).toEqual(['s:a', 's:c', 's:e', 's:b', 's:d']);
    expect(desc).toEqual([...asc].reverse());
  });

  it('meta sort on created_time descending is newest first; offset applies after sorting (invariant 72)', () => {
    const sorts = [{ type: 'meta' as const, key: 'created_time' as const, direction: '-' as const }];
    expect(ids(runQuery(metas, q({ sorts })))).toEqual(['s:e', 's:c', 's:d', 's:a', 's:b']);
    expect(ids(runQuery(metas, q({ sorts, offset: 1, limit: 2 })))).toEqual(['s:c', 's:d']);
    expect(ids(runQuery(metas, q({ sorts, offset: 5 })))).toEqual([]);
    expect(ids(runQuery(metas, q({ sorts, limit: 0 })))).toEqual([]);
  });

  it('sorts apply lexicographically', () => {
    const sorts = [
      { type: 'data' as const, field_path: 'score', direction: '-' as const },
      { type: 'meta' as const, key: 'created_time' as const, direction: '+' as const },
    ];
    expect(ids(runQuery(metas, q({ sorts })))).toEqual(['s:a', 's:b', 's:d', 's:c', 's:e']);
  });

  it('mixed value types in a data sort order by a fixed type rank and never throw', () => {
    const mixed = [
      meta('x:1', { v: 'text' }),
      meta('x:2', { v: 3 }),
      meta('x:3', { v: true }),
      meta('x:4', { v: [1] }),
      meta('x:5', { v: null }),
      meta('x:6', { v: { a: 1 } }),
    ];
    expect(ids(runQuery(mixed, q({ sorts: [{ type: 'data', field_path: 'v', direction: '+' }] })))).toEqual([
      'x:3',
      'x:2',
      'x:1',
      'x:4',
      'x:6',
      'x:5',
    ]);
  });

  it('a small page of a large result matches the fully sorted order', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const big = Array.from({ length: 500 }, (_, i) =>
      meta(`r:${i}`, { score: rand() < 0.1 ? null : Math.floor(rand() * 50) }),
    );
    const sorts = [{ type: 'data' as const, field_path: 'score', direction: '-' as const }];
    const full = runQuery(big, q({ sorts, limit: 500 }));
    expect(ids(runQuery(big, q({ sorts, offset: 7, limit: 13 })))).toEqual(ids(full.slice(7, 20)));
    expect(full.map((m) => m.indexed_data?.['score'] ?? null).slice(0, 3)).toEqual([null, null, null]);
  });

  it('compareBySorts rejects unknown keys and directions', () => {
    expect(() => compareBySorts([{ type: 'meta', key: 'name' as never, direction: '+' }])).toThrow(QueryError);
    expect(() => compareBySorts([{ type: 'data', field_path: 'x', direction: 'up' as never }])).toThrow(QueryError);
  });

  it('countQuery ignores limit and offset (invariant 74)', () => {
    expect(countQuery(metas, q({ limit: 1, offset: 3 }))).toBe(5);
    expect(countQuery(metas, q({ conditions: [cond('score', 'eq', 2)], limit: 1 }))).toBe(2);
  });

  it('rejects a negative or fractional limit/offset', () => {
    expect(() => runQuery(metas, q({ limit: -1 }))).toThrow(QueryError);
    expect(() => runQuery(metas, q({ offset: 1.5 }))).toThrow(QueryError);
  });
});

describe('parseInstant (as the evaluator reads instants)', () => {
  it.each<[string, string | undefined]>([
    ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T00:00:00', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2023-01-01T12:00:00+08:00', '2023-01-01T04:00:00.000Z'],
    ['2023-01-01T12:00:00.123456-0130', '2023-01-01T13:30:00.123Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
    ['2025-02-29T00:00:00Z', undefined],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2025-13-01', undefined],
    ['2025-01-01T24:00:00', undefined],
    ['yesterday', undefined],
  ])('%s', (text, expected) => {
    expect(parseInstant(text)?.toISOString()).toBe(expected);
  });
});
