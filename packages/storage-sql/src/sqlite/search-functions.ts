/**
 * JavaScript functions registered on a SQLite connection for what SQL cannot express exactly:
 * conditions evaluated by core's normative evaluator (regex, deep equality, text forms of lists
 * and maps) and a sort key for lists and maps that orders like `compareBySorts`.
 */
import type { ResourceMeta } from '@specstar/interfaces';
import { sortKey } from '@specstar/core/adapter';

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

/**
 * The part of a SQLite connection the functions need: better-sqlite3's `Database` fits it, so a
 * store on any SQLite driver with user functions can register them without this package
 * depending on one.
 */
export interface SqliteFunctionHost {
  function(name: string, options: { deterministic: boolean; safeIntegers: boolean }, fn: (...args: never[]) => unknown): unknown;
}

const registered = new WeakSet<SqliteFunctionHost>();

/** Registers the search functions once per connection (redefining them mid-query is refused). */
export function registerSearchFunctions(db: SqliteFunctionHost): void {
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

