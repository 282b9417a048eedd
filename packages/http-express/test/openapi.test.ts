import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { binary, displayName, jobSchema, ref, SpecStar, unique } from '@specstar/core';
import { ConfigurationError } from '@specstar/interfaces';
import { openapi } from '../src/openapi';

type Json = Record<string, any>;

/**
 * The validator is ESM-only and jest runs CommonJS here, so it runs in a plain Node process
 * that reads the document on stdin and prints `{ valid, errors }`.
 */
function validateDocument(doc: unknown): { valid: boolean; errors?: unknown } {
  const entry = pathToFileURL(require.resolve('@seriousme/openapi-schema-validator')).href;
  const script = `
    import { Validator } from ${JSON.stringify(entry)};
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk;
    const result = await new Validator().validate(JSON.parse(text));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(doc),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as { valid: boolean; errors?: unknown };
}

const USER_SCHEMA = {
  title: 'User',
  description: 'A player account',
  type: 'object',
  properties: {
    name: displayName({ type: 'string', minLength: 1 }),
    email: unique({ type: 'string', format: 'email' }),
    role: { type: 'string', enum: ['admin', 'member'], default: 'member' },
    nickname: { type: ['string', 'null'] },
    address: { $ref: '#/$defs/Address' },
    tags: { type: 'array', items: { type: 'string' } },
    avatar: binary(),
  },
  required: ['name', 'email'],
  $defs: {
    Address: {
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['city'],
    },
  },
};

const GUILD_SCHEMA = {
  title: 'Guild',
  type: 'object',
  properties: {
    name: { type: 'string' },
    leader: { anyOf: [ref('user', { type: 'string' }, { onDelete: 'set_null' }), { type: 'null' }] },
    members: { type: 'array', items: ref('user', { type: 'string' }) },
    charter: ref('user', { type: 'string' }, { refType: 'revision_id' }),
    hall: { type: 'object', properties: { keeper: ref('user', { type: 'string' }, { onDelete: 'cascade' }) } },
    root: { $ref: '#/$defs/Node' },
  },
  $defs: {
    Node: {
      type: 'object',
      properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
    },
  },
};

function registry(): SpecStar {
  const spec = new SpecStar();
  spec.addModel(USER_SCHEMA, { indexedFields: ['role'] });
  spec.addModel(GUILD_SCHEMA);
  spec.addModel(jobSchema({ type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] }), {
    name: 'render-job',
  });
  return spec;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Follows one local `$ref` (`#/…`) of the document. */
function deref(doc: Json, node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  return resolvePointer(doc, node.$ref) as Json;
}

function resolvePointer(doc: Json, reference: string): unknown {
  expect(reference.startsWith('#/')).toBe(true);
  let node: unknown = doc;
  for (const raw of reference.slice(2).split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(segment in node)) return undefined;
    node = (node as Json)[segment];
  }
  return node;
}

function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) allRefs(item, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else allRefs(value, out);
    }
  }
  return out;
}

function parameterNames(doc: Json, operation: Json): string[] {
  return (operation.parameters as Json[]).map((p) => {
    const param = deref(doc, p);
    return param.in === 'query' ? param.name : `${param.in}:${param.name}`;
  });
}

const SEARCH = [
  'qb',
  'is_deleted',
  'created_time_start',
  'created_time_end',
  'updated_time_start',
  'updated_time_end',
  'created_bys',
  'updated_bys',
  'rev_statuses',
  'rev_created_bys',
  'rev_updated_bys',
  'rev_created_time_start',
  'rev_created_time_end',
  'rev_updated_time_start',
  'rev_updated_time_end',
  'data_conditions',
  'conditions',
  'sorts',
  'limit',
  'offset',
];

