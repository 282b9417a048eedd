import { QueryError } from '@specstar/interfaces';
import { projectPartial } from './partial';

const doc = {
  name: 'box',
  items: [
    { a: 0, b: 'zero' },
    { a: 1, b: 'one' },
    { a: 2, b: 'two' },
    { a: 3, b: 'three' },
  ],
  inner: { a: 'A', b: 'B', deep: { x: 1, y: 2 } },
  tags: ['t0', 't1', 't2'],
  nothing: null,
  when: new Date('2025-01-01T00:00:00Z'),
};

describe('projectPartial', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['a field', ['name'], { name: 'box' }],
    ['leading slash is optional', ['/name'], { name: 'box' }],
    ['an index then a field', ['/items/0/b'], { items: [{ b: 'zero' }] }],
    ['every element', ['/items/-/a'], { items: [{ a: 0 }, { a: 1 }, { a: 2 }, { a: 3 }] }],
    ['a slice keeps whole elements', ['/items/1:3'], { items: [doc.items[1], doc.items[2]] }],
    ['a nested field', ['inner/a'], { inner: { a: 'A' } }],
    ['a negative index', ['/tags/-1'], { tags: ['t2'] }],
    ['a slice with a step', ['/tags/::2'], { tags: ['t0', 't2'] }],
    ['a reversed slice keeps index order', ['/tags/::-1'], { tags: ['t0', 't1', 't2'] }],
    ['a negative slice', ['/tags/-2:'], { tags: ['t1', 't2'] }],
    ['an out-of-range index keeps an empty list', ['/tags/9'], { tags: [] }],
    ['a whole subtree', ['inner/deep'], { inner: { deep: { x: 1, y: 2 } } }],
    ['deep nesting', ['inner/deep/y'], { inner: { deep: { y: 2 } } }],
    ['null values are kept', ['nothing'], { nothing: null }],
    ['Dates are leaves', ['when'], { when: doc.when }],
    ['a missing field is absent', ['nope'], {}],
    ['a missing nested field leaves the object', ['inner/nope'], { inner: {} }],
    ['descending into a scalar is absent', ['name/x'], {}],
    ['a name segment on a list selects nothing', ['tags/x'], { tags: [] }],
    ['empty segments are ignored', ['//inner//a/'], { inner: { a: 'A' } }],
    ['an empty path selects everything', [''], doc],
    ['no paths select nothing', [], {}],
  ])('%s', (_label, paths, expected) => {
    expect(projectPartial(doc, paths)).toStrictEqual(expected);
  });

  it('merges several paths, keeping source key order', () => {
    expect(projectPartial(doc, ['inner/b', 'name', 'inner/a', '/items/0/a', '/items/1'])).toStrictEqual({
      name: 'box',
      items: [{ a: 0 }, { a: 1, b: 'one' }],
      inner: { a: 'A', b: 'B' },
    });
    expect(Object.keys(projectPartial(doc, ['tags', 'name']))).toEqual(['name', 'tags']);
  });

  it('merges overlapping list selectors per element', () => {
    expect(projectPartial(doc, ['/items/-/a', '/items/1/b', '/items/2:4/b'])).toStrictEqual({
      items: [{ a: 0 }, { a: 1, b: 'one' }, { a: 2, b: 'two' }, { a: 3, b: 'three' }],
    });
  });

  it('treats numeric and dash segments as keys on objects', () => {
    const value = { m: { '0': 'zero', '-': 'dash', '1:2': 'colon' } };
    expect(projectPartial(value, ['m/0', 'm/-'])).toStrictEqual({ m: { '0': 'zero', '-': 'dash' } });
  });

  it('rejects paths that are not a list of strings', () => {
    expect(() => projectPartial(doc, 'name' as never)).toThrow(QueryError);
    expect(() => projectPartial(doc, [7 as never])).toThrow(QueryError);
  });

  it('returns {} for a non-object value', () => {
    expect(projectPartial(null, ['a'])).toStrictEqual({});
    expect(projectPartial([1, 2], ['0'])).toStrictEqual({});
  });

  it.each([['/items/::0'], ['/items/a:b'], ['/items/1:2:3:4'], ['/items/1.5:2']])(
    'rejects the invalid slice in %s, naming the path',
    (path) => {
      let error: unknown;
      try {
        projectPartial(doc, [path]);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).message).toContain(path);
    },
  );
});
