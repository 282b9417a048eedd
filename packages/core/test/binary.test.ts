import { BlobNotFoundError, type Binary, RevisionStatus, ValidationError } from '@specstar/interfaces';
import { SpecStar, binary, type JsonSchema } from '../src';
import { compileModel, restoreBinaries } from '../src/model';
import { alice, bob } from './fixtures';
import { rejection } from './catch-error';

/**
 * Binary fields through the engine: blobs are uploaded
 * by every write that carries data, and only the descriptor is persisted.
 */

const HELLO_ID = 'b5e9c1ad071b3e7fc779cfaa5e523818'; // XXH3-128("hello")
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

interface Doc {
  title: string;
  avatar?: Binary;
  files?: Binary[];
  backup?: Binary | null;
}

const DocSchema: JsonSchema = {
  title: 'Doc',
  type: 'object',
  properties: {
    title: { type: 'string' },
    avatar: binary(),
    files: { type: 'array', items: binary() },
    backup: { anyOf: [binary(), { type: 'null' }] },
  },
  required: ['title'],
  additionalProperties: false,
};

function docs() {
  const spec = new SpecStar();
  const rm = spec.addModel<Doc>(DocSchema, { name: 'doc' });
  return { spec, rm, blobs: spec.getBlobStore() };
}

/** The persisted revision data exactly as the resource store holds it (json encoding). */
async function storedJson(rm: ReturnType<typeof docs>['rm'], resourceId: string): Promise<Record<string, unknown>> {
  const meta = await rm.getMeta(resourceId);
  const stored = await rm.storage.getRevision(resourceId, meta.current_revision_id, meta.schema_version);
  return JSON.parse(Buffer.from(stored?.data as Uint8Array).toString('utf8')) as Record<string, unknown>;
}


