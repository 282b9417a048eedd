/**
 * Partial projection: keep only the requested branches of a value.
 *
 * Paths are `/`-separated (leading `/` optional, empty segments ignored). On a map a segment
 * is a key; on a list it is an index (negative counts from the end), `-` (every element) or a
 * Python slice `start:stop:step`. Several paths merge. Missing branches are absent; a list that
 * is reached is kept (possibly empty), with its selected elements in index order.
 */
import { QueryError } from '@specstar/interfaces';
import { isPlainObject } from './evaluator';

type Segment =
  | { kind: 'name'; text: string }
  | { kind: 'index'; text: string; index: number }
  | { kind: 'all'; text: string }
  | { kind: 'slice'; text: string; start?: number; stop?: number; step: number };

/** A merged path tree node: `whole` means the value at this node is selected entirely. */
interface PathNode {
  whole: boolean;
  children: Map<string, { segment: Segment; node: PathNode }>;
}

const ABSENT: unique symbol = Symbol('absent');
const INTEGER = /^[+-]?\d+$/;

function parseSegment(text: string, path: string): Segment {
  if (text === '-') return { kind: 'all', text };
  if (/^-?\d+$/.test(text)) return { kind: 'index', text, index: Number(text) };
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length > 3 || parts.some((p) => p !== '' && !INTEGER.test(p.trim()))) {
      throw new QueryError(`Invalid slice '${text}' in partial path '${path}'`);
    }
    const [start, stop, step] = parts.map((p) => (p.trim() === '' ? undefined : Number(p)));
    if (step === 0) throw new QueryError(`Slice step cannot be zero in partial path '${path}'`);
    return { kind: 'slice', text, start, stop, step: step ?? 1 };
  }
  return { kind: 'name', text };
}

function buildTree(paths: readonly string[]): PathNode {
  if (!Array.isArray(paths)) throw new QueryError('Partial paths must be a list of strings');
  const root: PathNode = { whole: false, children: new Map() };
  for (const path of paths) {
    if (typeof path !== 'string') throw new QueryError(`A partial path must be a string, got ${typeof path}`);
    let node = root;
    for (const text of path.split('/')) {
      if (text === '') continue;
      let entry = node.children.get(text);
      if (!entry) {
        entry = { segment: parseSegment(text, path), node: { whole: false, children: new Map() } };
        node.children.set(text, entry);
      }
      node = entry.node;
    }
    node.whole = true;
  }
  return root;
}

/** Python `slice.indices(length)` followed by `range(...)`. */
function sliceIndices(seg: { start?: number; stop?: number; step: number }, length: number): number[] {
  const { step } = seg;
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? length - 1 : length;
  const clamp = (value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const v = value < 0 ? value + length : value;
    return Math.min(Math.max(v, lower), upper);
  };
  const start = clamp(seg.start, step < 0 ? upper : lower);
  const stop = clamp(seg.stop, step < 0 ? lower : upper);
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

function projectList(list: readonly unknown[], nodes: readonly PathNode[]): unknown[] {
  const perIndex = new Map<number, PathNode[]>();
  const select = (i: number, node: PathNode): void => {
    const bucket = perIndex.get(i);
    if (bucket) bucket.push(node);
    else perIndex.set(i, [node]);
  };
  for (const parent of nodes) {
    for (const { segment, node } of parent.children.values()) {
      if (segment.kind === 'all') list.forEach((_, i) => select(i, node));
      else if (segment.kind === 'index') {
        const i = segment.index < 0 ? segment.index + list.length : segment.index;
        if (i >= 0 && i < list.length) select(i, node);
      } else if (segment.kind === 'slice') {
        for (const i of sliceIndices(segment, list.length)) select(i, node);
      }
      // A field name cannot select list elements: that branch is simply missing.
    }
  }
  const out: unknown[] = [];
  for (const i of [...perIndex.keys()].sort((a, b) => a - b)) {
    const projected = project(list[i], perIndex.get(i) as PathNode[]);
    if (projected !== ABSENT) out.push(projected);
  }
  return out;
}

function projectMap(map: Record<string, unknown>, nodes: readonly PathNode[]): Record<string, unknown> {
  const wanted = new Map<string, PathNode[]>();
  for (const parent of nodes) {
    for (const [key, { node }] of parent.children) {
      const bucket = wanted.get(key);
      if (bucket) bucket.push(node);
      else wanted.set(key, [node]);
    }
  }
  const out: Record<string, unknown> = {};
  // Source key order, so projected objects read like the originals.
  for (const key of Object.keys(map)) {
    const sub = wanted.get(key);
    if (!sub) continue;
    const projected = project(map[key], sub);
    if (projected !== ABSENT) out[key] = projected;
  }
  return out;
}

function project(value: unknown, nodes: readonly PathNode[]): unknown {
  if (value === undefined) return ABSENT;
  if (nodes.some((n) => n.whole)) return value;
  if (Array.isArray(value)) return projectList(value, nodes);
  if (isPlainObject(value)) return projectMap(value, nodes);
  return ABSENT; // a scalar has no sub-branches
}

/**
 * Keeps only the requested branches of `value`. An empty path selects everything.
 * Invalid segments (a slice with step 0, non-integer slice parts) throw QueryError.
 */
export function projectPartial(value: unknown, paths: string[]): Record<string, unknown> {
  const tree = buildTree(paths);
  if (!isPlainObject(value)) return {};
  const projected = project(value, [tree]);
  return projected === ABSENT ? {} : (projected as Record<string, unknown>);
}
