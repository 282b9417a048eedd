// Error mapping: every error class of @specstar/interfaces, the framework errors,
// the structured unique 409, the If-Match 412, and what the server answers to hostile bodies.
import * as interfaces from '@specstar/interfaces';
import {
  ArchiveFormatError,
  BlobNotFoundError,
  BlobTooLargeError,
  CannotModifyResourceError,
  InvalidReferenceError,
  JobStateError,
  ReferenceRestrictError,
  ConfigurationError,
  DuplicateResourceError,
  MigrationError,
  MissingOperationContextError,
  ModelNotFoundError,
  NotSupportedError,
  PatchError,
  PermissionDeniedError,
  QueryError,
  ResourceConflictError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  ResourceNotFoundError,
  RevisionIDNotFoundError,
  RevisionMismatchError,
  RevisionNotFoundError,
  RevisionNotMigratedError,
  SchemaConflictError,
  ServiceUnavailableError,
  SpecStarError,
  UniqueConstraintError,
  UploadSessionNotFoundError,
  UploadSessionStateError,
  ValidationError,
  type EventContext,
  type IEventHandler,
} from '@specstar/interfaces';
import { SpecStar } from '@specstar/core';
import { HttpError, RequestValidationError, errorResponse } from '../src';
import { ItemSchema, TAKEN_BY, TAKEN_EMAIL, makeRegistry, makeServer, type TestServer } from './helpers';

const plain = { deletedStatus: 404 as const, preconditionGiven: false };

