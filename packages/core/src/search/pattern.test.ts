import { RE2JS } from 're2js';
import { QueryError } from '@specstar/interfaces';
import { SpecStar } from '../registry';
import { catchError, rejection } from '../../test/catch-error';
import { compilePattern } from './pattern';
import { QB } from './qb';

const matches = (pattern: string, text: string): boolean => compilePattern(pattern).test(text);

describe('search patterns run on a linear-time engine', () => {
  // Each of these runs for hours (or 2^n steps) on a backtracking engine; here it answers at once.
  it.each([
    ['^(a+)+$', `${'a'.repeat(40)}!`, false],
    ['^(a+)+$', 'a'.repeat(40), true],
    ['(a|aa)+$', `${'a'.repeat(5000)}!`, false],
    ['(a|a?)+$', `${'a'.repeat(5000)}!`, true], // the empty match at the end
    ['(\\w+\\s?)*$', `${'word '.repeat(2000)}!`, true],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', `${'a'.repeat(5000)}!`, false],
    ['^guild:[0-9a-f-]{10}([0-9a-f-]+)+!', `guild:${'0123456789abcdef-'.repeat(300)}`, false],
  ])('%s answers at once on a text made to make it backtrack', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it('a hostile pattern over 10k resources through the headless API answers with the right count', async () => {
    const rm = new SpecStar().addModel(
      { title: 'Guild', type: 'object', properties: { name: { type: 'string' } } },
      { indexedFields: ['name'] },
    );
    for (let i = 0; i < 10_000; i++) await rm.create({ name: i % 1000 === 0 ? 'a'.repeat(30) : `${'a'.repeat(29)}!` }, { user: 'tester' });
    expect(await rm.count(QB.field('name').regex('^(a+)+$'))).toBe(10);
    expect(await rm.count(QB.resourceId().regex('^guild:[0-9a-f-]{10}([0-9a-f-]+)+!'))).toBe(0);
  });
});

describe('constructs the engine cannot run are refused, naming them', () => {
  it.each([
    ['(a)\\1', 'a backreference (\\1)'],
    ['(a)(b)\\9', 'a backreference (\\9)'],
    ['(?P<x>a)(?P=x)', 'a named backreference (?P=…)'],
    ['a(?=b)', 'a lookahead (?=…)'],
    ['a(?!b)', 'a negative lookahead (?!…)'],
    ['(?<=a)b', 'a lookbehind (?<=…)'],
    ['(?<!a)b', 'a negative lookbehind (?<!…)'],
    ['(?>a+)b', 'an atomic group (?>…)'],
    ['(a)?(?(1)b|c)', 'a conditional group (?(…)'],
    ['a++', 'a possessive quantifier (++)'],
    ['a*+', 'a possessive quantifier (*+)'],
    ['a{2,3}+', 'a possessive quantifier ({2,3}+)'],
  ])('%s', (pattern, construct) => {
    const error = catchError(() => compilePattern(pattern, 'name'));
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toBe(
      `Regex pattern on field 'name' uses ${construct}, which search patterns do not support ` +
        `(they run on a linear-time engine with RE2 syntax): ${pattern}`,
    );
  });

  it('the headless API rejects such a query with a QueryError before touching the store', async () => {
    const rm = new SpecStar().addModel({ title: 'Guild', type: 'object', properties: { name: { type: 'string' } } }, { indexedFields: ['name'] });
    const error = await rejection(rm.searchResources(QB.field('name').regex('(a)\\1')));
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toMatch(/uses a backreference \(\\1\)/);
  });

  it('escapes that only look like constructs stay what Python makes of them', () => {
    expect(matches('\\(\\?=a\\)', '(?=a)')).toBe(true);
    expect(matches('[(?=]+x', '(?=x')).toBe(true);
    expect(matches('\\101', 'A')).toBe(true); // three octal digits: an octal escape, not group 10
    expect(matches('a\\++', 'a++')).toBe(true);
    expect(matches('^\\é\\😀$', 'é😀')).toBe(true);
  });

  it('malformed patterns are a QueryError naming the pattern and the reason', () => {
    expect((catchError(() => compilePattern('(unclosed', 'f')) as Error).message).toBe(
      "Invalid regex pattern on field 'f': (unclosed (missing closing ): `(unclosed`)",
    );
    expect((catchError(() => compilePattern('\\u12')) as Error).message).toBe('Invalid regex pattern: \\u12 (incomplete escape \\u12)');
    expect(catchError(() => compilePattern('a{1001}'))).toBeInstanceOf(QueryError);
    expect((catchError(() => compilePattern('(?x)a b')) as Error).message).toMatch(/unsupported inline flag 'x'/);
  });
});

describe('Python syntax on RE2', () => {
  it('leading inline flags become engine flags; (?u) and (?a) are accepted', () => {
    expect(matches('(?i)ALICE', 'alice')).toBe(true);
    expect(matches('(?s)a.b', 'a\nb')).toBe(true);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('(?m)^b', 'a\nb')).toBe(true);
    expect(matches('(?u)(?a)x', 'x')).toBe(true);
  });

  it('\\Z is the end of the text, \\A its start', () => {
    expect(matches('a\\Z', 'ba')).toBe(true);
    expect(matches('a\\Z', 'a\n')).toBe(false);
    expect(matches('\\Ab', 'ab')).toBe(false);
  });

  it('\\u and \\U escapes name code points', () => {
    expect(matches('caf\\u00e9', 'café')).toBe(true);
    expect(matches('^\\U0001F600$', '😀')).toBe(true);
    expect(matches('[\\u00e0-\\u00ff]', 'é')).toBe(true);
  });

  it('\\s is Unicode whitespace as in Python (vertical tab, no-break space, ideographic space)', () => {
    for (const space of ['\v', '\u00a0', '\u3000', '\u2028', '\x1c']) {
      expect(matches('^\\s$', space)).toBe(true);
      expect(matches('^[\\s]$', space)).toBe(true);
      expect(matches('^\\S$', space)).toBe(false);
    }
    expect(matches('^\\s*$', 'x')).toBe(false);
    expect(matches('^\\S+$', 'é😀')).toBe(true);
  });

  it('{,n} is {0,n}; a brace that is no repetition is literal', () => {
    expect(matches('^a{,2}$', '')).toBe(true);
    expect(matches('^a{,2}$', 'aa')).toBe(true);
    expect(matches('^a{,2}$', 'aaa')).toBe(false);
    expect(matches('^x{}$', 'x{}')).toBe(true);
    expect(matches('^{a}$', '{a}')).toBe(true);
  });

  it('comment groups are dropped, named groups kept', () => {
    expect(matches('^a(?#the a)b$', 'ab')).toBe(true);
    expect(matches('^(?P<word>\\w+)$', 'abc')).toBe(true);
  });

  it('classes: a leading ] is a member, POSIX classes and \\s inside a set', () => {
    expect(matches('^[]a]+$', ']a]')).toBe(true);
    expect(matches('^[^]a]$', 'b')).toBe(true);
    expect(matches('^[[:digit:]\\s]+$', '1 2\u00a03')).toBe(true);
  });

  it('text is matched by code point: . is one astral character; lone surrogates are text', () => {
    expect(matches('^.$', '😀')).toBe(true);
    expect(matches('^a.b$', 'a\rb')).toBe(true); // only \n is special to ., as in Python
    expect(matches('^.$', '\ud800')).toBe(true);
    expect(matches('(?i)straße', 'STRAßE')).toBe(true);
  });
});

