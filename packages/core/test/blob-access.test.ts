// Blob access headless: under a restricting permission checker a write may reference a blob
// only when the writer uploaded it or the resource already references it; a refused write
// changes nothing. Without a checker (or with AllowAll) nothing is recorded or refused.
import { AllowAll, binary, MemoryBlobStore, SpecStar } from '../src';
import { PermissionDeniedError, PermissionResult, type IBlobStore, type IStorageFactory } from '@specstar/interfaces';
import { MemoryStorage } from '../src/storage';

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
