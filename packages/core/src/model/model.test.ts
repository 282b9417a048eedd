import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { binary, displayName, jobSchema, ref, unique } from './markers';
import { compileModel, type JsonSchema } from './model';
import { catchError } from '../../test/catch-error';


function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  const error = catchError(fn);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).kind).toBe('type');
  return (error as ValidationError).issues;
}

const item: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    value: { type: 'integer', default: 0 },
  },
  required: ['name'],
};

describe('prepare', () => {
  it('applies defaults on a copy and never mutates the caller', () => {
    const input = { name: 'a' };
    const prepared = compileModel(item).prepare(input);
    expect(prepared).toEqual({ name: 'a', value: 0 });
    expect(prepared).not.toBe(input);
    expect(input).toEqual({ name: 'a' });
  });

  it('copies nested containers too, so defaults below never leak into the input', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { stats: { type: 'object', properties: { hp: { type: 'integer', default: 10 } } } },
    };
    const input = { stats: {} };
    expect(compileModel(schema).prepare(input)).toEqual({ stats: { hp: 10 } });
    expect(input.stats).toEqual({});
  });

  it('returns the caller’s value itself when the schema has no defaults', () => {
    const model = compileModel({ type: 'object', properties: { name: { type: 'string' } } });
    const input = { name: 'a', list: [1, 2] };
    expect(model.prepare(input)).toBe(input);
  });

  it('turns Date values into ISO strings (data holds date-times as text)', () => {
    const model = compileModel({ type: 'object', properties: { when: { type: 'string', format: 'date-time' } } });
    const input = { when: new Date(Date.UTC(2025, 0, 1, 4)) };
    expect(model.prepare(input)).toEqual({ when: '2025-01-01T04:00:00.000Z' });
    expect(input.when).toBeInstanceOf(Date);
  });

  it('accepts naive date-times (read as UTC) and rejects non-date text', () => {
    const model = compileModel({ type: 'object', properties: { when: { type: 'string', format: 'date-time' } } });
    expect(() => model.prepare({ when: '2025-01-01T04:00:00' })).not.toThrow();
    expect(() => model.prepare({ when: '2025-01-01T04:00:00+08:00' })).not.toThrow();
    expect(issuesOf(() => model.prepare({ when: 'tomorrow' }))).toEqual([{ path: '/when', message: expect.any(String) }]);
  });
});

describe('validate', () => {
  it('runs the same checks without applying defaults', () => {
    const input = { name: 'a' };
    compileModel(item).validate(input);
    expect(input).toEqual({ name: 'a' });
    expect(issuesOf(() => compileModel(item).validate({ value: 1 }))).toEqual([{ path: '/name', message: expect.any(String) }]);
  });
});

