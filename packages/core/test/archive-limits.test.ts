/*
 * Load limits and large frames: a frame header claiming more than `maxFrameSize` fails before
 * any of its payload is read; an archive over `maxArchiveSize` fails once that many bytes went
 * through; frames over `frameMemoryBytes` go to the section's temporary file as they arrive,
 * are judged by their first bytes, and the file is gone afterwards on every path.
 */
import { ArchiveFormatError, ValidationError } from '@specstar/interfaces';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SpecStar, binary } from '../src';
import { ArchiveLimitError, dumpArchive, encodeFrame, loadArchive, readArchiveRecords, type ArchiveRecord } from '../src/archive';
import { T0 } from './fixtures';
import { rejection } from './catch-error';

const DocSchema = { title: 'Doc', type: 'object', properties: { title: { type: 'string' }, file: binary() }, required: ['title'] };
const BLOB_BYTES = 8 * 1024;

function registry() {
  const spec = new SpecStar();
  const doc = spec.addModel(DocSchema, { name: 'doc' });
  const note = spec.addModel({ title: 'Note', type: 'object', properties: { text: { type: 'string' } } }, { name: 'note' });
  return { spec, doc, note };
}

async function dumpBytes(spec: SpecStar): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dumpArchive(spec.resourceManagers, out);
  return Buffer.concat(chunks);
}

/** The bytes of the doc's Binary, as stored. */
async function storedBlob(doc: ReturnType<typeof registry>['doc'], docId: string): Promise<Buffer> {
  const { data } = await doc.get(docId);
  const stored = await doc.getBlob((data as { file: { file_id: string } }).file.file_id);
  return Buffer.from(stored.data ?? new Uint8Array(0));
}

/** A doc whose Binary holds BLOB_BYTES of patterned bytes, and a note: an archive with one large frame. */
async function archiveWithBlob(): Promise<{ bytes: Buffer; blob: Buffer; docId: string }> {
  const { spec, doc, note } = registry();
  const blob = Buffer.alloc(BLOB_BYTES, 0);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7) & 0xff;
  const info = await doc.create({ title: 'd', file: { data: new Uint8Array(blob) } }, { user: 'u', now: T0 });
  await note.create({ text: 'n' }, { user: 'u', now: T0 });
  return { bytes: await dumpBytes(spec), blob, docId: info.resource_id };
}

const frame = (record: ArchiveRecord) => Buffer.from(encodeFrame(record));
const HEADER = frame({ t: 'HeaderRecord', version: 2 });
const START_DOC = frame({ t: 'ModelStartRecord', model_name: 'doc' });

function claim(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return header;
}

/** A source that yields `lead`, then `junkBytes` of junk in 64 KiB chunks, counting what was pulled. */
function countingSource(lead: Buffer, junkBytes: number) {
  const state = { pulled: 0 };
  async function* chunks() {
    state.pulled += lead.length;
    yield lead;
    for (let sent = 0; sent < junkBytes; ) {
      const n = Math.min(64 * 1024, junkBytes - sent);
      sent += n;
      state.pulled += n;
      yield Buffer.alloc(n, 0x5a);
    }
  }
  return { source: chunks(), state };
}

