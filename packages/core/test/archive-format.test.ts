/*
 * The `.acbak` bytes: frames built by hand from the format's rules and
 * compared with ours byte for byte, archives assembled by hand the way Python writes them,
 * and every format error with the byte offset of the offending frame.
 */
import { ArchiveFormatError, ModelNotFoundError, ValidationError } from '@specstar/interfaces';
import { Packr } from 'msgpackr';
import { PassThrough, Readable } from 'node:stream';
import { SpecStar, binary } from '../src';
import { encodeRecord } from '../src/adapter';
import {
  dumpArchive,
  encodeFrame,
  loadArchive,
  readArchiveRecords,
  type ArchiveRecord,
} from '../src/archive';
import { ItemSchema, T0, T1 } from './fixtures';
import { rejection } from './catch-error';

const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
/** A frame from payload bytes: 4-byte unsigned big-endian length, then the payload. */
const frameOf = (payload: number[] | Uint8Array): Buffer => Buffer.from([...u32(payload.length), ...payload]);
/** msgpack bin header for n bytes (bin8 / bin16 / bin32). */
const binHead = (n: number): number[] => (n < 0x100 ? [0xc4, n] : n < 0x10000 ? [0xc5, n >> 8, n & 0xff] : [0xc6, ...u32(n)]);

// Plain msgpack, as Python msgspec writes it: maps, str, bin, timestamps for datetimes.
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
const pack = (value: unknown): Buffer => packr.pack(value);
const frame = (value: unknown): Buffer => frameOf(pack(value));

async function collect(run: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await run(out);
  out.end();
  return Buffer.concat(chunks);
}

async function records(bytes: Uint8Array): Promise<ArchiveRecord[]> {
  const out: ArchiveRecord[] = [];
  for await (const { record } of readArchiveRecords(Readable.from([bytes]))) out.push(record);
  return out;
}

/** The error `promise` rejects with; fails the test when it resolves. */

function items() {
  const spec = new SpecStar();
  const rm = spec.addModel<{ name: string; value: number }>({ ...ItemSchema }, { name: 'item' });
  return { spec, rm };
}

const HEADER = [0x82, 0xa1, 0x74, 0xac, ...ascii('HeaderRecord'), 0xa7, ...ascii('version'), 0x02];