describe('validation issues', () => {
  const order: JsonSchema = {
    type: 'object',
    properties: {
      customer: { type: 'string' },
      age: { type: 'integer', minimum: 0 },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, qty: { type: 'integer' } },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    required: ['customer'],
  };
  const model = compileModel(order);

  it('name each wrong-typed field by JSON pointer', () => {
    expect(issuesOf(() => model.prepare({ customer: 'c', age: 'ten' }))).toEqual([{ path: '/age', message: 'must be integer' }]);
  });

  it('name a missing required field by its own path', () => {
    expect(issuesOf(() => model.prepare({ age: 3 }))).toEqual([{ path: '/customer', message: 'is required' }]);
  });

  it('report every failing field, inside nested arrays too', () => {
    const issues = issuesOf(() =>
      model.prepare({ age: -1, items: [{ name: 'ok' }, { qty: 'x', extra: true }, { name: 3 }] }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['/age', '/customer', '/items/1/extra', '/items/1/name', '/items/1/qty', '/items/2/name'].sort(),
    );
  });

  it('give one issue per field', () => {
    const strict = compileModel({ type: 'object', properties: { code: { type: 'string', minLength: 3, pattern: '^[A-Z]+$' } } });
    const issues = issuesOf(() => strict.prepare({ code: 'a' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('/code');
  });

  it('collapse a nullable union into one "must be X or null" issue', () => {
    const nullable = compileModel({ type: 'object', properties: { note: { anyOf: [{ type: 'string' }, { type: 'null' }] } } });
    expect(issuesOf(() => nullable.prepare({ note: 5 }))).toEqual([{ path: '/note', message: 'must be string or null' }]);
  });

  it('report the nested problem of the union member the value matched', () => {
    const union = compileModel({
      type: 'object',
      properties: {
        pet: {
          oneOf: [
            { type: 'object', properties: { kind: { const: 'cat' }, lives: { type: 'integer' } }, required: ['kind', 'lives'] },
            { type: 'object', properties: { kind: { const: 'dog' }, breed: { type: 'string' } }, required: ['kind', 'breed'] },
            { type: 'null' },
          ],
        },
      },
    });
    expect(issuesOf(() => union.prepare({ pet: { kind: 'dog', breed: 7 } }))).toEqual([{ path: '/pet/breed', message: 'must be string' }]);
    expect(issuesOf(() => union.prepare({ pet: { kind: 'cat' } }))).toEqual([{ path: '/pet/lives', message: 'is required' }]);
  });

  it('escape property names in the pointer', () => {
    const odd = compileModel({ type: 'object', properties: { 'a/b': { type: 'string' } } });
    expect(issuesOf(() => odd.prepare({ 'a/b': 1 }))).toEqual([{ path: '/a~1b', message: 'must be string' }]);
  });
});

describe('data that is not JSON', () => {
  const model = compileModel({ type: 'object' });

  class Point {
    constructor(readonly x: number) {}
  }

  it.each<[string, unknown, string]>([
    ['a function', { f: () => 1 }, '/f'],
    ['a class instance', { p: new Point(1) }, '/p'],
    ['NaN', { n: Number.NaN }, '/n'],
    ['Infinity in a list', { list: [1, Number.POSITIVE_INFINITY] }, '/list/1'],
    ['a symbol', { s: Symbol('x') }, '/s'],
    ['a Map', { m: new Map() }, '/m'],
  ])('rejects %s with a ValidationError naming the field', (_label, data, path) => {
    expect(issuesOf(() => model.prepare(data))).toEqual([{ path, message: expect.any(String) }]);
  });

  it('rejects cyclic data instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as { b: Record<string, unknown> }).b.back = cyclic;
    expect(issuesOf(() => model.prepare(cyclic))).toEqual([{ path: '/a/b/back', message: expect.any(String) }]);
    const recursive = compileModel({ $ref: '#/$defs/n', $defs: { n: { type: 'object', properties: { next: { $ref: '#/$defs/n' } } } } });
    const loop: Record<string, unknown> = {};
    loop.next = loop;
    expect(catchError(() => recursive.validate(loop))).toBeInstanceOf(ValidationError);
  });

  it('rejects a non-object where the model wants an object', () => {
    expect(issuesOf(() => model.prepare('text'))).toEqual([{ path: '', message: 'must be object' }]);
  });
});

describe('Binary fields', () => {
  const model = compileModel({ type: 'object', properties: { avatar: binary(), gallery: { type: 'array', items: binary() } } });

  it('accept bytes or base64 text as data', () => {
    expect(() => model.prepare({ avatar: { data: new Uint8Array([1, 2]), content_type: 'image/png' } })).not.toThrow();
    expect(() => model.prepare({ avatar: { data: Buffer.from('hi') } })).not.toThrow();
    expect(() => model.prepare({ avatar: { data: 'aGVsbG8=' }, gallery: [{ file_id: 'abc', size: 3 }] })).not.toThrow();
  });

  it('reject other data, naming the field', () => {
    expect(issuesOf(() => model.prepare({ avatar: { data: 'not base64!' } }))).toEqual([{ path: '/avatar/data', message: expect.any(String) }]);
    expect(issuesOf(() => model.prepare({ gallery: [{}, { data: 5 }] }))).toEqual([{ path: '/gallery/1/data', message: expect.any(String) }]);
    expect(issuesOf(() => model.prepare({ avatar: { size: -1 } }))).toEqual([{ path: '/avatar/size', message: expect.any(String) }]);
  });

  it('keep the bytes object as given', () => {
    const data = new Uint8Array([1]);
    const prepared = model.prepare({ avatar: { data } }) as { avatar: { data: Uint8Array } };
    expect(prepared.avatar.data).toBe(data);
  });

  it('are reported by hasBinary', () => {
    expect(model.hasBinary).toBe(true);
    expect(compileModel(item).hasBinary).toBe(false);
  });
});

describe('compiling', () => {
  it('caches per schema object', () => {
    const schema: JsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(compileModel(schema)).toBe(compileModel(schema));
  });

  it.each<[string, unknown]>([
    ['a misspelt keyword', { type: 'object', propertes: { a: { type: 'string' } } }],
    ['an unknown type', { type: 'object', properties: { a: { type: 'strnig' } } }],
    ['an unknown format', { type: 'string', format: 'colour' }],
    ['an unresolvable $ref', { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }],
    ['a non-object', 'string'],
  ])('turns %s into a ConfigurationError', (_label, schema) => {
    expect(catchError(() => compileModel(schema as JsonSchema))).toBeInstanceOf(ConfigurationError);
  });

  it('accepts any x- extension keyword and a default inside a union member', () => {
    const schema: JsonSchema = {
      type: 'object',
      'x-admin-order': 3,
      properties: {
        kind: { type: 'string', 'x-label': 'Kind' },
        extra: { anyOf: [{ type: 'object', properties: { a: { type: 'integer', default: 1 } } }, { type: 'null' }] },
      },
    };
    expect(() => compileModel(schema).prepare({ kind: 'k', extra: null })).not.toThrow();
  });

  it('keeps models apart even when their schemas reuse the same $id', () => {
    const withName = (type: string): JsonSchema => ({
      $id: 'Player',
      type: 'object',
      properties: { owner: { $ref: 'User' } },
      $defs: { user: { $id: 'User', type: 'object', properties: { name: { type } } } },
    });
    const a = compileModel(withName('string'));
    const b = compileModel(withName('integer'));
    expect(() => a.validate({ owner: { name: 'x' } })).not.toThrow();
    expect(() => b.validate({ owner: { name: 1 } })).not.toThrow();
    expect(issuesOf(() => a.validate({ owner: { name: 1 } }))).toEqual([{ path: '/owner/name', message: 'must be string' }]);
    expect(issuesOf(() => b.validate({ owner: { name: 'x' } }))).toEqual([{ path: '/owner/name', message: 'must be integer' }]);
  });

  it('resolves $id references (TypeBox Type.Ref style)', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { owner: { $ref: 'User' } },
      $defs: { user: { $id: 'User', type: 'object', properties: { name: { type: 'string' } } } },
    };
    expect(issuesOf(() => compileModel(schema).prepare({ owner: { name: 1 } }))).toEqual([{ path: '/owner/name', message: 'must be string' }]);
  });
});

describe('introspection', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      email: unique({ type: 'string' }),
      title: displayName({ type: 'string' }),
      handle: unique({ type: 'string' }),
      owner: ref('user', { type: ['string', 'null'] }, { onDelete: 'set_null' }),
      team: { anyOf: [ref('team', { type: 'string' }, { onDelete: 'cascade' }), { type: 'null' }] },
      friends: { type: 'array', items: ref('user', { type: 'string' }) },
      pinned: ref('post', { type: 'string' }, { refType: 'revision_id' }),
      plain: { type: 'string' },
      created: { type: 'string', format: 'date-time' },
      seen: { type: ['string', 'null'], format: 'date-time' },
      profile: {
        type: 'object',
        properties: {
          born: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
          inner: { $ref: '#/$defs/stamp' },
          nested: { type: 'object', properties: { author: ref('user', { type: 'string' }) } },
        },
      },
      history: { type: 'array', items: { type: 'string', format: 'date-time' } },
      checkpoints: { type: 'object', additionalProperties: { type: 'string', format: 'date-time' } },
    },
    $defs: { stamp: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } },
  };
  const model = compileModel(schema);

  it('lists unique fields in declaration order', () => {
    expect(model.uniqueFields).toEqual(['email', 'handle']);
  });

  it('finds the display name field', () => {
    expect(model.displayNameField).toBe('title');
    expect(compileModel(item).displayNameField).toBeUndefined();
  });

  it('collects top-level references with nullability and list-ness', () => {
    expect(model.refs).toEqual([
      { field: 'owner', target: 'user', onDelete: 'set_null', refType: 'resource_id', nullable: true, isList: false },
      { field: 'team', target: 'team', onDelete: 'cascade', refType: 'resource_id', nullable: true, isList: false },
      { field: 'friends', target: 'user', onDelete: 'dangling', refType: 'resource_id', nullable: false, isList: true },
      { field: 'pinned', target: 'post', onDelete: 'dangling', refType: 'revision_id', nullable: false, isList: false },
    ]);
  });

  it('collects dot paths of date-time strings through objects, unions and $refs', () => {
    expect([...model.dateTimePaths].sort()).toEqual(['created', 'profile.born', 'profile.inner.at', 'seen']);
    expect(model.dateTimePaths.has('checkpoints.boss')).toBe(true); // map values, resolved on demand
    expect(model.dateTimePaths.has('plain')).toBe(false);
    expect(model.dateTimePaths.has('profile.nested.author')).toBe(false);
  });

  it('knows job models', () => {
    expect(model.isJob).toBe(false);
    expect(compileModel(jobSchema({ type: 'object' })).isJob).toBe(true);
    expect([...compileModel(jobSchema({ type: 'object' })).dateTimePaths]).toEqual(['last_heartbeat_at', 'next_run_at']);
  });

  it('handles recursive schemas', () => {
    const tree = compileModel({
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { at: { type: 'string', format: 'date-time' }, parent: { $ref: '#/$defs/node' } },
        },
      },
    });
    expect([...tree.dateTimePaths]).toEqual(['at']);
    expect(tree.dateTimePaths.has('parent.parent.at')).toBe(true);
    expect(tree.dateTimePaths.has('parent.parent')).toBe(false);
    expect(tree.dateTimePaths.has('parent.nope')).toBe(false);
    expect(() => tree.prepare({ at: '2025-01-01T00:00:00Z', parent: { parent: {} } })).not.toThrow();
  });
});

describe('prepare never mutates the caller’s data', () => {
  it('root-level defaults: fills a copy only when a default applies', () => {
    const model = compileModel({ type: 'object', properties: { name: { type: 'string' }, level: { type: 'integer', default: 1 }, stats: { type: 'object' } } });
    const missing = { name: 'a', stats: { str: 1 } };
    const prepared = model.prepare(missing) as Record<string, unknown>;
    expect(prepared).toEqual({ name: 'a', level: 1, stats: { str: 1 } });
    expect(missing).toEqual({ name: 'a', stats: { str: 1 } });
    const complete = { name: 'a', level: 3 };
    expect(model.prepare(complete)).toEqual({ name: 'a', level: 3 });
    expect(complete).toEqual({ name: 'a', level: 3 });
  });

  it('a default shared with a nested position still gets a deep copy', () => {
    const withDefault = { type: 'integer', default: 7 };
    const model = compileModel({
      type: 'object',
      properties: { top: withDefault, child: { type: 'object', properties: { inner: withDefault } } },
    });
    const data = { top: 1, child: {} };
    expect(model.prepare(data)).toEqual({ top: 1, child: { inner: 7 } });
    expect(data).toEqual({ top: 1, child: {} });
  });
});
