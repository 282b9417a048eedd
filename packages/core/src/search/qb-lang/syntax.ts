/** The syntax tree the generated qb parser produces (node shapes are listed in grammar.peggy). */

export type Position = { offset: number; line: number; column: number };
/** Where a node or token sits in the expression (the parser's location range). */
export interface LocationRange {
  start: Position;
  end: Position;
}

export interface OpToken {
  text: string;
  loc: LocationRange;
}
export type Arg =
  | { kind: 'pos'; value: Node }
  | { kind: 'kw'; name: string; value: Node; loc: LocationRange }
  | { kind: 'star' | 'starstar'; loc: LocationRange };
export type Trailer =
  | { kind: 'attr'; name: string; loc: LocationRange }
  | { kind: 'call'; args: Arg[]; loc: LocationRange }
  | { kind: 'subscript'; index: Node; loc: LocationRange };
export type Node = { loc: LocationRange } & (
  | { type: 'Const'; value: null | boolean | number | string }
  | { type: 'Name'; id: string }
  | { type: 'List' | 'Tuple'; elts: Node[] }
  | { type: 'Unsupported'; what: string }
  | { type: 'Chain'; head: Node; tail: Array<{ op: OpToken; right: Node }> }
  | { type: 'Unary'; ops: OpToken[]; operand: Node }
  | { type: 'Not'; count: number; operand: Node }
  | { type: 'Compare'; left: Node; links: Array<{ op: OpToken; right: Node }> }
  | { type: 'Primary'; head: Node; trailers: Trailer[] }
);

/** The direct children of a node, for walks that must not recurse. */
export function children(node: Node): Node[] {
  switch (node.type) {
    case 'List':
    case 'Tuple':
      return node.elts;
    case 'Chain':
      return [node.head, ...node.tail.map((t) => t.right)];
    case 'Unary':
    case 'Not':
      return [node.operand];
    case 'Compare':
      return [node.left, ...node.links.map((l) => l.right)];
    case 'Primary': {
      const out = [node.head];
      for (const t of node.trailers) {
        if (t.kind === 'subscript') out.push(t.index);
        else if (t.kind === 'call') for (const a of t.args) if (a.kind === 'pos' || a.kind === 'kw') out.push(a.value);
      }
      return out;
    }
    default:
      return [];
  }
}
