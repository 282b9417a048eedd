/*
 * Custom actions in the OpenAPI document: their operations (input body, multipart for files,
 * the answer of each mode, the x-specstar-*-action extension), the input components and the
 * document-level catalogues, all from the one route table.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { SimpleMessageQueueFactory, SpecStar, binary } from '@specstar/core';
import { openapi } from '../src/openapi';

type Json = Record<string, any>;

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
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(doc), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as { valid: boolean; errors?: unknown };
}

function registry(): SpecStar {
  const spec = new SpecStar({ messageQueueFactory: new SimpleMessageQueueFactory() });
  spec.addModel({ title: 'Article', type: 'object', properties: { title: { type: 'string' } }, required: ['title'] });
  spec.createAction('article', {
    input: { title: 'DraftInput', type: 'object', properties: { title: { type: 'string' }, slug: { type: 'string' } }, required: ['title'] },
    path: '{slug}/draft',
  })(async function draft() {
    return null;
  });
  spec.createAction('article', {
    asyncMode: 'job',
    input: { type: 'object', properties: { file: binary(), note: { type: 'string' } }, required: ['file'] },
  })(async function import_from_url() {
    return null;
  });
  spec.updateAction('article', { mode: 'modify', asyncMode: 'background' })(async function touch() {
    return null;
  });
  return spec;
}

describe('OpenAPI of custom actions', () => {
  const doc = openapi(registry(), { prefix: '/api' }) as Json;

  it('is a valid OpenAPI 3.1 document', () => {
    const result = validateDocument(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('a sync create action: path parameters, the input as JSON body, 200 RevisionInfo or null, the extension', () => {
    const op = doc.paths['/api/article/{slug}/draft'].post as Json;
    expect(op.summary).toBe('{Slug}/Draft (article)');
    expect(op.operationId).toBe('draft');
    expect(op.tags).toEqual(['article']);
    expect(op.parameters).toEqual([{ name: 'slug', required: true, schema: { $ref: '#/components/schemas/DraftInput/properties/slug' }, in: 'path' }]);
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DraftInput' });
    expect(op.responses['200'].content['application/json'].schema).toEqual({ anyOf: [{ $ref: '#/components/schemas/RevisionInfo' }, { type: 'null' }] });
    expect(op['x-specstar-create-action']).toEqual({ resource: 'article', label: '{Slug}/Draft' });
    expect(doc.components.schemas.DraftInput.required).toEqual(['title']);
  });

  it('a job-mode action with a file field: multipart body, 202 JobRedirectInfo; its job model is documented too', () => {
    const op = doc.paths['/api/article/import-from-url'].post as Json;
    expect(op.summary).toBe('Import From Url (article)');
    expect(op.requestBody.content['multipart/form-data'].schema).toEqual({
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' }, note: { $ref: '#/components/schemas/ImportFromUrlArticleInput/properties/note' } },
      required: ['file'],
    });
    expect(op.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/JobRedirectInfo' });
    expect(doc.components.schemas.JobRedirectInfo.required).toEqual(['job_resource_name', 'job_resource_id', 'redirect_url']);
    expect(doc.paths['/api/import-from-url-job/{resource_id}/rerun']).toBeDefined();
    expect(doc.components.schemas.ImportFromUrlArticlePayload).toBeDefined();
  });

  it('an update action: resource id and If-Match, 202 Task accepted, x-specstar-update-action with its mode', () => {
    const op = doc.paths['/api/article/{resource_id}/touch'].post as Json;
    expect(op.parameters).toEqual([{ $ref: '#/components/parameters/resource_id' }, { $ref: '#/components/parameters/if_match' }]);
    expect(op.requestBody).toBeUndefined();
    expect(op.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BackgroundTaskAccepted' });
    expect(op['x-specstar-update-action']).toEqual({ resource: 'article', label: 'Touch', mode: 'modify' });
  });

  it('lists the actions and the async job models at the document root', () => {
    expect(doc['x-specstar-custom-create-actions']).toEqual({
      article: [
        { path: '/article/{slug}/draft', label: '{Slug}/Draft', operationId: 'draft', bodySchema: 'DraftInput', pathParams: [{ name: 'slug', required: true, schema: { $ref: '#/components/schemas/DraftInput/properties/slug' } }] },
        {
          path: '/article/import-from-url',
          label: 'Import From Url',
          operationId: 'import_from_url',
          bodySchema: 'ImportFromUrlArticleInput',
          fileParams: [{ name: 'file', required: true, schema: { type: 'string', format: 'binary' } }],
          asyncMode: 'job',
          jobResourceName: 'import-from-url-job',
        },
      ],
    });
    expect(doc['x-specstar-async-create-jobs']).toEqual({ 'import-from-url-job': 'article' });
    expect(doc['x-specstar-custom-update-actions']).toEqual({
      article: [{ path: '/article/{resource_id}/touch', label: 'Touch', operationId: 'touch', mode: 'modify', asyncMode: 'background' }],
    });
    expect(doc['x-specstar-async-update-jobs']).toBeUndefined();
  });

  it('emits the x-autocrud-* aliases of the catalogues on request; no action, no catalogue', () => {
    const aliased = openapi(registry(), { autocrudAliases: true }) as Json;
    expect(aliased['x-autocrud-custom-create-actions']).toEqual(aliased['x-specstar-custom-create-actions']);
    expect(aliased['x-autocrud-async-create-jobs']).toEqual({ 'import-from-url-job': 'article' });
    const plain = new SpecStar();
    plain.addModel({ title: 'Note', type: 'object' });
    const bare = openapi(plain) as Json;
    expect(Object.keys(bare).filter((key) => key.includes('action') || key.includes('jobs'))).toEqual([]);
    expect(bare.components.schemas.JobRedirectInfo).toBeUndefined();
  });
});
