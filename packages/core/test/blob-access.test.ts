// Blob access headless: under a restricting permission checker a write may reference a blob
// only when the writer uploaded it or the resource already references it; a refused write
// changes nothing. Without a checker (or with AllowAll) nothing is recorded or refused.
import { PassThrough, Readable } from 'node:stream';
import { AllowAll, binary, SpecStar } from '../src';
import { encodeMetaPayload, encodeRevisionPayload, loadRecordsBulk } from '../src/archive';
import { PermissionDeniedError, PermissionResult, type IBlobStore, type IStorageFactory } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryStorage } from '../src/storage';

const DocSchema = { title: 'Doc', type: 'object', properties: { name: { type: 'string' }, file: binary() }, required: ['name'] };
const allowEverything = { checkPermission: () => PermissionResult.allow };
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

/** A blob store that keeps no grants itself: core's fallback keeps them. */
class GrantlessBlobStore implements IBlobStore {
  private readonly inner = new MemoryBlobStore();
  put = this.inner.put.bind(this.inner);
  get = this.inner.get.bind(this.inner);
  exists = this.inner.exists.bind(this.inner);
}

function factoryWith(blobStore: IBlobStore): IStorageFactory {
  return { build: () => new MemoryStorage(), buildBlobStore: () => blobStore };
}

describe.each([
  ['a store with grants', () => new MemoryBlobStore()],
  ['a store without grants (core keeps them)', () => new GrantlessBlobStore()],
])('blob references under a checker, %s', (_name, makeStore) => {
  function setup() {
    const spec = new SpecStar({ permissionChecker: allowEverything, storageFactory: factoryWith(makeStore()) });
    return { spec, docs: spec.addModel(DocSchema) };
  }

  it("refuses another user's blob before looking it up, and writes nothing", async () => {
    const { spec, docs } = setup();
    const mine = await docs.create({ name: 'a', file: { data: bytes('alice secret') } }, { user: 'alice' });
    const fileId = ((await docs.get(mine.resource_id)).data as { file: { file_id: string } }).file.file_id;
    const before = await docs.count();
    await expect(docs.create({ name: 'b', file: { file_id: fileId } }, { user: 'bob' })).rejects.toThrow(PermissionDeniedError);
    await expect(docs.create({ name: 'b', file: { file_id: '0123456789abcdef0123456789abcdef' } }, { user: 'bob' })).rejects.toMatchObject({
      user: 'bob',
      action: 'reference_blob',
      resource_name: 'doc',
    });
    expect(await docs.count()).toBe(before);
    expect(await spec.blobAccess.mayReadDirectly(fileId, 'alice')).toBe(true);
    expect(await spec.blobAccess.mayReadDirectly(fileId, 'bob')).toBe(false);
  });

  it('lets the uploader reference, and a writer keep what the resource already references', async () => {
    const { spec, docs } = setup();
    const { file_id: fileId } = await spec.getBlobStore().put(bytes('upload'));
    await spec.blobAccess.recordUpload(fileId!, 'bob');
    const info = await docs.create({ name: 'b', file: { file_id: fileId } }, { user: 'bob' });
    // carol edits Bob's doc (the checker allows it) and keeps its file
    const next = await docs.update(info.resource_id, { name: 'renamed', file: { file_id: fileId } }, { user: 'carol' });
    expect(next.revision_id).toBe(`${info.resource_id}:2`);
    await expect(docs.create({ name: 'c', file: { file_id: fileId } }, { user: 'carol' })).rejects.toThrow(PermissionDeniedError);
  });
});

