import { BlobNotFoundError, type Binary, type IBlobStore, ValidationError } from '@specstar/interfaces';
import { isBytes } from '../codec/canonical';
import { ANY, childPlan, type Plan, pickBranch, planFor } from '../codec/plan';
import { base64ToBytes } from '../codec/revive';
import { isPlainObject } from '../value-predicates';
import { assertValidFileId } from '../storage/blob-ids';
import type { BlobWriteGuard } from './blob-access';
import type { CompiledModel } from './model';

/**
 * Binary fields ↔ blob store. Binary positions come from the codec's
 * canonical-order plan (one schema walker for the whole engine): a Binary is a plan whose
 * `data` member is a bytes position. Free-form (untyped) values are inspected at run time.
 */

const BINARY_KEYS = new Set(['file_id', 'size', 'content_type', 'data']);

/** Deeper nesting is not walked (prepared data never gets here: the model rejects it). */
const MAX_DEPTH = 512;

// Same check as the model's bytes keyword: linear, fine for megabytes of text.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Record_ = Record<string, unknown>;

/** Called at every Binary found; returns its replacement (or the same object). */
type OnBinary = (binary: Record_, path: string) => unknown;

/** Which free-form objects count as Binaries (typed positions need no guess). */
type Looks = (value: Record_) => boolean;

const isRecord = (value: unknown): value is Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value) && isPlainObject(value);

function isBinaryPlan(plan: Plan): boolean {
  const rank = plan.index.get('data');
  return rank !== undefined && plan.props[rank]?.bytes === true;
}

/** A plan that says nothing about an object's members: values there are inspected at run time. */
function isShapeless(plan: Plan): boolean {
  return plan.index.size === 0 && plan.patterns.length === 0 && plan.branches === null && !plan.bytes;
}

function hasOnlyBinaryKeys(value: Record_): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => BINARY_KEYS.has(key));
}

/** Untyped input: only bytes tell a Binary apart from ordinary data (base64 text is just text). */
const looksLikeNewBinary: Looks = (value) => hasOnlyBinaryKeys(value) && isBytes(value.data);

/** Untyped stored data: a descriptor as storeBinaries writes it (`file_id` and `size`). */
const looksLikeStoredBinary: Looks = (value) =>
  hasOnlyBinaryKeys(value) && typeof value.file_id === 'string' && typeof value.size === 'number';

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Rebuilds `value` with every Binary replaced by `on(binary, path)`, copying only the containers
 * on the way to a replaced Binary (everything else keeps identity). Visits in document order.
 */
function walk(value: unknown, plan: Plan, path: string, on: OnBinary, looks: Looks, depth: number): unknown {
  if (typeof value !== 'object' || value === null || isBytes(value) || depth > MAX_DEPTH) return value;
  if (plan.branches !== null) {
    const picked = pickBranch(plan.branches, value);
    // An ambiguous union (object members without a discriminator): a Binary-shaped value
    // belongs to the Binary member.
    const binaryBranch = picked === ANY && isRecord(value) && hasOnlyBinaryKeys(value) ? plan.branches.find((b) => isBinaryPlan(b.plan)) : undefined;
    plan = binaryBranch ? binaryBranch.plan : picked;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sub = i < plan.prefix.length ? (plan.prefix[i] as Plan) : plan.items;
      const next = walk(item, sub, `${path}/${i}`, on, looks, depth + 1);
      if (next !== item) out ??= value.slice();
      if (out) out[i] = next;
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value; // Dates and other non-data: the model rejects them
  const record = value as Record_;
  if (isBinaryPlan(plan) || (isShapeless(plan) && looks(record))) return on(record, path);
  let out: Record_ | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const next = walk(item, childPlan(plan, key, plan.index.get(key)), `${path}/${escapePointer(key)}`, on, looks, depth + 1);
    if (next === item) continue;
    if (!out) {
      out = {};
      for (const k of Object.keys(record)) assign(out, k, record[k]);
    }
    assign(out, key, next);
  }
  return out ?? value;
}

