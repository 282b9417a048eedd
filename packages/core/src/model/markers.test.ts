import { ConfigurationError } from '@specstar/interfaces';
import { createDataCodec } from '../codec/codec';
import { binary, displayName, jobSchema, ref, unique } from './markers';
import { compileModel } from './model';
import { catchError } from '../../test/catch-error';


describe('unique / displayName', () => {
  it('return a marked copy and leave the input alone', () => {
    const input = { type: 'string', minLength: 1 };
    const marked = unique(input);
    expect(marked).toEqual({ type: 'string', minLength: 1, 'x-specstar-unique': true });
    expect(marked).not.toBe(input);
    expect(input).toEqual({ type: 'string', minLength: 1 });
    expect(displayName(input)).toEqual({ type: 'string', minLength: 1, 'x-specstar-display-name': true });
  });

  it('keep symbol keys (TypeBox [Kind]) of the wrapped schema', () => {
    const kind = Symbol.for('TypeBox.Kind');
    const input = { [kind]: 'String', type: 'string' };
    expect((unique(input) as Record<symbol, unknown>)[kind]).toBe('String');
    expect((ref('user', input) as Record<symbol, unknown>)[kind]).toBe('String');
  });

  it('reject something that is not a schema object', () => {
    expect(catchError(() => unique(null as unknown as object))).toBeInstanceOf(ConfigurationError);
    expect(catchError(() => displayName('string' as unknown as object))).toBeInstanceOf(ConfigurationError);
  });
});

describe('ref', () => {
  it('adds the reference marker with defaults dangling / resource_id', () => {
    expect(ref('user', { type: 'string' })).toEqual({
      type: 'string',
      'x-specstar-ref': { resource: 'user', on_delete: 'dangling', ref_type: 'resource_id' },
    });
  });

  it('records the options', () => {
    expect(ref('user', { type: ['string', 'null'] }, { onDelete: 'set_null' })['x-specstar-ref' as never]).toEqual({
      resource: 'user',
      on_delete: 'set_null',
      ref_type: 'resource_id',
    });
    expect(ref('post', { type: 'string' }, { refType: 'revision_id' })['x-specstar-ref' as never]).toEqual({
      resource: 'post',
      on_delete: 'dangling',
      ref_type: 'revision_id',
    });
  });

  it('rejects a revision reference with an on-delete action', () => {
    for (const onDelete of ['cascade', 'set_null', 'restrict'] as const) {
      expect(catchError(() => ref('post', { type: 'string' }, { refType: 'revision_id', onDelete }))).toBeInstanceOf(
        ConfigurationError,
      );
    }
  });

  it('rejects unknown options and a missing target', () => {
    expect(catchError(() => ref('user', { type: 'string' }, { onDelete: 'explode' as never }))).toBeInstanceOf(ConfigurationError);
    expect(catchError(() => ref('user', { type: 'string' }, { refType: 'uuid' as never }))).toBeInstanceOf(ConfigurationError);
    expect(catchError(() => ref('', { type: 'string' }))).toBeInstanceOf(ConfigurationError);
  });
});

describe('binary', () => {
  it('is the Binary object schema with the marker', () => {
    const schema = binary({ description: 'avatar' });
    expect(schema).toEqual({
      type: 'object',
      description: 'avatar',
      properties: {
        file_id: { type: 'string' },
        size: { type: 'integer', minimum: 0 },
        content_type: { type: 'string' },
        data: { type: 'string', contentEncoding: 'base64', 'x-specstar-bytes': true },
      },
      additionalProperties: false,
      'x-specstar-binary': true,
    });
    expect('description' in binary()).toBe(false);
  });

  it('returns a fresh object each time', () => {
    expect(binary()).not.toBe(binary());
  });
});

describe('jobSchema', () => {
  const job = jobSchema({ type: 'object', properties: { to: { type: 'string' } }, required: ['to'] });

  it('is marked as a job model', () => {
    expect(job['x-specstar-job']).toBe(true);
    expect(compileModel(job).isJob).toBe(true);
  });

  it('fills the job defaults, in declaration order (the upstream eleven, then next_run_at)', () => {
    const prepared = compileModel(job).prepare({ payload: { to: 'a@b' } });
    expect(prepared).toEqual({
      payload: { to: 'a@b' },
      status: 'pending',
      errmsg: null,
      artifact: null,
      retries: 0,
      max_retries: null,
      periodic_interval_seconds: null,
      periodic_max_runs: null,
      periodic_runs: 0,
      periodic_initial_delay_seconds: null,
      last_heartbeat_at: null,
      next_run_at: null,
    });
    const json = Buffer.from(createDataCodec('json', job).encode(prepared)).toString();
    expect(json).toBe(
      '{"payload":{"to":"a@b"},"status":"pending","errmsg":null,"artifact":null,"retries":0,"max_retries":null,' +
        '"periodic_interval_seconds":null,"periodic_max_runs":null,"periodic_runs":0,' +
        '"periodic_initial_delay_seconds":null,"last_heartbeat_at":null,"next_run_at":null}',
    );
  });

  it('validates the payload, the status and the artifact schema', () => {
    const typed = compileModel(jobSchema({ type: 'object' }, { type: 'object', properties: { url: { type: 'string' } } }));
    expect(() => typed.validate({ payload: {}, artifact: { url: 'x' } })).not.toThrow();
    expect(() => typed.validate({ payload: {}, artifact: null })).not.toThrow();
    const error = catchError(() => typed.validate({ payload: 3, status: 'sleeping', artifact: { url: 1 } })) as {
      issues: Array<{ path: string }>;
    };
    expect(error.issues.map((i) => i.path).sort()).toEqual(['/artifact/url', '/payload', '/status']);
  });

  it('requires the payload', () => {
    const error = catchError(() => compileModel(job).validate({})) as { issues: Array<{ path: string }> };
    expect(error.issues).toEqual([{ path: '/payload', message: expect.any(String) }]);
  });
});
