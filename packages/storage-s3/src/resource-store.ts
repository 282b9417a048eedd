/**
 * Revision records on S3 (layout in revision-keys.ts, object format in record-object.ts). A save
 * resolves once S3 has acknowledged the record's PUT, and core writes the revision before the
 * meta that points at it, so a crash leaves at worst a record no meta names — never a meta
 * naming a missing record. Replacing a record is one PUT: atomic for readers.
 */
import { inspect } from 'node:util';
import { ConfigurationError } from '@specstar/interfaces';
import type { IResourceStore, ResourceStoreCapabilities, RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { checkResourceIdArgument } from '@specstar/core/adapter';
import { S3Bucket } from './bucket';
import type { S3ConnectionOptions } from './client';
import { S3StoredObjectError } from './errors';
import { decodeSegment } from './keys';
import { HEADER_BYTES, decodeFramedInfo, frameRecord, headerProblem, infoLength, unframeRecord, type FramedRecord } from './record-object';
import { RevisionKeys, STAMP_LENGTH, WriteClock, versionOfSegment } from './revision-keys';

/** One clock for every store of the process, so stores of one model never stamp two saves alike. */
const clock = new WriteClock();

/** Bytes a getInfo reads first: the header and a typical info (a longer one costs a second read). */
const INFO_PROBE_BYTES = 4096;
/** PUTs in flight at once during a bulk save. */
const WRITE_CONCURRENCY = 16;

export interface S3ResourceStoreOptions extends S3ConnectionOptions {
  /** Every key of the store starts with it (S3StorageFactory passes `<prefix><model>/`); default `''`. */
  prefix?: string;
}

/** Runs `work` on every item, at most `limit` at a time; the first failure rejects once all have settled. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

export class S3ResourceStore implements IResourceStore {
  /** saveMany sends its PUTs concurrently, but S3 has no multi-object write: not one round trip. */
  readonly capabilities: ResourceStoreCapabilities = { batchWrite: false };
  readonly bucket: S3Bucket;
  readonly prefix: string;
  private readonly keys: RevisionKeys;

  constructor(options: S3ResourceStoreOptions) {
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string') throw new ConfigurationError(`S3 resource store option 'prefix' must be a string, got ${typeof prefix}`);
    this.bucket = new S3Bucket(options);
    this.prefix = prefix;
    this.keys = new RevisionKeys(prefix);
  }

  async *listResources(): AsyncIterable<string> {
    for await (const segment of this.bucket.listFolders(this.keys.root)) {
      const resourceId = decodeSegment(segment) ?? (await this.firstRecordInfo(`${this.keys.root}${segment}/r.`))?.resource_id;
      if (resourceId !== undefined) yield resourceId;
    }
  }

  /**
   * Revision ids in write order: the order of each revision's first marker, keeping only those
   * with a record; records without a marker (a save cut short) follow in key order.
   */
  async listRevisions(resourceId: string): Promise<string[]> {
    checkResourceIdArgument(resourceId);
    const recordsPrefix = this.keys.records(resourceId);
    const markersPrefix = this.keys.markers(resourceId);
    const [recordKeys, markerKeys] = await Promise.all([this.keysUnder(recordsPrefix), this.keysUnder(markersPrefix)]);
    const stored = new Set(recordKeys.map((key) => key.slice(recordsPrefix.length, key.indexOf('.', recordsPrefix.length))));
    const ordered = new Set<string>();
    for (const key of markerKeys) {
      const segment = key.slice(markersPrefix.length + STAMP_LENGTH + 1);
      if (stored.has(segment)) ordered.add(segment);
    }
    for (const segment of stored) ordered.add(segment);
    const ids: string[] = [];
    for (const segment of ordered) {
      const revisionId = decodeSegment(segment) ?? (await this.firstRecordInfo(`${recordsPrefix}${segment}.`))?.revision_id;
      if (revisionId !== undefined) ids.push(revisionId);
    }
    return ids;
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    checkResourceIdArgument(resourceId);
    const prefix = this.keys.revision(resourceId, revisionId);
    const versions: (string | null)[] = [];
    for (const key of await this.keysUnder(prefix)) {
      let version = versionOfSegment(key.slice(prefix.length), decodeSegment);
      if (version === undefined) {
        const info = await this.readInfo(key);
        if (info === undefined) continue;
        version = info.schema_version;
      }
      versions.push(version);
    }
    return versions;
  }

  async exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    checkResourceIdArgument(resourceId);
    return (await this.bucket.head(this.keys.record(resourceId, revisionId, schemaVersion))) !== undefined;
  }

  async get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    checkResourceIdArgument(resourceId);
    const key = this.keys.record(resourceId, revisionId, schemaVersion);
    const object = await this.bucket.get(key);
    if (object === undefined) return undefined;
    this.checkHeader(key, object.bytes, true);
    return this.decoded(key, () => unframeRecord(object.bytes));
  }

  async getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    checkResourceIdArgument(resourceId);
    return this.readInfo(this.keys.record(resourceId, revisionId, schemaVersion));
  }

  async save(info: RevisionInfo, data: Uint8Array): Promise<void> {
    await this.write(frameRecord(info, data));
  }

  /** Every record is checked and framed before the first PUT: a bad one late in the list writes nothing. */
  async saveMany(items: StoredRevision[]): Promise<void> {
    const framed = items.map(({ info, data }) => frameRecord(info, data));
    await inParallel(framed, WRITE_CONCURRENCY, (record) => this.write(record));
  }

  /** Markers go first, then records: a purge cut short leaves records (still listed), never markers alone. */
  async purge(resourceId: string): Promise<void> {
    checkResourceIdArgument(resourceId);
    const [markerKeys, recordKeys] = await Promise.all([this.keysUnder(this.keys.markers(resourceId)), this.keysUnder(this.keys.records(resourceId))]);
    await this.bucket.delete(markerKeys);
    await this.bucket.delete(recordKeys);
  }

  async close(): Promise<void> {
    this.bucket.close();
  }

  /**
   * The record and its write-order marker, in parallel. A re-save adds another marker; readers
   * keep each revision's first one, so a re-save or a new schema version never moves a revision.
   */
  private async write(record: FramedRecord): Promise<void> {
    const { resourceId, revisionId, schemaVersion, body } = record;
    await Promise.all([
      this.bucket.put(this.keys.record(resourceId, revisionId, schemaVersion), body),
      this.bucket.put(this.keys.marker(resourceId, revisionId, clock.next()), new Uint8Array(0)),
    ]);
  }

  private async keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.bucket.list(prefix)) keys.push(object.key);
    return keys;
  }

  /** The info of a record object: a ranged read of its head (twice for an info longer than the probe). */
  private async readInfo(key: string): Promise<RevisionInfo | undefined> {
    const head = await this.bucket.get(key, `bytes=0-${INFO_PROBE_BYTES - 1}`);
    if (head === undefined) return undefined;
    this.checkHeader(key, head.bytes, false);
    const needed = HEADER_BYTES + infoLength(head.bytes);
    let bytes = head.bytes;
    if (needed > bytes.byteLength) {
      const rest = await this.bucket.get(key, `bytes=${bytes.byteLength}-${needed - 1}`);
      if (rest === undefined) return undefined;
      bytes = Buffer.concat([bytes, rest.bytes]);
      if (needed > bytes.byteLength) throw new S3StoredObjectError(`Revision object '${key}' is shorter than its record header says`, this.details(key));
    }
    return this.decoded(key, () => decodeFramedInfo(bytes));
  }

  /** The info of the first record under `prefix` (to name a hashed segment), or undefined when none. */
  private async firstRecordInfo(prefix: string): Promise<RevisionInfo | undefined> {
    for await (const object of this.bucket.list(prefix, { maxKeys: 1 })) return this.readInfo(object.key);
    return undefined;
  }

  private checkHeader(key: string, bytes: Uint8Array, whole: boolean): void {
    const problem = headerProblem(bytes) ?? (whole && HEADER_BYTES + infoLength(bytes) > bytes.byteLength ? 'is shorter than its record header says' : null);
    if (problem !== null) throw new S3StoredObjectError(`Revision object '${key}' ${problem}`, this.details(key));
  }

  private decoded<T>(key: string, decode: () => T): T {
    try {
      return decode();
    } catch (error) {
      throw new S3StoredObjectError(`Revision object '${key}' holds no valid record: ${(error as Error).message}`, this.details(key));
    }
  }

  private details(key: string): { bucket: string; operation: string; key: string } {
    return { bucket: this.bucket.name, operation: 'GetObject', key };
  }

  [inspect.custom](): string {
    return `S3ResourceStore { bucket: '${this.bucket.name}', prefix: '${this.prefix}', endpoint: '${this.bucket.endpoint}' }`;
  }

  toJSON(): Record<string, string> {
    return { bucket: this.bucket.name, prefix: this.prefix, endpoint: this.bucket.endpoint };
  }
}