describe('blob references without a restricting checker', () => {
  it.each([
    ['no checker', () => new SpecStar()],
    ['AllowAll', () => new SpecStar({ permissionChecker: new AllowAll() })],
  ])('%s: any writer references any blob and nothing is recorded', async (_name, make) => {
    const spec = make();
    const docs = spec.addModel(DocSchema);
    const { file_id: fileId } = await spec.getBlobStore().put(bytes('x'));
    await docs.create({ name: 'b', file: { file_id: fileId } }, { user: 'bob' });
    await spec.blobAccess.recordUpload(fileId!, 'alice');
    expect(spec.blobAccess.enforced).toBe(false);
    expect(await spec.getBlobStore().isGranted!(fileId!, 'alice')).toBe(false);
  });

  it('a model with a checker of its own guards blobs registry-wide', async () => {
    const spec = new SpecStar();
    const open = spec.addModel({ ...DocSchema, title: 'Open' });
    spec.addModel(DocSchema, { permissionChecker: allowEverything });
    const { file_id: fileId } = await spec.getBlobStore().put(bytes('x'));
    // an unguarded model must not become the way around the guarded one
    await expect(open.create({ name: 'b', file: { file_id: fileId } }, { user: 'bob' })).rejects.toThrow(PermissionDeniedError);
  });
});

describe('archive loads under a checker', () => {
  /** Alice's secret in the guarded registry, and Bob's forged copy of a doc pointing at its id. */
  async function setup() {
    const spec = new SpecStar({ permissionChecker: allowEverything });
    const docs = spec.addModel(DocSchema);
    const mine = await docs.create({ name: 'a', file: { data: bytes('alice secret') } }, { user: 'alice' });
    const fileId = ((await docs.get(mine.resource_id)).data as { file: { file_id: string } }).file.file_id;
    const forge = new SpecStar();
    const forged = forge.addModel(DocSchema);
    await forge.getBlobStore().put(bytes('forged bytes'), { key: fileId });
    const { resource_id: id } = await forged.create({ name: 'steal', file: { file_id: fileId } }, { user: 'bob' });
    const meta = (await forged.storage.getMeta(id))!;
    const revision = (await forged.storage.getRevision(id, meta.current_revision_id, meta.schema_version))!;
    const records = { metas: [encodeMetaPayload(meta)], revisions: [encodeRevisionPayload(revision.info, revision.data)] };
    return { spec, docs, forge, fileId, id, records };
  }

  async function archiveOf(spec: SpecStar): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await spec.dump(out);
    return Buffer.concat(chunks);
  }

  const blobText = async (spec: SpecStar, fileId: string): Promise<string> => Buffer.from((await spec.getBlobStore().get(fileId)).data!).toString();

  it("refuses records referencing another user's blob, and writes nothing", async () => {
    const { spec, docs, id, records } = await setup();
    await expect(spec.using({ user: 'bob' }, () => loadRecordsBulk(docs, records.metas, records.revisions))).rejects.toMatchObject({
      action: 'reference_blob',
      user: 'bob',
    });
    expect(await docs.exists(id)).toBe(false);
  });

  it("refuses a blob record replacing another user's bytes, whole archives included", async () => {
    const { spec, docs, forge, fileId, id, records } = await setup();
    const forgedBlob = { t: 'BlobRecord' as const, file_id: fileId, blob_data: bytes('forged bytes'), size: 12, content_type: '' };
    await expect(spec.using({ user: 'bob' }, () => loadRecordsBulk(docs, records.metas, records.revisions, [forgedBlob]))).rejects.toMatchObject({
      action: 'overwrite_blob',
    });
    await expect(spec.using({ user: 'bob' }, async () => spec.load(Readable.from([await archiveOf(forge)])))).rejects.toThrow(PermissionDeniedError);
    expect(await docs.exists(id)).toBe(false);
    expect(await blobText(spec, fileId)).toBe('alice secret');
  });

  it('accepts the identical bytes (the loader has them) and the uploader referencing their own blob', async () => {
    const { spec, docs, fileId, id, records } = await setup();
    const sameBlob = { t: 'BlobRecord' as const, file_id: fileId, blob_data: bytes('alice secret'), size: 12, content_type: '' };
    await spec.using({ user: 'bob' }, () => loadRecordsBulk(docs, records.metas, records.revisions, [sameBlob]));
    expect(await docs.exists(id)).toBe(true);
    expect(await spec.blobAccess.mayReadDirectly(fileId, 'bob')).toBe(true);
    const again = await setup();
    await again.spec.using({ user: 'alice' }, () => loadRecordsBulk(again.docs, again.records.metas, again.records.revisions));
    expect(await again.docs.exists(again.id)).toBe(true);
    expect(await blobText(again.spec, again.fileId)).toBe('alice secret');
  });
});
