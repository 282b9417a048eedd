import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { Packr, unpack } from 'msgpackr';
import { binary } from '../model/markers';
import type { JsonSchema } from '../model/model';
import { canonicalize } from './canonical';
import { planFor } from './plan';
import { createDataCodec, type EncodingName } from './codec';
import { dataHash } from './hash';
import { catchError } from '../../test/catch-error';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const item: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    value: { type: 'integer', default: 0 },
    when: { type: 'string', format: 'date-time' },
  },
  required: ['name'],
};


describe('json codec: canonical bytes', () => {
  const codec = createDataCodec('json', item);

  it('writes the reference example of the spec', () => {
    const bytes = codec.encode({ when: '2025-01-01T00:00:00Z', value: 1, name: 'a' });
    expect(text(bytes)).toBe('{"name":"a","value":1,"when":"2025-01-01T00:00:00Z"}');
    expect(dataHash(bytes)).toBe('xxh3_128:b1b60c546b0a1c254f8d63154978dc77');
  });

  it('puts declared properties first in declaration order, then other keys sorted', () => {
    const bytes = codec.encode({ zeta: 1, value: 2, alpha: { y: 1, x: 2 }, name: 'n' });
    expect(text(bytes)).toBe('{"name":"n","value":2,"alpha":{"x":2,"y":1},"zeta":1}');
  });

  it('sorts keys everywhere when there is no schema', () => {
    const free = createDataCodec('json');
    expect(text(free.encode({ b: [{ d: 1, c: 2 }], a: { z: null, y: true } }))).toBe(
      '{"a":{"y":true,"z":null},"b":[{"c":2,"d":1}]}',
    );
  });

  it('omits undefined members and writes undefined array items as null', () => {
    expect(text(codec.encode({ name: 'a', value: undefined, list: [1, undefined] }))).toBe('{"name":"a","list":[1,null]}');
  });

  it('writes a Date as an ISO string', () => {
    expect(text(codec.encode({ name: 'a', when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)) }))).toBe(
      '{"name":"a","when":"2025-01-02T03:04:05.006Z"}',
    );
  });

  it('follows items, additionalProperties, prefixItems and local $refs', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { $ref: '#/$defs/pair' } },
        byName: { type: 'object', additionalProperties: { $ref: '#/$defs/pair' } },
        tuple: { type: 'array', prefixItems: [{ $ref: '#/$defs/pair' }, { type: 'object' }] },
      },
      $defs: { pair: { type: 'object', properties: { second: { type: 'integer' }, first: { type: 'integer' } } } },
    };
    const encoded = text(
      createDataCodec('json', schema).encode({
        tuple: [
          { first: 1, second: 2 },
          { b: 1, a: 2 },
        ],
        byName: { y: { first: 1, second: 2 }, x: { first: 3, second: 4 } },
        list: [{ first: 1, second: 2 }],
      }),
    );
    expect(encoded).toBe(
      '{"list":[{"second":2,"first":1}],"byName":{"x":{"second":4,"first":3},"y":{"second":2,"first":1}},' +
        '"tuple":[{"second":2,"first":1},{"a":2,"b":1}]}',
    );
  });

  it('follows recursive schemas', () => {
    const tree: JsonSchema = {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
    };
    const encoded = text(
      createDataCodec('json', tree).encode({ children: [{ children: [{ children: [], value: 3 }], value: 2 }], value: 1 }),
    );
    expect(encoded).toBe('{"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]}]}');
  });

  it('merges properties declared through allOf and $ref, referenced parts first', () => {
    const schema: JsonSchema = {
      allOf: [{ $ref: '#/$defs/base' }, { type: 'object', properties: { extra: { type: 'string' } } }],
      $defs: { base: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' } } } },
    };
    expect(text(createDataCodec('json', schema).encode({ extra: 'e', kind: 'k', id: 'i', other: 1 }))).toBe(
      '{"id":"i","kind":"k","extra":"e","other":1}',
    );
  });

  it('picks the anyOf branch by JSON type', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        v: {
          anyOf: [
            { type: 'string' },
            { type: 'object', properties: { z: { type: 'integer' }, a: { type: 'integer' } } },
            { type: 'null' },
          ],
        },
      },
    };
    const codec2 = createDataCodec('json', schema);
    expect(text(codec2.encode({ v: { a: 1, z: 2 } }))).toBe('{"v":{"z":2,"a":1}}');
    expect(text(codec2.encode({ v: null }))).toBe('{"v":null}');
    expect(text(codec2.encode({ v: 's' }))).toBe('{"v":"s"}');
  });

  it('picks the oneOf branch by a const discriminator', () => {
    const schema: JsonSchema = {
      oneOf: [
        { type: 'object', properties: { kind: { const: 'cat' }, meows: { type: 'integer' }, age: { type: 'integer' } } },
        { type: 'object', properties: { kind: { const: 'dog' }, age: { type: 'integer' }, barks: { type: 'integer' } } },
      ],
    };
    const codec2 = createDataCodec('json', schema);
    expect(text(codec2.encode({ age: 2, meows: 1, kind: 'cat' }))).toBe('{"kind":"cat","meows":1,"age":2}');
    expect(text(codec2.encode({ barks: 1, age: 2, kind: 'dog' }))).toBe('{"kind":"dog","age":2,"barks":1}');
    // No branch decides: keys are sorted.
    expect(text(codec2.encode({ kind: 'bird', age: 2 }))).toBe('{"age":2,"kind":"bird"}');
  });

  it('returns the value itself when it is already canonical, and a reordered copy otherwise', () => {
    const plan = planFor(item);
    const ordered = { name: 'a', value: 1, extra: { a: 1, b: 2 } };
    expect(canonicalize(ordered, plan, 'json')).toBe(ordered);
    const unordered = { value: 1, name: 'a' };
    const result = canonicalize(unordered, plan, 'json');
    expect(result).not.toBe(unordered);
    expect(Object.keys(result as object)).toEqual(['name', 'value']);
    expect(Object.keys(unordered)).toEqual(['value', 'name']); // the caller's object is untouched
  });

  it('remembers a canonical key order per plan without letting it hide a later difference', () => {
    // The first object teaches the plan its order; each later one has the same keys in that
    // order but differs in a way the fast path must still notice.
    const plan = planFor(item);
    const first = { name: 'a', value: 1, when: '2025-01-01T00:00:00Z', extra: { a: 1, b: 2 } };
    expect(canonicalize(first, plan, 'json')).toBe(first);
    const dated = { name: 'b', value: 2, when: new Date(Date.UTC(2025, 0, 1)), extra: { a: 1, b: 2 } };
    expect(canonicalize(dated, plan, 'json')).toEqual({ ...dated, when: '2025-01-01T00:00:00.000Z' });
    const nestedOutOfOrder = { name: 'c', value: 3, when: 'x', extra: { b: 2, a: 1 } };
    expect(Object.keys((canonicalize(nestedOutOfOrder, plan, 'json') as { extra: object }).extra)).toEqual(['a', 'b']);
    const withUndefined = { name: 'd', value: undefined, when: 'x', extra: {} };
    expect(Object.keys(canonicalize(withUndefined, plan, 'msgpack') as object)).toEqual(['name', 'when', 'extra']);
    expect(catchError(() => canonicalize({ name: 'e', value: Number.NaN, when: 'x', extra: {} }, plan, 'json'))).toBeInstanceOf(ValidationError);
    expect(Object.keys(canonicalize({ name: 'f', value: 1, when: 'x' }, plan, 'json') as object)).toEqual(['name', 'value', 'when']);
    expect(Object.keys(canonicalize({ value: 1, name: 'g', when: 'x', extra: {} }, plan, 'json') as object)).toEqual(['name', 'value', 'when', 'extra']);
    expect(canonicalize(first, plan, 'json')).toBe(first);
  });

  it('decodes what it encoded', () => {
    const value = { name: 'a', value: 3, nested: { list: [1, 'two', null, true, { x: 1.5 }] } };
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it('rejects bytes that are not JSON with a ValidationError', () => {
    const error = catchError(() => codec.decode(Buffer.from('{"name":')));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).kind).toBe('type');
  });
});

