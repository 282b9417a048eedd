// Upload sessions headless (http-api §9.17): proxy parts in any order and in parallel,
// idempotent re-sends, the finalize checks, a content-addressed result that is byte-identical
// to the concatenation, single_put through a store that presigns, ownership and expiry.
import { createXXHash128 } from 'hash-wasm';
import {
  BlobTooLargeError,
  NotSupportedError,
  PermissionResult,
  UploadSessionNotFoundError,
  UploadSessionStateError,
  ValidationError,
  type Binary,
  type DirectUpload,
  type IBlobStore,
} from '@specstar/interfaces';
import { SpecStar } from '../src';
import { xxh3Hex } from '../src/codec';
import { MemoryBlobStore, MemoryStorage } from '../src/storage';
import { streamHash } from '../src/uploads';

const USER = { user: 'alice' };
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
async function* streamOf(...chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield bytes(chunk);
}

function registry(store: IBlobStore = new MemoryBlobStore(), options: ConstructorParameters<typeof SpecStar>[0] = {}): SpecStar {
  return new SpecStar({ storageFactory: { build: () => new MemoryStorage(), buildBlobStore: () => store }, ...options });
}

async function textOf(store: IBlobStore, fileId: string): Promise<string> {
  return Buffer.from((await store.get(fileId)).data!).toString('utf8');
}

describe('content hash of a stream', () => {
  it("hash-wasm's XXH128 is core's xxh3Hex, whatever the chunking", async () => {
    const all = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const hasher = await createXXHash128();
    hasher.init();
    hasher.update(all);
    expect(hasher.digest('hex')).toBe(xxh3Hex(all));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < all.length; at += 7_919) yield all.subarray(at, at + 7_919);
    }
    expect(await streamHash(chunks())).toEqual({ hex: xxh3Hex(all), size: all.length });
    expect((await streamHash(streamOf())).hex).toBe(xxh3Hex(new Uint8Array(0)));
  });
});

