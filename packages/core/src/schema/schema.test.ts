import { ConfigurationError, MigrationError } from '@specstar/interfaces';
import type { IMigration } from '@specstar/interfaces';
import { createDataCodec } from '../codec';
import { Schema } from './schema';

const codec = createDataCodec('json');
const encode = (value: unknown): Uint8Array => codec.encode(value);
const noop = (value: unknown): unknown => value;

function migrationError(fn: () => unknown): MigrationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    return error as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

async function migrationRejection(promise: Promise<unknown>): Promise<MigrationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    return error as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

describe('Schema properties', () => {
  it('exposes model, version, validator and flags', () => {
    const model = { type: 'object' };
    const validator = (): void => undefined;
    const schema = new Schema(model, 'v2', { validator });
    expect(schema.model).toBe(model);
    expect(schema.version).toBe('v2');
    expect(schema.schemaVersion).toBe('v2');
    expect(schema.validator).toBe(validator);
    expect(schema.hasValidator).toBe(true);
    expect(schema.hasMigration).toBe(false);
    schema.step('v1', noop);
    expect(schema.hasMigration).toBe(true);
    expect(new Schema(null, 'v1').hasValidator).toBe(false);
  });

  it.each([
    ['an empty version', () => new Schema(null, '')],
    ['a non-string version', () => new Schema(null, 3 as unknown as string)],
    ['a non-object model', () => new Schema('x' as never, 'v1')],
    ['a bad from', () => new Schema(null, 'v2').step(1 as never, noop)],
    ['a missing function', () => new Schema(null, 'v2').step('v1', undefined as never)],
    ['an empty to', () => new Schema(null, 'v2').step('v1', noop, { to: '' })],
    ['a non-object source', () => new Schema(null, 'v2').step('v1', noop, { source: [] as never })],
  ])('rejects %s with a ConfigurationError', (_label, build) => {
    expect(build).toThrow(ConfigurationError);
  });
});

