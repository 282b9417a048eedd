import { QueryError, type ResourceMeta } from '@specstar/interfaces';
import { runQuery } from './evaluator';
import { normalizeQuery } from './normalize';
import { QB, isQueryBuilder, type QueryBuilder } from './qb';
import { MAX_QB_LENGTH, parseQb } from './qb-parser';

const built = (text: string, now?: Date) => parseQb(text, { now }).build();

function qbError(text: string): QueryError {
  let caught: unknown;
  try {
    parseQb(text);
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof QueryError)) throw new Error(`expected a QueryError for ${JSON.stringify(text)}, got ${String(caught)}`);
  return caught;
}

describe('qb examples', () => {
  const utc = (iso: string) => new Date(iso);
  it.each<[string, QueryBuilder]>([
    ["QB['department'] == 'Engineering'", QB.field('department').eq('Engineering')],
    [
      "QB['age'].gt(25) & QB['department'].eq('Engineering')",
      QB.field('age').gt(25).and(QB.field('department').eq('Engineering')),
    ],
    ["(QB['age'] < 26) | (QB['age'] > 33)", QB.field('age').lt(26).or(QB.field('age').gt(33))],
    ["~QB['active'].eq(True)", QB.field('active').eq(true).not()],
    [
      "(QB['age'].gt(25) & QB['department'].eq('Engineering')) | QB['name'].eq('Bob')",
      QB.field('age').gt(25).and(QB.field('department').eq('Engineering')).or(QB.field('name').eq('Bob')),
    ],
    ["QB['name'].icontains('ali')", QB.field('name').regex('(?i)ali')],
    ["QB['name'] << ['Alice', 'Bob']", QB.field('name').in(['Alice', 'Bob'])],
    ["QB['tags'] >> 'urgent'", QB.field('tags').contains('urgent')],
    ["QB['age'].between(18, 65)", QB.field('age').between(18, 65)],
    ["QB.resource_id().starts_with('user:')", QB.resourceId().startsWith('user:')],
    [
      'QB.created_time() >= dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)',
      QB.createdTime().gte(utc('2025-01-01T00:00:00Z')),
    ],
    ["QB['tags'].length() > 3", QB.field('tags').length().gt(3)],
    ["QB.all(QB['age'] > 20, QB['active'].is_true())", QB.all(QB.field('age').gt(20), QB.field('active').isTrue())],
    ["QB['department'].eq('Engineering').sort('-age').limit(5)", QB.field('department').eq('Engineering').sort('-age').limit(5)],
    [
      "((QB['a'] == 1) & (QB['b'] == 2)).sort(QB.created_time().desc(), '+name')",
      QB.field('a').eq(1).and(QB.field('b').eq(2)).sort('-created_time', '+name'),
    ],
    ["QB['status'].eq('active').page(2, 20)", QB.field('status').eq('active').page(2, 20)],
    ["QB['email'].like('%@gmail.com')", QB.field('email').endsWith('@gmail.com')],
  ])('%s', (text, expected) => {
    expect(built(text)).toStrictEqual(expected.build());
  });

  it("QB.updated_time().last_n_days(7, 8) is the last 7 days in UTC+8", () => {
    const now = new Date('2025-01-15T20:30:00Z');
    expect(built('QB.updated_time().last_n_days(7, 8)', now)).toStrictEqual(QB.updatedTime().lastNDays(7, 8, now).build());
    expect(built('QB.updated_time().last_n_days(7, 8)', now).conditions).toStrictEqual([
      { type: 'DataSearchCondition', field_path: 'updated_time', operator: 'gte', value: new Date('2025-01-09T16:00:00.000Z'), transform: null },
    ]);
  });

  it('the icontains example is exactly regex (?i)ali on the wire', () => {
    expect(JSON.stringify(built("QB['name'].icontains('ali')").conditions)).toBe(
      '[{"type":"DataSearchCondition","field_path":"name","operator":"regex","value":"(?i)ali","transform":null}]',
    );
  });
});

