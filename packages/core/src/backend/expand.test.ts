import { ConfigurationError } from '@specstar/interfaces';
import { BackendConfigError } from './errors';
import { expandEnv } from './expand';

const env = { DSN: 'postgres://db/app', BUCKET: 'media', EMPTY: '', PORT: '5432' };

function expandError(value: unknown, environment: Record<string, string | undefined> = env): BackendConfigError {
  try {
    expandEnv(value, { env: environment });
  } catch (error) {
    if (error instanceof BackendConfigError) return error;
    throw error;
  }
  throw new Error('expected expandEnv to throw');
}

describe('expandEnv', () => {
  it('replaces ${NAME} and $NAME in string values, recursively through objects and lists', () => {
    const input = {
      connections: { pg: { type: 'postgres', options: { dsn: '${DSN}', hosts: ['a:$PORT', { port: '${PORT}' }] } } },
      count: 3,
      flag: true,
      nothing: null,
    };
    expect(expandEnv(input, { env })).toEqual({
      connections: { pg: { type: 'postgres', options: { dsn: 'postgres://db/app', hosts: ['a:5432', { port: '5432' }] } } },
      count: 3,
      flag: true,
      nothing: null,
    });
  });

  it('expands several references inside one string and leaves keys alone', () => {
    expect(expandEnv({ '${DSN}': 's3://${BUCKET}/x-$PORT-${PORT}' }, { env })).toEqual({ '${DSN}': 's3://media/x-5432-5432' });
  });

  it('returns a new tree and leaves the input untouched', () => {
    const input = { a: { b: '${BUCKET}' } };
    const output = expandEnv(input, { env }) as { a: { b: string } };
    expect(output).toEqual({ a: { b: 'media' } });
    expect(input).toEqual({ a: { b: '${BUCKET}' } });
  });

  it('expands a variable set to the empty string to the empty string', () => {
    expect(expandEnv({ prefix: 'x${EMPTY}y' }, { env })).toEqual({ prefix: 'xy' });
  });

  it('reads process.env when no environment is given', () => {
    process.env.SPECSTAR_TEST_EXPAND = 'from-process';
    try {
      expect(expandEnv({ v: '${SPECSTAR_TEST_EXPAND}' })).toEqual({ v: 'from-process' });
    } finally {
      delete process.env.SPECSTAR_TEST_EXPAND;
    }
  });

  it('keeps $$ as a literal dollar and a $ not followed by a name as is', () => {
    expect(expandEnv({ password: 'pa$$word', price: '$5 and 100$', lone: '$' }, { env })).toEqual({
      password: 'pa$word',
      price: '$5 and 100$',
      lone: '$',
    });
  });

  it('fails on an unset variable, naming the variable and the field that uses it', () => {
    const error = expandError({ connections: { pg: { options: { dsn: '${POSTGRES_DSN}' } } } });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ problem: 'unset_variable', variable: 'POSTGRES_DSN', field: 'connections.pg.options.dsn' });
  });

  it('fails on an unset bare $NAME inside a list, with the index in the field', () => {
    const error = expandError({ hosts: ['ok', 'x-$MISSING_HOST'] });
    expect(error).toMatchObject({ problem: 'unset_variable', variable: 'MISSING_HOST', field: 'hosts[1]' });
  });

  it.each([
    ['an unterminated reference', 'x-${DSN'],
    ['an empty reference', '${}'],
    ['a name starting with a digit', '${1DSN}'],
    ['a default-value form', '${DSN:-x}'],
  ])('rejects %s as a malformed reference', (_label, text) => {
    const error = expandError({ opts: { v: text } });
    expect(error).toMatchObject({ problem: 'invalid_reference', field: 'opts.v' });
  });

  it('keeps a "__proto__" key from JSON as a plain key', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": "${BUCKET}"}}') as unknown;
    const output = expandEnv(parsed, { env }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ polluted: 'media' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
