/**
 * Blob-store cases of the optional streaming abilities (IBlobStreaming): the staging of upload
 * session parts (`uploads`) and streamed puts and gets. Each case is gated on the store having
 * the ability; a store without it passes them trivially (core answers 501 or falls back).
 */
import { BlobNotFoundError, BlobTooLargeError, ValidationError, type ByteStream, type IBlobStore, type IUploadStaging } from '@specstar/interfaces';
import { expectError } from '../assert';
import { bytes, hex } from '../fixtures';
import type { CaseDef } from '../types';

const UPLOAD = 'c0ffee00-0000-4000-8000-000000000001';
const OTHER_UPLOAD = 'c0ffee00-0000-4000-8000-000000000002';
const HELLO_ID = 'b5e9c1ad071b3e7fc779cfaa5e523818';

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? bytes(part) : part;
}

/** A stream that yields `first` and then fails, as a client that goes away mid-part. */
async function* failingAfter(first: string): AsyncGenerator<Uint8Array> {
  yield bytes(first);
  throw new Error('client went away');
}

async function collect(stream: ByteStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(new Uint8Array(chunk));
  return new Uint8Array(Buffer.concat(parts));
}

const text = async (stream: ByteStream): Promise<string> => Buffer.from(await collect(stream)).toString('utf8');

/** Deterministic bytes of every value, longer than one read chunk of most stores. */
function pattern(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 7 + (i >> 8)) % 256);
}

function stagingOf(store: IBlobStore): IUploadStaging | undefined {
  return store.uploads;
}

export const blobStagingCases: readonly CaseDef<
  | 'blob staging: parts are stored by upload and number, listed in order and read back'
  | 'blob staging: a part replaces the earlier copy only once it is complete'
  | 'blob staging: a part over maxBytes is BlobTooLargeError and stages nothing'
  | 'blob staging: deleteParts removes every part of the upload and is idempotent'
  | 'blob staging: staged parts are never blobs, and bad ids and part numbers are ValidationError'
  | 'blob: putStream stores a streamed blob under its key and getStream streams it back'