describe('qb language features', () => {
  it.each<[string, QueryBuilder]>([
    // reflected and chained comparisons (a chain is the AND of its pairs)
    ["18 < QB['age']", QB.field('age').gt(18)],
    ["18 <= QB['age']", QB.field('age').gte(18)],
    ["65 > QB['age']", QB.field('age').lt(65)],
    ["'x' == QB['a']", QB.field('a').eq('x')],
    ["1 != QB['a']", QB.field('a').ne(1)],
    ["18 < QB['age'] < 65", QB.all(QB.field('age').gt(18), QB.field('age').lt(65))],
    ["0 <= QB['a'] <= 5 != QB['b']", QB.all(QB.field('a').gte(0), QB.field('a').lte(5), QB.field('b').ne(5))],
    // operator sugar
    ["QB['name'] % '^A'", QB.field('name').regex('^A')],
    ["QB['name'] << ('Alice', 'Bob')", QB.field('name').in(['Alice', 'Bob'])],
    ["~QB['active']", QB.field('active').isFalsy()],
    ["~~QB['active']", QB.field('active').not().not()],
    ["QB['a'] & QB['b']", QB.field('a').and(QB.field('b'))],
    ["QB['a'] | QB['b'] & QB['c']", QB.field('a').or(QB.field('b').and(QB.field('c')))],
    // method names
    ["QB['a'].in_([1, 2])", QB.field('a').in([1, 2])],
    ["QB['a'].one_of([1, 2])", QB.field('a').in([1, 2])],
    ["QB['a'].not_in([1])", QB.field('a').notIn([1])],
    ["QB['a'].is_null()", QB.field('a').isNull()],
    ["QB['a'].is_null(False)", QB.field('a').isNull(false)],
    ["QB['a'].exists(value=False)", QB.field('a').exists(false)],
    ["QB['a'].isna()", QB.field('a').isna()],
    ["QB['a'].is_not_null()", QB.field('a').isNotNull()],
    ["QB['a'].has_value()", QB.field('a').isNotNull()],
    ["QB['a'].not_contains('x')", QB.field('a').notContains('x')],
    ["QB['a'].not_starts_with('x')", QB.field('a').notStartsWith('x')],
    ["QB['a'].not_ends_with('x')", QB.field('a').notEndsWith('x')],
    ["QB['a'].istarts_with('x')", QB.field('a').istartsWith('x')],
    ["QB['a'].iends_with('x.y')", QB.field('a').iendsWith('x.y')],
    ["QB['a'].match('^x')", QB.field('a').regex('^x')],
    ["QB['a'].in_range(1, 2)", QB.field('a').between(1, 2)],
    ["QB['a'].is_false()", QB.field('a').isFalse()],
    ["QB['a'].is_truthy()", QB.field('a').isTruthy()],
    ["QB['a'].is_falsy()", QB.field('a').isFalsy()],
    ["QB['a'].is_empty()", QB.field('a').isEmpty()],
    ["QB['a'].is_blank()", QB.field('a').isBlank()],
    ["QB['a'].like('A_c')", QB.field('a').regex('^A.c$')],
    ["QB['a'].length().between(1, 3)", QB.field('a').length().between(1, 3)],
    ["QB['a'].eq(1).and_(QB['b'].eq(2))", QB.field('a').eq(1).and(QB.field('b').eq(2))],
    ["QB['a'].eq(1).or_(QB['b'])", QB.field('a').eq(1).or(QB.field('b'))],
    ["QB['a'].eq(1).filter(QB['b'].eq(2), QB['c'])", QB.field('a').eq(1).filter(QB.field('b').eq(2), QB.field('c'))],
    ["QB['a'].eq(1).exclude(QB['b'].eq(2))", QB.field('a').eq(1).exclude(QB.field('b').eq(2))],
    ["QB.any(QB['a'] == 1, QB['b'] == 2)", QB.any(QB.field('a').eq(1), QB.field('b').eq(2))],
    ['QB.all()', QB.all()],
    ["QB['a'].eq(1).order_by('name').offset(3).first()", QB.field('a').eq(1).sort('name').offset(3).first()],
    ["QB['a'].eq(1).page(3, size=5)", QB.field('a').eq(1).page(3, 5)],
    ["QB['a'].eq(1).sort(QB['b'].asc(), QB.updated_time().desc())", QB.field('a').eq(1).sort('+b', '-updated_time')],
    ['QB.is_deleted() == False', QB.isDeleted().eq(false)],
    ["QB.created_by() << ['alice']", QB.createdBy().in(['alice'])],
    ['QB.current_revision_id() == "r:1"', QB.currentRevisionId().eq('r:1')],
    ["QB.rev_status() == 'draft'", QB.revStatus().eq('draft')],
    ["QB['current_revision_id'] == 'r:1'", QB.currentRevisionId().eq('r:1')],
    ["QB['a.b'] == None", QB.field('a.b').eq(null)],
    // literals and arithmetic on literals
    ["QB['age'] > 20 + 5", QB.field('age').gt(25)],
    ["QB['name'] == 'Al' + 'ice'", QB.field('name').eq('Alice')],
    ["QB['x'] == 60 / 2", QB.field('x').eq(30)],
    ["QB['x'] == 7 / 2", QB.field('x').eq(3.5)],
    ["QB['x'] == -(-30)", QB.field('x').eq(30)],
    ["QB['x'] == (not False)", QB.field('x').eq(true)],
    ["QB['x'] == (not not 0)", QB.field('x').eq(false)],
    ["QB['x'] == 2 * 3 - 1", QB.field('x').eq(5)],
    ["QB['x'] == -7 % 3", QB.field('x').eq(2)],
    ["QB['x'] == 1 << 4", QB.field('x').eq(16)],
    ["QB['x'] == (6 & 3) | 8", QB.field('x').eq(10)],
    ["QB['x'] == ~5", QB.field('x').eq(-6)],
    ["QB['x'] == 'ab' * 2", QB.field('x').eq('abab')],
    ["QB['x'] == [1] + [2]", QB.field('x').eq([1, 2])],
    ["QB['x'] == 1.5e3", QB.field('x').eq(1500)],
    ["QB['x'] == 0x1F", QB.field('x').eq(31)],
    ["QB['x'] == 1_000", QB.field('x').eq(1000)],
    ["QB['x'] == True + 1", QB.field('x').eq(2)],
    ["QB['x'] == (1 < 2)", QB.field('x').eq(true)],
    // strings
    ["QB['x'] == \"dq\"", QB.field('x').eq('dq')],
    ["QB['x'] % r'\\d+'", QB.field('x').regex('\\d+')],
    ["QB['x'] == 'a\\'b\\n'", QB.field('x').eq("a'b\n")],
    ["QB['x'] == '\\x41\\u00e9'", QB.field('x').eq('Aé')],
    ["QB['x'] % '\\d'", QB.field('x').regex('\\d')],
    ["QB['x'] == 'a' 'b'", QB.field('x').eq('ab')],
    ["QB['x'] == '''tri'ple'''", QB.field('x').eq("tri'ple")],
    ['QB["x"] == """a\nb"""', QB.field('x').eq('a\nb')],
    ["QB['x'] == u'unicode'", QB.field('x').eq('unicode')],
    // whitespace, comments, newlines inside brackets
    ["  QB [ 'a' ] . eq ( 1 )  ", QB.field('a').eq(1)],
    ["QB['a'] == 1  # trailing comment", QB.field('a').eq(1)],
    ["(QB['a']\n  .eq(1)\n) & QB['b']", QB.field('a').eq(1).and(QB.field('b'))],
    ["QB['a'].eq(1,)", QB.field('a').eq(1)],
  ])('%s', (text, expected) => {
    expect(built(text)).toStrictEqual(expected.build());
  });

  it.each<[string, unknown]>([
    ['dt.datetime(2025, 1, 1)', new Date('2025-01-01T00:00:00.000Z')],
    ['datetime.datetime(2025, 1, 1, 12, 30, 5, 123456)', new Date('2025-01-01T12:30:05.123Z')],
    ['dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)', new Date('2025-01-01T00:00:00.000Z')],
    ['dt.datetime(2025, 1, 1) + dt.timedelta(days=7)', new Date('2025-01-08T00:00:00.000Z')],
    ['dt.datetime(2025, 3, 1) - dt.timedelta(hours=1)', new Date('2025-02-28T23:00:00.000Z')],
    ['dt.datetime(2025, 1, 1) + dt.timedelta(1, 30) * 2', new Date('2025-01-03T00:01:00.000Z')],
    ['dt.datetime(2000, 1, 1).year', 2000],
    ['dt.datetime(2000, 2, 3, 4, 5, 6, 7).microsecond', 7],
    ['dt.timedelta(days=1, hours=1).seconds', 3600],
    ['(dt.datetime(2025, 1, 2) - dt.datetime(2025, 1, 1)).days', 1],
    ['dt.date(2025, 1, 2)', '2025-01-02'],
    ['dt.date(2025, 1, 31) + dt.timedelta(days=1)', '2025-02-01'],
    ['dt.time(8, 30)', '08:30:00'],
  ])('datetime literal %s', (literal, expected) => {
    expect(built(`QB['t'] == ${literal}`).conditions?.[0]).toMatchObject({ operator: 'eq', value: expected });
  });

  it('time helpers accept tz and week_start keywords and use the given now', () => {
    const now = new Date('2025-01-15T20:30:00Z');
    expect(built("QB['d'].today(tz='+8')", now)).toStrictEqual(QB.field('d').today('+8', now).build());
    expect(built("QB['d'].today(tz=dt.timezone.utc)", now)).toStrictEqual(QB.field('d').today(0, now).build());
    expect(built('QB.created_time().this_week(week_start=6, tz=0)', now)).toStrictEqual(
      QB.createdTime().thisWeek(0, 6, now).build(),
    );
    expect(built('QB.created_time().yesterday(-4)', now)).toStrictEqual(QB.createdTime().yesterday(-4, now).build());
    expect(built("QB.created_time().this_month('+8')", now)).toStrictEqual(QB.createdTime().thisMonth('+8', now).build());
    expect(built('QB.created_time().this_year(tz=8)', now)).toStrictEqual(QB.createdTime().thisYear(8, now).build());
  });

  it('a parsed query runs through normalize and the evaluator', () => {
    const metas: ResourceMeta[] = [20, 40, 70].map((age, i) => ({
      current_revision_id: `p:${i}:1`,
      resource_id: `p:${i}`,
      schema_version: null,
      total_revision_count: 1,
      created_time: new Date(Date.UTC(2025, 0, 1 + i)),
      updated_time: new Date(Date.UTC(2025, 0, 1 + i)),
      created_by: 'u',
      updated_by: 'u',
      is_deleted: false,
      indexed_data: { age },
    }));
    const query = normalizeQuery(parseQb("18 < QB['age'] < 65").sort('-age'));
    expect(runQuery(metas, query).map((m) => m.indexed_data?.['age'])).toEqual([40, 20]);
  });
});

