import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '@specstar/interfaces';
import type { BackendConfigInput } from '@specstar/interfaces';
import { BackendConfig, type BackendConfigValue } from './config';
import { BackendConfigError } from './errors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specstar-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function configError(make: () => unknown): BackendConfigError {
  try {
    make();
  } catch (error) {
    if (error instanceof BackendConfigError) return error;
    throw error;
  }
  throw new Error('expected a BackendConfigError');
}

const SEED_CONFIG = {
  version: 1,
  connections: {
    local: { type: 'disk', options: { rootdir: './data' } },
    jobs: { type: 'simple', options: { max_retries: 3 } },
  },
  meta: { use: 'local' },
  resource: { use: 'local' },
  blob: { use: 'local' },
  mq: { use: 'jobs' },
} as const;

describe('BackendConfig defaults', () => {
  it('fills every default', () => {
    const config = new BackendConfig();
    expect(config.version).toBe(1);
    expect(config.defaults).toEqual({ encoding: 'json', table_prefix: '', blob_prefix: 'blobs/', upload_method: 'proxy', presigned_url_expiry: 3600 });
    expect(config.connections).toEqual({});
    for (const role of ['meta', 'resource', 'blob'] as const) {
      expect(config[role]).toEqual({ use: null, type: 'memory', options: {}, required: true });
    }
    expect(config.mq).toBeNull();
  });

  it('fills connection and binding defaults', () => {
    const config = new BackendConfig({ connections: { c: { type: 'memory' } }, meta: { use: 'c' }, mq: { type: 'simple' } });
    expect(config.connections.c).toEqual({ type: 'memory', options: {}, enabled: true, tags: [] });
    expect(config.meta).toEqual({ use: 'c', type: null, options: {}, required: true });
    expect(config.mq).toEqual({ use: null, type: 'simple', options: {}, required: true });
  });

  it('keeps given defaults and fills the rest', () => {
    const config = new BackendConfig({ defaults: { table_prefix: 'app_', blob_prefix: 'uploads/', presigned_url_expiry: 900 } });
    expect(config.defaults).toEqual({ encoding: 'json', table_prefix: 'app_', blob_prefix: 'uploads/', upload_method: 'proxy', presigned_url_expiry: 900 });
  });

  it('serialises omitting every field equal to its default', () => {
    expect(new BackendConfig().toJSON()).toEqual({});
    expect(new BackendConfig({ version: 1, meta: { type: 'memory' }, mq: null }).toJSON()).toEqual({});
    expect(new BackendConfig(SEED_CONFIG).toJSON()).toEqual({
      connections: {
        local: { type: 'disk', options: { rootdir: './data' } },
        jobs: { type: 'simple', options: { max_retries: 3 } },
      },
      meta: { use: 'local' },
      resource: { use: 'local' },
      blob: { use: 'local' },
      mq: { use: 'jobs' },
    });
    const full: BackendConfigInput = {
      defaults: { encoding: 'msgpack', upload_method: 'single_put' },
      connections: { off: { type: 'memory', enabled: false, tags: ['spare'] } },
      blob: { type: 'memory', options: { x: 1 }, required: false },
    };
    expect(new BackendConfig(full).toJSON()).toEqual(full);
    expect(JSON.parse(JSON.stringify(new BackendConfig(full))) as unknown).toEqual(full);
  });

  it('copies its input: later edits of the input change nothing, and the config is frozen', () => {
    const input = { connections: { c: { type: 'memory', options: { nested: { k: 1 } } } }, meta: { use: 'c' } };
    const config = new BackendConfig(input);
    input.connections.c.options.nested.k = 2;
    input.connections.c.type = 'disk';
    expect(config.connections.c).toEqual({ type: 'memory', options: { nested: { k: 1 } }, enabled: true, tags: [] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.connections.c?.options)).toBe(true);
  });
});

