/**
 * PEG grammar (peggy) of the `qb` expression language: one Python expression, http-api §10.7.
 *
 * The grammar accepts a superset of the language — every Python expression form — so that the
 * interpreter can reject constructs outside the whitelist with the reasons of the §10.7 table
 * (`AST node type not supported: BoolOp`, `Binary operator not supported: ^`, …) instead of a
 * bare syntax error. Precedence follows Python, loosest first: lambda, conditional, or, and,
 * not, comparisons, |, ^, &, shifts, + -, * / // % @, unary + - ~, **, await, primaries.
 *
 * Binary chains, unary runs and trailer chains are kept flat (lists), so neither the parser
 * nor the interpreter recurses per operator.
 *
 * Node shapes produced (`loc` is peggy's location range):
 *   Const {value}            Name {id}                   List {elts}      Tuple {elts}
 *   Unsupported {what}       Chain {head, tail:[{op, right}]}            (binary operators)
 *   Unary {ops, operand}     Not {count, operand}        Compare {left, links:[{op, right}]}
 *   Primary {head, trailers:[{kind:'attr', name} | {kind:'call', args} | {kind:'subscript', index}]}
 *   args: {kind:'pos', value} | {kind:'kw', name, value} | {kind:'star'} | {kind:'starstar'}
 * Operator tokens are {text, loc}.
 */
