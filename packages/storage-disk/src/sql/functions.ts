/**
 * JavaScript functions registered on a SQLite connection for what SQL cannot express exactly:
 * conditions evaluated by core's normative evaluator (regex, deep equality, text forms of lists
 * and maps) and a sort key for lists and maps that orders like `compareBySorts`.
 */
import type Database from 'better-sqlite3';
import type { ResourceMeta } from '@specstar/interfaces';
import { textForm } from '@specstar/core';

/** Evaluates a condition with core's evaluator on one row's value: 1, 0 or NULL (unknown). */
export const EVAL_FUNCTION = 'specstar_eval';
/** A BLOB whose byte order is the sort order of a list or map value (JSON text in, BLOB out). */
export const SORT_KEY_FUNCTION = 'specstar_sort_key';

/**
 * One condition handed to the evaluator: `build` turns the SQL value the row passes in into
 * the slice of a meta the condition reads, `match` is the compiled condition.
 */
export interface Evaluation {
  build(sqlValue: unknown): ResourceMeta;
  match(meta: ResourceMeta): boolean | null;
}

/**
 * Conditions of the statements being run, by handle. A handle is bound as a parameter, so the
 * SQL text (and the cached statement) is the same for every operand; handles are never reused,
 * so a function call's result depends on its arguments alone.
 */
const evaluations = new Map<number, Evaluation>();
let lastHandle = 0;

export function registerEvaluation(evaluation: Evaluation): number {
  lastHandle += 1;
  evaluations.set(lastHandle, evaluation);
  return lastHandle;
}

export function releaseEvaluations(handles: readonly number[]): void {
  for (const handle of handles) evaluations.delete(handle);
}

/** Conditions still registered (0 whenever no statement is running). */
export function pendingEvaluationCount(): number {
  return evaluations.size;
}

const registered = new WeakSet<Database.Database>();

/** Registers the search functions once per connection (redefining them mid-query is refused). */
export function registerSearchFunctions(db: Database.Database): void {
  if (registered.has(db)) return;
  db.function(EVAL_FUNCTION, { deterministic: true, safeIntegers: false }, (handle: unknown, value: unknown) => {
    const evaluation = evaluations.get(handle as number);
    if (evaluation === undefined) throw new Error(`${EVAL_FUNCTION}: no condition under handle ${String(handle)}`);
    const truth = evaluation.match(evaluation.build(value));
    return truth === null ? null : truth ? 1 : 0;
  });
  db.function(SORT_KEY_FUNCTION, { deterministic: true, safeIntegers: false }, (json: unknown) =>
    typeof json === 'string' ? sortKey(JSON.parse(json)) : null,
  );
  registered.add(db);
}

// ---- sort keys ---------------------------------------------------------------------------

// Type bytes follow the evaluator's type rank (bool, number, string, Date, list, map, …, null)
// shifted by one, so 0 is free to end a list: a list that is a prefix of another sorts first.
const BOOL = 1;
const NUMBER = 2;
const STRING = 3;
const LIST = 5;
const MAP = 6;
const NULL = 8;
const END = 0;

/**
 * Encodes a JSON value so that comparing keys bytewise equals `compareSortValues`: lists
 * element by element and then by length, maps by their text form, strings by code point
 * (UTF-8 bytes), numbers numerically. Every part is self-delimiting.
 */
export function sortKey(value: unknown): Buffer {
  const parts: Buffer[] = [];
  writeSortKey(value, parts);
  return Buffer.concat(parts);
}

function writeSortKey(value: unknown, parts: Buffer[]): void {
  if (value === null || value === undefined) {
    parts.push(Buffer.of(NULL));
  } else if (typeof value === 'boolean') {
    parts.push(Buffer.of(BOOL, value ? 1 : 0));
  } else if (typeof value === 'number') {
    const bytes = Buffer.alloc(9);
    bytes[0] = NUMBER;
    bytes.writeDoubleBE(value === 0 ? 0 : value, 1); // -0 equals 0
    // IEEE order → unsigned byte order: negatives invert every bit, positives set the sign bit.
    if (bytes[1]! & 0x80) for (let i = 1; i < 9; i++) bytes[i] = ~bytes[i]! & 0xff;
    else bytes[1] = bytes[1]! | 0x80;
    parts.push(bytes);
  } else if (typeof value === 'string') {
    writeText(STRING, value, parts);
  } else if (Array.isArray(value)) {
    parts.push(Buffer.of(LIST));
    for (const item of value) writeSortKey(item, parts);
    parts.push(Buffer.of(END));
  } else {
    writeText(MAP, textForm(value), parts);
  }
}

/** UTF-8 with 0x00 escaped as 00 01 and terminated by 00 00, so shorter prefixes sort first. */
function writeText(type: number, text: string, parts: Buffer[]): void {
  const utf8 = Buffer.from(text, 'utf8');
  let zeros = 0;
  for (const byte of utf8) if (byte === 0) zeros++;
  const out = Buffer.alloc(1 + utf8.length + zeros + 2);
  out[0] = type;
  let at = 1;
  for (const byte of utf8) {
    out[at++] = byte;
    if (byte === 0) out[at++] = 1;
  }
  out[at++] = 0;
  out[at] = 0;
  parts.push(out);
}
