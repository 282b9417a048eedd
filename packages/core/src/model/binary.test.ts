import { BlobNotFoundError, type Binary, type BlobPutOptions, type IBlobStore, ValidationError } from '@specstar/interfaces';
import { xxh3Hex } from '../codec/hash';
import { MemoryBlobStore } from '../storage/memory';
import { collectFileIds, restoreBinaries, storeBinaries } from './binary';
import { binary } from './markers';
import { compileModel, type JsonSchema } from './model';
import { rejection } from '../../test/catch-error';

const HELLO_ID = 'b5e9c1ad071b3e7fc779cfaa5e523818'; // XXH3-128("hello") as hex: the content id of a blob
const EMPTY_ID = '99aa06d3014798d86001c324468d497f'; // XXH3-128("")
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const HELLO_B64 = Buffer.from('hello').toString('base64');

/** A memory blob store that records the calls it gets, and can delay lookups of chosen ids. */
class RecordingBlobStore implements IBlobStore {
  readonly inner = new MemoryBlobStore();
  readonly puts: Array<{ text: string; options: BlobPutOptions }> = [];
  readonly gets: string[] = [];
  readonly slow = new Set<string>();

  /** A content sniffer's guess, used when the caller gives no content type. */
  sniffed: string | undefined;

  put(data: Uint8Array, options: BlobPutOptions = {}): Promise<Binary> {
    this.puts.push({ text: Buffer.from(data).toString('utf8'), options });
    const contentType = options.contentType || this.sniffed;
    return this.inner.put(data, contentType === undefined ? options : { ...options, contentType });
  }
  async get(fileId: string): Promise<Binary> {
    this.gets.push(fileId);
    // Lets later lookups settle first, so "first error" must mean first in document order.
    if (this.slow.has(fileId)) for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    return this.inner.get(fileId);
  }
  exists(fileId: string): Promise<boolean> {
    return this.inner.exists(fileId);
  }
}

const Doc: JsonSchema = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    avatar: binary(),
    backup: { anyOf: [binary(), { type: 'null' }] },
    files: { type: 'array', items: binary() },
    nested: { type: 'object', properties: { inner: { type: 'object', properties: { pic: binary() } } } },
    byName: { type: 'object', additionalProperties: binary() },
    extra: {},
  },
  additionalProperties: false,
};
const model = compileModel(Doc);


