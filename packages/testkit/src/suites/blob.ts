import { BlobNotFoundError, ValidationError, type IBlobStore } from '@specstar/interfaces';
import { expectError } from '../assert';
import { bytes, hex } from '../fixtures';
import { defineGroup } from '../types';
import { blobStagingCases } from './blob-staging';

const HELLO_ID = 'b5e9c1ad071b3e7fc779cfaa5e523818';
const EMPTY_ID = '99aa06d3014798d86001c324468d497f';
const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';
const BAD_IDS = ['../escape', '..', 'a/b', '/absolute', 'dir/../x'];
const BAD_DOCUMENT_NAMES = [...BAD_IDS, '', '.', 'a:b', 'a\\b', 'x'.repeat(401)];

/** A document's bytes as UTF-8 text (null stays null), whatever Uint8Array subclass the store returns. */
function textOf(data: Uint8Array | null): string | null {
  return data === null ? null : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** Documents are optional as a pair: a store offers putDocument and getDocument or neither (core then keeps them in memory). */
function documentsOf(expect: any, blobs: IBlobStore): Required<Pick<IBlobStore, 'putDocument' | 'getDocument'>> | undefined {
  expect(typeof blobs.putDocument).toBe(typeof blobs.getDocument);
  if (blobs.putDocument === undefined || blobs.getDocument === undefined) return undefined;
  return { putDocument: blobs.putDocument.bind(blobs), getDocument: blobs.getDocument.bind(blobs) };
}

/** Blob store of the factory: content-addressed by xxh3-128, deduplicated, ids checked against traversal. */
export const blobCases = defineGroup('blob store', [
  {
    name: 'blob: put addresses content by xxh3-128',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const stored = await blobs.put(bytes('hello'));
      expect(stored.file_id).toBe(HELLO_ID);
      expect(stored.size).toBe(5);
      const empty = await blobs.put(new Uint8Array(0));
      expect(empty.file_id).toBe(EMPTY_ID);
      expect(empty.size).toBe(0);
    },
  },
  {
    name: 'blob: get returns the bytes, size and content type',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const all = new Uint8Array(256).map((_, index) => 255 - index);
      const { file_id } = await blobs.put(all, { contentType: 'application/octet-stream' });
      const got = await blobs.get(file_id!);
      expect(got.file_id).toBe(file_id);
      expect(got.size).toBe(256);
      expect(got.content_type).toBe('application/octet-stream');
      expect(hex(got.data)).toBe(hex(all));
      const hello = await blobs.put(bytes('hello'), { contentType: 'text/plain' });
      expect(hex((await blobs.get(hello.file_id!)).data)).toBe(hex(bytes('hello')));
    },
  },
  {
    name: 'blob: any content type is kept exactly, even one no HTTP header could carry (CR, LF, non-ASCII)',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      // Archives and clients hand stores whatever they hold; the download routes sanitise on the way out.
      for (const contentType of ['text/html\r\nSet-Cookie: a=b', 'not a type', 'text/plain; charset=utf-8; name="é"']) {
        const stored = await blobs.put(bytes(`bytes of ${contentType}`), { contentType });
        expect(stored.content_type).toBe(contentType);
        expect((await blobs.get(stored.file_id!)).content_type).toBe(contentType);
        const keyed = await blobs.put(bytes('keyed'), { key: 'odd-type', contentType });
        expect((await blobs.get(keyed.file_id!)).content_type).toBe(contentType);
      }
    },
  },
  {
    name: 'blob: exists',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      expect(await blobs.exists(HELLO_ID)).toBe(false);
      await blobs.put(bytes('hello'));
      expect(await blobs.exists(HELLO_ID)).toBe(true);
      expect(await blobs.exists(UNKNOWN_ID)).toBe(false);
    },
  },
  {
    name: 'blob: identical bytes deduplicate to one id',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const first = await blobs.put(bytes('hello'));
      const second = await blobs.put(bytes('hello'));
      expect(second.file_id).toBe(first.file_id);
      expect(second.size).toBe(5);
      expect(hex((await blobs.get(HELLO_ID)).data)).toBe(hex(bytes('hello')));
    },
  },
  {
    name: 'blob: a caller key names the blob and overwrites',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const first = await blobs.put(bytes('one'), { key: 'avatar-1.png' });
      expect(first.file_id).toBe('avatar-1.png');
      expect(first.size).toBe(3);
      await blobs.put(bytes('three'), { key: 'avatar-1.png' });
      const got = await blobs.get('avatar-1.png');
      expect(hex(got.data)).toBe(hex(bytes('three')));
      expect(got.size).toBe(5);
    },
  },
  {
    name: 'blob: stored bytes do not alias the caller buffers',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const input = bytes('hello');
      await blobs.put(input);
      input[0] = 0;
      const first = await blobs.get(HELLO_ID);
      first.data![1] = 0;
      expect(hex((await blobs.get(HELLO_ID)).data)).toBe(hex(bytes('hello')));
    },
  },
  {
    name: 'blob: a direct URL (getUrl), where the store gives one, serves the bytes as an attachment whatever type was stored',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const page = '<script>alert(document.domain)</script>';
      const { file_id } = await blobs.put(bytes(page), { contentType: 'text/html' });
      const url = (await blobs.getUrl?.(file_id!)) ?? null;
      if (url === null) return; // no direct URL: blobs are served by the API's routes, with their own headers
      // A stored HTML (or SVG) blob rendered from the backend's origin would run its script there.
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(page);
      expect(response.headers.get('content-disposition')).toMatch(/^attachment\b/);
    },
  },
  {
    name: 'blob: unknown id is BlobNotFoundError',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      await expectError(expect, () => blobs.get(UNKNOWN_ID), BlobNotFoundError, { file_id: UNKNOWN_ID });
    },
  },
  {
    name: 'blob: grants record uploaders per blob and owner',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      // Optional as a pair: a store offers both methods or neither (core then keeps grants itself).
      expect(typeof blobs.grant).toBe(typeof blobs.isGranted);
      if (blobs.grant === undefined || blobs.isGranted === undefined) return;
      const { file_id } = await blobs.put(bytes('hello'));
      expect(await blobs.isGranted(file_id!, 'alice')).toBe(false);
      await blobs.grant(file_id!, 'alice');
      await blobs.grant(file_id!, 'alice');
      expect(await blobs.isGranted(file_id!, 'alice')).toBe(true);
      // Owners are compared exactly: no case folding, no prefix match, any alphabet.
      expect(await blobs.isGranted(file_id!, 'Alice')).toBe(false);
      expect(await blobs.isGranted(file_id!, 'alic')).toBe(false);
      expect(await blobs.isGranted(UNKNOWN_ID, 'alice')).toBe(false);
      await blobs.grant(file_id!, 'ユーザー/../x');
      expect(await blobs.isGranted(file_id!, 'ユーザー/../x')).toBe(true);
      for (const bad of BAD_IDS) {
        await expectError(expect, () => blobs.grant!(bad, 'alice'), ValidationError);
        await expectError(expect, () => blobs.isGranted!(bad, 'alice'), ValidationError);
      }
    },
  },
  {
    name: 'blob: ids with path separators or dot-dot are ValidationError',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      for (const bad of BAD_IDS) {
        await expectError(expect, () => blobs.get(bad), ValidationError);
        await expectError(expect, () => blobs.exists(bad), ValidationError);
        await expectError(expect, () => blobs.put(bytes('x'), { key: bad }), ValidationError);
      }
    },
  },
  {
    name: 'blob: documents put and get by namespace and key, and a put overwrites',
    async run({ expect, blobStore }) {
      const docs = documentsOf(expect, blobStore());
      if (docs === undefined) return;
      await docs.putDocument('job-log', 'am9iLTE', bytes('first line'));
      expect(textOf(await docs.getDocument('job-log', 'am9iLTE'))).toBe('first line');
      await docs.putDocument('job-log', 'am9iLTE', bytes('second run'));
      expect(textOf(await docs.getDocument('job-log', 'am9iLTE'))).toBe('second run');
      // Namespaces are separate spaces; empty documents and 400-character keys are documents too.
      await docs.putDocument('other', 'am9iLTE', new Uint8Array(0));
      expect(textOf(await docs.getDocument('other', 'am9iLTE'))).toBe('');
      expect(textOf(await docs.getDocument('job-log', 'am9iLTE'))).toBe('second run');
      const longKey = 'k'.repeat(400);
      await docs.putDocument('job-log', longKey, bytes('long'));
      expect(textOf(await docs.getDocument('job-log', longKey))).toBe('long');
      expect(await docs.getDocument('job-log', 'k'.repeat(399))).toBeNull();
    },
  },
  {
    name: 'blob: an absent document is null',
    async run({ expect, blobStore }) {
      const docs = documentsOf(expect, blobStore());
      if (docs === undefined) return;
      expect(await docs.getDocument('job-log', 'bm9uZQ')).toBeNull();
      await docs.putDocument('job-log', 'c29tZQ', bytes('x'));
      expect(await docs.getDocument('job-log', 'bm9uZQ')).toBeNull();
      expect(await docs.getDocument('unused-namespace', 'c29tZQ')).toBeNull();
    },
  },
  {
    name: 'blob: documents do not alias the caller buffers and are never blobs',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const docs = documentsOf(expect, blobs);
      if (docs === undefined) return;
      const input = bytes('hello');
      await docs.putDocument('job-log', HELLO_ID, input);
      input[0] = 0;
      const got = await docs.getDocument('job-log', HELLO_ID);
      got![1] = 0;
      expect(textOf(await docs.getDocument('job-log', HELLO_ID))).toBe('hello');
      // A document key equal to a file id does not make a blob of that id.
      expect(await blobs.exists(HELLO_ID)).toBe(false);
      await expectError(expect, () => blobs.get(HELLO_ID), BlobNotFoundError, { file_id: HELLO_ID });
      expect(await blobs.exists('job-log')).toBe(false);
    },
  },
  {
    name: 'blob: document namespaces and keys outside the name alphabet are ValidationError',
    async run({ expect, blobStore }) {
      const docs = documentsOf(expect, blobStore());
      if (docs === undefined) return;
      for (const bad of BAD_DOCUMENT_NAMES) {
        await expectError(expect, () => docs.putDocument(bad, 'key', bytes('x')), ValidationError);
        await expectError(expect, () => docs.putDocument('job-log', bad, bytes('x')), ValidationError);
        await expectError(expect, () => docs.getDocument(bad, 'key'), ValidationError);
        await expectError(expect, () => docs.getDocument('job-log', bad), ValidationError);
      }
      await expectError(expect, () => docs.putDocument('job-log', 'key', 'text' as unknown as Uint8Array), ValidationError);
      expect(await docs.getDocument('job-log', 'key')).toBeNull();
    },
  },
  // Streaming abilities (upload staging, putStream/getStream), each gated on the store having it.
  ...blobStagingCases,
]);