describe('errorResponse: every error class of @specstar/interfaces', () => {
  const cases: Array<[string, unknown, number, unknown]> = [
    ['ValidationError (type)', new ValidationError('bad age', { kind: 'type' }), 422, 'bad age'],
    ['ValidationError (custom)', new ValidationError('refused'), 422, 'refused'],
    ['QueryError', new QueryError('bad query'), 400, 'bad query'],
    ['PatchError', new PatchError('bad patch', 0), 400, 'bad patch'],
    ['PermissionDeniedError', new PermissionDeniedError('no'), 403, 'no'],
    ['ResourceIDNotFoundError', new ResourceIDNotFoundError('item:1'), 404, "Resource 'item:1' not found."],
    ['ResourceIsDeletedError', new ResourceIsDeletedError('item:1'), 404, "Resource 'item:1' is deleted."],
    ['RevisionIDNotFoundError', new RevisionIDNotFoundError('item:1', 'item:1:2'), 404, "Revision 'item:1:2' of Resource 'item:1' not found."],
    ['JobStateError (rerun of a running job)', new JobStateError('job:1', 'processing'), 400, "Cannot rerun a job with status 'processing'. Only completed or failed jobs can be rerun."],
    ['RevisionNotFoundError', new RevisionNotFoundError(''), 404, 'Not found'],
    ['ResourceNotFoundError', new ResourceNotFoundError('gone'), 404, 'gone'],
    ['BlobNotFoundError (a write names an unknown blob)', new BlobNotFoundError('abc'), 404, "Blob with file_id 'abc' does not exist"],
    ['InvalidReferenceError', new InvalidReferenceError('author', 'user', 'user:x'), 422, new InvalidReferenceError('author', 'user', 'user:x').message],
    ['ModelNotFoundError', new ModelNotFoundError('weapon'), 404, "Model 'weapon' not found"],
    ['CannotModifyResourceError', new CannotModifyResourceError('item:1'), 409, new CannotModifyResourceError('item:1').message],
    ['DuplicateResourceError', new DuplicateResourceError('item:1'), 409, "Resource 'item:1' already exists"],
    ['SchemaConflictError', new SchemaConflictError('versions differ'), 409, 'versions differ'],
    ['RevisionNotMigratedError', new RevisionNotMigratedError('item:1', 'item:1:1', 'v1', 'v2'), 409, new RevisionNotMigratedError('item:1', 'item:1:1', 'v1', 'v2').message],
    ['ResourceConflictError', new ResourceConflictError('conflict'), 409, 'conflict'],
    ['RevisionMismatchError (no If-Match)', new RevisionMismatchError('item:1', 'item:1:1', 'item:1:2'), 409, new RevisionMismatchError('item:1', 'item:1:1', 'item:1:2').message],
    ['BlobTooLargeError (upload sessions)', new BlobTooLargeError(10, 'More than 10 bytes'), 413, 'More than 10 bytes'],
    ['UploadSessionNotFoundError', new UploadSessionNotFoundError('u1'), 404, "Upload session 'u1' not found"],
    ['UploadSessionStateError', new UploadSessionStateError('u1', "Upload session 'u1' is already finalized"), 409, "Upload session 'u1' is already finalized"],
    ['NotSupportedError', new NotSupportedError('no blob store'), 501, 'no blob store'],
    ['NotSupportedError (empty)', new NotSupportedError(''), 501, 'Not implemented'],
    ['ServiceUnavailableError (a broker is down)', new ServiceUnavailableError('RabbitMQ at 127.0.0.1:5672 is unreachable'), 503, 'RabbitMQ at 127.0.0.1:5672 is unreachable'],
    ['MigrationError', new MigrationError('no path'), 400, 'no path'],
    ['ArchiveFormatError', new ArchiveFormatError('truncated', 12), 400, 'truncated'],
    ['SpecStarError', new SpecStarError('odd'), 400, 'odd'],
    ['ConfigurationError (server setup)', new ConfigurationError('bad setup'), 500, 'Internal Server Error'],
    ['MissingOperationContextError (server setup)', new MissingOperationContextError(['user'], 'create'), 500, 'Internal Server Error'],
    ['HttpError', new HttpError(418, 'teapot'), 418, 'teapot'],
    ['TypeError', new TypeError("Cannot read properties of undefined (reading 'x')"), 500, 'Internal Server Error'],
    ['a thrown string', 'boom', 500, 'Internal Server Error'],
    ['null', null, 500, 'Internal Server Error'],
  ];

  it.each(cases)('%s → %i', (_name, error, status, detail) => {
    const response = errorResponse(error, plain);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ detail });
  });

  it('UniqueConstraintError → 409 with the structured detail', () => {
    const response = errorResponse(new UniqueConstraintError('email', 'a@b.c', 'member:1'), plain);
    expect(response.status).toBe(409);
    expect(response.body.detail).toEqual({ message: expect.any(String), field: 'email', conflicting_resource_id: 'member:1', code: 'UNIQUE_CONSTRAINT' });
  });

  it('ReferenceRestrictError → 409 with the referrers; ids capped at 10 000 per group', () => {
    const many = Array.from({ length: 10_005 }, (_, i) => `post:${i}`);
    const error = new ReferenceRestrictError('user:1', [{ source: 'post', source_field: 'author', resource_ids: many }]);
    const response = errorResponse(error, plain);
    expect(response.status).toBe(409);
    const detail = response.body.detail as { referrers: Array<{ resource_ids: string[] }> };
    expect(detail).toEqual({
      message: error.message,
      code: 'REFERENCE_RESTRICT',
      resource_id: 'user:1',
      referrers: [{ source: 'post', source_field: 'author', resource_ids: many.slice(0, 10_000) }],
    });
  });

  it('RevisionMismatchError with If-Match → 412 with the precondition body', () => {
    const response = errorResponse(new RevisionMismatchError('item:1', 'item:1:1', 'item:1:2'), { ...plain, preconditionGiven: true });
    expect(response.status).toBe(412);
    expect(response.body.detail).toEqual({ message: expect.any(String), code: 'PRECONDITION_FAILED', expected_revision_id: 'item:1:1', actual_revision_id: 'item:1:2' });
  });

  it('ResourceIsDeletedError follows deletedStatus (410 behind the setting)', () => {
    expect(errorResponse(new ResourceIsDeletedError('item:1'), { ...plain, deletedStatus: 410 }).status).toBe(410);
    expect(errorResponse(new ResourceIDNotFoundError('item:1'), { ...plain, deletedStatus: 410 }).status).toBe(404);
  });

  it('RequestValidationError → 422 with the list detail', () => {
    const issue = { type: 'missing', loc: ['body'], msg: 'Field required', input: null };
    expect(errorResponse(new RequestValidationError([issue]), plain)).toMatchObject({ status: 422, body: { detail: [issue] } });
  });

  it('framework (body-parser) errors: size → 413, syntax → 422 json_invalid, exposed 4xx pass through', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large', limit: 100 });
    expect(errorResponse(tooLarge, plain)).toMatchObject({ status: 413, body: { detail: expect.any(String) } });
    const syntax = Object.assign(new SyntaxError('Unexpected token } in JSON at position 7'), { status: 400, expose: true, type: 'entity.parse.failed' });
    expect(errorResponse(syntax, plain).body.detail).toEqual([
      { type: 'json_invalid', loc: ['body', 7], msg: 'JSON decode error', input: {}, ctx: { error: 'Unexpected token } in JSON at position 7' } },
    ]);
    const charset = Object.assign(new Error('unsupported charset "UTF-7"'), { status: 415, expose: true, type: 'charset.unsupported' });
    expect(errorResponse(charset, plain)).toMatchObject({ status: 415, body: { detail: 'unsupported charset "UTF-7"' } });
    const hidden = Object.assign(new Error('stream encoding should not be set'), { status: 500, expose: false });
    expect(errorResponse(hidden, plain)).toMatchObject({ status: 500, body: { detail: 'Internal Server Error' } });
    const privateMessage = Object.assign(new Error('internal detail'), { status: 400, expose: false });
    expect(errorResponse(privateMessage, plain)).toMatchObject({ status: 400, body: { detail: 'Bad Request' } });
    const undecodable = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 });
    expect(errorResponse(undecodable, plain)).toMatchObject({ status: 400, body: { detail: "Failed to decode param '%E0%A4%A'" } });
  });

  it('covers every SpecStarError subclass that @specstar/interfaces exports', () => {
    const covered = new Set(cases.map(([, error]) => (error as object | null)?.constructor).filter(Boolean));
    covered.add(UniqueConstraintError);
    covered.add(ReferenceRestrictError);
    const exported = Object.values(interfaces).filter(
      (value): value is typeof SpecStarError => typeof value === 'function' && (value === SpecStarError || value.prototype instanceof SpecStarError),
    );
    expect(exported.length).toBeGreaterThan(20);
    for (const cls of exported) expect([cls.name, covered.has(cls)]).toEqual([cls.name, true]);
  });
});