describe.each<EncodingName>(['json', 'msgpack'])('%s codec', (encoding) => {
  const codec = createDataCodec(encoding, item);

  it('gives identical bytes for identical data regardless of key insertion order', () => {
    const a = { name: 'a', value: 1, tags: { x: 1, y: { q: 1, p: 2 } }, list: [{ b: 1, a: 2 }] };
    const b = { list: [{ a: 2, b: 1 }], tags: { y: { p: 2, q: 1 }, x: 1 }, value: 1, name: 'a' };
    const bytesA = codec.encode(a);
    const bytesB = codec.encode(b);
    expect(Buffer.from(bytesA).equals(Buffer.from(bytesB))).toBe(true);
    expect(dataHash(bytesA)).toBe(dataHash(bytesB));
  });

  it('treats an undefined member like an absent one', () => {
    expect(Buffer.from(codec.encode({ name: 'a', value: undefined })).equals(Buffer.from(codec.encode({ name: 'a' })))).toBe(true);
  });

  it('round-trips Binary bytes as Uint8Array, including inside lists', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        file: binary(),
        files: { type: 'array', items: binary() },
        maybe: { anyOf: [binary(), { type: 'null' }] },
        label: { type: 'string' },
      },
    };
    const binCodec = createDataCodec(encoding, schema);
    const value = {
      file: { content_type: 'text/plain', data: new Uint8Array([104, 101, 108, 108, 111]) },
      maybe: { data: new Uint8Array([9]) },
      files: [{ data: new Uint8Array([0, 255]) }, { file_id: 'abc', size: 3 }],
      label: 'aGk=', // base64-looking text outside a Binary stays text
    };
    const decoded = binCodec.decode(binCodec.encode(value)) as typeof value;
    expect(decoded).toEqual(value);
    expect(decoded.file.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(decoded.file.data)).toEqual([104, 101, 108, 108, 111]);
    expect(Array.from(decoded.files[0]?.data ?? [])).toEqual([0, 255]);
    expect(decoded.maybe.data).toBeInstanceOf(Uint8Array);
    expect(decoded.label).toBe('aGk=');
  });

  it('rejects values that are not JSON data, naming where', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const cases: Array<[unknown, string]> = [
      [{ name: 'a', fn: () => 1 }, '/fn'],
      [{ name: 'a', list: [1, Number.NaN] }, '/list/1'],
      [{ name: 'a', value: Number.POSITIVE_INFINITY }, '/value'],
      [{ name: 'a', map: new Map([['k', 1]]) }, '/map'],
      [{ name: 'a', big: BigInt(1) }, '/big'],
      [cyclic, '/self'],
    ];
    for (const [value, path] of cases) {
      const error = catchError(() => codec.encode(value));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path, message: expect.any(String) }]);
    }
  });
});