describe('BackendConfig validation names the bad field', () => {
  const cases: Array<[string, unknown, Partial<BackendConfigError>]> = [
    ['version 2', { version: 2 }, { problem: 'invalid_field', field: 'version' }],
    ['version as a string', { version: '1' }, { problem: 'invalid_field', field: 'version' }],
    ['an unknown encoding', { defaults: { encoding: 'xml' } }, { problem: 'invalid_field', field: 'defaults.encoding' }],
    ['a non-string table prefix', { defaults: { table_prefix: 1 } }, { problem: 'invalid_field', field: 'defaults.table_prefix' }],
    ['a non-string blob prefix', { defaults: { blob_prefix: null } }, { problem: 'invalid_field', field: 'defaults.blob_prefix' }],
    ['an unknown upload method', { defaults: { upload_method: 'multipart' } }, { problem: 'invalid_field', field: 'defaults.upload_method' }],
    ['a fractional expiry', { defaults: { presigned_url_expiry: 1.5 } }, { problem: 'invalid_field', field: 'defaults.presigned_url_expiry' }],
    ['a zero expiry', { defaults: { presigned_url_expiry: 0 } }, { problem: 'invalid_field', field: 'defaults.presigned_url_expiry' }],
    ['an unknown defaults key', { defaults: { region: 'x' } }, { problem: 'unknown_field', field: 'defaults.region' }],
    ['defaults as a list', { defaults: [] }, { problem: 'invalid_field', field: 'defaults' }],
    ['connections as a list', { connections: [] }, { problem: 'invalid_field', field: 'connections' }],
    ['a connection without type', { connections: { pg: { options: {} } } }, { problem: 'invalid_field', field: 'connections.pg.type', connection: 'pg' }],
    ['an empty connection type', { connections: { pg: { type: ' ' } } }, { problem: 'invalid_field', field: 'connections.pg.type' }],
    ['connection options as a string', { connections: { pg: { type: 'postgres', options: 'dsn' } } }, { problem: 'invalid_field', field: 'connections.pg.options' }],
    ['a non-boolean enabled', { connections: { pg: { type: 'postgres', enabled: 'yes' } } }, { problem: 'invalid_field', field: 'connections.pg.enabled' }],
    ['tags as a string', { connections: { pg: { type: 'postgres', tags: 'a' } } }, { problem: 'invalid_field', field: 'connections.pg.tags' }],
    ['a non-string tag', { connections: { pg: { type: 'postgres', tags: ['a', 2] } } }, { problem: 'invalid_field', field: 'connections.pg.tags[1]' }],
    ['an unknown connection key', { connections: { pg: { type: 'postgres', dsn: 'x' } } }, { problem: 'unknown_field', field: 'connections.pg.dsn' }],
    ['a connection name with dots', { connections: { 'my.pg': { type: 5 } } }, { problem: 'invalid_field', field: 'connections["my.pg"].type' }],
    ['a binding that is a string', { meta: 'disk' }, { problem: 'invalid_field', field: 'meta' }],
    ['a binding with use and type', { blob: { use: 'local', type: 'memory' } }, { problem: 'invalid_field', field: 'blob', role: 'blob' }],
    ['a binding with neither use nor type', { resource: {} }, { problem: 'invalid_field', field: 'resource', role: 'resource' }],
    ['a non-string use', { meta: { use: 3 } }, { problem: 'invalid_field', field: 'meta.use' }],
    ['binding options as a list', { blob: { type: 'memory', options: [] } }, { problem: 'invalid_field', field: 'blob.options' }],
    ['a non-boolean required', { blob: { type: 'memory', required: 'no' } }, { problem: 'invalid_field', field: 'blob.required' }],
    ['an optional meta binding', { meta: { type: 'memory', required: false } }, { problem: 'invalid_field', field: 'meta.required', role: 'meta' }],
    ['an optional resource binding', { resource: { type: 'memory', required: false } }, { problem: 'invalid_field', field: 'resource.required', role: 'resource' }],
    ['an unknown binding key', { mq: { type: 'simple', retries: 3 } }, { problem: 'unknown_field', field: 'mq.retries' }],
    ['a misspelt role', { resouce: { type: 'memory' } }, { problem: 'unknown_field', field: 'resouce' }],
  ];

  it.each(cases)('%s', (_label, input, expected) => {
    const error = configError(() => new BackendConfig(input as BackendConfigInput));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject(expected);
  });

  it('validates plain objects given to fromValue the same way', () => {
    expect(configError(() => BackendConfig.fromValue({ defaults: { encoding: 'xml' } } as unknown as BackendConfigInput))).toMatchObject({
      problem: 'invalid_field',
      field: 'defaults.encoding',
    });
  });
});