describe('storeBinaries', () => {
  it('uploads bytes and persists only the descriptor (invariant 102)', async () => {
    const store = new RecordingBlobStore();
    const out = (await storeBinaries({ title: 't', avatar: { data: bytes('hello') } }, model, store)) as Record<string, unknown>;
    expect(out).toEqual({ title: 't', avatar: { file_id: HELLO_ID, size: 5 } });
    expect(out.avatar).not.toHaveProperty('data');
    expect(out.avatar).not.toHaveProperty('content_type');
    expect(Buffer.from((await store.inner.get(HELLO_ID)).data as Uint8Array).toString()).toBe('hello');
    // The result is valid model data again.
    expect(() => model.validate(out)).not.toThrow();
  });

  it('accepts base64 text as bytes (the JSON wire form), also after model.prepare', async () => {
    const store = new RecordingBlobStore();
    const prepared = model.prepare({ avatar: { data: HELLO_B64, content_type: 'text/plain' } });
    expect((prepared as { avatar: { data: unknown } }).avatar.data).toBe(HELLO_B64); // prepare keeps text
    expect(await storeBinaries(prepared, model, store)).toEqual({ avatar: { file_id: HELLO_ID, size: 5, content_type: 'text/plain' } });
    expect(store.puts).toEqual([{ text: 'hello', options: { contentType: 'text/plain' } }]);
  });

  it('stores identical bytes once under one file_id (invariant 103)', async () => {
    const store = new RecordingBlobStore();
    const a = (await storeBinaries({ avatar: { data: bytes('same') } }, model, store)) as { avatar: Binary };
    const b = (await storeBinaries({ files: [{ data: bytes('same') }, { data: Buffer.from('same').toString('base64') }] }, model, store)) as {
      files: Binary[];
    };
    expect(b.files.map((f) => f.file_id)).toEqual([a.avatar.file_id, a.avatar.file_id]);
    expect(await store.inner.exists(a.avatar.file_id as string)).toBe(true);
  });

  it("keeps the store's content type guess when none is given", async () => {
    const store = new RecordingBlobStore();
    store.sniffed = 'text/plain';
    expect(await storeBinaries({ avatar: { data: bytes('hello') } }, model, store)).toEqual({
      avatar: { file_id: HELLO_ID, size: 5, content_type: 'text/plain' },
    });
    expect(await storeBinaries({ avatar: { data: bytes('hello'), content_type: 'text/x-greeting' } }, model, store)).toEqual({
      avatar: { file_id: HELLO_ID, size: 5, content_type: 'text/x-greeting' },
    });
  });

  it('treats empty bytes as a valid blob', async () => {
    const store = new RecordingBlobStore();
    expect(await storeBinaries({ avatar: { data: new Uint8Array(0) } }, model, store)).toEqual({ avatar: { file_id: EMPTY_ID, size: 0 } });
    expect((await store.inner.get(EMPTY_ID)).size).toBe(0);
  });

  it('handles lists, nullable members, nested objects and map values, in document order', async () => {
    const store = new RecordingBlobStore();
    const input = {
      files: [{ data: bytes('f0') }, { data: bytes('f1'), content_type: 'image/png' }],
      backup: { data: bytes('bk') },
      nested: { inner: { pic: { data: bytes('pic') } } },
      byName: { x: { data: bytes('mx') } },
    };
    const out = (await storeBinaries(input, model, store)) as typeof input;
    expect(store.puts.map((p) => p.text)).toEqual(['f0', 'f1', 'bk', 'pic', 'mx']);
    expect(out.files[1]).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{32}$/), size: 2, content_type: 'image/png' });
    for (const b of [...out.files, out.backup, out.nested.inner.pic, out.byName.x] as Binary[]) {
      expect(b).not.toHaveProperty('data');
      expect(typeof b.file_id).toBe('string');
    }
    expect(() => model.validate(out)).not.toThrow();
  });

  it('leaves absent, null and empty Binaries alone and returns the same object', async () => {
    const store = new RecordingBlobStore();
    for (const input of [{ title: 'x' }, { backup: null }, { avatar: {} }, { avatar: { size: 3, content_type: 'a/b' } }, { files: [] }]) {
      expect(await storeBinaries(input, model, store)).toBe(input);
    }
    expect(store.puts).toEqual([]);
    expect(store.gets).toEqual([]);
  });

  it('keeps identity of unchanged subtrees and never mutates the caller value', async () => {
    const store = new RecordingBlobStore();
    const input = {
      title: 't',
      avatar: { data: bytes('hello') },
      files: [{ file_id: 'untouched-no' }],
      nested: { inner: { pic: { size: 1 } } },
      extra: { deep: [1, 2, 3] },
    };
    await store.put(bytes('zz'), { key: 'untouched-no', contentType: 'x/y' });
    const snapshot = structuredClone(input);
    const avatar = input.avatar;
    const out = (await storeBinaries(input, model, store)) as typeof input;
    expect(input).toEqual(snapshot);
    expect(input.avatar).toBe(avatar);
    expect(avatar.data).toEqual(bytes('hello'));
    expect(out).not.toBe(input);
    expect(out.nested).toBe(input.nested);
    expect(out.extra).toBe(input.extra);
    expect(out.files).not.toBe(input.files);
    expect(out.files[0]).toEqual({ file_id: 'untouched-no', size: 2, content_type: 'x/y' });
  });

  describe('a pre-uploaded file_id', () => {
    it('back-fills size and content_type from the store; a supplied content_type wins', async () => {
      const store = new RecordingBlobStore();
      await store.put(bytes('hello'), { contentType: 'text/plain' });
      expect(await storeBinaries({ avatar: { file_id: HELLO_ID } }, model, store)).toEqual({
        avatar: { file_id: HELLO_ID, size: 5, content_type: 'text/plain' },
      });
      expect(await storeBinaries({ avatar: { file_id: HELLO_ID, content_type: 'text/markdown' } }, model, store)).toEqual({
        avatar: { file_id: HELLO_ID, size: 5, content_type: 'text/markdown' },
      });
    });

    it('trusts the store over a disagreeing size, and keeps a complete descriptor as is', async () => {
      const store = new RecordingBlobStore();
      await store.put(bytes('hello'));
      expect(await storeBinaries({ avatar: { file_id: HELLO_ID, size: 999 } }, model, store)).toEqual({ avatar: { file_id: HELLO_ID, size: 5 } });
      const complete = { avatar: { file_id: HELLO_ID, size: 5 } };
      expect(await storeBinaries(complete, model, store)).toBe(complete);
      expect(store.puts).toHaveLength(1); // only the setup put
    });

    it('an unknown file_id fails the whole write before anything is uploaded (invariant 104)', async () => {
      const store = new RecordingBlobStore();
      const error = await rejection(storeBinaries({ avatar: { data: bytes('new') }, files: [{ file_id: 'f'.repeat(32) }] }, model, store));
      expect(error).toBeInstanceOf(BlobNotFoundError);
      expect(error).toMatchObject({ file_id: 'f'.repeat(32), message: `Blob with file_id '${'f'.repeat(32)}' does not exist` });
      expect(store.puts).toEqual([]);
      expect(await store.inner.exists(xxh3Hex(bytes('new')))).toBe(false);
    });

    it('reports the first missing blob in document order, whichever lookup settles first', async () => {
      const store = new RecordingBlobStore();
      store.slow.add('aaa');
      const error = await rejection(storeBinaries({ avatar: { file_id: 'aaa' }, files: [{ file_id: 'bbb' }] }, model, store));
      expect(error).toMatchObject({ file_id: 'aaa' });
      expect(store.gets).toEqual(['aaa', 'bbb']); // looked up concurrently
    });

    it('rejects a file_id with path characters as a ValidationError naming the field', async () => {
      const store = new RecordingBlobStore();
      for (const [input, path] of [
        [{ avatar: { file_id: '../etc/passwd' } }, '/avatar/file_id'],
        [{ files: [{ data: bytes('ok') }, { file_id: 'a/b' }] }, '/files/1/file_id'],
        [{ nested: { inner: { pic: { file_id: '..', data: bytes('x') } } } }, '/nested/inner/pic/file_id'],
      ] as const) {
        const error = await rejection(storeBinaries(input, model, store));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues).toEqual([{ path, message: expect.stringContaining('invalid blob id') }]);
        expect((error as ValidationError).message).toContain(path);
      }
      expect(store.puts).toEqual([]);
      expect(store.gets).toEqual([]);
    });
  });

  it('rejects data that is neither bytes nor base64 with a ValidationError at its path', async () => {
    const store = new RecordingBlobStore();
    for (const data of [42, 'not base64!', { a: 1 }]) {
      const error = await rejection(storeBinaries({ files: [{ data }] }, model, store));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: '/files/0/data', message: 'must be bytes (Uint8Array) or base64 text' }]);
    }
    expect(store.puts).toEqual([]);
  });

  it('inspects untyped values at run time: bytes make a Binary, text stays text', async () => {
    const store = new RecordingBlobStore();
    const out = await storeBinaries({ extra: { a: [{ data: bytes('hello'), content_type: 'text/plain' }], b: { data: HELLO_B64 } } }, model, store);
    expect(out).toEqual({ extra: { a: [{ file_id: HELLO_ID, size: 5, content_type: 'text/plain' }], b: { data: HELLO_B64 } } });
    // Other keys next to bytes: not a Binary.
    const other = { extra: { data: bytes('x'), name: 'n' } };
    expect(await storeBinaries(other, model, store)).toBe(other);
  });

  it('finds the Binary member of a union without discriminator by its shape', async () => {
    const union = compileModel({
      type: 'object',
      properties: { media: { anyOf: [{ type: 'object', properties: { url: { type: 'string' } }, required: ['url'] }, binary()] } },
    });
    const store = new RecordingBlobStore();
    expect(await storeBinaries({ media: { data: HELLO_B64 } }, union, store)).toEqual({ media: { file_id: HELLO_ID, size: 5 } });
    const link = { media: { url: 'http://x' } };
    expect(await storeBinaries(link, union, store)).toBe(link);
  });

  it('follows $ref and a model whose root is a list of Binaries', async () => {
    const refModel = compileModel({ type: 'object', $defs: { B: binary() }, properties: { pic: { $ref: '#/$defs/B' } } });
    const listModel = compileModel({ type: 'array', items: binary() });
    const store = new RecordingBlobStore();
    expect(await storeBinaries({ pic: { data: bytes('hello') } }, refModel, store)).toEqual({ pic: { file_id: HELLO_ID, size: 5 } });
    expect(await storeBinaries([{ data: bytes('hello') }], listModel, store)).toEqual([{ file_id: HELLO_ID, size: 5 }]);
  });
});