describe('literal shapes answer as the engine does', () => {
  // prefix / suffix / substring / whole text, as QB's startsWith-like helpers, icontains, istartsWith, iendsWith and like emit them
  const patterns = [
    'ab', '^ab', 'ab$', '^ab$', '^$', '', '^', '$', 'a\\.b', '^a\\ b\\-c$', '\\$1$', '\\\\$', '(?i)ab', '(?i)^AB', '(?i)ab$',
    '(?i)^ab$', '(?i)k', '(?i)s', '(?s)^ab', '(?m)^ab', '(?m)ab$', '(?m)ab', 'é', '(?i)É', '😀', '(?i)a\\.b',
  ];
  const texts = ['ab', 'AB', 'xaby', 'ab\n', '\nab', 'a.b', 'a b-c', 'x$1', '\\', '', 'K', 'ſ', 'é', 'É', 'x😀y', '\ud83d', 'aB\u212a'];
  it.each(patterns)('%s', (pattern) => {
    const flagsMatch = /^\(\?([ims]+)\)/.exec(pattern);
    const flags = Array.from(flagsMatch?.[1] ?? '').reduce(
      (bits, f) => bits | (f === 'i' ? RE2JS.CASE_INSENSITIVE : f === 'm' ? RE2JS.MULTILINE : RE2JS.DOTALL),
      0,
    );
    const engine = RE2JS.compile(pattern.slice(flagsMatch?.[0].length ?? 0), flags);
    const compiled = compilePattern(pattern);
    for (const text of texts) expect([text, compiled.test(text)]).toEqual([text, engine.test(text)]);
  });
});
