import {
  ArchiveFormatError,
  DuplicateResourceError,
  ModelNotFoundError,
  ValidationError,
  type LoadStats,
  type ResourceMeta,
  type StoredRevision,
} from '@specstar/interfaces';
import { isBytes } from '../codec';
import { checkResourceId } from '../ids';
import type { ResourceManager } from '../manager';
import { assertValidFileId } from '../storage';
import { decodeMetaPayload, decodeRevisionPayload } from './payloads';
import { DEFAULT_FRAME_MEMORY_BYTES, DEFAULT_MAX_FRAME_SIZE, checkByteOption, checkLargeFrame } from './limits';
import { ByteReader, framePayload, readFrames, type ByteSource } from './reader';
import {
  ARCHIVE_VERSION,
  checkOnDuplicate,
  decodePayload,
  type ArchiveRecord,
  type BlobRecord,
  type MetaRecord,
  type OnDuplicate,
  type RevisionRecord,
} from './archive-records';
import { DEFAULT_SECTION_MEMORY_BYTES, SectionSpool } from './spool';
import { SectionBlobCheck, checkBlobRecord, referencedFileIds } from './blob-checks';
import { checkJobLogRecord, jobLogResourceId, loadJobLog } from './job-logs';

/** Records per storage call (saveMetas / saveRevisions / existence checks). */
const BATCH = 500;

type SectionRecord = MetaRecord | RevisionRecord | BlobRecord;
interface SectionEntry {
  record: SectionRecord;
  position?: number;
}
/** A re-iterable section: load reads it once to check and decide, then again to write. */
type SectionSource = () => AsyncIterable<SectionEntry>;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withCause(error: ArchiveFormatError, cause: unknown): ArchiveFormatError {
  (error as { cause?: unknown }).cause = cause;
  return error;
}

async function existingIds(rm: ResourceManager, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const meta of rm.storage.iterMetas(ids)) found.add(meta.resource_id);
  return found;
}

function checkId(rm: ResourceManager, id: string, what: string, position: number | undefined): void {
  try {
    checkResourceId(id);
  } catch (error) {
    throw withCause(new ArchiveFormatError(`${what} of model '${rm.name}' has an invalid resource_id: ${reason(error)}`, position), error);
  }
}

function checkFileId(rm: ResourceManager, fileId: string, position: number | undefined): void {
  try {
    assertValidFileId(fileId);
  } catch (error) {
    throw withCause(new ArchiveFormatError(`BlobRecord of model '${rm.name}' has an invalid file_id: ${reason(error)}`, position), error);
  }
}

/**
 * raw_data is stored verbatim, so it must be in the target model's encoding. Data the
 * model's codec cannot decode (JSON archived, msgpack model, or the reverse) is refused.
 */
function checkEncoding(rm: ResourceManager, revision: StoredRevision, position: number | undefined): void {
  const refuse = (why: string, cause?: unknown): never => {
    throw withCause(
      new ArchiveFormatError(
        `Revision '${revision.info.revision_id}' of model '${rm.name}' is not in the model's ${rm.encoding} encoding (${why}); ` +
          `load it into a model that uses the archive's encoding`,
        position,
      ),
      cause,
    );
  };
  let value: unknown;
  try {
    value = rm.decodeData(revision.data);
  } catch (error) {
    return refuse(reason(error), error);
  }
  if (rm.model.schema.type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value))) {
    refuse('it does not decode to an object');
  }
}