describe('BackendConfig.fromValue inputs and environment expansion', () => {
  const env = { DATA_DIR: '/srv/data', RETRIES: '5' };

  it('returns a BackendConfig as is, without expanding it (invariant 113)', () => {
    const typed = new BackendConfig({ connections: { local: { type: 'disk', options: { rootdir: '${DATA_DIR}' } } }, meta: { use: 'local' } });
    const result = BackendConfig.fromValue(typed, { env });
    expect(result).toBe(typed);
    expect(result.connections.local?.options).toEqual({ rootdir: '${DATA_DIR}' });
  });

  it('expands ${VAR} in a plain object (invariant 113)', () => {
    const config = BackendConfig.fromValue(
      { connections: { local: { type: 'disk', options: { rootdir: '${DATA_DIR}', parts: ['$DATA_DIR/x'] } } }, meta: { use: 'local' } },
      { env },
    );
    expect(config).toBeInstanceOf(BackendConfig);
    expect(config.connections.local?.options).toEqual({ rootdir: '/srv/data', parts: ['/srv/data/x'] });
  });

  it('reads, expands and validates a JSON file given by path (invariant 113)', () => {
    const file = writeJson(
      'seed.json',
      JSON.stringify({ ...SEED_CONFIG, connections: { ...SEED_CONFIG.connections, local: { type: 'disk', options: { rootdir: '${DATA_DIR}' } } } }),
    );
    const config = BackendConfig.fromValue(file, { env });
    expect(config.connections.local?.options).toEqual({ rootdir: '/srv/data' });
    expect(config.mq).toEqual({ use: 'jobs', type: null, options: {}, required: true });
  });

  it('reads a JSON file given as a file URL', () => {
    const file = writeJson('url.json', '{"blob": {"type": "memory", "required": false}}');
    expect(BackendConfig.fromValue(pathToFileURL(file)).blob.required).toBe(false);
  });

  it('reads process.env by default', () => {
    process.env.SPECSTAR_TEST_ROOT = '/from/process';
    try {
      const config = BackendConfig.fromValue({ meta: { type: 'disk', options: { rootdir: '${SPECSTAR_TEST_ROOT}' } } });
      expect(config.meta.options).toEqual({ rootdir: '/from/process' });
    } finally {
      delete process.env.SPECSTAR_TEST_ROOT;
    }
  });

  it('fails on an unset variable in a JSON file, naming the variable, the field and the file', () => {
    const file = writeJson('unset.json', '{"connections": {"pg": {"type": "postgres", "options": {"dsn": "${POSTGRES_DSN}"}}}}');
    expect(configError(() => BackendConfig.fromValue(file, { env }))).toMatchObject({
      problem: 'unset_variable',
      variable: 'POSTGRES_DSN',
      field: 'connections.pg.options.dsn',
      file,
    });
  });

  it('fails on an unset variable in a plain object, naming the variable and the field', () => {
    expect(configError(() => BackendConfig.fromValue({ meta: { type: 'disk', options: { rootdir: '$NOPE_DIR' } } }, { env }))).toMatchObject({
      problem: 'unset_variable',
      variable: 'NOPE_DIR',
      field: 'meta.options.rootdir',
    });
  });

  it('names the file when a JSON file has a bad field', () => {
    const file = writeJson('bad-field.json', '{"version": 2}');
    expect(configError(() => BackendConfig.fromValue(file))).toMatchObject({ problem: 'invalid_field', field: 'version', file });
  });

  it('reports malformed JSON with path, line and column', () => {
    const file = writeJson('malformed.json', '{\n  "meta": {"use": "local",}\n}\n');
    expect(configError(() => BackendConfig.fromValue(file))).toMatchObject({ problem: 'malformed_json', file, line: 2, column: 27 });
  });

  it('reports a missing file', () => {
    const file = join(dir, 'nope.json');
    expect(configError(() => BackendConfig.fromValue(file))).toMatchObject({ problem: 'unreadable_file', file });
  });

  it.each([
    ['a number', 42],
    ['a list', [{ meta: { type: 'memory' } }]],
    ['a Map', new Map([['meta', { type: 'memory' }]])],
    ['null', null],
    ['an empty path', ''],
  ])('rejects %s as input', (_label, value) => {
    expect(configError(() => BackendConfig.fromValue(value as BackendConfigValue))).toMatchObject({ problem: 'invalid_input', field: 'backend' });
  });
});
