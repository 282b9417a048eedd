/*
 * Job logs in archives: they travel as Python's `__job_log__/<resource_id>` BlobRecords (text/plain)
 * and land as the job's log document, never as a blob.
 */
import { ArchiveFormatError, ValidationError } from '@specstar/interfaces';
import { Packr } from 'msgpackr';
import { PassThrough, Readable } from 'node:stream';
import { SpecStar, jobSchema, type ResourceManager } from '../src';
import { dumpArchive, loadArchive, loadRecord, readArchiveRecords, type ArchiveRecord, type BlobRecord } from '../src/archive';
import { getJobLog, putJobLog } from '../src/jobs/log-documents';
import { T0, T1 } from './fixtures';
import { rejection } from './catch-error';

const MailJob = jobSchema({ type: 'object', properties: { to: { type: 'string' } }, required: ['to'] });
const LOG_A = '2025-01-01T00:00:00.000Z [INFO] Job started\n2025-01-01T00:00:01.000Z [INFO] Job completed';

function registry(): { spec: SpecStar; jobs: ResourceManager } {
  const spec = new SpecStar();
  const jobs = spec.addModel(MailJob, { name: 'mail-job' });
  return { spec, jobs };
}

function logOf(rm: ResourceManager, id: string): Promise<string | null> {
  return getJobLog(rm.blobStore!, id);
}

async function dumpBytes(spec: SpecStar): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dumpArchive(spec.resourceManagers, out);
  return Buffer.concat(chunks);
}

async function recordsOf(bytes: Uint8Array): Promise<ArchiveRecord[]> {
  const out: ArchiveRecord[] = [];
  for await (const { record } of readArchiveRecords(Readable.from([bytes]))) out.push(record);
  return out;
}

// Plain msgpack, as Python msgspec writes it.
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
const frame = (value: unknown): Buffer => {
  const payload = packr.pack(value);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length);
  return Buffer.concat([head, payload]);
};

/** A Python archive of one completed job with its log, assembled by hand from the format rules. */
function pythonJobArchive(id: string, logFileId = `__job_log__/${id}`): Buffer {
  const data = { payload: { to: 'py@example.com' }, status: 'completed', errmsg: null, artifact: null, retries: 0, max_retries: null, periodic_interval_seconds: null, periodic_max_runs: null, periodic_runs: 0, periodic_initial_delay_seconds: null, last_heartbeat_at: null };
  const info = { uid: '00000000-0000-4000-8000-000000000001', resource_id: id, revision_id: `${id}:1`, parent_revision_id: null, schema_version: null, data_hash: 'xxh3_128:00000000000000000000000000000000', status: 'stable', created_time: T0, updated_time: T0, created_by: 'py', updated_by: 'py' };
  const meta = { current_revision_id: `${id}:1`, resource_id: id, schema_version: null, total_revision_count: 1, created_time: T0, updated_time: T1, created_by: 'py', updated_by: 'py', is_deleted: false, indexed_data: {} };
  const log = Buffer.from('2025-01-01T00:00:00.000000Z [INFO] Job started\n2025-01-01T00:00:00.100000Z [INFO] Job completed', 'utf8');
  return Buffer.concat([
    frame({ t: 'HeaderRecord', version: 2 }),
    frame({ t: 'ModelStartRecord', model_name: 'mail-job' }),
    frame({ t: 'MetaRecord', data: packr.pack(meta) }),
    frame({ t: 'RevisionRecord', data: packr.pack({ info, raw_data: Buffer.from(JSON.stringify(data)) }) }),
    frame({ t: 'BlobRecord', file_id: logFileId, blob_data: log, size: log.byteLength, content_type: 'text/plain' }),
    frame({ t: 'ModelEndRecord', model_name: 'mail-job' }),
    frame({ t: 'EofRecord' }),
  ]);
}