describe('proxy upload sessions', () => {
  it('creates a pending session with the declared fields', async () => {
    const spec = registry();
    const at = { ...USER, now: new Date('2025-01-01T00:00:00Z') };
    const session = await spec.uploadSessions.create({ content_type: 'text/plain', size: 11, total_parts: 2 }, at);
    expect(session).toEqual({
      upload_id: session.upload_id,
      file_id: '',
      status: 'pending',
      upload_method: 'proxy',
      upload_url: `/blobs/upload-sessions/${session.upload_id}/content`,
      content_type: 'text/plain',
      size: 11,
      uploaded_size: 0,
      total_parts: 2,
      parts_received: [],
      expires_at: '2025-01-02T00:00:00.000Z',
    });
    expect(await spec.uploadSessions.get(session.upload_id, at)).toEqual(session);
    const bare = await spec.uploadSessions.create({}, USER);
    expect(bare).toMatchObject({ size: null, total_parts: null, parts_received: [] });
    expect('content_type' in bare).toBe(false);
  });

  it('refuses declared fields of the wrong type, naming the field', async () => {
    const spec = registry();
    for (const [input, field] of [
      [{ size: -1 }, '/size'],
      [{ size: 'big' }, '/size'],
      [{ size: 1.5 }, '/size'],
      [{ total_parts: 0 }, '/total_parts'],
      [{ content_type: 5 }, '/content_type'],
      [[1], ''],
    ] as const) {
      const error = await spec.uploadSessions.create(input as never, USER).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe(field);
    }
  });

  it('takes parts out of order and in parallel, and finalizes them in part order', async () => {
    const spec = registry();
    const store = spec.getBlobStore();
    const { upload_id: id } = await spec.uploadSessions.create({ content_type: 'text/plain', total_parts: 3 }, USER);
    const afterThird = await spec.uploadSessions.putPart(id, 3, streamOf('wor', 'ld'), USER);
    expect(afterThird).toMatchObject({ status: 'uploading', parts_received: [3], uploaded_size: 5 });
    await Promise.all([spec.uploadSessions.putPart(id, 2, streamOf(' '), USER), spec.uploadSessions.putPart(id, 1, streamOf('hel', 'lo'), USER)]);
    expect(await spec.uploadSessions.get(id, USER)).toMatchObject({ status: 'uploading', parts_received: [1, 2, 3], uploaded_size: 11 });
    const blob = await spec.uploadSessions.finalize(id, USER);
    expect(blob).toEqual({ file_id: xxh3Hex(bytes('hello world')), size: 11, content_type: 'text/plain' });
    expect(await textOf(store, blob.file_id!)).toBe('hello world');
    expect(await spec.uploadSessions.get(id, USER)).toMatchObject({ status: 'finalized', file_id: blob.file_id, parts_received: [1, 2, 3], uploaded_size: 11 });
    // The staging is emptied.
    expect(await store.uploads!.listParts(id)).toEqual([]);
  });

  it('ignores a re-sent part below the next expected one, and replaces a re-sent later part', async () => {
    const spec = registry();
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    await spec.uploadSessions.putPart(id, 1, streamOf('aa'), USER);
    await spec.uploadSessions.putPart(id, 3, streamOf('cc'), USER);
    // Part 1 arrived, so a re-send is a retry: ignored, its stream left unread.
    let read = false;
    async function* spy(): AsyncGenerator<Uint8Array> {
      read = true;
      yield bytes('XX');
    }
    expect(await spec.uploadSessions.putPart(id, 1, spy(), USER)).toMatchObject({ parts_received: [1, 3], uploaded_size: 4 });
    expect(read).toBe(false);
    // Part 3 is beyond the contiguous run: the new copy replaces the old one.
    await spec.uploadSessions.putPart(id, 3, streamOf('CCC'), USER);
    await spec.uploadSessions.putPart(id, 2, streamOf('bb'), USER);
    const blob = await spec.uploadSessions.finalize(id, USER);
    expect(await textOf(spec.getBlobStore(), blob.file_id!)).toBe('aabbCCC');
    expect(blob.content_type).toBe('application/octet-stream');
  });

  it('refuses to finalize with gaps, a wrong count, a wrong size or nothing uploaded (409), and changes nothing', async () => {
    const spec = registry();
    const sessions = spec.uploadSessions;
    const empty = await sessions.create({}, USER);
    await expect(sessions.finalize(empty.upload_id, USER)).rejects.toThrow(UploadSessionStateError);

    const gap = await sessions.create({}, USER);
    await sessions.putPart(gap.upload_id, 1, streamOf('a'), USER);
    await sessions.putPart(gap.upload_id, 3, streamOf('c'), USER);
    await expect(sessions.finalize(gap.upload_id, USER)).rejects.toThrow(/missing parts 2/);

    const counted = await sessions.create({ total_parts: 3 }, USER);
    await sessions.putPart(counted.upload_id, 1, streamOf('a'), USER);
    await sessions.putPart(counted.upload_id, 2, streamOf('b'), USER);
    await expect(sessions.finalize(counted.upload_id, USER)).rejects.toThrow(/declared 3 parts but 2 arrived/);

    const sized = await sessions.create({ size: 10 }, USER);
    await sessions.putPart(sized.upload_id, 1, streamOf('abc'), USER);
    await expect(sessions.finalize(sized.upload_id, USER)).rejects.toThrow(/declared 10 bytes but its parts hold 3/);
    // Still uploading, parts kept: the client can fix it and finalize.
    expect(await sessions.get(sized.upload_id, USER)).toMatchObject({ status: 'uploading', parts_received: [1], uploaded_size: 3 });
    expect(await spec.getBlobStore().exists(xxh3Hex(bytes('abc')))).toBe(false);
  });

  it('finalized and aborted sessions refuse parts, a second finalize and (finalized) abort', async () => {
    const spec = registry();
    const sessions = spec.uploadSessions;
    const done = await sessions.create({}, USER);
    await sessions.putPart(done.upload_id, 1, streamOf('x'), USER);
    await sessions.finalize(done.upload_id, USER);
    await expect(sessions.finalize(done.upload_id, USER)).rejects.toThrow(/already finalized/);
    await expect(sessions.putPart(done.upload_id, 2, streamOf('y'), USER)).rejects.toThrow(UploadSessionStateError);
    await expect(sessions.abort(done.upload_id, USER)).rejects.toThrow(UploadSessionStateError);

    const dropped = await sessions.create({}, USER);
    await sessions.putPart(dropped.upload_id, 1, streamOf('x'), USER);
    await sessions.abort(dropped.upload_id, USER);
    await sessions.abort(dropped.upload_id, USER);
    expect(await sessions.get(dropped.upload_id, USER)).toMatchObject({ status: 'aborted', parts_received: [], uploaded_size: 0 });
    await expect(sessions.putPart(dropped.upload_id, 2, streamOf('y'), USER)).rejects.toThrow(/was aborted/);
    await expect(sessions.finalize(dropped.upload_id, USER)).rejects.toThrow(UploadSessionStateError);
    expect(await spec.getBlobStore().uploads!.listParts(dropped.upload_id)).toEqual([]);
  });

  it('finalizing twice at once: one blob, one 409', async () => {
    const spec = registry();
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    await spec.uploadSessions.putPart(id, 1, streamOf('once'), USER);
    const results = await Promise.allSettled([spec.uploadSessions.finalize(id, USER), spec.uploadSessions.finalize(id, USER)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(UploadSessionStateError);
  });

  it('counts every part against maxBytes: an oversized part is refused and leaves the earlier copy', async () => {
    const spec = registry();
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    const limited = { ...USER, maxBytes: 8 };
    await spec.uploadSessions.putPart(id, 1, streamOf('12345'), limited);
    await spec.uploadSessions.putPart(id, 3, streamOf('abc'), limited);
    // A new copy of part 3 may take the room of the old one, no more.
    await expect(spec.uploadSessions.putPart(id, 3, streamOf('abcd'), limited)).rejects.toThrow(BlobTooLargeError);
    await expect(spec.uploadSessions.putPart(id, 2, streamOf('z'), limited)).rejects.toThrow(/at most 8 bytes across its parts/);
    expect(await spec.uploadSessions.get(id, USER)).toMatchObject({ parts_received: [1, 3], uploaded_size: 8 });
    await spec.uploadSessions.putPart(id, 3, streamOf('ab'), limited);
    await spec.uploadSessions.putPart(id, 2, streamOf('z'), limited);
    await expect(spec.uploadSessions.finalize(id, { ...USER, maxBytes: 7 })).rejects.toThrow(BlobTooLargeError);
    const blob = await spec.uploadSessions.finalize(id, limited);
    expect(await textOf(spec.getBlobStore(), blob.file_id!)).toBe('12345zab');
  });

  it('refuses part numbers that are not integers from 1', async () => {
    const spec = registry();
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    for (const bad of [0, -1, 1.5, Number.NaN, '2' as unknown as number]) {
      await expect(spec.uploadSessions.putPart(id, bad, streamOf('x'), USER)).rejects.toThrow(ValidationError);
    }
    expect(await spec.uploadSessions.get(id, USER)).toMatchObject({ status: 'pending', parts_received: [] });
  });

  it('an unknown or malformed id is UploadSessionNotFoundError', async () => {
    const spec = registry();
    for (const id of ['00000000-0000-4000-8000-000000000000', '../x', '']) {
      await expect(spec.uploadSessions.get(id, USER)).rejects.toThrow(UploadSessionNotFoundError);
      await expect(spec.uploadSessions.putPart(id, 1, streamOf('x'), USER)).rejects.toThrow(UploadSessionNotFoundError);
      await expect(spec.uploadSessions.finalize(id, USER)).rejects.toThrow(UploadSessionNotFoundError);
      await expect(spec.uploadSessions.abort(id, USER)).rejects.toThrow(UploadSessionNotFoundError);
    }
  });

  it('an expired session refuses parts (409) and drops what it staged', async () => {
    const spec = registry(new MemoryBlobStore(), { uploadSessionExpiry: 60 });
    const t0 = new Date('2025-01-01T00:00:00Z');
    const { upload_id: id, expires_at } = await spec.uploadSessions.create({}, { ...USER, now: t0 });
    expect(expires_at).toBe('2025-01-01T00:01:00.000Z');
    await spec.uploadSessions.putPart(id, 1, streamOf('x'), { ...USER, now: new Date('2025-01-01T00:00:59Z') });
    const later = { ...USER, now: new Date('2025-01-01T00:01:00Z') };
    await expect(spec.uploadSessions.putPart(id, 2, streamOf('y'), later)).rejects.toThrow(/expired at 2025-01-01T00:01:00.000Z/);
    await expect(spec.uploadSessions.finalize(id, later)).rejects.toThrow(UploadSessionStateError);
    expect(await spec.uploadSessions.get(id, later)).toMatchObject({ status: 'aborted', parts_received: [] });
    expect(await spec.getBlobStore().uploads!.listParts(id)).toEqual([]);
    const forever = registry(new MemoryBlobStore(), { uploadSessionExpiry: null });
    expect((await forever.uploadSessions.create({}, USER)).expires_at).toBeNull();
  });
});

describe('upload sessions and blob access', () => {
  it("while access is guarded, another user's session does not exist for them; the uploader is granted the blob", async () => {
    const spec = registry(new MemoryBlobStore(), { permissionChecker: { checkPermission: () => PermissionResult.allow } });
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    const bob = { user: 'bob' };
    await expect(spec.uploadSessions.get(id, bob)).rejects.toThrow(UploadSessionNotFoundError);
    await expect(spec.uploadSessions.putPart(id, 1, streamOf('x'), bob)).rejects.toThrow(UploadSessionNotFoundError);
    await spec.uploadSessions.putPart(id, 1, streamOf('mine'), USER);
    await expect(spec.uploadSessions.finalize(id, bob)).rejects.toThrow(UploadSessionNotFoundError);
    await expect(spec.uploadSessions.abort(id, bob)).rejects.toThrow(UploadSessionNotFoundError);
    const blob = await spec.uploadSessions.finalize(id, USER);
    expect(await spec.blobAccess.mayReadDirectly(blob.file_id!, 'alice')).toBe(true);
    expect(await spec.blobAccess.mayReadDirectly(blob.file_id!, 'bob')).toBe(false);
  });

  it('without a checker anyone may use any session', async () => {
    const spec = registry();
    const { upload_id: id } = await spec.uploadSessions.create({}, USER);
    await spec.uploadSessions.putPart(id, 1, streamOf('shared'), { user: 'bob' });
    expect((await spec.uploadSessions.finalize(id, { user: 'carol' })).size).toBe(6);
  });
});

/** A store with staging but without documents or streaming puts: core's fallbacks take over. */
class PlainStagingStore implements IBlobStore {
  private readonly inner = new MemoryBlobStore();
  readonly uploads = this.inner.uploads;
  puts = 0;
  put = (data: Uint8Array, options?: { key?: string; contentType?: string }): Promise<Binary> => {
    this.puts++;
    return this.inner.put(data, options);
  };
  get = this.inner.get.bind(this.inner);
  exists = this.inner.exists.bind(this.inner);
}

/** A store that presigns direct uploads (what an S3 store configured for single_put does). */
class DirectUploadStore extends MemoryBlobStore {
  readonly uploadMethod = 'single_put' as const;
  readonly direct = new Map<string, Uint8Array>();
  async createDirectUpload(uploadId: string, options: { contentType?: string; expiresIn: number }): Promise<DirectUpload> {
    return { url: `https://objects.example/${uploadId}?expires=${options.expiresIn}`, expires_at: '2099-01-01T00:00:00.000Z' };
  }
  async adoptDirectUpload(uploadId: string, fileId: string, options?: { contentType?: string }): Promise<Binary | null> {
    const data = this.direct.get(uploadId);
    if (data === undefined) return null;
    const { data: _bytes, ...blob } = await this.put(data, { key: fileId, contentType: options?.contentType });
    return blob;
  }
}

describe('upload sessions on other stores', () => {
  it('a store without documents or putStream: records in core memory, the blob put whole', async () => {
    const store = new PlainStagingStore();
    const spec = registry(store);
    const { upload_id: id } = await spec.uploadSessions.create({ content_type: 'text/plain' }, USER);
    await spec.uploadSessions.putPart(id, 1, streamOf('plain'), USER);
    const blob = await spec.uploadSessions.finalize(id, USER);
    expect(store.puts).toBe(1);
    expect(await textOf(store, blob.file_id!)).toBe('plain');
    // The same bytes again: the blob exists, nothing is written.
    const again = await spec.uploadSessions.create({}, USER);
    await spec.uploadSessions.putPart(again.upload_id, 1, streamOf('pla', 'in'), USER);
    expect((await spec.uploadSessions.finalize(again.upload_id, USER)).file_id).toBe(blob.file_id);
    expect(store.puts).toBe(1);
  });

  it('a store without staging: NotSupportedError', async () => {
    const inner = new MemoryBlobStore();
    const bare: IBlobStore = { put: inner.put.bind(inner), get: inner.get.bind(inner), exists: inner.exists.bind(inner) };
    const spec = registry(bare);
    expect(spec.uploadSessions.supported).toBe(false);
    await expect(spec.uploadSessions.create({}, USER)).rejects.toThrow(NotSupportedError);
  });

  it('single_put: a presigned URL, no proxy parts, finalize adopts the upload under the session id', async () => {
    const store = new DirectUploadStore();
    const spec = registry(store);
    const session = await spec.uploadSessions.create({ content_type: 'image/png' }, USER);
    expect(session).toMatchObject({ status: 'pending', upload_method: 'single_put', upload_url: `https://objects.example/${session.upload_id}?expires=3600` });
    await expect(spec.uploadSessions.putPart(session.upload_id, 1, streamOf('x'), USER)).rejects.toThrow(NotSupportedError);
    await expect(spec.uploadSessions.finalize(session.upload_id, USER)).rejects.toThrow(/not uploaded yet/);
    store.direct.set(session.upload_id, bytes('png bytes'));
    const blob = await spec.uploadSessions.finalize(session.upload_id, USER);
    expect(blob).toEqual({ file_id: session.upload_id, size: 9, content_type: 'image/png' });
    expect(await textOf(store, session.upload_id)).toBe('png bytes');
    expect(await spec.uploadSessions.get(session.upload_id, USER)).toMatchObject({ status: 'finalized', file_id: session.upload_id, uploaded_size: 9 });
    await expect(spec.uploadSessions.finalize(session.upload_id, USER)).rejects.toThrow(UploadSessionStateError);
  });
});