export const QB_GRAMMAR = String.raw`
{{
  const KEYWORDS = new Set([
    'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class',
    'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global',
    'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return',
    'try', 'while', 'with', 'yield',
  ]);
  const SIMPLE_ESCAPES = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
}}

{
  function node(type, props) {
    return Object.assign({ type, loc: location() }, props);
  }
  function unsupported(what) {
    return node('Unsupported', { what });
  }
  function token(text) {
    return { text, loc: location() };
  }
  function chain(head, tail) {
    return tail.length === 0 ? head : node('Chain', { head, tail });
  }
  function decodeEscapes(body) {
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch !== '\\' || i + 1 >= body.length) { out += ch; continue; }
      const next = body[++i];
      if (next === '\n') continue;
      if (next === '\r') { if (body[i + 1] === '\n') i++; continue; }
      if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, next)) { out += SIMPLE_ESCAPES[next]; continue; }
      if (next >= '0' && next <= '7') {
        let digits = next;
        while (digits.length < 3 && body[i + 1] >= '0' && body[i + 1] <= '7') digits += body[++i];
        out += String.fromCodePoint(parseInt(digits, 8));
        continue;
      }
      const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
      if (width > 0) {
        const hex = body.slice(i + 1, i + 1 + width);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) error('truncated \\' + next + ' escape');
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) error('illegal Unicode character in \\U escape');
        out += String.fromCodePoint(code);
        i += width;
        continue;
      }
      if (next === 'N') error('\\N{...} escapes are not supported');
      out += '\\' + next; // unknown escapes keep the backslash, as in Python
    }
    return out;
  }
  function stringLiteral(pieces) {
    const kinds = new Set(pieces.map((p) => p.bytes));
    if (kinds.size > 1) error('cannot mix bytes and nonbytes literals');
    if (pieces.some((p) => p.format)) return unsupported('JoinedStr');
    if (pieces[0].bytes) return unsupported('Bytes');
    return node('Const', { value: pieces.map((p) => p.raw ? p.body : decodeEscapes(p.body)).join('') });
  }
  function intLiteral(digits, radix) {
    const clean = digits.replace(/_/g, '');
    const value = radix === 10 ? Number(clean) : parseInt(clean, radix);
    if (!Number.isSafeInteger(value)) error('integer literal out of the supported range');
    return node('Const', { value });
  }
}

Start
  = _ expr:Expression _ EOF { return expr; }

EOF = !.

// ---- expressions ------------------------------------------------------------------------

Expression
  = Lambda
  / Conditional

Lambda
  = LAMBDA _ LambdaParams? _ ":" _ Expression { return unsupported('Lambda'); }

LambdaParams
  = LambdaParam (_ "," _ LambdaParam)* (_ ",")?

LambdaParam
  = ("**" / "*" / "/") _ NAME?
  / NAME (_ "=" _ Expression)?

Conditional
  = body:Disjunction tail:(_ k:IfAt _ Disjunction _ ELSE _ Expression { return k; })?
    { return tail === null ? body : { type: 'Unsupported', what: 'IfExp', loc: tail }; }

Disjunction
  = head:Conjunction tail:(_ k:OrAt _ Conjunction { return k; })*
    { return tail.length === 0 ? head : { type: 'Unsupported', what: 'BoolOp', loc: tail[0] }; }

Conjunction
  = head:Inversion tail:(_ k:AndAt _ Inversion { return k; })*
    { return tail.length === 0 ? head : { type: 'Unsupported', what: 'BoolOp', loc: tail[0] }; }

IfAt = IF { return location(); }
OrAt = OR { return location(); }
AndAt = AND { return location(); }

Inversion
  = nots:(n:NotToken _ { return n; })* operand:Comparison
    { return nots.length === 0 ? operand : { type: 'Not', count: nots.length, operand, loc: nots[0].loc }; }

NotToken
  = NOT { return token('not'); }

Comparison
  = head:BitOr tail:(_ op:CompOp _ right:BitOr { return { op, right }; })*
    { return tail.length === 0 ? head : node('Compare', { left: head, links: tail }); }

CompOp
  = sym:("==" / "!=" / "<=" / ">=" / "<" / ">") { return token(sym); }
  / NOT __ IN { return token('not in'); }
  / IS __ NOT { return token('is not'); }
  / IS { return token('is'); }
  / IN { return token('in'); }

BitOr
  = head:BitXor tail:(_ op:OpBitOr _ right:BitXor { return { op, right }; })* { return chain(head, tail); }

OpBitOr
  = "|" !"=" { return token('|'); }

BitXor
  = head:BitAnd tail:(_ op:OpBitXor _ right:BitAnd { return { op, right }; })* { return chain(head, tail); }

OpBitXor
  = "^" !"=" { return token('^'); }

BitAnd
  = head:Shift tail:(_ op:OpBitAnd _ right:Shift { return { op, right }; })* { return chain(head, tail); }

OpBitAnd
  = "&" !"=" { return token('&'); }

Shift
  = head:Arith tail:(_ op:OpShift _ right:Arith { return { op, right }; })* { return chain(head, tail); }

OpShift
  = sym:("<<" / ">>") !"=" { return token(sym); }

Arith
  = head:Term tail:(_ op:OpArith _ right:Term { return { op, right }; })* { return chain(head, tail); }

OpArith
  = sym:("+" / "-") !"=" { return token(sym); }

Term
  = head:Factor tail:(_ op:OpTerm _ right:Factor { return { op, right }; })* { return chain(head, tail); }

OpTerm
  = sym:("//" / "/" / "%" / "@" / "*" !"*" { return "*"; }) !"=" { return token(sym); }

Factor
  = ops:(op:OpUnary _ { return op; })* operand:Power
    { return ops.length === 0 ? operand : { type: 'Unary', ops, operand, loc: ops[0].loc }; }

OpUnary
  = sym:("+" / "-" / "~") { return token(sym); }

Power
  = base:AwaitPrimary tail:(_ op:OpPow _ right:Factor { return { op, right }; })?
    { return tail === null ? base : node('Chain', { head: base, tail: [tail] }); }

OpPow
  = "**" !"=" { return token('**'); }

AwaitPrimary
  = AWAIT _ Primary { return unsupported('Await'); }
  / Primary

Primary
  = head:Atom trailers:(_ t:Trailer { return t; })*
    { return trailers.length === 0 ? head : node('Primary', { head, trailers }); }

Trailer
  = "." _ attr:AttrName { return { kind: 'attr', name: attr.name, loc: attr.loc }; }
  / "(" _ args:ArgList? _ ")" { return { kind: 'call', args: args ?? [], loc: location() }; }
  / "[" _ index:SubscriptList _ "]" { return { kind: 'subscript', index, loc: location() }; }

AttrName
  = name:NAME { return { name, loc: location() }; }

ArgList
  = head:Arg tail:(_ "," _ a:Arg { return a; })* (_ ",")? { return [head, ...tail]; }

Arg
  = "**" _ Expression { return { kind: 'starstar', loc: location() }; }
  / "*" _ Expression { return { kind: 'star', loc: location() }; }
  / name:NAME _ "=" !"=" _ value:Expression { return { kind: 'kw', name, value, loc: location() }; }
  / NAME _ ":=" _ Expression { return { kind: 'pos', value: unsupported('NamedExpr') }; }
  / value:Expression gen:(_ CompFor)? { return { kind: 'pos', value: gen === null ? value : unsupported('GeneratorExp') }; }

SubscriptList
  = head:SubscriptItem tail:(_ "," _ s:SubscriptItem { return s; })* comma:(_ ",")?
    {
      if (tail.length === 0 && comma === null) return head;
      return node('Tuple', { elts: [head, ...tail] });
    }

SubscriptItem
  = ":" _ Expression? (_ ":" _ Expression?)? { return unsupported('Slice'); }
  / value:Expression slice:(_ ":" _ Expression? (_ ":" _ Expression?)?)?
    { return slice === null ? value : unsupported('Slice'); }

// ---- atoms ---------------------------------------------------------------------------

Atom
  = ParenAtom
  / ListAtom
  / BraceAtom
  / Strings
  / Number
  / TRUE { return node('Const', { value: true }); }
  / FALSE { return node('Const', { value: false }); }
  / NONE { return node('Const', { value: null }); }
  / id:NAME { return node('Name', { id }); }

ParenAtom
  = "(" _ ")" { return node('Tuple', { elts: [] }); }
  / "(" _ first:SeqItem _ rest:(
        CompFor { return null; }
      / items:(_ "," _ i:SeqItem { return i; })* comma:(_ ",")? { return { items, comma: comma !== null }; }
    ) _ ")"
    {
      if (rest === null) return unsupported('GeneratorExp');
      if (rest.items.length === 0 && !rest.comma) return first;
      return node('Tuple', { elts: [first, ...rest.items] });
    }

ListAtom
  = "[" _ "]" { return node('List', { elts: [] }); }
  / "[" _ first:SeqItem _ rest:(
        CompFor { return null; }
      / items:(_ "," _ i:SeqItem { return i; })* (_ ",")? { return items; }
    ) _ "]"
    { return rest === null ? unsupported('ListComp') : node('List', { elts: [first, ...rest] }); }

SeqItem
  = "*" _ BitOr { return unsupported('Starred'); }
  / NAME _ ":=" _ Expression { return unsupported('NamedExpr'); }
  / Expression

BraceAtom
  = "{" _ "}" { return unsupported('Dict'); }
  / "{" _ DictItem _ rest:(
        CompFor { return 'DictComp'; }
      / (_ "," _ DictItem)* (_ ",")? { return 'Dict'; }
    ) _ "}" { return unsupported(rest); }
  / "{" _ SeqItem _ rest:(
        CompFor { return 'SetComp'; }
      / (_ "," _ SeqItem)* (_ ",")? { return 'Set'; }
    ) _ "}" { return unsupported(rest); }

DictItem
  = "**" _ BitOr
  / Expression _ ":" _ Expression

CompFor
  = (ASYNC _)? FOR _ CompTargets _ IN _ Disjunction (_ CompIter)*

CompIter
  = CompFor
  / IF _ Disjunction

CompTargets
  = CompTarget (_ "," _ CompTarget)* (_ ",")?

CompTarget
  = "*"? _ BitOr

Strings
  = head:StringPiece tail:(_ s:StringPiece { return s; })* { return stringLiteral([head, ...tail]); }

StringPiece
  = prefix:$StringPrefix? body:(
        '"""' b:$(!'"""' ("\\" . / .))* '"""' { return b; }
      / "'''" b:$(!"'''" ("\\" . / .))* "'''" { return b; }
      / '"' b:$("\\" . / [^"\\\n\r])* '"' { return b; }
      / "'" b:$("\\" . / [^'\\\n\r])* "'" { return b; }
    )
    {
      const p = (prefix ?? '').toLowerCase();
      return { body, raw: p.includes('r'), bytes: p.includes('b'), format: p.includes('f') };
    }

StringPrefix
  = "rb"i / "br"i / "fr"i / "rf"i / "r"i / "u"i / "b"i / "f"i

Number
  = "0" [xX] digits:$("_"? [0-9a-fA-F])+ !IdChar { return intLiteral(digits, 16); }
  / "0" [oO] digits:$("_"? [0-7])+ !IdChar { return intLiteral(digits, 8); }
  / "0" [bB] digits:$("_"? [01])+ !IdChar { return intLiteral(digits, 2); }
  / num:$(Digits "." Digits? Exponent? / "." Digits Exponent? / Digits Exponent) !IdChar
    {
      const value = Number(num.replace(/_/g, ''));
      if (!Number.isFinite(value)) error('float literal out of the supported range');
      return node('Const', { value });
    }
  / digits:$([1-9] ("_"? [0-9])* / "0"+ ("_"? "0")*) !IdChar !"." { return intLiteral(digits, 10); }

Digits
  = [0-9] ("_"? [0-9])*

Exponent
  = [eE] [+-]? Digits

// ---- tokens ----------------------------------------------------------------------------

NAME
  = name:$([A-Za-z_] IdChar*) !{ return KEYWORDS.has(name); } { return name; }

IdChar
  = [A-Za-z0-9_]

AND = "and" !IdChar
ASYNC = "async" !IdChar
AWAIT = "await" !IdChar
ELSE = "else" !IdChar
FALSE = "False" !IdChar
FOR = "for" !IdChar
IF = "if" !IdChar
IN = "in" !IdChar
IS = "is" !IdChar
LAMBDA = "lambda" !IdChar
NONE = "None" !IdChar
NOT = "not" !IdChar
OR = "or" !IdChar
TRUE = "True" !IdChar

_ "whitespace"
  = ([ \t\f\r\n] / Comment / LineContinuation)*

__ "whitespace"
  = ([ \t\f\r\n] / Comment / LineContinuation)+

Comment
  = "#" [^\n\r]*

LineContinuation
  = "\\" ("\r\n" / "\n" / "\r")
`;