describe('openapi(): the document as a whole', () => {
  test('validates against the OpenAPI 3.1 schema, with and without options', () => {
    const spec = registry();
    for (const doc of [openapi(spec), openapi(spec, { prefix: '/api/v1', deletedStatus: 410, title: 'Game', version: '2.0.0' }), openapi(new SpecStar())]) {
      expect(validateDocument(doc)).toEqual({ valid: true });
    }
  });

  test('the schema validator does reject a broken document', () => {
    const doc = openapi(registry()) as Json;
    delete doc.info;
    (doc.paths['/user'] as Json).get.responses = 'none';
    expect(validateDocument(doc).valid).toBe(false);
  });

  test('openapi 3.1.0 with default and configured info', () => {
    const spec = registry();
    expect(openapi(spec).openapi).toBe('3.1.0');
    expect(openapi(spec).info).toEqual({ title: 'SpecStar API', version: '0.1.0' });
    expect(openapi(spec, { title: 'Game', version: '2.0.0' }).info).toEqual({ title: 'Game', version: '2.0.0' });
  });

  test('one tag per model, in registration order, with the schema description', () => {
    expect(openapi(registry()).tags).toEqual([{ name: 'user', description: 'A player account' }, { name: 'guild' }, { name: 'render-job' }]);
  });

  test('every $ref of the document resolves inside it', () => {
    const doc = openapi(registry(), { deletedStatus: 410 }) as Json;
    const refs = allRefs(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const reference of refs) expect([reference, resolvePointer(doc, reference) !== undefined]).toEqual([reference, true]);
  });

  test('is deterministic and leaves the model schemas untouched', () => {
    const before = JSON.stringify(USER_SCHEMA);
    const spec = registry();
    const first = JSON.stringify(openapi(spec));
    expect(JSON.stringify(openapi(spec))).toBe(first);
    expect(JSON.stringify(openapi(registry()))).toBe(first);
    expect(JSON.stringify(USER_SCHEMA)).toBe(before);
    const keys = Object.keys((openapi(spec).components as Json).schemas);
    expect(keys).toEqual([...keys].sort());
  });

  test('returns a tree without shared objects', () => {
    const doc = openapi(registry()) as Json;
    doc.paths['/user'].get.parameters.push({ name: 'extra', in: 'query' });
    expect(doc.paths['/user/full'].get.parameters.map((p: Json) => p.name ?? p.$ref)).not.toContain('extra');
  });

  test('an empty registry has only the global routes', () => {
    const doc = openapi(new SpecStar()) as Json;
    expect(Object.keys(doc.paths)).toEqual([
      '/_health',
      '/_health/ready',
      '/_relationships',
      '/_backup/export',
      '/_backup/import',
      '/blobs/upload',
      '/blobs/{file_id}',
      '/blobs/upload-sessions',
      '/blobs/upload-sessions/{upload_id}',
      '/blobs/upload-sessions/{upload_id}/content',
      '/blobs/upload-sessions/{upload_id}/finalize',
      '/blobs/upload-sessions/{upload_id}/abort',
    ]);
    expect(doc['x-specstar-relationships']).toBeUndefined();
    expect(validateDocument(doc)).toEqual({ valid: true });
  });
});