function assign(target: Record_, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Every Binary of `value` in document order (each object once) with its JSON pointer. */
function findBinaries(value: unknown, model: CompiledModel, looks: Looks): Array<[Record_, string]> {
  const found = new Map<Record_, string>();
  walk(value, planFor(model.schema), '', (binary, path) => {
    if (!found.has(binary)) found.set(binary, path);
    return binary;
  }, looks, 0);
  return [...found];
}

function replaceBinaries(value: unknown, model: CompiledModel, looks: Looks, replacements: Map<Record_, unknown>): unknown {
  if (replacements.size === 0) return value;
  return walk(value, planFor(model.schema), '', (binary) => (replacements.has(binary) ? replacements.get(binary) : binary), looks, 0);
}

/** `file_id` checked as every blob store checks it, reported at its place in the data. */
function checkFileId(fileId: unknown, path: string): string {
  try {
    assertValidFileId(fileId, `${path.slice(1)}${path === '' ? '' : '/'}file_id`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`${error.message} at '${path}/file_id'`, { kind: 'input', issues: error.issues, cause: error });
  }
  return fileId;
}

function bytesOf(data: unknown, path: string): Uint8Array {
  if (isBytes(data)) return data;
  if (typeof data === 'string' && data.length % 4 === 0 && BASE64.test(data)) return base64ToBytes(data);
  throw new ValidationError(`Binary data at '${path}/data' must be bytes (Uint8Array) or base64 text`, {
    kind: 'type',
    issues: [{ path: `${path}/data`, message: 'must be bytes (Uint8Array) or base64 text' }],
  });
}

/** An empty content type counts as none, as in the blob stores. */
const contentTypeOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The Binary descriptor persisted in data: never `data`, `content_type` only when known. */
function descriptor(fileId: string, size: number, contentType: string | undefined): Binary {
  return contentType === undefined ? { file_id: fileId, size } : { file_id: fileId, size, content_type: contentType };
}

/**
 * Runs every task at once and returns their results in order; when some fail, the failure of
 * the first in order is thrown (not whichever settled first), so errors are deterministic.
 */
async function allInOrder<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

/** The stored blob, or the not-found error of a write that references it. */
async function fetchBlob(blobStore: IBlobStore, fileId: string): Promise<Binary> {
  try {
    return await blobStore.get(fileId);
  } catch (error) {
    if (error instanceof BlobNotFoundError) {
      throw new BlobNotFoundError(fileId, `Blob with file_id '${fileId}' does not exist`);
    }
    throw error;
  }
}

const sizeOf = (blob: Binary): number => blob.size ?? blob.data?.byteLength ?? 0;

/**
 * Every Binary reachable in `value` (object fields, list items, map values, optional/union
 * members; untyped values by runtime inspection): `data` set → blobStore.put(data, {contentType})
 * and replaced by {file_id, size, content_type} without data; only `file_id` → the blob must exist
 * (BlobNotFoundError otherwise, nothing written), missing size/content_type back-filled
 * (a supplied content_type wins); all unset → unchanged. Returns the same object when nothing
 * changed (unchanged subtrees keep identity); never mutates the caller's value.
 *
 * All input is checked before any I/O, and every referenced blob is looked up before the
 * first put, so bad input or a missing blob leaves the store untouched. A `guard` may refuse
 * the references first (blob access control) and is told which blobs the write put.
 */
export async function storeBinaries(value: unknown, model: CompiledModel, blobStore: IBlobStore, guard?: BlobWriteGuard): Promise<unknown> {
  const uploads: Array<{ binary: Record_; bytes: Uint8Array; contentType: string | undefined }> = [];
  const references: Array<{ binary: Record_; fileId: string }> = [];
  for (const [binary, path] of findBinaries(value, model, looksLikeNewBinary)) {
    // A file_id next to data is replaced by the content hash, but bad input is still bad input.
    const fileId = binary.file_id === undefined ? undefined : checkFileId(binary.file_id, path);
    if (binary.data !== undefined) {
      uploads.push({ binary, bytes: bytesOf(binary.data, path), contentType: contentTypeOf(binary.content_type) });
    } else if (fileId !== undefined) {
      references.push({ binary, fileId });
    }
  }
  if (uploads.length === 0 && references.length === 0) return value;

  const fileIds = [...new Set(references.map((r) => r.fileId))];
  // Before any lookup: a refused id must not reveal whether the blob exists.
  await guard?.checkReferences(fileIds);
  const blobs = await allInOrder(fileIds.map((fileId) => () => fetchBlob(blobStore, fileId)));
  const stored = new Map(fileIds.map((fileId, i) => [fileId, blobs[i] as Binary]));
  const put = await allInOrder(uploads.map((u) => () => blobStore.put(u.bytes, u.contentType === undefined ? {} : { contentType: u.contentType })));
  await guard?.recordUploads(put.map((result) => result.file_id).filter((id): id is string => typeof id === 'string'));

  const replacements = new Map<Record_, unknown>();
  uploads.forEach((upload, i) => {
    const result = put[i] as Binary;
    // The store's answer is the truth for id and size; a given content type wins over a sniffed one.
    const fileId = result.file_id;
    if (typeof fileId !== 'string') throw new TypeError('Blob store put() returned no file_id');
    replacements.set(upload.binary, descriptor(fileId, result.size ?? upload.bytes.byteLength, upload.contentType ?? contentTypeOf(result.content_type)));
  });
  for (const { binary, fileId } of references) {
    const blob = stored.get(fileId) as Binary;
    const size = sizeOf(blob); // a disagreeing caller size is replaced: the store knows
    const contentType = contentTypeOf(binary.content_type) ?? contentTypeOf(blob.content_type);
    if (binary.size === size && binary.content_type === contentType) continue; // already complete
    replacements.set(binary, descriptor(fileId, size, contentType));
  }
  return replaceBinaries(value, model, looksLikeNewBinary, replacements);
}

/**
 * The inverse for readers that want bytes (restore_binary): every Binary with a
 * `file_id` and no `data` gets `data` (and missing `size`/`content_type`) from the store.
 * BlobNotFoundError when a referenced blob is gone. Never mutates `value`.
 */
export async function restoreBinaries(value: unknown, model: CompiledModel, blobStore: IBlobStore): Promise<unknown> {
  const wanted = findBinaries(value, model, looksLikeStoredBinary).filter(
    ([binary]) => binary.data === undefined && binary.file_id !== undefined,
  );
  if (wanted.length === 0) return value;
  for (const [binary, path] of wanted) checkFileId(binary.file_id, path);
  const fileIds = [...new Set(wanted.map(([binary]) => binary.file_id as string))];
  const blobs = await allInOrder(fileIds.map((fileId) => () => blobStore.get(fileId)));
  const byId = new Map(fileIds.map((fileId, i) => [fileId, blobs[i] as Binary]));
  const replacements = new Map<Record_, unknown>();
  for (const [binary] of wanted) {
    const blob = byId.get(binary.file_id as string) as Binary;
    const restored: Record_ = { ...binary, size: typeof binary.size === 'number' ? binary.size : sizeOf(blob), data: blob.data };
    const contentType = contentTypeOf(binary.content_type) ?? contentTypeOf(blob.content_type);
    if (contentType === undefined) delete restored.content_type;
    else restored.content_type = contentType;
    replacements.set(binary, restored);
  }
  return replaceBinaries(value, model, looksLikeStoredBinary, replacements);
}

/** Distinct file ids referenced by Binary descriptors in decoded data, in document order (used by dump). */
export function collectFileIds(value: unknown, model: CompiledModel): string[] {
  const ids = new Set<string>();
  for (const [binary] of findBinaries(value, model, looksLikeStoredBinary)) {
    if (typeof binary.file_id === 'string' && binary.file_id !== '') ids.add(binary.file_id);
  }
  return [...ids];
}