describe('msgpack codec', () => {
  const codec = createDataCodec('msgpack', item);

  it('writes plain maps (no record extension) that any msgpack reader understands', () => {
    const bytes = codec.encode({ value: 1, name: 'a' });
    // fixmap(2) "name" "a" "value" 1
    expect(Array.from(bytes)).toEqual([0x82, 0xa4, ...Buffer.from('name'), 0xa1, 0x61, 0xa5, ...Buffer.from('value'), 0x01]);
    expect(unpack(bytes)).toEqual({ name: 'a', value: 1 });
  });

  it('writes bytes as msgpack bin', () => {
    const bytes = createDataCodec('msgpack').encode({ d: new Uint8Array([7]) });
    expect(Array.from(bytes)).toEqual([0x81, 0xa1, 0x64, 0xc4, 0x01, 0x07]);
  });

  it('reads timestamp extensions (Python aware datetimes) as ISO strings', () => {
    const python = new Packr({ useRecords: false }).pack({ name: 'a', when: new Date(Date.UTC(2025, 0, 1, 1, 2, 3, 120)) });
    expect(codec.decode(python)).toEqual({ name: 'a', when: '2025-01-01T01:02:03.120Z' });
  });

  it('writes Dates as ISO strings, like json', () => {
    const bytes = codec.encode({ name: 'a', when: new Date(Date.UTC(2025, 0, 1)) });
    expect(unpack(bytes)).toEqual({ name: 'a', when: '2025-01-01T00:00:00.000Z' });
  });

  it('rejects truncated bytes with a ValidationError', () => {
    const bytes = codec.encode({ name: 'abc', value: 5 });
    expect(catchError(() => codec.decode(bytes.subarray(0, 4)))).toBeInstanceOf(ValidationError);
  });
});

describe('createDataCodec', () => {
  it('rejects an unknown encoding', () => {
    expect(catchError(() => createDataCodec('yaml' as EncodingName))).toBeInstanceOf(ConfigurationError);
  });

  it('decodes base64 text at a Binary position written by another writer (json)', () => {
    const codec = createDataCodec('json', { type: 'object', properties: { file: binary() } });
    const decoded = codec.decode(Buffer.from('{"file":{"data":"aGVsbG8="}}')) as { file: { data: Uint8Array } };
    expect(decoded.file.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(decoded.file.data).toString()).toBe('hello');
  });
});
