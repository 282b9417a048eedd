/**
 * State shared while one query is turned into SQL: the bound parameters, the conditions handed
 * to the JavaScript evaluator, and the indexed_data keys that deserve an index.
 */
import type { DataSearchCondition, ResourceMeta } from '@specstar/interfaces';
import { compileFilter } from '@specstar/core';
import { EVAL_FUNCTION, registerEvaluation, releaseEvaluations } from './functions';

/** What better-sqlite3 binds (booleans are bound as 1/0 by the callers). */
export type SqlValue = string | number | bigint | Buffer | null;

export class Translation {
  /** Named parameters (`@p0`, `@p1`, …) in binding order. */
  readonly params: Record<string, SqlValue> = {};
  /** indexed_data keys a top-level condition or a sort can use an index on. */
  readonly indexKeys = new Set<string>();
  private readonly handles: number[] = [];
  private count = 0;

  /** Number of bound parameters. */
  get size(): number {
    return this.count;
  }

  /** Binds a value and returns its placeholder. Placeholders are never shared, so SQL text depends only on the query's shape. */
  bind(value: SqlValue): string {
    const name = `p${this.count++}`;
    this.params[name] = value;
    return `@${name}`;
  }

  /**
   * SQL that evaluates `condition` with core's evaluator on the value `argument` yields for a
   * row; `build` turns that SQL value back into the part of a meta the condition reads.
   */
  evaluate(condition: DataSearchCondition, dataOnly: boolean, argument: string, build: (sqlValue: unknown) => ResourceMeta): string {
    const match = compileFilter(condition, dataOnly);
    const handle = registerEvaluation({ build, match });
    this.handles.push(handle);
    return `${EVAL_FUNCTION}(${this.bind(handle)}, ${argument})`;
  }

  /** Frees the evaluator handles once the statement has run. */
  release(): void {
    releaseEvaluations(this.handles);
    this.handles.length = 0;
  }
}

/** `value` when `probe` is not NULL, else NULL (unknown): a decided result for a present value. */
export function unlessUnknown(probe: string, value: '0' | '1' | string): string {
  return `(CASE WHEN ${probe} IS NULL THEN NULL ELSE ${value} END)`;
}

/** Joins terms with AND/OR as a balanced tree, so long lists stay within SQLite's expression depth. */
export function joinBalanced(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
  if (terms.length === 0) return empty;
  const join = (from: number, to: number): string => {
    if (to - from === 1) return terms[from] as string;
    const mid = (from + to) >> 1;
    return `(${join(from, mid)} ${operator} ${join(mid, to)})`;
  };
  return join(0, terms.length);
}