describe('restoreBinaries', () => {
  it('fills Binary.data from the store (invariant 105) without touching the input', async () => {
    const store = new RecordingBlobStore();
    const stored = (await storeBinaries(
      { avatar: { data: bytes('hello'), content_type: 'text/plain' }, files: [{ data: bytes('f0') }], title: 't' },
      model,
      store,
    )) as Record<string, unknown>;
    const snapshot = structuredClone(stored);
    const restored = (await restoreBinaries(stored, model, store)) as { avatar: Binary; files: Binary[]; title: string };
    expect(stored).toEqual(snapshot);
    expect(restored.avatar).toEqual({ file_id: HELLO_ID, size: 5, content_type: 'text/plain', data: bytes('hello') });
    expect(Buffer.from(restored.files[0]?.data as Uint8Array).toString()).toBe('f0');
    expect(restored.title).toBe('t');
  });

  it('returns the same object when there is nothing to fetch, and BlobNotFoundError for a lost blob', async () => {
    const store = new RecordingBlobStore();
    const plain = { title: 't', avatar: { data: bytes('inline') } };
    expect(await restoreBinaries(plain, model, store)).toBe(plain);
    const error = await rejection(restoreBinaries({ avatar: { file_id: 'gone', size: 1 } }, model, store));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect(error).toMatchObject({ file_id: 'gone' });
    const bad = await rejection(restoreBinaries({ files: [{ file_id: '../x', size: 1 }] }, model, store));
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).issues).toEqual([{ path: '/files/0/file_id', message: expect.stringContaining('invalid blob id') }]);
  });

  it('restores untyped descriptors that storeBinaries wrote', async () => {
    const store = new RecordingBlobStore();
    const stored = await storeBinaries({ extra: [{ data: bytes('hello') }] }, model, store);
    expect(await restoreBinaries(stored, model, store)).toEqual({ extra: [{ file_id: HELLO_ID, size: 5, data: bytes('hello') }] });
  });
});

describe('collectFileIds', () => {
  it('lists distinct file ids in document order, typed and untyped', () => {
    const data = {
      avatar: { file_id: 'b', size: 1 },
      files: [{ file_id: 'a' }, { file_id: 'b', size: 1 }, {}],
      byName: { k: { file_id: 'c', size: 2 } },
      extra: { x: { file_id: 'd', size: 3 }, y: { file_id: 'not-a-binary', owner: 'u' } },
      title: 'file_id',
    };
    expect(collectFileIds(data, model)).toEqual(['b', 'a', 'c', 'd']);
    expect(collectFileIds({ title: 'x' }, model)).toEqual([]);
  });
});
