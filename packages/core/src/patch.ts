/**
 * Patches applied to the plain form of a resource's current data: RFC 6902 JSON Patch (via
 * fast-json-patch) and RFC 7386 JSON Merge Patch (via json-merge-patch). Neither function
 * mutates its inputs; every problem a caller can cause is a PatchError.
 */
import { applyOperation, JsonPatchError, unescapePathComponent } from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from '@specstar/interfaces';
import { isBytes } from './codec';
import { isPlainObject } from './value-predicates';

// json-merge-patch ships no type declarations; this is the one function used.
const mergePatchLib = require('json-merge-patch') as { apply(target: unknown, patch: unknown): unknown };

/** The six operations of RFC 6902 (fast-json-patch also accepts an internal `_get`). */
const RFC6902_OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const OPS_WITH_VALUE: ReadonlySet<string> = new Set(['add', 'replace', 'test']);
/** Keys that would reach an object's prototype chain. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function describeOp(op: unknown): string {
  return typeof op === 'string' ? `'${op}'` : JSON.stringify(op) ?? String(op);
}

/**
 * Deep copy that keeps the plain form intact (Uint8Array stays Uint8Array, Date stays Date).
 * fast-json-patch's own clone goes through JSON and would turn bytes into objects.
 */
function copyPlain<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch (error) {
    throw new PatchError(`${what} is not plain data: ${(error as Error).message}`);
  }
}

function checkPointerSegments(pointer: string, field: 'path' | 'from', opName: string, index: number): void {
  for (const raw of pointer.split('/').slice(1)) {
    const segment = unescapePathComponent(raw);
    if (FORBIDDEN_KEYS.has(segment)) {
      throw new PatchError(
        `Operation ${index} (${opName}): ${field} '${pointer}' contains the forbidden segment '${segment}'`,
        index,
      );
    }
  }
}

/** Resolves a JSON pointer without throwing; `found` is false when any segment is missing. */
function resolvePointer(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: document };
  let current: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return { found: false };
    const key = unescapePathComponent(raw);
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= current.length) return { found: false };
      current = current[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, key)) return { found: false };
      current = (current as Record<string, unknown>)[key];
    }
  }
  return { found: true, value: current };
}

/** Shape checks fast-json-patch's validator does not make strictly enough (op whitelist, proto keys). */
function checkOperationShape(operation: unknown, index: number): asserts operation is Operation & { from?: string; value?: unknown } {
  if (operation === null || typeof operation !== 'object' || Array.isArray(operation)) {
    throw new PatchError(`Operation ${index} is not an object`, index);
  }
  const { op, path, from } = operation as Record<string, unknown>;
  if (typeof op !== 'string' || !RFC6902_OPS.has(op)) {
    throw new PatchError(`Operation ${index}: unknown op ${describeOp(op)} (expected add, remove, replace, move, copy or test)`, index);
  }
  if (typeof path !== 'string') {
    throw new PatchError(`Operation ${index} (${op}): missing or non-string 'path'`, index);
  }
  if (path !== '' && !path.startsWith('/')) {
    throw new PatchError(`Operation ${index} (${op}): path '${path}' must be empty or start with '/'`, index);
  }
  checkPointerSegments(path, 'path', op, index);
  if (op === 'move' || op === 'copy') {
    if (typeof from !== 'string') {
      throw new PatchError(`Operation ${index} (${op} to '${path}'): missing or non-string 'from'`, index);
    }
    if (from !== '' && !from.startsWith('/')) {
      throw new PatchError(`Operation ${index} (${op}): from '${from}' must be empty or start with '/'`, index);
    }
    checkPointerSegments(from, 'from', op, index);
  }
  if (OPS_WITH_VALUE.has(op) && !('value' in operation && (operation as { value?: unknown }).value !== undefined)) {
    throw new PatchError(`Operation ${index} (${op} at '${path}'): missing 'value'`, index);
  }
}

function failure(operation: Operation & { from?: string }, index: number, reason: string): PatchError {
  const where = operation.op === 'move' || operation.op === 'copy' ? `from '${operation.from}' to '${operation.path}'` : `at '${operation.path}'`;
  return new PatchError(`Operation ${index} (${operation.op} ${where}): ${reason}`, index);
}

const LIBRARY_REASONS: Partial<Record<string, string>> = {
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the from path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'the array index is not an unsigned integer',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is past the end of the array',
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: 'the value contains undefined',
  TEST_OPERATION_FAILED: 'test failed: the value differs',
};