describe('job logs in archives', () => {
  it('a dump carries each job log as a `__job_log__/<id>` text/plain BlobRecord after the job, and a load restores it', async () => {
    const source = registry();
    const a = await source.jobs.create({ payload: { to: 'a@example.com' } }, { user: 'alice', now: T0 });
    const b = await source.jobs.create({ payload: { to: 'b@example.com' } }, { user: 'alice', now: T0 });
    await putJobLog(source.jobs.blobStore!, a.resource_id, LOG_A);

    const bytes = await dumpBytes(source.spec);
    const records = await recordsOf(bytes);
    const blobs = records.filter((r): r is BlobRecord => r.t === 'BlobRecord');
    expect(blobs.map((r) => [r.file_id, r.content_type, r.size, Buffer.from(r.blob_data).toString('utf8')])).toEqual([
      [`__job_log__/${a.resource_id}`, 'text/plain; charset=utf-8', Buffer.byteLength(LOG_A), LOG_A],
    ]);
    // It follows the job's own records, inside the model's section.
    const types = records.map((r) => r.t);
    expect(types.indexOf('BlobRecord')).toBeLessThan(types.indexOf('ModelEndRecord'));

    const target = registry();
    expect(await loadArchive(target.spec.resourceManagers, Readable.from([bytes]))).toEqual({ 'mail-job': { loaded: 2, skipped: 0, total: 2 } });
    expect(await logOf(target.jobs, a.resource_id)).toBe(LOG_A);
    expect(await logOf(target.jobs, b.resource_id)).toBeNull();
    // The log is a document, not a blob: no file id names it.
    await expect(target.jobs.blobStore!.exists(`__job_log__/${a.resource_id}`)).rejects.toBeInstanceOf(ValidationError);
  });

  it('models that are not jobs dump no log records', async () => {
    const spec = new SpecStar();
    const notes = spec.addModel({ type: 'object', properties: { text: { type: 'string' } } }, { name: 'note' });
    const note = await notes.create({ text: 'x' }, { user: 'alice', now: T0 });
    await putJobLog(notes.blobStore!, note.resource_id, 'not a job');
    expect((await recordsOf(await dumpBytes(spec))).filter((r) => r.t === 'BlobRecord')).toEqual([]);
  });

  it('an archive written by Python with a `__job_log__/<id>` blob loads, and the text becomes the job log', async () => {
    const { spec, jobs } = registry();
    const stats = await loadArchive(spec.resourceManagers, Readable.from([pythonJobArchive('mail-job:7f3a')]));
    expect(stats).toEqual({ 'mail-job': { loaded: 1, skipped: 0, total: 1 } });
    expect((await jobs.get('mail-job:7f3a')).data).toMatchObject({ status: 'completed', payload: { to: 'py@example.com' } });
    expect(await logOf(jobs, 'mail-job:7f3a')).toBe('2025-01-01T00:00:00.000000Z [INFO] Job started\n2025-01-01T00:00:00.100000Z [INFO] Job completed');
  });

  it('under skip, a job that already existed keeps its own log', async () => {
    const { spec, jobs } = registry();
    await jobs.create({ payload: { to: 'mine@example.com' } }, { resourceId: 'mail-job:7f3a', user: 'alice', now: T0 });
    await putJobLog(jobs.blobStore!, 'mail-job:7f3a', 'my own log');
    const stats = await loadArchive(spec.resourceManagers, Readable.from([pythonJobArchive('mail-job:7f3a')]), { onDuplicate: 'skip' });
    expect(stats['mail-job']).toEqual({ loaded: 0, skipped: 1, total: 1 });
    expect(await logOf(jobs, 'mail-job:7f3a')).toBe('my own log');
  });

  it('a job log of an invalid resource id is an ArchiveFormatError and nothing of the section is written', async () => {
    const { spec, jobs } = registry();
    const error = await rejection(loadArchive(spec.resourceManagers, Readable.from([pythonJobArchive('mail-job:1', '__job_log__/')])));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect((error as Error).message).toContain("BlobRecord of model 'mail-job' is a job log of an invalid resource_id");
    expect(await jobs.exists('mail-job:1')).toBe(false);
    const nested = await rejection(loadArchive(spec.resourceManagers, Readable.from([pythonJobArchive('mail-job:1', '__job_log__/a/../b')])));
    expect(nested).toBeInstanceOf(ArchiveFormatError);
    expect(await jobs.exists('mail-job:1')).toBe(false);
  });

  it('loadRecord stores a job-log BlobRecord as the log and a second one replaces it', async () => {
    const { jobs } = registry();
    const record = (text: string): BlobRecord => ({ t: 'BlobRecord', file_id: '__job_log__/mail-job:1', blob_data: Buffer.from(text), size: text.length, content_type: 'text/plain' });
    expect(await loadRecord(jobs, record('first'))).toBe(true);
    expect(await loadRecord(jobs, record('second'))).toBe(true);
    expect(await logOf(jobs, 'mail-job:1')).toBe('second');
  });
});
