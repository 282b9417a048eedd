/**
 * The result of translating one filter. `exact` SQL yields TRUE, FALSE or NULL (unknown) exactly
 * as the normative evaluator decides, so SQL's AND / OR / NOT give the group rules. A `mixed`
 * node is what a dialect that filters in code returns for a condition SQL cannot decide: two
 * supersets, P (rows where it may be true) and Q (rows where it may be false), that narrow the
 * candidates before core's evaluator finishes the query.
 */
export type Node = { kind: 'exact'; sql: string } | { kind: 'mixed'; p: string; q: string };

export const exact = (sql: string): Node => ({ kind: 'exact', sql });

/** Rows where the node may be true (a two-valued superset). */
export const possiblyTrue = (node: Node): string => (node.kind === 'exact' ? `((${node.sql}) IS TRUE)` : node.p);
/** Rows where the node may be false (a two-valued superset). */
export const possiblyFalse = (node: Node): string => (node.kind === 'exact' ? `((${node.sql}) IS FALSE)` : node.q);

/** `value` when `probe` is not NULL, else NULL (unknown): a decided result for a present value. */
export function unlessUnknown(probe: string, value: string): string {
  return `(CASE WHEN ${probe} IS NULL THEN NULL ELSE ${value} END)`;
}

/** Joins terms with AND/OR as a balanced tree, so long lists stay within an engine's expression depth. */
export function joinBalanced(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
  if (terms.length === 0) return empty;
  const join = (from: number, to: number): string => {
    if (to - from === 1) return terms[from] as string;
    const mid = (from + to) >> 1;
    return `(${join(from, mid)} ${operator} ${join(mid, to)})`;
  };
  return join(0, terms.length);
}

/** Joins terms with AND/OR in one flat, parenthesized list. */
export function joinFlat(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
  return terms.length === 0 ? empty : `(${terms.join(` ${operator} `)})`;
}