describe('openapi(): paths', () => {
  test('the model routes of every model, under the prefix, with their methods', () => {
    const doc = openapi(registry(), { prefix: 'api/v1/' }) as Json;
    const userPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/user'));
    const methods = Object.fromEntries(userPaths.map((p) => [p, METHODS.filter((m) => m in doc.paths[p])]));
    expect(methods).toEqual({
      '/api/v1/user': ['get', 'post', 'delete'],
      '/api/v1/user/full': ['get'],
      '/api/v1/user/data': ['get'],
      '/api/v1/user/meta': ['get'],
      '/api/v1/user/revision-info': ['get'],
      '/api/v1/user/count': ['get'],
      '/api/v1/user/restore': ['post'],
      '/api/v1/user/export': ['get'],
      '/api/v1/user/import': ['post'],
      '/api/v1/user/{resource_id}': ['get', 'put', 'delete', 'patch'],
      '/api/v1/user/{resource_id}/full': ['get'],
      '/api/v1/user/{resource_id}/data': ['get'],
      '/api/v1/user/{resource_id}/meta': ['get'],
      '/api/v1/user/{resource_id}/revision-info': ['get'],
      '/api/v1/user/{resource_id}/revision-list': ['get'],
      '/api/v1/user/{resource_id}/switch/{revision_id}': ['post'],
      '/api/v1/user/{resource_id}/restore': ['post'],
      '/api/v1/user/{resource_id}/permanently': ['delete'],
      '/api/v1/user/{resource_id}/diff': ['get'],
      // user has a Binary field and guild refers to it
      '/api/v1/user/{resource_id}/blobs/{file_id}': ['get'],
      '/api/v1/user/{resource_id}/referrers': ['get'],
    });
    // 19 per model, the blob and referrers routes of user, 12 global routes (health, relationships, backup, blobs, upload sessions)
    expect(Object.keys(doc.paths)).toHaveLength(3 * 19 + 2 + 12);
    expect(Object.keys(doc.paths).filter((p) => p.endsWith('/referrers') || p.includes('/blobs/{file_id}'))).toEqual([
      '/api/v1/user/{resource_id}/blobs/{file_id}',
      '/api/v1/user/{resource_id}/referrers',
      '/api/v1/blobs/{file_id}',
    ]);
    expect(Object.keys(doc.paths)).toContain('/api/v1/render-job/{resource_id}/switch/{revision_id}');
  });

  test('a root prefix adds nothing; a prefix with template braces is refused', () => {
    expect(Object.keys(openapi(registry(), { prefix: '/' }).paths as Json)[0]).toBe('/user');
    expect(() => openapi(registry(), { prefix: '/{tenant}' })).toThrow(ConfigurationError);
  });

  test('exactly the deprecated variants are marked deprecated', () => {
    const doc = openapi(registry()) as Json;
    const deprecated: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      if (!path.startsWith('/user')) continue;
      for (const method of METHODS) if (item[method]?.deprecated === true) deprecated.push(`${method.toUpperCase()} ${path}`);
    }
    expect(deprecated.sort()).toEqual(
      [
        'GET /user/full',
        'GET /user/data',
        'GET /user/meta',
        'GET /user/revision-info',
        'GET /user/{resource_id}/full',
        'GET /user/{resource_id}/data',
        'GET /user/{resource_id}/meta',
        'GET /user/{resource_id}/revision-info',
      ].sort(),
    );
    expect('deprecated' in doc.paths['/user'].get).toBe(false);
  });

  test('operation ids are unique, readable and tagged by model', () => {
    const spec = registry();
    spec.addModel({ type: 'object' }, { name: 'a-b' });
    spec.addModel({ type: 'object' }, { name: 'a_b' });
    const doc = openapi(spec) as Json;
    const ids: string[] = [];
    for (const item of Object.values(doc.paths as Json)) for (const method of METHODS) if (item[method]) ids.push(item[method].operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/user'].post.operationId).toBe('create_user');
    expect(doc.paths['/render-job'].get.operationId).toBe('list_render_job');
    expect(doc.paths['/a-b'].get.operationId).toBe('list_a_b');
    expect(doc.paths['/a_b'].get.operationId).toBe('list_a_b_2');
    expect(doc.paths['/guild/{resource_id}/switch/{revision_id}'].post.tags).toEqual(['guild']);
  });

  test('list, count and batch routes take the search parameters', () => {
    const doc = openapi(registry()) as Json;
    expect(parameterNames(doc, doc.paths['/user'].get)).toEqual([...SEARCH, 'returns', 'partial', 'partial[]']);
    expect(parameterNames(doc, doc.paths['/user/full'].get)).toEqual([...SEARCH, 'returns', 'partial', 'partial[]']);
    expect(parameterNames(doc, doc.paths['/user/meta'].get)).toEqual([...SEARCH, 'partial', 'partial[]']);
    expect(parameterNames(doc, doc.paths['/user/count'].get)).toEqual(SEARCH);
    const batch = SEARCH.filter((name) => name !== 'is_deleted');
    expect(parameterNames(doc, doc.paths['/user'].delete)).toEqual(batch);
    expect(parameterNames(doc, doc.paths['/user/restore'].post)).toEqual(batch);
  });

  test('search parameter entries: JSON-in-query, booleans, integers, repeatable lists', () => {
    const doc = openapi(registry()) as Json;
    const byName = Object.fromEntries((doc.paths['/user'].get.parameters as Json[]).map((p) => [deref(doc, p).name, deref(doc, p)]));
    expect(byName.data_conditions).toEqual({
      name: 'data_conditions',
      in: 'query',
      description: expect.any(String),
      required: false,
      deprecated: true,
      content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/SearchFilter' } } } },
    });
    expect(byName.sorts.content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/SearchSort' } });
    expect(byName.is_deleted.schema).toEqual({ type: 'boolean', default: false });
    expect(byName.limit.schema).toEqual({ type: 'integer', minimum: 0 });
    expect(byName.offset.schema).toEqual({ type: 'integer', minimum: 0, default: 0 });
    expect(byName.created_bys.schema).toEqual({ type: 'array', items: { type: 'string' } });
    expect(byName.rev_statuses.schema).toEqual({ type: 'array', items: { type: 'string', enum: ['draft', 'stable'] } });
    expect(byName['partial[]'].schema).toEqual({ type: 'array', items: { type: 'string' } });
    expect(byName.returns.schema).toEqual({ type: 'string', default: 'data,revision_info,meta' });
  });

  test('item reads and the revision list take their own parameters', () => {
    const doc = openapi(registry()) as Json;
    const item = '/user/{resource_id}';
    expect(parameterNames(doc, doc.paths[item].get)).toEqual(['path:resource_id', 'revision_id', 'returns', 'partial', 'partial[]', 'include_deleted']);
    expect(parameterNames(doc, doc.paths[`${item}/data`].get)).toEqual(['path:resource_id', 'revision_id', 'partial', 'partial[]', 'include_deleted']);
    expect(parameterNames(doc, doc.paths[`${item}/meta`].get)).toEqual(['path:resource_id', 'partial', 'partial[]', 'include_deleted']);
    expect(parameterNames(doc, doc.paths[`${item}/revision-list`].get)).toEqual([
      'path:resource_id',
      'limit',
      'offset',
      'sort',
      'created_time_start',
      'created_time_end',
      'from_revision_id',
      'chain_only',
      'cursor',
      'partial',
      'partial[]',
      'include_deleted',
    ]);
    expect(parameterNames(doc, doc.paths[`${item}/switch/{revision_id}`].post)).toEqual(['path:resource_id', 'path:revision_id', 'header:If-Match']);
    for (const op of [doc.paths[item].delete, doc.paths[`${item}/restore`].post, doc.paths[`${item}/permanently`].delete]) {
      expect(parameterNames(doc, op)).toEqual(['path:resource_id', 'header:If-Match']);
    }
    expect(parameterNames(doc, doc.paths[`${item}/diff`].get)).toEqual(['path:resource_id', 'from', 'to', 'include_deleted']);
    const params = (doc.paths[`${item}/revision-list`].get.parameters as Json[]).map((p) => deref(doc, p));
    expect(params[0]).toEqual({ name: 'resource_id', in: 'path', description: expect.any(String), required: true, schema: { type: 'string' } });
    expect(params[1]?.schema).toEqual({ type: 'integer', minimum: 1, default: 10 });
    expect(params[3]?.schema).toEqual({ type: 'string', enum: ['created_time', '-created_time'], default: '-created_time' });
  });

  test('PUT and PATCH: mode, change_status, If-Match, and their bodies', () => {
    const doc = openapi(registry()) as Json;
    const item = doc.paths['/user/{resource_id}'];
    for (const op of [item.put, item.patch]) {
      expect(parameterNames(doc, op)).toEqual(['path:resource_id', 'mode', 'change_status', 'header:If-Match']);
    }
    const [, mode, changeStatus, ifMatch] = (item.put.parameters as Json[]).map((p) => deref(doc, p));
    expect(mode?.schema).toEqual({ type: 'string', enum: ['update', 'modify'], default: 'update' });
    expect(changeStatus?.schema).toEqual({ type: 'string', enum: ['draft', 'stable'] });
    expect(ifMatch).toMatchObject({ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } });
    // A status-only modify sends no body.
    expect(item.put.requestBody).toEqual({
      description: 'The full user data',
      required: false,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
    });
    expect(item.patch.requestBody.required).toBe(true);
    expect(Object.keys(item.patch.requestBody.content)).toEqual(['application/json', 'application/merge-patch+json']);
    expect(item.patch.requestBody.content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/RFC6902' },
    });
    expect(doc.paths['/user'].post.requestBody).toEqual({
      description: 'The user data',
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
    });
  });

  test('success responses: record shapes and the ETag / X-Has-More headers', () => {
    const doc = openapi(registry()) as Json;
    const schemaOf = (op: Json): Json => op.responses['200'].content['application/json'].schema;
    const schemas = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
    const item = '/user/{resource_id}';
    expect(schemaOf(doc.paths['/user'].post)).toEqual(schemas('RevisionInfo'));
    expect(schemaOf(doc.paths[item].get)).toEqual(schemas('FullResourceResponse_User_'));
    expect(schemaOf(doc.paths[`${item}/data`].get)).toEqual(schemas('User'));
    expect(schemaOf(doc.paths[`${item}/meta`].get)).toEqual(schemas('ResourceMeta'));
    expect(schemaOf(doc.paths[`${item}/revision-list`].get)).toEqual(schemas('RevisionListResponse'));
    expect(schemaOf(doc.paths[item].put)).toEqual(schemas('RevisionInfo'));
    expect(schemaOf(doc.paths[`${item}/switch/{revision_id}`].post)).toEqual(schemas('ResourceMeta'));
    expect(schemaOf(doc.paths[`${item}/permanently`].delete)).toEqual(schemas('ResourceMeta'));
    expect(schemaOf(doc.paths['/user'].get)).toEqual({ type: 'array', items: schemas('FullResourceResponse_User_') });
    expect(schemaOf(doc.paths['/user/data'].get)).toEqual({ type: 'array', items: schemas('User') });
    expect(schemaOf(doc.paths['/user/revision-info'].get)).toEqual({ type: 'array', items: schemas('RevisionInfo') });
    expect(schemaOf(doc.paths['/user'].delete)).toEqual({ type: 'array', items: schemas('ResourceMeta') });
    expect(schemaOf(doc.paths['/user/count'].get)).toEqual({ type: 'integer', minimum: 0 });

    for (const op of [doc.paths[item].get, doc.paths[item].put, doc.paths[item].patch, doc.paths['/user'].post]) {
      expect(Object.keys(op.responses['200'].headers)).toEqual(['ETag']);
    }
    // Meta answers carry the ETag of the current revision, for If-Match and If-None-Match.
    expect(Object.keys(doc.paths[`${item}/meta`].get.responses['200'].headers)).toEqual(['ETag']);
    for (const path of ['/user', '/user/full', '/user/data', '/user/meta', '/user/revision-info']) {
      expect(doc.paths[path].get.responses['200'].headers['X-Has-More'].schema).toEqual({ type: 'string', enum: ['true', 'false'] });
    }
    expect(doc.paths['/user/count'].get.responses['200'].headers).toBeUndefined();
  });

  test('error responses per route, by reference', () => {
    const doc = openapi(registry()) as Json;
    const codes = (op: Json): string[] => Object.keys(op.responses);
    const item = '/user/{resource_id}';
    expect(codes(doc.paths['/user'].post)).toEqual(['200', '400', '403', '404', '409', '413', '422']);
    // No Binary field: no unknown-blob 404 on create.
    expect(codes(doc.paths['/guild'].post)).toEqual(['200', '400', '403', '409', '413', '422']);
    expect(codes(doc.paths[item].get)).toEqual(['200', '304', '400', '403', '404', '422']);
    expect(codes(doc.paths[item].put)).toEqual(['200', '400', '403', '404', '409', '412', '413', '422']);
    expect(codes(doc.paths[item].patch)).toEqual(['200', '400', '403', '404', '409', '412', '413', '422']);
    expect(codes(doc.paths['/user'].get)).toEqual(['200', '400', '403', '422']);
    expect(codes(doc.paths[`${item}/switch/{revision_id}`].post)).toEqual(['200', '400', '403', '404', '409', '412']);
    expect(doc.paths[item].put.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
    expect(doc.paths[item].put.responses['412']).toEqual({ $ref: '#/components/responses/PreconditionFailed' });
    expect(doc.paths['/user'].post.responses['422']).toEqual({ $ref: '#/components/responses/UnprocessableContent' });
  });

  test('deletedStatus 410 adds Gone where a soft-deleted resource is refused', () => {
    const plain = openapi(registry()) as Json;
    expect(allRefs(plain)).not.toContain('#/components/responses/Gone');
    expect(plain.components.responses.Gone).toBeUndefined();

    const doc = openapi(registry(), { deletedStatus: 410 }) as Json;
    const item = '/user/{resource_id}';
    const has410 = (op: Json): boolean => '410' in op.responses;
    expect(doc.paths[item].get.responses['410']).toEqual({ $ref: '#/components/responses/Gone' });
    for (const op of [doc.paths[item].put, doc.paths[item].patch, doc.paths[item].delete, doc.paths[`${item}/revision-list`].get]) {
      expect(has410(op)).toBe(true);
    }
    // restore and purge work on deleted resources; lists never read one.
    for (const op of [doc.paths[`${item}/restore`].post, doc.paths[`${item}/permanently`].delete, doc.paths['/user'].get]) {
      expect(has410(op)).toBe(false);
    }
    expect(doc.components.responses.Gone.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HTTPError' });
  });
});

describe('openapi(): integrity, blob and backup routes', () => {
  const doc = openapi(registry()) as Json;
  const responseOf = (op: Json, status: string): Json => deref(doc, op.responses[status]);

  test('per-model export and import', () => {
    const exportOp = doc.paths['/user/export'].get;
    expect(exportOp.operationId).toBe('export_user');
    expect(parameterNames(doc, exportOp)).toEqual(['qb', 'is_deleted']);
    expect(Object.keys(exportOp.responses['200'].content)).toEqual(['application/octet-stream']);
    expect(exportOp.responses['200'].headers['Content-Disposition'].description).toContain('user.acbak');
    const importOp = doc.paths['/user/import'].post;
    expect(parameterNames(doc, importOp)).toEqual(['on_duplicate']);
    expect(deref(doc, importOp.parameters[0]).schema).toEqual({ type: 'string', enum: ['overwrite', 'skip', 'raise_error'], default: 'overwrite' });
    expect(Object.keys(importOp.requestBody.content)).toEqual(['multipart/form-data', 'application/octet-stream']);
    expect(importOp.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ImportStats' });
    expect(Object.keys(importOp.responses)).toEqual(['200', '400', '403', '409', '413', '415', '422']);
  });

  test('blob download only for models with Binary fields; referrers only for referenced models', () => {
    expect(doc.paths['/user/{resource_id}/blobs/{file_id}'].get.responses['200'].content['*/*']).toBeDefined();
    expect(parameterNames(doc, doc.paths['/user/{resource_id}/blobs/{file_id}'].get)).toEqual(['path:resource_id', 'path:file_id', 'revision_id']);
    expect(doc.paths['/guild/{resource_id}/blobs/{file_id}']).toBeUndefined();
    const referrers = doc.paths['/user/{resource_id}/referrers'].get;
    expect(referrers.responses['200'].content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/ReferrerGroup' } });
    expect(doc.paths['/guild/{resource_id}/referrers']).toBeUndefined();
  });

  test('global routes: relationships, backup, upload and the 307 download', () => {
    expect(doc.paths['/_relationships'].get.responses['200'].content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Relationship' },
    });
    expect(parameterNames(doc, doc.paths['/_backup/export'].get)).toEqual(['models']);
    expect(parameterNames(doc, doc.paths['/_backup/import'].post)).toEqual(['on_duplicate']);
    const upload = doc.paths['/blobs/upload'].post;
    expect(upload.requestBody.content['multipart/form-data'].schema).toEqual({ $ref: '#/components/schemas/BlobUpload' });
    expect(upload.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Binary' });
    expect(Object.keys(responseOf(upload, '413'))).toContain('description');
    const download = doc.paths['/blobs/{file_id}'].get;
    expect(download.responses['307'].headers.Location).toBeDefined();
    expect(Object.keys(doc.components.schemas.Relationship.properties)).toEqual(['source', 'source_field', 'target', 'ref_type', 'on_delete', 'nullable']);
  });

  test('x-autocrud-* aliases of the root extensions only when asked for', () => {
    expect(doc['x-autocrud-relationships']).toBeUndefined();
    const aliased = openapi(registry(), { autocrudAliases: true }) as Json;
    expect(aliased['x-autocrud-relationships']).toEqual(aliased['x-specstar-relationships']);
    expect(aliased['x-autocrud-indexed-fields']).toEqual(aliased['x-specstar-indexed-fields']);
    expect(validateDocument(aliased)).toEqual({ valid: true });
  });
});

describe('openapi(): components', () => {
  test('error bodies: plain, structured unique conflict, precondition, framework validation', () => {
    const doc = openapi(registry()) as Json;
    const { schemas, responses } = doc.components;
    expect(schemas.HTTPError).toMatchObject({ type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] });
    expect(responses.Conflict.content['application/json'].schema).toEqual({
      anyOf: [
        { $ref: '#/components/schemas/UniqueConstraintViolation' },
        { $ref: '#/components/schemas/ReferenceRestrictViolation' },
        { $ref: '#/components/schemas/HTTPError' },
      ],
    });
    expect(schemas.ReferenceRestrictViolationDetail.required).toEqual(['message', 'code', 'resource_id', 'referrers']);
    expect(schemas.UniqueConstraintViolation.properties.detail).toEqual({ $ref: '#/components/schemas/UniqueConstraintViolationDetail' });
    expect(Object.keys(schemas.UniqueConstraintViolationDetail.properties)).toEqual(['message', 'field', 'conflicting_resource_id', 'code']);
    expect(schemas.UniqueConstraintViolationDetail.required).toEqual(['message', 'field', 'conflicting_resource_id']);
    expect(responses.PreconditionFailed.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PreconditionFailed' });
    expect(schemas.PreconditionFailedDetail.required).toEqual(['message', 'code', 'expected_revision_id', 'actual_revision_id']);
    expect(schemas.PreconditionFailedDetail.properties.code).toEqual({ type: 'string', const: 'PRECONDITION_FAILED' });
    expect(responses.UnprocessableContent.content['application/json'].schema).toEqual({
      anyOf: [{ $ref: '#/components/schemas/HTTPValidationError' }, { $ref: '#/components/schemas/HTTPError' }],
    });
    expect(schemas.HTTPValidationError.properties.detail).toEqual({ type: 'array', items: { $ref: '#/components/schemas/ValidationErrorItem' } });
    expect(schemas.ValidationErrorItem.required).toEqual(['type', 'loc', 'msg']);
  });

  test('RevisionInfo, ResourceMeta and RevisionListResponse in wire order; omit-if-unset fields are optional', () => {
    const { schemas } = (openapi(registry()) as Json).components;
    expect(Object.keys(schemas.RevisionInfo.properties)).toEqual([
      'uid',
      'resource_id',
      'revision_id',
      'parent_revision_id',
      'parent_schema_version',
      'schema_version',
      'data_hash',
      'status',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
    ]);
    expect(schemas.RevisionInfo.required).not.toContain('parent_schema_version');
    expect(schemas.RevisionInfo.required).not.toContain('data_hash');
    expect(schemas.RevisionInfo.required).toContain('parent_revision_id');
    expect(schemas.RevisionInfo.properties.parent_revision_id.type).toEqual(['string', 'null']);
    expect(schemas.RevisionInfo.properties.status).toEqual({ type: 'string', enum: ['draft', 'stable'] });
    expect(schemas.RevisionInfo.properties.created_time).toMatchObject({ type: 'string', format: 'date-time' });
    expect(Object.keys(schemas.ResourceMeta.properties).slice(0, 10)).toEqual([
      'current_revision_id',
      'resource_id',
      'schema_version',
      'total_revision_count',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
      'is_deleted',
      'indexed_data',
    ]);
    expect(schemas.ResourceMeta.required).not.toContain('indexed_data');
    expect(schemas.ResourceMeta.required).not.toContain('rev_status');
    // `total` is absent in cursor mode, which answers `next_cursor` instead.
    expect(schemas.RevisionListResponse.required).toEqual(['meta', 'revisions', 'has_more']);
    expect(schemas.RevisionListResponse.properties.next_cursor).toMatchObject({ type: ['string', 'null'] });
    expect(schemas.FullResourceResponse_User_).toMatchObject({
      type: 'object',
      properties: {
        data: { $ref: '#/components/schemas/User' },
        revision_info: { $ref: '#/components/schemas/RevisionInfo' },
        meta: { $ref: '#/components/schemas/ResourceMeta' },
      },
    });
    // Sections are present only when `returns` selects them.
    expect(schemas.FullResourceResponse_User_.required).toBeUndefined();
  });

  test('search shapes and RFC 6902 operations', () => {
    const { schemas } = (openapi(registry()) as Json).components;
    expect(schemas.DataSearchOperator.enum).toEqual([
      'eq',
      'ne',
      'gt',
      'gte',
      'lt',
      'lte',
      'contains',
      'starts_with',
      'ends_with',
      'in',
      'not_in',
      'is_null',
      'exists',
      'isna',
      'regex',
    ]);
    expect(schemas.DataSearchCondition.required).toEqual(['field_path', 'operator', 'value']);
    expect(schemas.DataSearchGroup.properties.operator.enum).toEqual(['and', 'or', 'not']);
    expect(schemas.DataSearchGroup.properties.conditions.items).toEqual({ $ref: '#/components/schemas/SearchFilter' });
    expect(schemas.ResourceMetaSearchSort.properties.key.enum).toContain('created_time');
    expect(schemas.ResourceDataSearchSort.properties.direction.enum).toEqual(['+', '-']);
    expect(schemas.RFC6902.discriminator.propertyName).toBe('op');
    expect(schemas.RFC6902_Move).toMatchObject({ properties: { op: { const: 'move' } }, required: ['op', 'from', 'path'] });
    expect(schemas.RFC6902_Remove.required).toEqual(['op', 'path']);
  });

  test('a model schema keeps its shape; $defs become components with rewritten refs', () => {
    const { schemas } = (openapi(registry()) as Json).components;
    const user = schemas.User;
    expect(user.$defs).toBeUndefined();
    expect(user.properties.address).toEqual({ $ref: '#/components/schemas/Address' });
    expect(schemas.Address).toEqual(USER_SCHEMA.$defs.Address);
    expect(user.properties.role).toEqual({ type: 'string', enum: ['admin', 'member'], default: 'member' });
    expect(user.properties.nickname).toEqual({ type: ['string', 'null'] });
    expect(user.properties.tags).toEqual({ type: 'array', items: { type: 'string' } });
    expect(user.required).toEqual(['name', 'email']);
    expect(Object.keys(user.properties)).toEqual(['name', 'email', 'role', 'nickname', 'address', 'tags', 'avatar']);
    // Recursive definitions point at their own component.
    expect(schemas.Guild.properties.root).toEqual({ $ref: '#/components/schemas/Node' });
    expect(schemas.Node.properties.children.items).toEqual({ $ref: '#/components/schemas/Node' });
  });

  test('markers: unique, display name, binary and job keep x-specstar-* and gain the names admin UIs read', () => {
    const { schemas } = (openapi(registry()) as Json).components;
    const user = schemas.User;
    expect(user.properties.email).toEqual({ type: 'string', format: 'email', 'x-specstar-unique': true, 'x-unique': true });
    expect(user.properties.name).toEqual({ type: 'string', minLength: 1, 'x-specstar-display-name': true });
    expect(user['x-display-name-field']).toBe('name');
    expect(user.properties.avatar['x-specstar-binary']).toBe(true);
    expect(user.properties.avatar.properties.data).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(schemas.Guild['x-display-name-field']).toBeUndefined();
    expect(schemas.RenderJob['x-specstar-job']).toBe(true);
    expect(Object.keys(schemas.RenderJob.properties)).toContain('payload');
    expect(schemas.RenderJob.properties.payload.required).toEqual(['prompt']);
  });

  test('refs: x-ref-* on the field (nullable, list, revision, nested), on-delete only for resource ids', () => {
    const guild = (openapi(registry()) as Json).components.schemas.Guild;
    expect(guild.properties.leader).toMatchObject({ 'x-ref-resource': 'user', 'x-ref-type': 'resource_id', 'x-ref-on-delete': 'set_null' });
    expect(guild.properties.leader.anyOf[0]['x-specstar-ref']).toEqual({ resource: 'user', on_delete: 'set_null', ref_type: 'resource_id' });
    expect(guild.properties.members).toMatchObject({ 'x-ref-resource': 'user', 'x-ref-type': 'resource_id', 'x-ref-on-delete': 'dangling' });
    expect(guild.properties.charter['x-ref-resource']).toBe('user');
    expect(guild.properties.charter['x-ref-type']).toBe('revision_id');
    expect('x-ref-on-delete' in guild.properties.charter).toBe(false);
    expect(guild.properties.hall.properties.keeper).toMatchObject({ 'x-ref-resource': 'user', 'x-ref-on-delete': 'cascade' });
    expect('x-ref-resource' in guild.properties.name).toBe(false);
  });

  test('x-specstar-relationships (camelCase, nested included) and x-specstar-indexed-fields at the root', () => {
    const spec = registry();
    const doc = openapi(spec) as Json;
    expect(doc['x-specstar-relationships']).toEqual([
      { source: 'guild', sourceField: 'leader', target: 'user', refType: 'resource_id', onDelete: 'set_null', nullable: true },
      { source: 'guild', sourceField: 'members', target: 'user', refType: 'resource_id', onDelete: 'dangling', nullable: false },
      { source: 'guild', sourceField: 'charter', target: 'user', refType: 'revision_id', onDelete: 'dangling', nullable: false },
      { source: 'guild', sourceField: 'hall.keeper', target: 'user', refType: 'resource_id', onDelete: 'cascade', nullable: false },
    ]);
    const indexed = doc['x-specstar-indexed-fields'];
    expect(Object.keys(indexed)).toEqual(['user', 'guild', 'render-job']);
    expect([...(indexed.user as string[])].sort()).toEqual(['email', 'role']);
    expect([...(indexed.guild as string[])].sort()).toEqual(['leader', 'members']);
    expect(indexed['render-job']).toEqual(spec.getResourceManager('render-job').indexedFields.map((f) => f.field_path));
  });

  test('$id-based, self, pointer and percent-encoded refs are all rewritten into components', () => {
    const spec = new SpecStar();
    spec.addModel({
      $id: 'https://example.com/schemas/tree',
      title: 'Tree',
      type: 'object',
      properties: {
        label: { type: 'string' },
        parent: { anyOf: [{ $ref: '#' }, { type: 'null' }] },
        leaf: { $ref: 'https://example.com/schemas/tree#/$defs/Leaf' },
        leafById: { $ref: 'leaf' },
        sameAsLabel: { $ref: '#/properties/label' },
        'odd key': { type: 'string' },
        odd: { $ref: '#/properties/odd%20key' },
      },
      $defs: { Leaf: { $id: 'leaf', type: 'object', properties: { size: { type: 'number' }, again: { $ref: '#' } } } },
    });
    const doc = openapi(spec) as Json;
    const tree = doc.components.schemas.Tree;
    expect(tree.$id).toBeUndefined();
    expect(tree.properties.parent.anyOf[0]).toEqual({ $ref: '#/components/schemas/Tree' });
    expect(tree.properties.leaf).toEqual({ $ref: '#/components/schemas/Leaf' });
    expect(tree.properties.leafById).toEqual({ $ref: '#/components/schemas/Leaf' });
    expect(tree.properties.sameAsLabel).toEqual({ $ref: '#/components/schemas/Tree/properties/label' });
    expect(tree.properties.odd).toEqual({ $ref: '#/components/schemas/Tree/properties/odd%20key' });
    // Inside an embedded resource, '#' is that resource.
    expect(doc.components.schemas.Leaf).toEqual({ type: 'object', properties: { size: { type: 'number' }, again: { $ref: '#/components/schemas/Leaf' } } });
    for (const reference of allRefs(doc)) expect(resolvePointer(doc, reference)).toBeDefined();
    expect(validateDocument(doc)).toEqual({ valid: true });
  });

  test('name clashes: fixed names and earlier definitions win, others get a prefix', () => {
    const spec = registry();
    spec.addModel({ type: 'object', properties: { a: { type: 'string' } } }, { name: 'revision-info' });
    spec.addModel({ title: 'Shop', type: 'object', properties: { at: { $ref: '#/$defs/Address' } }, $defs: { Address: { type: 'integer' } } });
    const doc = openapi(spec) as Json;
    const { schemas } = doc.components;
    expect(schemas.RevisionInfo.properties.uid).toBeDefined();
    expect(schemas.Model_RevisionInfo.properties.a).toEqual({ type: 'string' });
    expect(doc.paths['/revision-info'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Model_RevisionInfo' });
    expect(schemas.FullResourceResponse_Model_RevisionInfo_).toBeDefined();
    expect(schemas.Address).toEqual(USER_SCHEMA.$defs.Address);
    expect(schemas.Shop_Address).toEqual({ type: 'integer' });
    expect(schemas.Shop.properties.at).toEqual({ $ref: '#/components/schemas/Shop_Address' });
  });
});