>[] = [
  {
    name: 'blob staging: parts are stored by upload and number, listed in order and read back',
    async run({ expect, blobStore }) {
      const staging = stagingOf(blobStore());
      if (staging === undefined) return;
      expect(await staging.listParts(UPLOAD)).toEqual([]);
      expect(await staging.putPart(UPLOAD, 2, chunks('wor', 'ld'))).toBe(5);
      expect(await staging.putPart(UPLOAD, 1, chunks('hello', ' '))).toBe(6);
      expect(await staging.putPart(UPLOAD, 10, chunks())).toBe(0);
      const large = pattern(300_000);
      expect(await staging.putPart(OTHER_UPLOAD, 1, chunks(large.subarray(0, 100_001), large.subarray(100_001)))).toBe(large.length);
      expect(await staging.listParts(UPLOAD)).toEqual([
        { part_number: 1, size: 6 },
        { part_number: 2, size: 5 },
        { part_number: 10, size: 0 },
      ]);
      expect(await text(staging.readPart(UPLOAD, 1))).toBe('hello ');
      expect(await text(staging.readPart(UPLOAD, 2))).toBe('world');
      expect(await text(staging.readPart(UPLOAD, 10))).toBe('');
      expect(hex(await collect(staging.readPart(OTHER_UPLOAD, 1)))).toBe(hex(large));
      expect(await staging.listParts(OTHER_UPLOAD)).toEqual([{ part_number: 1, size: large.length }]);
      await expectError(expect, () => collect(staging.readPart(UPLOAD, 3)), BlobNotFoundError);
    },
  },
  {
    name: 'blob staging: a part replaces the earlier copy only once it is complete',
    async run({ expect, blobStore }) {
      const staging = stagingOf(blobStore());
      if (staging === undefined) return;
      await staging.putPart(UPLOAD, 1, chunks('old copy'));
      await expect(staging.putPart(UPLOAD, 1, failingAfter('new'))).rejects.toThrow('client went away');
      expect(await text(staging.readPart(UPLOAD, 1))).toBe('old copy');
      expect(await staging.listParts(UPLOAD)).toEqual([{ part_number: 1, size: 8 }]);
      // A fresh part that fails leaves nothing behind.
      await expect(staging.putPart(UPLOAD, 2, failingAfter('half'))).rejects.toThrow('client went away');
      expect(await staging.listParts(UPLOAD)).toEqual([{ part_number: 1, size: 8 }]);
      await staging.putPart(UPLOAD, 1, chunks('new', ' copy!'));
      expect(await text(staging.readPart(UPLOAD, 1))).toBe('new copy!');
      expect(await staging.listParts(UPLOAD)).toEqual([{ part_number: 1, size: 9 }]);
    },
  },
  {
    name: 'blob staging: a part over maxBytes is BlobTooLargeError and stages nothing',
    async run({ expect, blobStore }) {
      const staging = stagingOf(blobStore());
      if (staging === undefined) return;
      await expectError(expect, () => staging.putPart(UPLOAD, 1, chunks('1234', '56'), { maxBytes: 5 }), BlobTooLargeError, { limit: 5 });
      expect(await staging.listParts(UPLOAD)).toEqual([]);
      expect(await staging.putPart(UPLOAD, 1, chunks('123', '45'), { maxBytes: 5 })).toBe(5);
      await expectError(expect, () => staging.putPart(UPLOAD, 1, chunks('abcdef'), { maxBytes: 5 }), BlobTooLargeError);
      expect(await text(staging.readPart(UPLOAD, 1))).toBe('12345');
      expect(await staging.putPart(UPLOAD, 2, chunks(), { maxBytes: 0 })).toBe(0);
      await expectError(expect, () => staging.putPart(UPLOAD, 3, chunks('x'), { maxBytes: 0 }), BlobTooLargeError);
      expect(await staging.listParts(UPLOAD)).toEqual([
        { part_number: 1, size: 5 },
        { part_number: 2, size: 0 },
      ]);
    },
  },
  {
    name: 'blob staging: deleteParts removes every part of the upload and is idempotent',
    async run({ expect, blobStore }) {
      const staging = stagingOf(blobStore());
      if (staging === undefined) return;
      await staging.putPart(UPLOAD, 1, chunks('a'));
      await staging.putPart(UPLOAD, 2, chunks('b'));
      await staging.putPart(OTHER_UPLOAD, 1, chunks('kept'));
      await staging.deleteParts(UPLOAD);
      expect(await staging.listParts(UPLOAD)).toEqual([]);
      await expectError(expect, () => collect(staging.readPart(UPLOAD, 1)), BlobNotFoundError);
      await staging.deleteParts(UPLOAD);
      await staging.deleteParts('c0ffee00-0000-4000-8000-00000000ffff');
      expect(await text(staging.readPart(OTHER_UPLOAD, 1))).toBe('kept');
      // An upload id may be used again after its parts were deleted.
      await staging.putPart(UPLOAD, 1, chunks('again'));
      expect(await staging.listParts(UPLOAD)).toEqual([{ part_number: 1, size: 5 }]);
    },
  },
  {
    name: 'blob staging: staged parts are never blobs, and bad ids and part numbers are ValidationError',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const staging = stagingOf(blobs);
      if (staging === undefined) return;
      await staging.putPart(HELLO_ID, 1, chunks('hello'));
      expect(await blobs.exists(HELLO_ID)).toBe(false);
      await expectError(expect, () => blobs.get(HELLO_ID), BlobNotFoundError);
      for (const bad of ['../escape', '..', 'a/b', '', '/absolute']) {
        await expectError(expect, () => staging.putPart(bad, 1, chunks('x')), ValidationError);
        await expectError(expect, () => staging.listParts(bad), ValidationError);
        await expectError(expect, () => collect(staging.readPart(bad, 1)), ValidationError);
        await expectError(expect, () => staging.deleteParts(bad), ValidationError);
      }
      for (const bad of [0, -1, 1.5, Number.NaN, '1' as unknown as number]) {
        await expectError(expect, () => staging.putPart(UPLOAD, bad, chunks('x')), ValidationError);
        await expectError(expect, () => collect(staging.readPart(UPLOAD, bad)), ValidationError);
      }
      expect(await staging.listParts(UPLOAD)).toEqual([]);
    },
  },
  {
    name: 'blob: putStream stores a streamed blob under its key and getStream streams it back',
    async run({ expect, blobStore }) {
      const blobs = blobStore();
      const large = pattern(1_500_007);
      if (blobs.putStream !== undefined) {
        const stored = await blobs.putStream(chunks(large.subarray(0, 65_536), large.subarray(65_536, 1_000_000), large.subarray(1_000_000)), {
          key: 'streamed-blob-1',
          contentType: 'application/x-test',
          size: large.length,
        });
        expect({ file_id: stored.file_id, size: stored.size, content_type: stored.content_type }).toEqual({
          file_id: 'streamed-blob-1',
          size: large.length,
          content_type: 'application/x-test',
        });
        const got = await blobs.get('streamed-blob-1');
        expect(got.size).toBe(large.length);
        expect(hex(got.data)).toBe(hex(large));
        // A key overwrites, as put's does; an empty stream is an empty blob.
        await blobs.putStream(chunks('short'), { key: 'streamed-blob-1' });
        expect(Buffer.from((await blobs.get('streamed-blob-1')).data!).toString('utf8')).toBe('short');
        await blobs.putStream(chunks(), { key: 'streamed-empty' });
        expect((await blobs.get('streamed-empty')).size).toBe(0);
        await expectError(expect, () => blobs.putStream!(chunks('x'), { key: '../escape' }), ValidationError);
      }
      if (blobs.getStream !== undefined) {
        const { file_id } = await blobs.put(large, { contentType: 'image/png' });
        const { blob, body } = await blobs.getStream(file_id!);
        expect({ file_id: blob.file_id, size: blob.size, content_type: blob.content_type }).toEqual({ file_id, size: large.length, content_type: 'image/png' });
        expect(hex(await collect(body))).toBe(hex(large));
        const hello = await blobs.put(bytes('hello'));
        expect(await text((await blobs.getStream(hello.file_id!)).body)).toBe('hello');
        await expectError(expect, () => blobs.getStream!('0123456789abcdef0123456789abcdef'), BlobNotFoundError);
        await expectError(expect, () => blobs.getStream!('../escape'), ValidationError);
      }
    },
  },
];