describe('frames, byte for byte', () => {
  it('the header frame is the spec example: 00 00 00 19 82 a1 74 ac "HeaderRecord" a7 "version" 02', () => {
    const expected = Buffer.from([0x00, 0x00, 0x00, 0x19, ...HEADER]);
    expect(Buffer.from(encodeFrame({ t: 'HeaderRecord', version: 2 }))).toEqual(expected);
  });

  it('every record type has the tag first and its fields in the table order', () => {
    expect(Buffer.from(encodeFrame({ t: 'EofRecord' }))).toEqual(frameOf([0x81, 0xa1, 0x74, 0xa9, ...ascii('EofRecord')]));
    expect(Buffer.from(encodeFrame({ t: 'ModelStartRecord', model_name: 'item' }))).toEqual(
      frameOf([0x82, 0xa1, 0x74, 0xb0, ...ascii('ModelStartRecord'), 0xaa, ...ascii('model_name'), 0xa4, ...ascii('item')]),
    );
    expect(Buffer.from(encodeFrame({ t: 'MetaRecord', data: new Uint8Array([1, 2, 3]) }))).toEqual(
      frameOf([0x82, 0xa1, 0x74, 0xaa, ...ascii('MetaRecord'), 0xa4, ...ascii('data'), 0xc4, 3, 1, 2, 3]),
    );
    const blob = new Uint8Array(300).fill(7);
    expect(Buffer.from(encodeFrame({ t: 'BlobRecord', file_id: 'f1', blob_data: blob, size: 300, content_type: '' }))).toEqual(
      frameOf([
        0x85, 0xa1, 0x74, 0xaa, ...ascii('BlobRecord'),
        0xa7, ...ascii('file_id'), 0xa2, ...ascii('f1'),
        0xa9, ...ascii('blob_data'), 0xc5, 0x01, 0x2c, ...blob,
        0xa4, ...ascii('size'), 0xcd, 0x01, 0x2c,
        0xac, ...ascii('content_type'), 0xa0,
      ]),
    );
    // A model name of 40 characters needs str8, as msgspec writes it.
    const long = 'm'.repeat(40);
    expect(Buffer.from(encodeFrame({ t: 'ModelEndRecord', model_name: long }))).toEqual(
      frameOf([0x82, 0xa1, 0x74, 0xae, ...ascii('ModelEndRecord'), 0xaa, ...ascii('model_name'), 0xd9, 40, ...ascii(long)]),
    );
  });

  it('refuses a record it cannot encode with a ValidationError naming the field', () => {
    const error = (() => {
      try {
        encodeFrame({ t: 'BlobRecord', file_id: 'x', blob_data: new Uint8Array(1), size: -1, content_type: '' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('/size');
  });

  it('a whole dump equals the archive assembled by hand from the format rules', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel({ title: 'Doc', type: 'object', properties: { title: { type: 'string' }, file: binary() } }, { name: 'doc' });
    const hello = new Uint8Array([0x68, 0x65, 0x6c, 0x6c, 0x6f]);
    await rm.blobStore!.put(hello, { key: 'blob-1', contentType: 'text/plain' });
    await rm.create({ title: 'a', file: { file_id: 'blob-1', size: 5, content_type: 'text/plain' } }, { resourceId: 'doc-1', user: 'u', now: T0 });
    await rm.update('doc-1', { title: 'b', file: { file_id: 'blob-1', size: 5, content_type: 'text/plain' } }, { user: 'v', now: T1 });

    const actual = await collect((out) => dumpArchive(spec.resourceManagers, out));

    // Meta and revision payloads are the stored records, msgpack-encoded (uids are random, so
    // the expected inner bytes come from the store; the framing around them is built here).
    const meta = (await rm.storage.getMeta('doc-1'))!;
    const revisions = [];
    for await (const stored of rm.storage.iterRevisions('doc-1')) revisions.push(stored);
    expect(revisions).toHaveLength(2);
    const metaBytes = encodeRecord('meta', meta, 'msgpack');
    const parts: Buffer[] = [
      frameOf(HEADER),
      frameOf([0x82, 0xa1, 0x74, 0xb0, ...ascii('ModelStartRecord'), 0xaa, ...ascii('model_name'), 0xa3, ...ascii('doc')]),
      frameOf([0x82, 0xa1, 0x74, 0xaa, ...ascii('MetaRecord'), 0xa4, ...ascii('data'), ...binHead(metaBytes.length), ...metaBytes]),
    ];
    for (const { info, data } of revisions) {
      const infoBytes = encodeRecord('info', info, 'msgpack');
      const raw = [0x82, 0xa4, ...ascii('info'), ...infoBytes, 0xa8, ...ascii('raw_data'), ...binHead(data.length), ...data];
      parts.push(frameOf([0x82, 0xa1, 0x74, 0xae, ...ascii('RevisionRecord'), 0xa4, ...ascii('data'), ...binHead(raw.length), ...raw]));
    }
    parts.push(
      frameOf([
        0x85, 0xa1, 0x74, 0xaa, ...ascii('BlobRecord'),
        0xa7, ...ascii('file_id'), 0xa6, ...ascii('blob-1'),
        0xa9, ...ascii('blob_data'), 0xc4, 5, ...hello,
        0xa4, ...ascii('size'), 0x05,
        0xac, ...ascii('content_type'), 0xaa, ...ascii('text/plain'),
      ]),
      frameOf([0x82, 0xa1, 0x74, 0xae, ...ascii('ModelEndRecord'), 0xaa, ...ascii('model_name'), 0xa3, ...ascii('doc')]),
      frameOf([0x81, 0xa1, 0x74, 0xa9, ...ascii('EofRecord')]),
    );
    expect(actual.equals(Buffer.concat(parts))).toBe(true);
    // The inner meta is a plain msgpack map with the wire names and timestamps for times.
    expect(packr.unpack(metaBytes)).toMatchObject({ resource_id: 'doc-1', total_revision_count: 2, created_time: T0, updated_time: T1, is_deleted: false });
  });
});

describe('archives written by Python (assembled by hand from the format rules)', () => {
  // Python writes every meta first, then every revision; stored data is JSON text.
  const info = (id: string, n: number, parent: string | null, time: Date) => ({
    uid: `00000000-0000-4000-8000-00000000000${n}`,
    resource_id: id,
    revision_id: `${id}:${n}`,
    parent_revision_id: parent,
    schema_version: null,
    data_hash: 'xxh3_128:00000000000000000000000000000000',
    status: 'stable',
    created_time: time,
    updated_time: time,
    created_by: 'py',
    updated_by: 'py',
  });
  const meta = (id: string, count: number, deleted: boolean) => ({
    current_revision_id: `${id}:${count}`,
    resource_id: id,
    schema_version: null,
    total_revision_count: count,
    created_time: T0,
    updated_time: T1,
    created_by: 'py',
    updated_by: 'py',
    is_deleted: deleted,
    indexed_data: {},
  });
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  function pythonArchive(): Buffer {
    return Buffer.concat([
      frame({ t: 'HeaderRecord', version: 2 }),
      frame({ t: 'ModelStartRecord', model_name: 'item' }),
      frame({ t: 'MetaRecord', data: pack(meta('item:a', 2, false)) }),
      frame({ t: 'MetaRecord', data: pack(meta('item:b', 1, true)) }),
      frame({ t: 'RevisionRecord', data: pack({ info: info('item:a', 1, null, T0), raw_data: json({ name: 'a1', value: 1 }) }) }),
      frame({ t: 'RevisionRecord', data: pack({ info: info('item:a', 2, 'item:a:1', T1), raw_data: json({ name: 'a2', value: 2 }) }) }),
      frame({ t: 'RevisionRecord', data: pack({ info: info('item:b', 1, null, T0), raw_data: json({ name: 'b', value: 0 }) }) }),
      frame({ t: 'ModelEndRecord', model_name: 'item' }),
      frame({ t: 'EofRecord' }),
    ]);
  }

  it('load with metas, infos (uids, hashes, times) and data as archived', async () => {
    const { rm, spec } = items();
    const stats = await loadArchive(spec.resourceManagers, Readable.from([pythonArchive()]));
    expect(stats).toEqual({ item: { loaded: 2, skipped: 0, total: 2 } });
    expect(await rm.getMeta('item:a')).toMatchObject({ current_revision_id: 'item:a:2', total_revision_count: 2, created_time: T0, updated_time: T1, is_deleted: false });
    expect(await rm.getMeta('item:b', { includeDeleted: true })).toMatchObject({ is_deleted: true });
    expect((await rm.get('item:a')).data).toEqual({ name: 'a2', value: 2 });
    expect((await rm.get('item:a', { revisionId: 'item:a:1' })).data).toEqual({ name: 'a1', value: 1 });
    const infos = await rm.listRevisions('item:a');
    expect(infos.map((i) => [i.uid, i.revision_id, i.parent_revision_id, i.data_hash, i.created_time])).toEqual([
      ['00000000-0000-4000-8000-000000000001', 'item:a:1', null, 'xxh3_128:00000000000000000000000000000000', T0],
      ['00000000-0000-4000-8000-000000000002', 'item:a:2', 'item:a:1', 'xxh3_128:00000000000000000000000000000000', T1],
    ]);
  });

  it('skip drops every revision of an existing resource even when they come after all metas', async () => {
    const { rm, spec } = items();
    await rm.create({ name: 'mine' }, { resourceId: 'item:a', user: 'me', now: T0 });
    const stats = await loadArchive(spec.resourceManagers, Readable.from([pythonArchive()]), { onDuplicate: 'skip' });
    expect(stats.item).toEqual({ loaded: 1, skipped: 1, total: 2 });
    expect((await rm.get('item:a')).data).toEqual({ name: 'mine', value: 0 });
    expect((await rm.listRevisions('item:a')).map((i) => i.created_by)).toEqual(['me']);
    expect(await rm.exists('item:b')).toBe(true);
  });

  it('load JSON-encoded inner payloads too (detected by the first byte)', async () => {
    const { rm, spec } = items();
    const archive = Buffer.concat([
      frame({ t: 'HeaderRecord', version: 2 }),
      frame({ t: 'ModelStartRecord', model_name: 'item' }),
      frame({ t: 'MetaRecord', data: json({ ...meta('item:j', 1, false), created_time: '2025-01-01T00:00:00Z', updated_time: '2025-01-02T00:00:00+00:00' }) }),
      frame({
        t: 'RevisionRecord',
        data: json({
          info: { ...info('item:j', 1, null, T0), created_time: '2025-01-01T00:00:00.000000Z', updated_time: '2025-01-01T00:00:00Z' },
          raw_data: json({ name: 'j', value: 7 }).toString('base64'),
        }),
      }),
      frame({ t: 'ModelEndRecord', model_name: 'item' }),
    ]); // no EofRecord: tolerated
    expect(await loadArchive(spec.resourceManagers, Readable.from([archive]))).toEqual({ item: { loaded: 1, skipped: 0, total: 1 } });
    expect(await rm.getMeta('item:j')).toMatchObject({ created_time: T0, updated_time: T1 });
    expect((await rm.get('item:j')).data).toEqual({ name: 'j', value: 7 });
    expect((await rm.getRevisionInfo('item:j')).created_time).toEqual(T0);
  });

  it('a header without `version` reads as version 2 (msgspec default)', async () => {
    const { spec } = items();
    const archive = Buffer.concat([frame({ t: 'HeaderRecord' }), frame({ t: 'EofRecord' })]);
    expect(await loadArchive(spec.resourceManagers, Readable.from([archive]))).toEqual({});
  });
});

describe('format errors: ArchiveFormatError at the offending frame', () => {
  const header = frame({ t: 'HeaderRecord', version: 2 });
  const start = frame({ t: 'ModelStartRecord', model_name: 'item' });
  const end = frame({ t: 'ModelEndRecord', model_name: 'item' });

  async function loadError(bytes: Buffer | Buffer[], options = {}) {
    const { spec, rm } = items();
    const error = await rejection(loadArchive(spec.resourceManagers, Readable.from(Array.isArray(bytes) ? bytes : [bytes]), options));
    return { error: error as ArchiveFormatError, rm, spec };
  }

  async function validSection(): Promise<Buffer> {
    const { spec, rm } = items();
    await rm.create({ name: 'x' }, { resourceId: 'item:x', user: 'u', now: T0 });
    const bytes = await collect((out) => dumpArchive(spec.resourceManagers, out));
    // Strip header and Eof: the section frames only.
    return bytes.subarray(header.length, bytes.length - frame({ t: 'EofRecord' }).length);
  }

  it('an empty stream is the "Expected HeaderRecord" error at byte 0', async () => {
    const { error } = await loadError(Buffer.alloc(0));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/^Expected HeaderRecord/);
    expect(error.position).toBe(0);
  });

  it('a stream not starting with a HeaderRecord', async () => {
    const { error } = await loadError(Buffer.concat([start, header]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe('Expected HeaderRecord, got ModelStartRecord.');
    expect(error.position).toBe(0);
  });

  it('a version other than 2', async () => {
    const { error } = await loadError(Buffer.concat([frame({ t: 'HeaderRecord', version: 3 }), frame({ t: 'EofRecord' })]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe('Unsupported dump format version 3.');
    expect(error.position).toBe(0);
  });

  it('an unknown model name: nothing of that section is written, earlier sections are', async () => {
    const section = await validSection();
    const unknown = frame({ t: 'ModelStartRecord', model_name: 'ghost' });
    const { error, rm } = await loadError(Buffer.concat([header, section, unknown, section.subarray(start.length)]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe("Model 'ghost' not found in resource managers.");
    expect(error.position).toBe(header.length + section.length);
    expect(await rm.exists('item:x')).toBe(true);
  });

  it.each(['MetaRecord', 'RevisionRecord', 'BlobRecord'])('a %s outside of a model section', async (t) => {
    const record = t === 'BlobRecord' ? { t, file_id: 'f', blob_data: Buffer.from('x'), size: 1, content_type: '' } : { t, data: Buffer.from('x') };
    const { error } = await loadError(Buffer.concat([header, frame(record)]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe(`${t} outside of model section.`);
    expect(error.position).toBe(header.length);
  });

  it('a truncated frame header', async () => {
    const { error } = await loadError(Buffer.concat([header, Buffer.from([0, 0])]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe('Truncated frame header in dump stream.');
    expect(error.position).toBe(header.length);
  });

  it('a truncated frame payload, even when the stream arrives byte by byte', async () => {
    const bytes = Buffer.concat([header, start.subarray(0, start.length - 3)]);
    const { error } = await loadError([...bytes].map((b) => Buffer.from([b])));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toBe('Truncated frame payload in dump stream.');
    expect(error.position).toBe(header.length);
  });

  it('a section without its ModelEndRecord is a truncation: nothing of it is written', async () => {
    const section = await validSection();
    const { error, rm } = await loadError(Buffer.concat([header, section.subarray(0, section.length - end.length)]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/no ModelEndRecord/);
    expect(error.position).toBe(header.length + section.length - end.length);
    expect(await rm.exists('item:x')).toBe(false);
    expect(await rm.storage.listRevisions('item:x')).toEqual([]);
  });

  it('an EofRecord inside an open section is a truncation too', async () => {
    const section = await validSection();
    const eof = frame({ t: 'EofRecord' });
    const { error, rm } = await loadError(Buffer.concat([header, section.subarray(0, section.length - end.length), eof]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.position).toBe(header.length + section.length - end.length);
    expect(await rm.exists('item:x')).toBe(false);
  });

  it('a frame length beyond 1 GiB is refused at once, without waiting for the bytes', async () => {
    const { error } = await loadError(Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00])]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/exceeds/);
    expect(error.position).toBe(header.length);
  });

  it.each([
    ['bytes that are not msgpack', frameOf([0xc1])],
    ['a msgpack array', frame(['HeaderRecord', 2])],
    ['a map without a known tag', frame({ t: 'NopeRecord' })],
    ['a MetaRecord whose data is text', frame({ t: 'MetaRecord', data: 'text' })],
    ['a ModelEndRecord without model_name', frame({ t: 'ModelEndRecord' })],
  ])('corrupt payload: %s', async (_, bad) => {
    const { error } = await loadError(Buffer.concat([header, start, bad]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.position).toBe(header.length + start.length);
  });

  it('an inner meta that does not decode names the model; nothing of the section is written', async () => {
    const section = await validSection();
    const bad = frame({ t: 'MetaRecord', data: Buffer.from([0x93, 1, 2, 3]) });
    const { error, rm } = await loadError(Buffer.concat([header, section.subarray(0, section.length - end.length), bad, end]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/MetaRecord of model 'item'/);
    expect(error.position).toBe(header.length + section.length - end.length);
    expect(await rm.exists('item:x')).toBe(false);
  });

  it('a meta whose resource_id has path characters is refused before anything is written', async () => {
    const { spec } = items();
    const archive = Buffer.concat([header, start, frame({ t: 'MetaRecord', data: pack({ ...(await metaOf(spec)), resource_id: '../evil' }) }), end]);
    const { error, rm } = await loadError(archive);
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/resource_id/);
    expect(await rm.count({})).toBe(0);
  });

  it('a blob id with path characters is refused before anything is written', async () => {
    const section = await validSection();
    const bad = frame({ t: 'BlobRecord', file_id: '../../etc/passwd', blob_data: Buffer.from('x'), size: 1, content_type: '' });
    const { error, rm } = await loadError(Buffer.concat([header, section.subarray(0, section.length - end.length), bad, end]));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect(error.message).toMatch(/file_id/);
    expect(await rm.exists('item:x')).toBe(false);
  });

  it('a ModelEndRecord naming another model, a nested ModelStart, a second header', async () => {
    for (const bad of [frame({ t: 'ModelEndRecord', model_name: 'other' }), frame({ t: 'ModelStartRecord', model_name: 'item' }), header]) {
      const { error } = await loadError(Buffer.concat([header, start, bad]));
      expect(error).toBeInstanceOf(ArchiveFormatError);
      expect(error.position).toBe(header.length + start.length);
    }
    const { error } = await loadError(Buffer.concat([header, end]));
    expect(error.message).toBe('ModelEndRecord outside of model section.');
  });

  it('readArchiveRecords reports the same errors while iterating', async () => {
    await expect(records(Buffer.concat([header, Buffer.from([0])]))).rejects.toBeInstanceOf(ArchiveFormatError);
    expect(await records(Buffer.concat([header, frame({ t: 'EofRecord' })]))).toEqual([{ t: 'HeaderRecord', version: 2 }, { t: 'EofRecord' }]);
  });

  it('bad options are typed errors naming the parameter', async () => {
    const { spec } = items();
    const error = await rejection(loadArchive(spec.resourceManagers, Readable.from([header]), { onDuplicate: 'replace' as never }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('on_duplicate');
    await expect(loadArchive(spec.resourceManagers, Readable.from([header]), { models: ['ghost'] })).rejects.toBeInstanceOf(ModelNotFoundError);
  });
});

async function metaOf(spec: SpecStar): Promise<Record<string, unknown>> {
  const rm = spec.getResourceManager('item');
  await rm.create({ name: 'tmp' }, { resourceId: 'item:tmp', user: 'u', now: T0 });
  const meta = (await rm.storage.getMeta('item:tmp'))!;
  await rm.permanentlyDelete('item:tmp', { user: 'u', now: T0 });
  return { ...meta, indexed_data: {} };
}