/** The archive in `size`-byte chunks. */
async function* inChunks(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

let spill = '';
beforeAll(() => {
  spill = mkdtempSync(join(tmpdir(), 'archive-limits-test-'));
});
afterAll(() => rmSync(spill, { recursive: true, force: true }));
const spoolDirs = () => readdirSync(spill).filter((n) => n.startsWith('specstar-load-'));

describe('maxFrameSize', () => {
  it('a frame header claiming more fails with ArchiveLimitError before any payload is read', async () => {
    const { source, state } = countingSource(Buffer.concat([HEADER, START_DOC, claim(300_000_000)]), 300_000_000);
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source, { maxFrameSize: 1024 * 1024 }));
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error).toBeInstanceOf(ArchiveFormatError); // still a format error to callers that only know that class
    expect(error).toMatchObject({
      code: 'archive_limit_exceeded',
      limit: 'maxFrameSize',
      maxBytes: 1024 * 1024,
      bytes: 300_000_000,
      position: HEADER.length + START_DOC.length,
      message: 'Archive frame of 300000000 bytes exceeds the maxFrameSize limit of 1048576 bytes.',
    });
    expect(state.pulled).toBe(HEADER.length + START_DOC.length + 4);
  });

  it('a frame of exactly maxFrameSize loads; the default admits the format cap of 1 GiB', async () => {
    const { bytes, blob, docId } = await archiveWithBlob();
    const sizes: number[] = [];
    for await (const { position } of readArchiveRecords(inChunks(bytes, 4096))) sizes.push(bytes.readUInt32BE(position));
    const largest = Math.max(...sizes);
    const target = registry();
    await loadArchive(target.spec.resourceManagers, inChunks(bytes, 4096), { maxFrameSize: largest });
    expect(await storedBlob(target.doc, docId)).toEqual(blob);
    const over = await rejection(loadArchive(registry().spec.resourceManagers, inChunks(bytes, 4096), { maxFrameSize: largest - 1 }));
    expect(over).toMatchObject({ limit: 'maxFrameSize', bytes: largest });
  });

  it('readArchiveRecords takes the same limit', async () => {
    const { bytes } = await archiveWithBlob();
    const read = async () => {
      for await (const _ of readArchiveRecords(inChunks(bytes, 4096), { maxFrameSize: 1024 })) {
        // drain: only the rejection matters
      }
    };
    expect(await rejection(read)).toMatchObject({ limit: 'maxFrameSize', maxBytes: 1024 });
  });
});

describe('maxArchiveSize', () => {
  it('an archive longer than the limit fails once more than that many bytes arrived; one of exactly the limit loads', async () => {
    const { bytes } = await archiveWithBlob();
    const fits = await loadArchive(registry().spec.resourceManagers, inChunks(bytes, 1000), { maxArchiveSize: bytes.length });
    expect(fits.doc).toEqual({ loaded: 1, skipped: 0, total: 1 });
    const error = await rejection(loadArchive(registry().spec.resourceManagers, inChunks(bytes, 1000), { maxArchiveSize: bytes.length - 1 }));
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error).toMatchObject({ limit: 'maxArchiveSize', maxBytes: bytes.length - 1, message: `Archive is larger than the maxArchiveSize limit of ${bytes.length - 1} bytes.` });
  });

  it('stops pulling from a source that keeps going', async () => {
    // An endless run of empty note sections: every frame is valid, only the size gives out.
    const state = { pulled: 0 };
    const emptySection = Buffer.concat([frame({ t: 'ModelStartRecord', model_name: 'note' }), frame({ t: 'ModelEndRecord', model_name: 'note' })]);
    async function* source() {
      state.pulled += HEADER.length;
      yield HEADER;
      for (;;) {
        state.pulled += emptySection.length;
        yield emptySection;
      }
    }
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source(), { maxArchiveSize: 100_000, spillDirectory: spill }));
    expect(error).toMatchObject({ limit: 'maxArchiveSize', maxBytes: 100_000 });
    expect(state.pulled).toBeLessThanOrEqual(100_000 + emptySection.length);
    expect(spoolDirs()).toEqual([]);
  });

  it.each([
    ['maxFrameSize', 0],
    ['maxArchiveSize', -5],
    ['frameMemoryBytes', 1.5],
    ['maxFrameSize', Infinity],
  ] as const)('%s: %p is refused with a ValidationError naming the option', async (name, value) => {
    const error = await rejection(loadArchive(registry().spec.resourceManagers, inChunks(HEADER, 64), { [name]: value }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(new RegExp(`^${name} must be a positive integer number of bytes`));
  });
});