/** One bit per meta record of a section: set when the meta is skipped. */
class Bits {
  private bytes = new Uint8Array(64);
  set(i: number): void {
    const at = i >> 3;
    if (at >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + 1));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[at] = (this.bytes[at] ?? 0) | (1 << (i & 7));
  }
  has(i: number): boolean {
    return (((this.bytes[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
  }
}

/**
 * Loads one section in three passes over its records, so nothing is written unless the
 * whole section is valid and, under raise_error, free of existing ids:
 *   1. decode and check everything (ids, file ids, encoding) and decide every meta;
 *   2. write blobs and revisions (under skip, none of a resource that already existed);
 *   3. write the accepted metas, so no meta points at a revision not yet written.
 */
async function loadSection(rm: ResourceManager, entries: SectionSource, onDuplicate: OnDuplicate): Promise<LoadStats> {
  return rm.runAction('load', { record_type: 'bulk' }, undefined, async () => {
    const stats: LoadStats = { loaded: 0, skipped: 0, total: 0 };
    const skipped = new Bits();
    const checkExisting = onDuplicate !== 'overwrite';

    // ---- 1. check and decide -------------------------------------------------------------
    const blobCheck = SectionBlobCheck.of(rm);
    let metaIndex = 0;
    let batch: Array<{ id: string; index: number }> = [];
    const decide = async (): Promise<void> => {
      if (batch.length === 0) return;
      const existing = checkExisting ? await existingIds(rm, batch.map((b) => b.id)) : undefined;
      for (const { id, index } of batch) {
        stats.total++;
        if (existing?.has(id)) {
          if (onDuplicate === 'raise_error') throw new DuplicateResourceError(id);
          stats.skipped++;
          skipped.set(index);
        } else {
          stats.loaded++;
        }
      }
      batch = [];
    };
    for await (const { record, position } of entries()) {
      if (record.t === 'MetaRecord') {
        const meta = decodeMetaPayload(record.data, rm.name, position);
        checkId(rm, meta.resource_id, 'MetaRecord', position);
        batch.push({ id: meta.resource_id, index: metaIndex++ });
        if (batch.length >= BATCH) await decide();
      } else if (record.t === 'RevisionRecord') {
        const revision = decodeRevisionPayload(record.data, rm.name, position);
        checkId(rm, revision.info.resource_id, 'RevisionRecord', position);
        checkEncoding(rm, revision, position);
        blobCheck?.noteRevision(revision.data);
      } else {
        const logOf = jobLogResourceId(record);
        if (logOf !== undefined) {
          checkJobLogRecord(rm, logOf, position);
        } else {
          checkFileId(rm, record.file_id, position);
          await blobCheck?.noteBlob(record);
        }
      }
    }
    await decide();
    await blobCheck?.check();

    // ---- 2. blobs and revisions ----------------------------------------------------------
    const blobStore = rm.blobStore;
    let revisions: StoredRevision[] = [];
    const saveRevisions = async (): Promise<void> => {
      if (revisions.length === 0) return;
      let keep = revisions;
      if (onDuplicate === 'skip' && stats.skipped > 0) {
        // No meta of this section is written yet: what exists now existed before the load.
        const existing = await existingIds(rm, [...new Set(revisions.map((r) => r.info.resource_id))]);
        keep = revisions.filter((r) => !existing.has(r.info.resource_id));
      }
      revisions = [];
      if (keep.length > 0) await rm.storage.saveRevisions(keep);
    };
    for await (const { record, position } of entries()) {
      if (record.t === 'RevisionRecord') {
        revisions.push(decodeRevisionPayload(record.data, rm.name, position));
        if (revisions.length >= BATCH) await saveRevisions();
      } else if (record.t === 'BlobRecord' && blobStore) {
        const logOf = jobLogResourceId(record);
        if (logOf !== undefined) {
          // A job log belongs to its resource: under skip, a resource that existed keeps its own.
          if (!(onDuplicate === 'skip' && stats.skipped > 0 && (await rm.storage.exists(logOf)))) await loadJobLog(rm, logOf, record);
          continue;
        }
        // Always, even for skipped resources; the archived id is kept as the key.
        await blobStore.put(record.blob_data, { key: record.file_id, ...(record.content_type !== '' && { contentType: record.content_type }) });
      }
    }
    await saveRevisions();
    await blobCheck?.recordUploads();

    // ---- 3. metas ------------------------------------------------------------------------
    let metas: ResourceMeta[] = [];
    metaIndex = 0;
    for await (const { record, position } of entries()) {
      if (record.t !== 'MetaRecord') continue;
      if (skipped.has(metaIndex++)) continue;
      metas.push(decodeMetaPayload(record.data, rm.name, position));
      if (metas.length >= BATCH) {
        await rm.storage.saveMetas(metas);
        metas = [];
      }
    }
    if (metas.length > 0) await rm.storage.saveMetas(metas);
    return stats;
  });
}

function asRecord<T extends SectionRecord['t']>(value: unknown, t: T, argument: string, index: number): Extract<SectionRecord, { t: T }> {
  if (isBytes(value) && t !== 'BlobRecord') return { t, data: value } as Extract<SectionRecord, { t: T }>;
  if (typeof value === 'object' && value !== null && (value as { t?: unknown }).t === t) return value as Extract<SectionRecord, { t: T }>;
  throw new ValidationError(`${argument}[${index}] must be a ${t}${t === 'BlobRecord' ? '' : ' or its data bytes'}`, {
    kind: 'input',
    issues: [{ path: `/${argument}/${index}`, message: `must be a ${t}` }],
  });
}

/**
 * Manager-level bulk load: metas (MetaRecords or their data bytes), revisions
 * (RevisionRecords or their data bytes) and blobs, with one Load event set
 * (`record_type: 'bulk'`). Nothing is written when a record is malformed, or under
 * `raise_error` (the default here) when any meta's id exists.
 */
export function loadRecordsBulk(
  rm: ResourceManager,
  metas: ReadonlyArray<MetaRecord | Uint8Array>,
  revisions: ReadonlyArray<RevisionRecord | Uint8Array>,
  blobs: readonly BlobRecord[] = [],
  onDuplicate: OnDuplicate = 'raise_error',
): Promise<LoadStats> {
  try {
    const mode = checkOnDuplicate(onDuplicate);
    const records: SectionRecord[] = [
      ...metas.map((m, i) => asRecord(m, 'MetaRecord', 'metas', i)),
      ...revisions.map((r, i) => asRecord(r, 'RevisionRecord', 'revisions', i)),
      ...blobs.map((b, i) => asRecord(b, 'BlobRecord', 'blobs', i)),
    ];
    return loadSection(rm, async function* () {
      for (const record of records) yield { record };
    }, mode);
  } catch (error) {
    // oxlint-disable-next-line typescript/prefer-promise-reject-errors -- rejects with the caught value unchanged.
    return Promise.reject(error);
  }
}

/**
 * Applies one Meta, Revision or Blob record (on_duplicate decides for an existing id);
 * returns false only for a skipped meta. Fires Load events with `record_type` = the record's type.
 */
export async function loadRecord(rm: ResourceManager, record: ArchiveRecord, onDuplicate: OnDuplicate = 'raise_error'): Promise<boolean> {
  const mode = checkOnDuplicate(onDuplicate);
  const t = (record as { t?: unknown } | null)?.t;
  if (t !== 'MetaRecord' && t !== 'RevisionRecord' && t !== 'BlobRecord') {
    throw new ValidationError(`loadRecord takes a MetaRecord, RevisionRecord or BlobRecord, got ${JSON.stringify(t)}`, {
      kind: 'input',
      issues: [{ path: '/t', message: 'must be MetaRecord, RevisionRecord or BlobRecord' }],
    });
  }
  return rm.runAction('load', { record_type: t }, undefined, async () => {
    const guard = rm.blobWriteGuard();
    if (record.t === 'MetaRecord') {
      const meta = decodeMetaPayload(record.data, rm.name);
      checkId(rm, meta.resource_id, 'MetaRecord', undefined);
      if (await rm.storage.exists(meta.resource_id)) {
        if (mode === 'raise_error') throw new DuplicateResourceError(meta.resource_id);
        if (mode === 'skip') return false;
      }
      await rm.storage.saveMetas([meta]);
    } else if (record.t === 'RevisionRecord') {
      const revision = decodeRevisionPayload(record.data, rm.name);
      checkId(rm, revision.info.resource_id, 'RevisionRecord', undefined);
      checkEncoding(rm, revision, undefined);
      if (guard) await guard.checkReferences(referencedFileIds(rm, revision.data));
      await rm.storage.saveRevisions([revision]);
    } else if (record.t === 'BlobRecord') {
      const logOf = jobLogResourceId(record);
      if (logOf !== undefined) {
        checkJobLogRecord(rm, logOf, undefined);
        await loadJobLog(rm, logOf, record);
        return true;
      }
      checkFileId(rm, record.file_id, undefined);
      if (guard) await checkBlobRecord(rm, guard, record);
      await rm.blobStore?.put(record.blob_data, { key: record.file_id, ...(record.content_type !== '' && { contentType: record.content_type }) });
      await guard?.recordUploads([record.file_id]);
    }
    return true;
  });
}

/** Where a load is, passed to `onProgress` after each frame read and after each section written. */
export interface LoadProgress {
  /** Archive bytes read so far (compare with the file size for a ratio). */
  bytesRead: number;
  /** Frames read so far. */
  records: number;
  /** The section being read, if any. */
  model: string | undefined;
}

export interface LoadArchiveOptions {
  /** Called after each frame read and each section written (synchronously; keep it cheap). */
  onProgress?: (progress: LoadProgress) => void;
  /** What to do when a loaded resource id exists; default `overwrite`. */
  onDuplicate?: OnDuplicate;
  /** Load only these models' sections; other sections are read and skipped without error. */
  models?: readonly string[];
  /** Payload bytes of one section held in memory before it spills to a temporary file (16 MiB). */
  sectionMemoryBytes?: number;
  /** Where spilled sections go (a fresh subdirectory, removed afterwards); default os.tmpdir(). */
  spillDirectory?: string;
  /** Largest frame (one record) accepted, in payload bytes (default 1 GiB, the format's cap); larger → ArchiveLimitError. */
  maxFrameSize?: number;
  /** Largest archive accepted, in bytes (default Infinity); larger → ArchiveLimitError once that many bytes were read. */
  maxArchiveSize?: number;
  /** Frames longer than this (default 1 MiB) are streamed to the section's temporary file instead of read into memory. */
  frameMemoryBytes?: number;
}

interface OpenSection {
  name: string;
  /** Undefined when the section is read and skipped (not in `models`). */
  rm: ResourceManager | undefined;
  spool: SectionSpool | undefined;
}

/**
 * Loads an archive into registered models; returns LoadStats per model section found
 * (accumulated when a model has several sections). Streams: a section's records are held (in
 * memory up to a bound, then in a temporary file) only until its ModelEndRecord, then written
 * through the bulk load. A format error (bad header or version, unknown model, record outside a
 * section, truncated frame or section, corrupt payload) is an ArchiveFormatError carrying the
 * byte offset of the offending frame; the section it occurs in writes nothing, earlier sections
 * stay loaded. The source is not destroyed (the caller owns it).
 */
export async function loadArchive(
  managers: ReadonlyMap<string, ResourceManager>,
  source: ByteSource,
  options: LoadArchiveOptions = {},
): Promise<Record<string, LoadStats>> {
  const onDuplicate = checkOnDuplicate(options.onDuplicate ?? 'overwrite');
  let only: ReadonlySet<string> | undefined;
  if (options.models !== undefined) {
    for (const name of options.models) if (!managers.has(name)) throw new ModelNotFoundError(name, `Model '${name}' not found in resource managers.`);
    only = new Set(options.models);
  }
  const memoryBytes = options.sectionMemoryBytes ?? DEFAULT_SECTION_MEMORY_BYTES;
  const maxFrameSize = checkByteOption('maxFrameSize', options.maxFrameSize, DEFAULT_MAX_FRAME_SIZE);
  const maxArchiveSize = checkByteOption('maxArchiveSize', options.maxArchiveSize, Infinity, true);
  const frameMemoryBytes = checkByteOption('frameMemoryBytes', options.frameMemoryBytes, DEFAULT_FRAME_MEMORY_BYTES, true);
  const stats: Record<string, LoadStats> = {};
  const reader = ByteReader.from(source, { maxBytes: maxArchiveSize });
  let section: OpenSection | undefined;
  let sawHeader = false;
  let records = 0;
  const report = (): void => options.onProgress?.({ bytesRead: reader.position, records, model: section?.name });
  try {
    for await (const frame of readFrames(reader, { maxFrameSize, frameMemoryBytes })) {
      const { position } = frame;
      records++;
      report();
      if (frame.payload === undefined) {
        await checkLargeFrame(reader, frame, { sawHeader, inSection: section !== undefined, maxFrameSize });
        // In a section that is not loaded, readFrames skips the payload.
        await section?.spool?.addStreamed(position, frame.length, framePayload(reader, frame));
        continue;
      }
      const record = decodePayload(frame.payload, position);
      if (!sawHeader) {
        if (record.t !== 'HeaderRecord') throw new ArchiveFormatError(`Expected HeaderRecord, got ${record.t}.`, position);
        if (record.version !== ARCHIVE_VERSION) throw new ArchiveFormatError(`Unsupported dump format version ${record.version}.`, position);
        sawHeader = true;
        continue;
      }
      switch (record.t) {
        case 'HeaderRecord':
          throw new ArchiveFormatError('Unexpected HeaderRecord after the start of the archive.', position);
        case 'ModelStartRecord': {
          const name = record.model_name;
          if (section) throw new ArchiveFormatError(`ModelStartRecord for '${name}' inside the unfinished section of '${section.name}'.`, position);
          if (only && !only.has(name)) {
            section = { name, rm: undefined, spool: undefined };
            break;
          }
          const rm = managers.get(name);
          if (!rm) throw new ArchiveFormatError(`Model '${name}' not found in resource managers.`, position);
          stats[name] ??= { loaded: 0, skipped: 0, total: 0 };
          section = { name, rm, spool: new SectionSpool(memoryBytes, options.spillDirectory) };
          break;
        }
        case 'ModelEndRecord': {
          if (!section) throw new ArchiveFormatError('ModelEndRecord outside of model section.', position);
          if (record.model_name !== section.name) {
            throw new ArchiveFormatError(`ModelEndRecord for '${record.model_name}' closes the section of '${section.name}'.`, position);
          }
          const { rm, spool } = section;
          if (rm && spool) {
            try {
              const got = await loadSection(rm, () => decodedEntries(spool), onDuplicate);
              const total = stats[section.name] as LoadStats;
              total.loaded += got.loaded;
              total.skipped += got.skipped;
              total.total += got.total;
            } finally {
              await spool.dispose();
            }
          }
          report();
          section = undefined;
          break;
        }
        case 'EofRecord':
          if (section) throw new ArchiveFormatError(`EofRecord inside the unfinished section of '${section.name}'.`, position);
          return stats;
        default:
          if (!section) throw new ArchiveFormatError(`${record.t} outside of model section.`, position);
          await section.spool?.add(frame);
      }
    }
    if (!sawHeader) throw new ArchiveFormatError('Expected HeaderRecord, got an empty stream.', 0);
    if (section) {
      throw new ArchiveFormatError(`Truncated archive: the section of '${section.name}' has no ModelEndRecord.`, reader.position);
    }
    return stats; // a missing EofRecord at a section boundary is tolerated
  } finally {
    await section?.spool?.dispose();
  }
}

async function* decodedEntries(spool: SectionSpool): AsyncGenerator<SectionEntry> {
  for await (const { payload, position } of spool.entries()) {
    yield { record: decodePayload(payload, position) as SectionRecord, position };
  }
}
