import { ConfigurationError, type IndexableField } from '@specstar/interfaces';
import { extractIndexedData, normaliseIndexedFields, type IndexedFieldInput } from './indexing';
import { compileModel } from './model';
import { catchError } from '../../test/catch-error';


describe('normaliseIndexedFields', () => {
  it('accepts paths, IndexableField objects and [path, type] pairs', () => {
    expect(normaliseIndexedFields(['name', { field_path: 'age', field_type: 'integer' }, ['stats.level', 'integer'], { field_path: 'kind' }])).toEqual([
      { field_path: 'name' },
      { field_path: 'age', field_type: 'integer' },
      { field_path: 'stats.level', field_type: 'integer' },
      { field_path: 'kind' },
    ]);
  });

  it('drops a path already listed; the first one wins', () => {
    expect(normaliseIndexedFields([['name', 'string'], 'name', { field_path: 'name', field_type: 'other' }])).toEqual([
      { field_path: 'name', field_type: 'string' },
    ]);
  });

  it.each<[string, unknown]>([
    ['a number', 3],
    ['null', null],
    ['a pair of non-strings', [1, 2]],
    ['a one-element tuple', ['name']],
    ['an object without field_path', { path: 'x' }],
    ['an empty path', ''],
    ['a path with an empty step', 'a..b'],
    ['a non-string field_type', { field_path: 'a', field_type: 5 }],
  ])('rejects %s with a ConfigurationError', (_label, spec) => {
    expect(catchError(() => normaliseIndexedFields([spec as IndexedFieldInput]))).toBeInstanceOf(ConfigurationError);
  });

  it('rejects something that is not a list', () => {
    expect(catchError(() => normaliseIndexedFields('name' as unknown as IndexedFieldInput[]))).toBeInstanceOf(ConfigurationError);
  });
});

describe('extractIndexedData', () => {
  const fields = (...paths: string[]): IndexableField[] => paths.map((field_path) => ({ field_path }));

  it('walks dot paths and keys the result by the literal path', () => {
    const data = { name: 'hero', stats: { level: 7, tags: ['a', 'b'], gear: { slot: 'head' } }, alive: true };
    expect(extractIndexedData(data, fields('name', 'stats.level', 'stats.tags', 'stats.gear', 'alive'))).toEqual({
      name: 'hero',
      'stats.level': 7,
      'stats.tags': ['a', 'b'],
      'stats.gear': { slot: 'head' },
      alive: true,
    });
  });

  it('writes null for a missing step or an undefined leaf, keeping the key', () => {
    const data = { name: undefined, stats: { level: null }, label: 'x' };
    const indexed = extractIndexedData(data, fields('name', 'stats.level', 'stats.missing', 'nope.deeper', 'label.length'));
    expect(indexed).toEqual({ name: null, 'stats.level': null, 'stats.missing': null, 'nope.deeper': null, 'label.length': null });
    expect(Object.keys(indexed)).toHaveLength(5);
  });

  it('does not step into arrays or inherited properties', () => {
    const data = { list: [{ a: 1 }], obj: {} };
    expect(extractIndexedData(data, fields('list.0', 'obj.constructor', 'obj.toString'))).toEqual({
      'list.0': null,
      'obj.constructor': null,
      'obj.toString': null,
    });
  });

  it('stores a data key named __proto__ as an own member, without touching the prototype', () => {
    const data = JSON.parse('{"__proto__": 5, "n": 1}') as Record<string, unknown>;
    const indexed = extractIndexedData(data, fields('__proto__', 'n'));
    expect(Object.prototype.hasOwnProperty.call(indexed, '__proto__')).toBe(true);
    expect(indexed['__proto__']).toBe(5);
    expect(Object.getPrototypeOf(indexed)).toBe(Object.prototype);
    expect(Object.keys(indexed)).toEqual(['__proto__', 'n']);
  });

  it('gives every map the same keys in field order, whatever the data holds', () => {
    const list = fields('b', 'a.x');
    expect(Object.keys(extractIndexedData({ a: { x: 1 }, b: 2 }, list))).toEqual(['b', 'a.x']);
    expect(Object.keys(extractIndexedData({}, list))).toEqual(['b', 'a.x']);
  });

  describe('date-times', () => {
    const model = compileModel({
      type: 'object',
      properties: {
        at: { type: 'string', format: 'date-time' },
        label: { type: 'string' },
        trip: { type: 'object', properties: { start: { type: ['string', 'null'], format: 'date-time' } } },
      },
    });

    it.each([
      ['2025-01-01T12:00:00+08:00', '2025-01-01T04:00:00.000Z'],
      ['2025-01-01T04:00:00Z', '2025-01-01T04:00:00.000Z'],
      ['2025-01-01T04:00:00', '2025-01-01T04:00:00.000Z'],
      ['2025-01-01T04:00:00.123456Z', '2025-01-01T04:00:00.123Z'],
    ])('stores %s at a date-time path as %s', (input, expected) => {
      expect(extractIndexedData({ at: input, trip: { start: input } }, fields('at', 'trip.start'), model)).toEqual({
        at: expected,
        'trip.start': expected,
      });
    });

    it('leaves unparsable strings and non-date-time fields as they are', () => {
      expect(extractIndexedData({ at: 'someday', label: '2025-01-01T12:00:00+08:00' }, fields('at', 'label'), model)).toEqual({
        at: 'someday',
        label: '2025-01-01T12:00:00+08:00',
      });
    });

    it('treats strings as plain text without a model', () => {
      expect(extractIndexedData({ at: '2025-01-01T12:00:00+08:00' }, fields('at'))).toEqual({ at: '2025-01-01T12:00:00+08:00' });
    });

    it('stores Date values as ISO UTC with milliseconds', () => {
      expect(extractIndexedData({ when: new Date(Date.UTC(2025, 0, 1, 4)) }, fields('when'))).toEqual({ when: '2025-01-01T04:00:00.000Z' });
    });
  });

  it('sees fields appended to the same list later', () => {
    const list = fields('a');
    expect(extractIndexedData({ a: 1, b: 2 }, list)).toEqual({ a: 1 });
    list.push({ field_path: 'b' });
    expect(extractIndexedData({ a: 1, b: 2 }, list)).toEqual({ a: 1, b: 2 });
  });

  it('gives an empty map for no fields', () => {
    expect(extractIndexedData({ a: 1 }, [])).toEqual({});
  });
});