describe('Schema.findPath', () => {
  const f1 = (v: unknown): unknown => v;
  const f2 = (v: unknown): unknown => v;
  const f3 = (v: unknown): unknown => v;

  it('chains steps: each middle step targets the next from, the last the schema version (invariant 95)', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).step('v2', f2);
    expect(schema.findPath('v1')).toEqual([
      { from: 'v1', to: 'v2', fn: f1 },
      { from: 'v2', to: 'v3', fn: f2 },
    ]);
    expect(schema.findPath('v2')).toEqual([{ from: 'v2', to: 'v3', fn: f2 }]);
    expect(schema.findPath('v1', 'v2')).toEqual([{ from: 'v1', to: 'v2', fn: f1 }]);
  });

  it('plus() adds a parallel chain and the shorter path wins; the path cache is cleared (invariant 95)', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).step('v2', f2);
    expect(schema.findPath('v1')).toHaveLength(2);
    schema.plus('v1', f3);
    expect(schema.findPath('v1')).toEqual([{ from: 'v1', to: 'v3', fn: f3 }]);
    expect(schema.findPath('v2')).toEqual([{ from: 'v2', to: 'v3', fn: f2 }]);
  });

  it('plus() closes the chain: the step before it targets the schema version', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).plus('v2', f2);
    expect(schema.findPath('v1')).toEqual([{ from: 'v1', to: 'v3', fn: f1 }]);
    expect(schema.findPath('v2')).toEqual([{ from: 'v2', to: 'v3', fn: f2 }]);
  });

  it('an explicit to wins over inference', () => {
    const schema = new Schema(null, 'v3').step('v1', f1, { to: 'v2' }).step('v0', f2).plus('v2', f3);
    expect(schema.findPath('v1')).toEqual([
      { from: 'v1', to: 'v2', fn: f1 },
      { from: 'v2', to: 'v3', fn: f3 },
    ]);
    expect(schema.findPath('v0')).toEqual([{ from: 'v0', to: 'v3', fn: f2 }]);
  });

  it('ties go to the earliest declared step', () => {
    const schema = new Schema(null, 'v3').step('v1', f1, { to: 'v2' }).plus('v1', f2, { to: 'v2' }).plus('v2', f3);
    expect(schema.findPath('v1').map((edge) => edge.fn)).toEqual([f1, f3]);
    const swapped = new Schema(null, 'v3').step('v1', f2, { to: 'v2' }).plus('v1', f1, { to: 'v2' }).plus('v2', f3);
    expect(swapped.findPath('v1').map((edge) => edge.fn)).toEqual([f2, f3]);
  });

  it('migrates from null (resources stored without a schema)', () => {
    const schema = new Schema(null, 'v1').step(null, f1);
    expect(schema.findPath(null)).toEqual([{ from: null, to: 'v1', fn: f1 }]);
  });

  it('same version → empty path', () => {
    expect(new Schema(null, 'v2').findPath('v2')).toEqual([]);
    expect(new Schema(null, 'v2').step('v1', f1).findPath('v2')).toEqual([]);
  });

  it('a regex from fully matching an undeclared version is used (invariant 97)', () => {
    const pattern = /v\d+/;
    const schema = new Schema(null, 'v100').step(pattern, f1);
    expect(schema.findPath('v99')).toEqual([{ from: 'v99', to: 'v100', fn: f1, pattern }]);
    expect(schema.findPath('v1')).toEqual([{ from: 'v1', to: 'v100', fn: f1, pattern }]);
  });

  it('a regex must match the whole version, never null, never its own target', () => {
    const schema = new Schema(null, 'v100').step(/v\d+/, f1);
    expect(() => schema.findPath('v99-beta')).toThrow(MigrationError);
    expect(() => schema.findPath('xv99')).toThrow(MigrationError);
    expect(() => schema.findPath(null)).toThrow(MigrationError);
    // v3 matches the pattern but is the regex step's own target: the literal step is used.
    const toV3 = new Schema(null, 'v4').step(/v\d/, f1, { to: 'v3' }).plus('v3', f2);
    expect(toV3.findPath('v3')).toEqual([{ from: 'v3', to: 'v4', fn: f2 }]);
    expect(toV3.findPath('v2').map((edge) => edge.fn)).toEqual([f1, f2]);
  });

  it('a global regex flag does not make matching stateful', () => {
    const schema = new Schema(null, 'v9').step(/v[0-8]/g, f1);
    expect(schema.findPath('v1')).toHaveLength(1);
    expect(schema.findPath('v2')).toHaveLength(1);
    expect(schema.findPath('v2')).toHaveLength(1);
  });

  it('a middle step whose next step is a regex cannot infer its target', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).step(/v2.*/, f2);
    expect(migrationError(() => schema.findPath('v1')).message).toMatch(/cannot infer target.*regex/);
    // An explicit to makes the same graph valid.
    const fixed = new Schema(null, 'v3').step('v1', f1, { to: 'v2' }).step(/v2.*/, f2);
    expect(fixed.findPath('v1').map((edge) => edge.fn)).toEqual([f1, f2]);
  });

  it('unreachable targets and schemas without steps say "No migration path" (invariant 96)', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).step('v2', f2);
    expect(migrationError(() => schema.findPath('v0')).message.startsWith('No migration path')).toBe(true);
    expect(migrationError(() => schema.findPath('v2', 'v1')).message.startsWith('No migration path')).toBe(true);
    expect(migrationError(() => new Schema(null, 'v2').findPath('v1')).message.startsWith('No migration path')).toBe(true);
  });

  it('cached paths are not shared with callers', () => {
    const schema = new Schema(null, 'v3').step('v1', f1).step('v2', f2);
    const first = schema.findPath('v1');
    first.pop();
    expect(schema.findPath('v1')).toHaveLength(2);
  });

  it('visits each version once (cycles terminate)', () => {
    const schema = new Schema(null, 'v9').step('v1', f1, { to: 'v2' }).plus('v2', f2, { to: 'v1' });
    expect(() => schema.findPath('v1')).toThrow(MigrationError);
  });
});