describe('qb rejections', () => {
  it.each<[string, string, number]>([
    ["QB['a'] ^ 1", 'Binary operator not supported: ^', 8],
    ["QB['a'] ** 2", 'Binary operator not supported: **', 8],
    ["QB['a'] // 2", 'Binary operator not supported: //', 8],
    ["QB['a'] @ 2", 'Binary operator not supported: @', 8],
    ["QB['a'] is None", 'Comparison operator not supported: is', 8],
    ["QB['a'] is not None", 'Comparison operator not supported: is not', 8],
    ["QB['a'] in [1]", 'Comparison operator not supported: in', 8],
    ["QB['a'] not in [1]", 'Comparison operator not supported: not in', 8],
    ["QB['a'] and QB['b']", 'AST node type not supported: BoolOp', 8],
    ["QB['a'] or QB['b']", 'AST node type not supported: BoolOp', 8],
    ["lambda x: QB['a']", 'AST node type not supported: Lambda', 0],
    ["[x for x in QB]", 'AST node type not supported: ListComp', 0],
    ["{x for x in QB}", 'AST node type not supported: SetComp', 0],
    ["{x: 1 for x in QB}", 'AST node type not supported: DictComp', 0],
    ["QB.all(x for x in QB)", 'AST node type not supported: GeneratorExp', 7],
    ["QB['a'] if True else QB['b']", 'AST node type not supported: IfExp', 8],
    ["QB[f'a']", 'AST node type not supported: JoinedStr', 3],
    ["QB['a'] == {'k': 1}", 'AST node type not supported: Dict', 11],
    ["QB['a'] == {1, 2}", 'AST node type not supported: Set', 11],
    ["QB['a'] == (x := 1)", 'AST node type not supported: NamedExpr', 12],
    ["QB['a'] == b'x'", 'AST node type not supported: Bytes', 11],
    ["QB['a'] == QB['b'][0:1]", 'AST node type not supported: Slice', 19],
    ["QB.all(*[QB['a']])", 'AST node type not supported: Starred', 7],
    ['foo', 'Undefined variable: foo', 0],
    ["QB['a'] == os", 'Undefined variable: os', 11],
    ['QB.revision_id()', 'QB attribute not allowed: revision_id', 3],
    ['QB.schema_version()', 'QB attribute not allowed: schema_version', 3],
    ['QB.total_revision_count()', 'QB attribute not allowed: total_revision_count', 3],
    ['QB.__class__', 'QB attribute not allowed: __class__', 3],
    ["QB['a'].foo(1)", 'Method not allowed: foo', 8],
    ["QB['a'].build()", 'Method not allowed: build', 8],
    ["QB['a'].name", 'Attribute not found: name', 8],
    ["QB['a'].eq(1).eq(2)", 'Attribute not found: eq', 14],
    ["QB['a'].__class__", 'Attribute not found: __class__', 8],
    ["QB['a'] == 'x'.upper()", 'Method not allowed: upper', 15],
    ['QB[1]', 'QB subscript key must be a string', 2],
    ["QB['a']['b']", 'Subscript access not allowed in QB expressions', 7],
    ["dt['x']", 'Subscript access not allowed in QB expressions', 2],
    ["QB['t'] > dt.datetime.now()", 'Method not allowed: now', 22],
    ["QB['t'] > dt.datetime.fromisoformat('2020-01-01')", 'Method not allowed: fromisoformat', 22],
    ["QB['t'].today(dt.timezone(dt.timedelta(hours=8)))", 'Method not allowed: timezone', 17],
    ["QB['t'] > dt.MAXYEAR", 'Attribute not found: MAXYEAR', 13],
  ])('%s', (text, reason, offset) => {
    const err = qbError(text);
    expect(err.message).toBe(`Invalid QB expression: ${reason}`);
    expect(err.position?.offset).toBe(offset);
  });

  it.each([
    ["QB['a'] ==", 10],
    ["QB['a'", 6],
    ["QB['a'] == 1)", 12],
    ['QB..a', 3],
    ["QB['a'] = 1", 8],
    ["QB['a'] == 01", 13],
    ["QB['a'] == 'unterminated", 24],
    ["QB['a'] == '\\x4'", 11],
    ["QB['a'] == 1 QB['b']", 13],
    ['', 0],
    ['   ', 0],
  ])('syntax error in %j', (text, offset) => {
    const err = qbError(text);
    expect(err.message.startsWith('Invalid QB expression: Syntax error in QB expression: ')).toBe(true);
    expect(err.position?.offset).toBe(offset);
  });

  it('reports line and column of multi-line input', () => {
    const err = qbError("(QB['a'] == 1)\n  & (QB['b'] ^ 2)");
    expect(err.message).toBe('Invalid QB expression: Binary operator not supported: ^');
    expect(err.position).toEqual({ offset: 28, line: 2, column: 14 });
  });

  it('precedence pitfall: QB["a"] == 1 & QB["b"] == 2 is rejected', () => {
    const err = qbError("QB['a'] == 1 & QB['b'] == 2");
    expect(err.message).toBe(
      "Invalid QB expression: Failed to parse QB expression: unsupported operand type(s) for &: 'int' and 'Field'",
    );
    expect(err.position?.offset).toBe(13);
    expect(built("(QB['a'] == 1) & (QB['b'] == 2)")).toStrictEqual(QB.field('a').eq(1).and(QB.field('b').eq(2)).build());
  });

  it.each<[string, string]>([
    ['1', "got 'int'"],
    ["'QB'", "got 'str'"],
    ['dt.datetime(2020, 1, 1)', "got 'datetime'"],
    ["QB['a'].asc()", "got 'ResourceDataSearchSort'"],
    ['QB', "got 'QueryBuilderMeta'"],
    ["QB['a'].eq", "got 'method'"],
    ['1 < 2', "got 'bool'"],
  ])('the result must be a query: %s', (text, detail) => {
    const err = qbError(text);
    expect(err.message.startsWith('Invalid QB expression: Failed to parse QB expression: ')).toBe(true);
    expect(err.message).toContain(detail);
  });

  it.each<[string, string]>([
    ['QB.any()', 'QB.any()'],
    ["QB['a'].page(0)", 'page'],
    ["QB['a'].limit(-1)", 'limit'],
    ["QB['a'].limit(1.5)", 'limit'],
    ["QB.all().__invert__()", 'Method not allowed: __invert__'],
    ['~QB.all()', 'empty condition'],
    ["QB['a'].today('UTC')", 'timezone'],
    ["QB['a'].today(8.5)", 'timezone'],
    ["QB['a'].this_week(week_start=9)", 'week_start'],
    ["QB['a'].eq()", "missing required argument: 'value'"],
    ["QB['a'].eq(1, 2)", 'positional'],
    ["QB['a'].eq(val=1)", "unexpected keyword argument 'val'"],
    ["QB['a'].eq(1, value=2)", "multiple values for argument 'value'"],
    ["QB['a'].between(1)", "missing required argument: 'max_val'"],
    ["QB['a'].eq(value=1, value=2)", 'keyword argument repeated'],
    ["QB['a'].sort(1)", 'sort()'],
    ["QB['a'].and_(1)", 'and_()'],
    ["QB.all(1)", 'all()'],
    ["QB['a'] == QB['b']", 'literal'],
    ["(QB['a'] == 1) == 2", 'parentheses'],
    ["QB['a'] + 1", "unsupported operand type(s) for +: 'Field' and 'int'"],
    ["-QB['a']", "bad operand type for unary -: 'Field'"],
    ["not QB['a']", "'not'"],
    ["QB['a'] == 1 / 0", 'division by zero'],
    ["QB['a'] == 1 % 0", 'modulo by zero'],
    ["QB['a'] == 'a' - 'b'", "unsupported operand type(s) for -: 'str' and 'str'"],
    ["QB['a'] == 'x' * 1000000", 'too large'],
    ["QB['a'] == '%s' % 1", 'formatting'],
    ["QB['a'] == 1 << 60", 'range'],
    ["QB['a'] == 9007199254740993", 'range'],
    ["QB['a'] == (1 < 'a')", "'<' not supported between instances of 'int' and 'str'"],
    ["QB['a'] == dt.timedelta(days=1)", "'timedelta' cannot be used as a query value"],
    ["QB['a'] == dt.datetime(2025, 13, 1)", 'month must be in 1..12'],
    ["QB['a'] == dt.datetime(2025, 2, 30)", 'day is out of range for month'],
    ["QB['a'] == dt.datetime(2025, 1, 1, tzinfo=8)", 'tzinfo'],
    ["QB['a'] == dt.datetime(2025.5, 1, 1)", 'integer'],
    ["QB['a'] == dt.datetime(2025, 1, 1) - dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)", 'offset-naive'],
    ["QB['a'] == dt.datetime(9999, 12, 31) + dt.timedelta(days=1)", 'out of range'],
    ['1()', "'int' object is not callable"],
    ["QB['a']()", "'Field' object is not callable"],
  ])('evaluation failure %s', (text, detail) => {
    const err = qbError(text);
    expect(err.message.startsWith('Invalid QB expression: ')).toBe(true);
    expect(err.message).toContain(detail);
    expect(err.position).toBeDefined();
  });
});