describe('errors over HTTP', () => {
  let server: TestServer;
  beforeEach(() => {
    server = makeServer();
  });

  it('a unique conflict raised by a before-create handler → 409 with the structured body', async () => {
    const res = await server.http.post('/member').send({ email: TAKEN_EMAIL }).expect(409);
    expect(res.body).toEqual({ detail: { message: expect.any(String), field: 'email', conflicting_resource_id: TAKEN_BY, code: 'UNIQUE_CONSTRAINT' } });
    expect((await server.http.get('/member/count').expect(200)).body).toBe(0);
    // the same mapping on update
    const id = (await server.http.post('/member').send({ email: 'free@example.com' }).expect(200)).body.resource_id;
    const update = await server.http.put(`/member/${id}`).send({ email: TAKEN_EMAIL }).expect(409);
    expect(update.body.detail).toMatchObject({ field: 'email', conflicting_resource_id: TAKEN_BY });
  });

  it('unknown paths → 404 {"detail":"Not Found"}; known paths with another method → 405', async () => {
    for (const path of ['/', '/item/a/b', '/item/a/switch', '/nothing/x/restore', '/nothing/x/blobs/y', '/item/x/referrers']) {
      const res = await server.http.get(path).expect(404);
      expect(res.body).toEqual({ detail: 'Not Found' });
    }
    const cases: Array<[string, string, string]> = [
      ['put', '/item', 'GET, POST, DELETE'],
      ['post', '/item/item:1', 'GET, PUT, PATCH, DELETE'],
      ['patch', '/item/item:1/restore', 'POST'],
      ['get', '/item/item:1/switch/item:1:1', 'POST'],
      ['post', '/item/count', 'GET, PUT, PATCH, DELETE'],
      ['get', '/item/item:1/permanently', 'DELETE'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await server.http[method as 'get'](path).expect(405);
      expect(res.body).toEqual({ detail: 'Method Not Allowed' });
      expect(res.headers['allow']).toBe(allow);
    }
    // a wrong method on an unregistered model is still 404
    await server.http.put('/nothing').expect(404);
  });

  it('malformed JSON → framework 422 (json_invalid) naming the position', async () => {
    const res = await server.http.post('/item').set('Content-Type', 'application/json').send('{"name": "x",}').expect(422);
    expect(res.body.detail).toHaveLength(1);
    expect(res.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 13], msg: 'JSON decode error' });
    await server.http.patch('/item/item:1').set('Content-Type', 'application/merge-patch+json').send('{').expect(422);
  });

  it('a body beyond the limit → 413 (default 1mb)', async () => {
    const big = { name: 'x'.repeat(1024 * 1024 + 10) };
    const res = await server.http.post('/item').send(big).expect(413);
    expect(typeof res.body.detail).toBe('string');
    const small = makeServer({ http: { bodyLimit: 64 } });
    await small.http.post('/item').send({ name: 'y'.repeat(100) }).expect(413);
    await small.http.post('/item').send({ name: 'ok' }).expect(200);
  });

  it('bodies nested deeper than the cap → 400, nothing written', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 600; i++) deep = [deep];
    const res = await server.http.post('/item').send({ name: 'deep', note: deep }).expect(400);
    expect(typeof res.body.detail).toBe('string');
    expect((await server.http.get('/item/count').expect(200)).body).toBe(0);
  });

  it('an unexpected error → 500 with a generic detail, logged, nothing leaked', async () => {
    const broken: IEventHandler = {
      isSupported: (ctx: EventContext) => ctx.context_type === 'BeforeCreate',
      handleEvent: () => {
        throw new TypeError('secret internals at /srv/app.js:12');
      },
    };
    const spec = new SpecStar({ eventHandlers: [broken] });
    spec.addModel(ItemSchema, { name: 'item' });
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await makeServer({ spec }).http.post('/item').send({ name: 'x' }).expect(500);
      expect(res.body).toEqual({ detail: 'Internal Server Error' });
      expect(res.text).not.toContain('secret');
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
  });

  it('a malformed percent-encoding in the path is a 400, not a crash', async () => {
    const res = await server.http.get('/item/%E0%A4%A').expect(400);
    expect(typeof res.body.detail).toBe('string');
  });

  it('deletedStatus: 410 answers soft-deleted reads and writes with 410', async () => {
    const gone = makeServer({ http: { deletedStatus: 410 } });
    const id = (await gone.http.post('/item').send({ name: 'x' }).expect(200)).body.resource_id;
    await gone.http.delete(`/item/${id}`).expect(200);
    const res = await gone.http.get(`/item/${id}`).expect(410);
    expect(typeof res.body.detail).toBe('string');
    await gone.http.put(`/item/${id}`).send({ name: 'y' }).expect(410);
    await gone.http.get('/item/item:unknown').expect(404);
  });

  it('a provider that refuses the caller maps through the same table (403)', async () => {
    const denied = makeServer({
      spec: makeRegistry(),
      http: {
        dependencyProvider: {
          getUser: () => {
            throw new PermissionDeniedError('who are you?');
          },
        },
      },
    });
    expect((await denied.http.post('/item').send({ name: 'x' }).expect(403)).body).toEqual({ detail: 'who are you?' });
  });
});