/**
 * Applies an RFC 6902 operation list to a copy of `document` and returns the result.
 * Errors carry the index of the failing operation; nothing is applied when one fails.
 */
export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw new PatchError('A JSON Patch must be an array of operations');
  }
  // Copy both: fast-json-patch mutates the document and inserts operation values by reference.
  let result = copyPlain(document, 'The document');
  const ops = copyPlain(operations, 'The patch') as unknown[];
  ops.forEach((operation, index) => {
    checkOperationShape(operation, index);
    let source: { found: boolean; value?: unknown } | undefined;
    if (operation.op === 'move' || operation.op === 'copy') {
      const from = operation.from;
      source = resolvePointer(result, from);
      if (!source.found) throw failure(operation, index, 'the from path does not exist');
      if (operation.op === 'move' && operation.path.startsWith(`${from}/`)) {
        throw failure(operation, index, 'cannot move a value into one of its own children');
      }
    }
    if (operation.path !== '') {
      // The library dereferences the parent without checking it exists (a crash, not an error).
      const parentPointer = operation.path.slice(0, operation.path.lastIndexOf('/'));
      const parent = resolvePointer(result, parentPointer);
      if (!parent.found || parent.value === null || typeof parent.value !== 'object') {
        throw failure(operation, index, 'the parent of the path does not exist');
      }
    }
    // A copy is an add of a deep copy of the source; done here so bytes survive the copy.
    const applied: Operation =
      operation.op === 'copy' ? { op: 'add', path: operation.path, value: structuredClone(source?.value) } : operation;
    try {
      result = applyOperation(result, applied, true, true, true, index).newDocument;
    } catch (error) {
      if (error instanceof JsonPatchError) {
        throw failure(operation, index, LIBRARY_REASONS[error.name] ?? error.message);
      }
      throw failure(operation, index, (error as Error)?.message ?? String(error));
    }
  });
  return result;
}

/**
 * Copies a merge patch, checking it is a JSON value (plus Uint8Array and Date leaves, the
 * plain form of bytes and instants). Bytes are swapped for placeholder strings because the
 * library would treat a Uint8Array as an object to merge into.
 */
function preparePatchValue(value: unknown, pointer: string, bytes: Map<string, Uint8Array>, token: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PatchError(`Merge patch value at '${pointer}' is not a finite number`);
    return value;
  }
  if (isBytes(value)) {
    const placeholder = `${token}${bytes.size}`;
    bytes.set(placeholder, new Uint8Array(value));
    return placeholder;
  }
  if (Object.prototype.toString.call(value) === '[object Date]') {
    const date = value as Date;
    if (Number.isNaN(date.getTime())) throw new PatchError(`Merge patch value at '${pointer}' is an invalid date`);
    return date.toISOString();
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => preparePatchValue(item, `${pointer}/${i}`, bytes, token));
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const childPointer = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) throw new PatchError(`Merge patch key '${childPointer}' is forbidden`);
      if (item === undefined) continue; // UNSET: as if the key were absent
      copy[key] = preparePatchValue(item, childPointer, bytes, token);
    }
    return copy;
  }
  throw new PatchError(`Merge patch value at '${pointer || '/'}' is not a JSON value (${typeof value})`);
}

function restoreBytes(value: unknown, bytes: Map<string, Uint8Array>): unknown {
  if (typeof value === 'string') return bytes.get(value) ?? value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBytes(value[i], bytes);
  } else if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const record = value;
    for (const key of Object.keys(record)) record[key] = restoreBytes(record[key], bytes);
  }
  return value;
}

/** Applies an RFC 7386 merge patch to a copy of `document` and returns the result. */
export function applyMergePatch(document: unknown, patch: unknown): unknown {
  if (patch === undefined) throw new PatchError('A merge patch must be a JSON value, got undefined');
  const bytes = new Map<string, Uint8Array>();
  // A random token per call, so a placeholder cannot collide with real data.
  const token = `\u0000specstar-bytes:${Math.random().toString(36).slice(2)}:`;
  const prepared = preparePatchValue(patch, '', bytes, token);
  const merged = mergePatchLib.apply(copyPlain(document, 'The document'), prepared);
  return bytes.size > 0 ? restoreBytes(merged, bytes) : merged;
}