describe('frames over frameMemoryBytes', () => {
  it('go to the section file as they arrive, load intact, and the file is removed', async () => {
    const { bytes, blob, docId } = await archiveWithBlob();
    const target = registry();
    // Yield everything up to the doc section's end record, then look at the spill directory.
    let cut = 0;
    for await (const { record, position } of readArchiveRecords(inChunks(bytes, 4096))) if (record.t === 'ModelEndRecord' && cut === 0) cut = position;
    let spooled = 0;
    async function* watched() {
      yield* inChunks(bytes.subarray(0, cut), 1000);
      for (const dir of spoolDirs()) for (const file of readdirSync(join(spill, dir))) spooled += statSync(join(spill, dir, file)).size;
      yield bytes.subarray(cut);
    }
    const stats = await loadArchive(target.spec.resourceManagers, watched(), { frameMemoryBytes: 1024, spillDirectory: spill });
    expect(stats).toEqual({ doc: { loaded: 1, skipped: 0, total: 1 }, note: { loaded: 1, skipped: 0, total: 1 } });
    expect(spooled).toBeGreaterThan(BLOB_BYTES);
    expect(await storedBlob(target.doc, docId)).toEqual(blob);
    expect(spoolDirs()).toEqual([]);
  });

  it('in a section that is not loaded (models filter), are skipped without being kept', async () => {
    const { bytes } = await archiveWithBlob();
    const target = registry();
    const stats = await loadArchive(target.spec.resourceManagers, inChunks(bytes, 1000), { models: ['note'], frameMemoryBytes: 1024, spillDirectory: spill });
    expect(stats).toEqual({ note: { loaded: 1, skipped: 0, total: 1 } });
    expect(await target.doc.count({})).toBe(0);
  });

  it('as the first frame: refused from the length alone, as malformed even when it is also over maxFrameSize', async () => {
    const { source, state } = countingSource(claim(300_000_000), 300_000_000);
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source, { spillDirectory: spill, maxFrameSize: 1024 * 1024 }));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error).not.toBeInstanceOf(ArchiveLimitError);
    expect(error).toMatchObject({ position: 0, message: 'Expected HeaderRecord, got a frame of 300000000 bytes: not an archive or corrupt.' });
    expect(state.pulled).toBe(4);
  });

  it('outside a section: refused from the length alone', async () => {
    const { source, state } = countingSource(Buffer.concat([HEADER, claim(5_000_000)]), 5_000_000);
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source, { spillDirectory: spill }));
    expect(error).toMatchObject({ position: HEADER.length, message: 'Frame of 5000000 bytes outside of model section: not an archive or corrupt.' });
    expect(state.pulled).toBe(HEADER.length + 4);
  });

  it('in a section, starting with junk: refused after its first bytes, nothing spooled', async () => {
    const { source, state } = countingSource(Buffer.concat([HEADER, START_DOC, claim(200_000_000)]), 200_000_000);
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source, { spillDirectory: spill }));
    expect(error).toMatchObject({
      position: HEADER.length + START_DOC.length,
      message: 'Frame of 200000000 bytes does not start like a MetaRecord, RevisionRecord or BlobRecord: not an archive or corrupt.',
    });
    expect(state.pulled).toBeLessThanOrEqual(HEADER.length + START_DOC.length + 4 + 64 * 1024);
    expect(spoolDirs()).toEqual([]);
  });

  it('in a section, starting like a BlobRecord but cut short: a truncation error, and the temporary file is removed', async () => {
    const prefix = Buffer.from([0x85, 0xa1, 0x74, 0xaa, ...Buffer.from('BlobRecord')]);
    const { source } = countingSource(Buffer.concat([HEADER, START_DOC, claim(3_000_000), prefix]), 3_000_000 - prefix.length - 1);
    const error = await rejection(loadArchive(registry().spec.resourceManagers, source, { spillDirectory: spill }));
    expect(error).toMatchObject({ position: HEADER.length + START_DOC.length, message: 'Truncated frame payload in dump stream.' });
    expect(spoolDirs()).toEqual([]);
  });

  it('a source that fails mid-frame: the error surfaces and the temporary file is removed', async () => {
    const { bytes } = await archiveWithBlob();
    const cut = bytes.indexOf(Buffer.from('BlobRecord')) + 4000;
    async function* failing() {
      yield* inChunks(bytes.subarray(0, cut), 1000);
      throw new Error('client went away');
    }
    const error = await rejection(loadArchive(registry().spec.resourceManagers, failing(), { frameMemoryBytes: 1024, spillDirectory: spill }));
    expect((error as Error).message).toBe('client went away');
    expect(spoolDirs()).toEqual([]);
  });
});
