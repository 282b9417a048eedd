/**
 * The `qb` string language: a Python-subset expression parsed by a parser generated at build
 * time from qb-lang/grammar.peggy, then interpreted over a closed whitelist — the names QB, dt
 * and datetime; the QB entry points; the builder methods; datetime constructors. Nothing from
 * the input is ever evaluated as code.
 *
 * Every rejection is a QueryError whose message is `Invalid QB expression: <reason>` and whose
 * `position` points at the offending token.
 */
import type { QueryBuilder } from './qb';
import { isQueryBuilder } from './qb';
import { failed, invalid, positionAt } from './qb-lang/errors';
import { Interpreter } from './qb-lang/interpreter';
import { parse } from './qb-lang/parser.generated';
import { children, type LocationRange, type Node } from './qb-lang/syntax';
import { pyType } from './qb-lang/py-objects';

/** Longest accepted expression, in characters. */
export const MAX_QB_LENGTH = 10_000;
/** Deepest accepted bracket nesting. */
export const MAX_QB_NESTING = 64;
/** Deepest accepted syntax tree (bracket nesting adds a few tree levels per bracket). */
const MAX_TREE_DEPTH = 256;

export interface ParseQbOptions {
  /** "Now" for the time helpers (today(), last_n_days(), …); default: the QB clock. */
  now?: Date;
}

/** Index just past the string literal opening at `start` (or the end of the text). */
function skipString(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  let i = start + (triple ? 3 : 1);
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (triple ? text.startsWith(quote.repeat(3), i) : ch === quote) return i + (triple ? 3 : 1);
    else if (!triple && ch === '\n') return i;
    else i++;
  }
  return text.length;
}

/** Rejects bracket nesting deeper than MAX_QB_NESTING before the recursive parser sees it. */
function checkNesting(text: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_QB_NESTING) {
        throw invalid(`expression is nested more than ${MAX_QB_NESTING} levels deep`, positionAt(text, i));
      }
    } else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    i++;
  }
}

function checkTreeDepth(root: Node): void {
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Node, number];
    if (depth > MAX_TREE_DEPTH) {
      throw invalid('expression is nested too deeply', node.loc.start);
    }
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}

interface PeggySyntaxError {
  message: string;
  location: LocationRange;
  found?: string | null;
  expected?: unknown[] | null;
}

function isPeggySyntaxError(err: unknown): err is PeggySyntaxError {
  return (
    err instanceof Error &&
    err.name === 'SyntaxError' &&
    typeof (err as { location?: { start?: unknown } }).location?.start === 'object'
  );
}

function parseTree(text: string): Node {
  try {
    return (parse as (input: string) => unknown)(text) as Node;
  } catch (err) {
    if (isPeggySyntaxError(err)) {
      const { line, column } = err.location.start;
      // Grammar-level error() calls carry their own message; token failures say what was found.
      const detail =
        err.expected === null || err.expected === undefined
          ? err.message
          : err.found === null || err.found === undefined
            ? 'unexpected end of input'
            : `unexpected ${JSON.stringify(err.found)}`;
      throw invalid(`Syntax error in QB expression: ${detail} at line ${line}, column ${column}`, err.location.start);
    }
    // A pathological input (e.g. thousands of chained `**`) can exhaust the parser's stack.
    if (err instanceof RangeError) throw invalid('expression is nested too deeply');
    throw err;
  }
}

/**
 * Parses a `qb` expression into a query builder. Throws QueryError with message
 * `Invalid QB expression: <reason>` and the offending token's `position`.
 */
// Clients repeat the same few filters, and parsing costs far more than interpreting: checked
// trees are kept by their text (least recently used dropped first). Interpretation still runs
// per call, so time helpers like today() always see the current clock.
const TREE_CACHE_SIZE = 256;
const treeCache = new Map<string, Node>();

function cachedTree(text: string): Node {
  const hit = treeCache.get(text);
  if (hit !== undefined) {
    treeCache.delete(text);
    treeCache.set(text, hit);
    return hit;
  }
  checkNesting(text);
  const tree = parseTree(text);
  checkTreeDepth(tree);
  deepFreeze(tree); // shared between calls from now on: nothing may change it
  treeCache.set(text, tree);
  if (treeCache.size > TREE_CACHE_SIZE) treeCache.delete(treeCache.keys().next().value as string);
  return tree;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export function parseQb(text: string, options: ParseQbOptions = {}): QueryBuilder {
  if (typeof text !== 'string') throw invalid(`expected a string, got ${typeof text}`);
  if (text.length > MAX_QB_LENGTH) {
    throw invalid(`expression is ${text.length} characters long; the limit is ${MAX_QB_LENGTH}`);
  }
  if (text.trim() === '') throw invalid('Syntax error in QB expression: empty expression', positionAt(text, 0));
  const tree = cachedTree(text);
  const interpreter = new Interpreter(options.now);
  const result = interpreter.eval(tree);
  if (!isQueryBuilder(result)) {
    throw interpreter.at(
      failed(`the expression must build a query (a condition or QB builder), got '${pyType(result)}'`),
      tree.loc,
    );
  }
  return result;
}