describe('Schema.migrate', () => {
  const itemV1 = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

  it('returns the decoded value unchanged at the target version', async () => {
    const fn = jest.fn();
    const schema = new Schema(null, 'v2').step('v1', fn);
    await expect(schema.migrate(encode({ name: 'a', value: 1 }), 'v2', codec)).resolves.toEqual({ name: 'a', value: 1 });
    expect(fn).not.toHaveBeenCalled();
  });

  it('a raw step receives the stored bytes', async () => {
    const stored = encode({ name: 'a' });
    let received: unknown;
    const schema = new Schema(null, 'v2').step('v1', (bytes: Uint8Array) => {
      received = bytes;
      const old = codec.decode(bytes) as { name: string };
      return { title: old.name, value: 0 };
    });
    await expect(schema.migrate(stored, 'v1', codec)).resolves.toEqual({ title: 'a', value: 0 });
    expect(Object.prototype.toString.call(received)).toBe('[object Uint8Array]');
    expect([...(received as Uint8Array)]).toEqual([...stored]);
  });

  it('a typed step receives the decoded plain value, validated against its source schema', async () => {
    let received: unknown;
    const schema = new Schema(null, 'v2').step(
      'v1',
      (old: { name: string }) => {
        received = old;
        return { title: old.name };
      },
      { source: itemV1 },
    );
    await expect(schema.migrate(encode({ name: 'a' }), 'v1', codec)).resolves.toEqual({ title: 'a' });
    expect(received).toEqual({ name: 'a' });
  });

  it('a typed step rejects data not matching its source schema, naming version and fields', async () => {
    const fn = jest.fn();
    const schema = new Schema(null, 'v2').step('v1', fn, { source: itemV1 });
    const error = await migrationRejection(schema.migrate(encode({ name: 5 }), 'v1', codec));
    expect(error.message).toContain('v1');
    expect(error.message).toContain('/name');
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes an object result to the next typed step, and re-encodes it for the next raw step', async () => {
    const seen: unknown[] = [];
    const schema = new Schema(null, 'v4')
      .step('v1', (bytes: Uint8Array) => ({ ...(codec.decode(bytes) as object), step1: true }))
      .step('v2', (value: Record<string, unknown>) => (seen.push(value), { ...value, step2: true }), { source: { type: 'object' } })
      .step('v3', (bytes: Uint8Array) => {
        seen.push(Object.prototype.toString.call(bytes));
        return { ...(codec.decode(bytes) as object), step3: true };
      });
    await expect(schema.migrate(encode({ name: 'a' }), 'v1', codec)).resolves.toEqual({ name: 'a', step1: true, step2: true, step3: true });
    expect(seen).toEqual([{ name: 'a', step1: true }, '[object Uint8Array]']);
  });

  it('decodes bytes returned by the last raw step', async () => {
    const schema = new Schema(null, 'v2').step('v1', () => encode({ name: 'b' }));
    await expect(schema.migrate(encode({ name: 'a' }), 'v1', codec)).resolves.toEqual({ name: 'b' });
  });

  it('runs async steps and a regex step for an undeclared version', async () => {
    const schema = new Schema(null, 'v2').step(/v1\.\d+/, async (bytes: Uint8Array) => ({ from: (codec.decode(bytes) as { n: number }).n }));
    await expect(schema.migrate(encode({ n: 7 }), 'v1.99', codec)).resolves.toEqual({ from: 7 });
  });

  it('fails with "No migration path" when the stored version cannot reach the target', async () => {
    const schema = new Schema(null, 'v2');
    const error = await migrationRejection(schema.migrate(encode({}), 'v1', codec));
    expect(error.message.startsWith('No migration path')).toBe(true);
  });

  it('wraps a throwing step in a MigrationError keeping the cause', async () => {
    const cause = new TypeError('boom');
    const schema = new Schema(null, 'v2').step('v1', () => {
      throw cause;
    });
    const error = await migrationRejection(schema.migrate(encode({}), 'v1', codec));
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('v1');
    expect(error.message).toContain('v2');
  });

  it('rejects a step that returns nothing', async () => {
    const schema = new Schema(null, 'v2').step('v1', () => undefined);
    await migrationRejection(schema.migrate(encode({}), 'v1', codec));
  });

  it('reports undecodable stored bytes as a MigrationError', async () => {
    const schema = new Schema(null, 'v2').step('v1', noop, { source: { type: 'object' } });
    await migrationRejection(schema.migrate(new TextEncoder().encode('{not json'), 'v1', codec));
  });
});

describe('Schema.fromLegacy', () => {
  it('wraps an IMigration and delegates migrate entirely', async () => {
    const calls: unknown[] = [];
    const legacy: IMigration = {
      schema_version: 'v3',
      migrate: (data, storedVersion) => {
        calls.push([Object.prototype.toString.call(data), storedVersion]);
        return { migrated: true };
      },
    };
    const schema = Schema.fromLegacy(legacy);
    expect(schema.version).toBe('v3');
    expect(schema.model).toBeNull();
    expect(schema.hasMigration).toBe(true);
    await expect(schema.migrate(encode({}), 'v1', codec)).resolves.toEqual({ migrated: true });
    await expect(schema.migrate(encode({}), null, codec)).resolves.toEqual({ migrated: true });
    expect(calls).toEqual([
      ['[object Uint8Array]', 'v1'],
      ['[object Uint8Array]', null],
    ]);
  });

  it('wraps a legacy failure in a MigrationError', async () => {
    const cause = new Error('legacy broke');
    const schema = Schema.fromLegacy({
      schema_version: 'v2',
      migrate: () => {
        throw cause;
      },
    });
    expect((await migrationRejection(schema.migrate(encode({}), 'v1', codec))).cause).toBe(cause);
  });

  it('refuses a legacy migration without a target version or migrate()', () => {
    expect(() => Schema.fromLegacy({ schema_version: null, migrate: noop })).toThrow(ConfigurationError);
    expect(() => Schema.fromLegacy({ schema_version: 'v1' } as never)).toThrow(ConfigurationError);
  });
});