describe('qb limits and robustness', () => {
  it('limits the input length', () => {
    const long = `QB['a'] == '${'x'.repeat(MAX_QB_LENGTH)}'`;
    expect(qbError(long).message).toContain('limit');
    expect(parseQb(`QB['a'] == '${'x'.repeat(MAX_QB_LENGTH - 20)}'`)).toBeDefined();
  });

  it('limits bracket nesting depth, pointing at the offending bracket', () => {
    const ok = `${'('.repeat(63)}QB['a']${')'.repeat(63)}`; // + the [ of QB['a'] = 64
    expect(built(ok)).toStrictEqual(QB.field('a').build());
    const deep = `${'('.repeat(65)}QB['a']${')'.repeat(65)}`;
    const err = qbError(deep);
    expect(err.message).toContain('nested');
    expect(err.position?.offset).toBe(64);
    expect(qbError('['.repeat(5000)).message).toContain('nested');
    // Brackets inside strings do not count.
    expect(built(`QB['${'('.repeat(100)}'] == 1`)).toStrictEqual(QB.field('('.repeat(100)).eq(1).build());
  });

  it('survives long operator runs without overflowing the stack', () => {
    expect(qbError(`QB['a'] == ${'2 ** '.repeat(2000)}2`).message).toContain('Invalid QB expression');
    expect(qbError(`${'not '.repeat(2000)}QB['a']`).message).toContain("'not'");
    expect(qbError(`${'- '.repeat(3000)}1`).message).toContain("got 'int'");
    expect(qbError(`${'lambda: '.repeat(1200)}1`).message).toContain('Invalid QB expression');
    expect(qbError(`${"QB['a'] if 1 else ".repeat(500)}1`).message).toContain('IfExp');
  });

  it('builds and evaluates a long & chain', () => {
    const text = Array.from({ length: 600 }, (_, i) => `QB['a'].ne(${i + 1})`).join('&');
    const query = normalizeQuery(parseQb(text));
    const meta: ResourceMeta = {
      current_revision_id: 'x:1',
      resource_id: 'x',
      schema_version: null,
      total_revision_count: 1,
      created_time: new Date(0),
      updated_time: new Date(0),
      created_by: 'u',
      updated_by: 'u',
      is_deleted: false,
      indexed_data: { a: 0 },
    };
    expect(runQuery([meta], query)).toHaveLength(1);
  });

  it.each([
    "QB%5B'age'%5D%20%3E%2018",
    "QB['age']+>+18",
    "QB['a']+==+1+%26+QB['b']",
    'qb=QB%5B%22a%22%5D',
    "QB['name']%20==%20'Alice'",
    "http://example.com/user?qb=QB['a']==1",
    "QB['a'] == 1&limit=5",
    "QB['a']%3D%3D1",
  ])('URL-ish input %j is a QueryError', (text) => {
    expect(qbError(text).message.startsWith('Invalid QB expression: ')).toBe(true);
  });

  it('fuzz: random strings give a builder or a QueryError, nothing else', () => {
    let seed = 0x5eed;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const tokens = [
      'QB', "QB['a']", 'QB["b"]', '.', '(', ')', '[', ']', '{', '}', ',', ':', '==', '!=', '<', '<=', '>', '>=',
      '&', '|', '~', '^', '<<', '>>', '+', '-', '*', '/', '//', '%', '**', '@', 'not', 'and', 'or', 'in', 'is',
      'if', 'else', 'lambda', 'for', 'True', 'False', 'None', '1', '2.5', '0x1f', "'s'", '"t"', "r'\\d'", "f'x'",
      "b'y'", 'eq', 'gt', 'between', 'sort', 'limit', 'page', 'today', 'dt', 'datetime', 'timedelta', 'now',
      'all', 'any', 'resource_id', 'created_time', '=', ':=', '#', '\\', '\n', ' ', '"', "'", '"""', '\u00e9',
      '\u{1F600}', '\0',
    ];
    const seeds = [
      "QB['age'].gt(25) & QB['department'].eq('Engineering')",
      "18 < QB['age'] < 65",
      "QB.created_time() >= dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)",
      "((QB['a'] == 1) & (QB['b'] == 2)).sort(QB.created_time().desc(), '+name')",
      "QB['status'].eq('active').page(2, 20)",
    ];
    let builders = 0;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      let text: string;
      if (i % 2 === 0) {
        const n = 1 + Math.floor(random() * 12);
        text = Array.from({ length: n }, () => pick(tokens)).join(random() < 0.5 ? ' ' : '');
      } else {
        const chars = Array.from(pick(seeds));
        const edits = 1 + Math.floor(random() * 3);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(random() * (chars.length + 1));
          const kind = random();
          if (kind < 0.4) chars.splice(at, 1);
          else if (kind < 0.8) chars.splice(at, 0, pick(tokens));
          else chars.splice(at, 1, pick(tokens));
        }
        text = chars.join('');
      }
      try {
        const result = parseQb(text);
        expect(isQueryBuilder(result)).toBe(true);
        result.build();
        builders++;
      } catch (err) {
        if (!(err instanceof QueryError)) throw new Error(`${JSON.stringify(text)} threw ${String(err)}`);
        expect(err.message.startsWith('Invalid QB expression: ')).toBe(true);
        errors++;
      }
    }
    expect(builders + errors).toBe(3000);
    expect(builders).toBeGreaterThan(0);
  });
});