// The tests below need the manager wiring (storeBinaries in create/update/modify/patch).
describe('Binary fields through SpecStar', () => {
  it('create uploads the bytes and persists only the descriptor (invariant 102)', async () => {
    const { rm } = docs();
    const input = { title: 't', avatar: { data: bytes('hello') } };
    const info = await rm.create(input, alice);
    const { data } = await rm.get(info.resource_id);
    expect(data.avatar).toEqual({ file_id: HELLO_ID, size: 5 });
    expect(await storedJson(rm, info.resource_id)).toEqual({ title: 't', avatar: { file_id: HELLO_ID, size: 5 } });
    const blob = await rm.getBlob(HELLO_ID);
    expect(Buffer.from(blob.data as Uint8Array).toString()).toBe('hello');
    expect(blob.size).toBe(5);
    expect(input.avatar.data).toEqual(bytes('hello')); // the caller's value is untouched
  });

  it('accepts base64 text (the JSON wire form) and keeps a given content type', async () => {
    const { rm } = docs();
    const info = await rm.create({ title: 't', avatar: { data: b64('hello'), content_type: 'text/plain' } }, alice);
    expect((await rm.get(info.resource_id)).data.avatar).toEqual({ file_id: HELLO_ID, size: 5, content_type: 'text/plain' });
  });

  it('identical bytes in two writes give one blob and the same file_id (invariant 103)', async () => {
    const { rm } = docs();
    const a = await rm.create({ title: 'a', avatar: { data: bytes('same') } }, alice);
    const b = await rm.create({ title: 'b', files: [{ data: b64('same') }] }, alice);
    const fileA = (await rm.get(a.resource_id)).data.avatar?.file_id;
    const fileB = (await rm.get(b.resource_id)).data.files?.[0]?.file_id;
    expect(fileA).toMatch(/^[0-9a-f]{32}$/);
    expect(fileB).toBe(fileA);
  });

  it('rewriting the same bytes is a no-op update: the descriptor hashes the same', async () => {
    const { rm } = docs();
    const info = await rm.create({ title: 't', avatar: { data: bytes('hello') } }, alice);
    const again = await rm.update(info.resource_id, { title: 't', avatar: { data: bytes('hello') } }, bob);
    expect(again.revision_id).toBe(info.revision_id);
    expect((await rm.getMeta(info.resource_id)).total_revision_count).toBe(1);
  });

  it('an unknown file_id without data fails the write and persists nothing (invariant 104)', async () => {
    const { rm } = docs();
    const missing = 'f'.repeat(32);
    const error = await rejection(rm.create({ title: 't', avatar: { file_id: missing } }, alice));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect(error).toMatchObject({ file_id: missing, message: `Blob with file_id '${missing}' does not exist` });
    expect(await rm.count()).toBe(0);

    const info = await rm.create({ title: 'kept' }, alice);
    expect(await rejection(rm.update(info.resource_id, { title: 'changed', files: [{ file_id: missing }] }, bob))).toBeInstanceOf(BlobNotFoundError);
    const meta = await rm.getMeta(info.resource_id);
    expect(meta.total_revision_count).toBe(1);
    expect((await rm.get(info.resource_id)).data).toEqual({ title: 'kept' });
  });

  it('a file_id with path characters is a ValidationError naming the field; nothing persisted', async () => {
    const { rm } = docs();
    const error = await rejection(rm.create({ title: 't', files: [{ file_id: '../../etc/passwd' }] }, alice));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['/files/0/file_id']);
    expect(await rm.count()).toBe(0);
  });

  it('a pre-uploaded file_id is back-filled from the store; a supplied content_type wins', async () => {
    const { rm, blobs } = docs();
    const uploaded = await blobs.put(bytes('hello'), { contentType: 'text/plain' });
    const a = await rm.create({ title: 'a', avatar: { file_id: uploaded.file_id as string } }, alice);
    expect((await rm.get(a.resource_id)).data.avatar).toEqual({ file_id: HELLO_ID, size: 5, content_type: 'text/plain' });
    const b = await rm.create({ title: 'b', avatar: { file_id: HELLO_ID, size: 1, content_type: 'text/markdown' } }, alice);
    expect((await rm.get(b.resource_id)).data.avatar).toEqual({ file_id: HELLO_ID, size: 5, content_type: 'text/markdown' });
  });

  it('lists and nullable Binaries, through create, update, patch and modify', async () => {
    const { rm } = docs();
    const info = await rm.create({ title: 't', files: [{ data: bytes('f0') }, { data: bytes('f1') }], backup: null }, alice);
    let data = (await rm.get(info.resource_id)).data;
    expect(data.backup).toBeNull();
    expect(data.files?.map((f) => f.size)).toEqual([2, 2]);
    expect(data.files?.every((f) => f.data === undefined && typeof f.file_id === 'string')).toBe(true);

    await rm.update(info.resource_id, { title: 't', backup: { data: bytes('bk') } }, bob);
    data = (await rm.get(info.resource_id)).data;
    expect(data.backup).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{32}$/), size: 2 });

    await rm.patch(info.resource_id, [{ op: 'add', path: '/avatar', value: { data: b64('hello') } }], bob);
    expect(await storedJson(rm, info.resource_id)).toMatchObject({ avatar: { file_id: HELLO_ID, size: 5 } });

    const draft = await rm.create({ title: 'd' }, { ...alice, status: RevisionStatus.draft });
    await rm.modify(draft.resource_id, { data: { title: 'd', avatar: { data: bytes('hello') } } }, bob);
    expect(await storedJson(rm, draft.resource_id)).toEqual({ title: 'd', avatar: { file_id: HELLO_ID, size: 5 } });
  });

  it('works the same with the msgpack encoding', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel<Doc>(DocSchema, { name: 'doc', encoding: 'msgpack' });
    const info = await rm.create({ title: 't', files: [{ data: bytes('hello') }] }, alice);
    expect((await rm.get(info.resource_id)).data).toEqual({ title: 't', files: [{ file_id: HELLO_ID, size: 5 }] });
  });

  it('restoreBinaries gives readers the bytes back (invariant 105)', async () => {
    const { rm, blobs } = docs();
    const info = await rm.create({ title: 't', avatar: { data: bytes('hello'), content_type: 'text/plain' } }, alice);
    const { data } = await rm.get(info.resource_id);
    const restored = (await restoreBinaries(data, compileModel(DocSchema), blobs)) as Doc;
    expect(restored.avatar).toEqual({ file_id: HELLO_ID, size: 5, content_type: 'text/plain', data: bytes('hello') });
    expect(data.avatar?.data).toBeUndefined();
  });
});
