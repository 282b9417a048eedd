/**
 * Search patterns (`regex` conditions) come from clients, so they run on re2js, a linear-time
 * engine with RE2 semantics: no pattern can make matching backtrack exponentially and stall
 * the event loop. Patterns are written in Python `re` syntax; what RE2 spells differently is
 * translated here, and what it cannot run (backreferences, lookaround, atomic groups,
 * possessive quantifiers, conditionals) is refused up front with a QueryError naming the
 * construct — never handed to a backtracking engine instead.
 */
import { RE2JS, RE2JSException } from 're2js';
import { QueryError } from '@specstar/interfaces';

export const MAX_REGEX_LENGTH = 1000;

/** A compiled search pattern: `test` is an unanchored search, like `re.search`. */
export interface SearchRegex {
  test(text: string): boolean;
}

const PY_FLAGS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0, // str patterns are Unicode already
  a: 0, // \d, \w and \b are ASCII in RE2 anyway
};

/** Python's `\s` on str patterns (what `str.isspace` accepts); RE2's `\s` is ASCII only. */
const PY_SPACE =
  '\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}';

/** Group openers RE2 cannot run, by the text that opens them. */
const REFUSED_GROUPS: ReadonlyArray<[string, string]> = [
  ['(?=', 'a lookahead (?=…)'],
  ['(?!', 'a negative lookahead (?!…)'],
  ['(?<=', 'a lookbehind (?<=…)'],
  ['(?<!', 'a negative lookbehind (?<!…)'],
  ['(?>', 'an atomic group (?>…)'],
  ['(?P=', 'a named backreference (?P=…)'],
  ['(?(', 'a conditional group (?(…)'],
];

const REPEAT = /^\{(\d*)(,(\d*))?\}/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX8 = /^[0-9a-fA-F]{8}$/;
/** Python reads `\1`–`\3` followed by two octal digits as an octal escape, not a backreference. */
const OCTAL_ESCAPE = /^[0-3][0-7]{2}/;

class Unsupported extends Error {}
class Malformed extends Error {}

/**
 * Python `re` syntax → RE2 syntax. One pass over the pattern that tracks character classes:
 * `\Z` → `\z`, `\uXXXX`/`\UXXXXXXXX` → `\x{…}`, `\s`/`\S` → Python's Unicode whitespace,
 * `{,n}` → `{0,n}`, `(?#…)` comments dropped; refused constructs throw Unsupported.
 */
function translate(body: string): string {
  let out = '';
  let i = 0;
  let inClass = false;
  while (i < body.length) {
    const ch = body[i] as string;
    if (ch === '\\') {
      const next = body[i + 1];
      if (next === undefined) return out + ch; // RE2 reports the trailing backslash
      i += 2;
      if (next === 'u' || next === 'U') {
        const width = next === 'u' ? 4 : 8;
        const hex = body.slice(i, i + width);
        if (!(width === 4 ? HEX4 : HEX8).test(hex)) throw new Malformed(`incomplete escape \\${next}${hex}`);
        if (Number.parseInt(hex, 16) > 0x10ffff) throw new Malformed(`bad escape \\${next}${hex}`);
        out += `\\x{${hex}}`;
        i += width;
      } else if (next === 's') {
        out += inClass ? PY_SPACE : `[${PY_SPACE}]`;
      } else if (next === 'S' && !inClass) {
        out += `[^${PY_SPACE}]`;
      } else if (next === 'Z' && !inClass) {
        out += '\\z';
      } else if (next.charCodeAt(0) >= 0x80) {
        out += next; // Python reads an escaped non-ASCII character as itself; RE2 refuses the escape
      } else if (next >= '1' && next <= '9' && !inClass) {
        const octal = OCTAL_ESCAPE.exec(body.slice(i - 1));
        if (!octal) throw new Unsupported(`a backreference (\\${next})`);
        out += `\\${octal[0]}`;
        i += 2;
      } else {
        out += `\\${next}`;
      }
      continue;
    }
    if (inClass) {
      if (ch === '[' && body[i + 1] === ':') {
        // A POSIX class such as [:alpha:] inside a set: copy it whole so its ']' does not close the set.
        const end = body.indexOf(':]', i + 2);
        if (end >= 0) {
          out += body.slice(i, end + 2);
          i = end + 2;
          continue;
        }
      }
      if (ch === ']') inClass = false;
      out += ch;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      i++;
      if (body[i] === '^') out += body[i++];
      if (body[i] === ']') out += body[i++]; // a leading ']' is a member, not the end
      continue;
    }
    if (ch === '(' && body[i + 1] === '?') {
      if (body.startsWith('(?#', i)) {
        const end = body.indexOf(')', i);
        if (end < 0) throw new Malformed('missing ), unterminated comment');
        i = end + 1;
        continue;
      }
      for (const [opener, name] of REFUSED_GROUPS) if (body.startsWith(opener, i)) throw new Unsupported(name);
      out += '(?';
      i += 2;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      let quantifier = ch;
      if (ch === '{') {
        const repeat = REPEAT.exec(body.slice(i));
        if (!repeat || (repeat[1] === '' && repeat[2] === undefined)) {
          out += ch; // not a repetition: a literal brace, as in Python
          i++;
          continue;
        }
        // Python's {,n} means {0,n}; RE2 would read it as literal text.
        quantifier = repeat[1] === '' ? `{0${repeat[2] ?? ''}}` : repeat[0];
        i += repeat[0].length;
      } else {
        i++;
      }
      out += quantifier;
      if (body[i] === '?') out += body[i++]; // lazy
      if (body[i] === '+') throw new Unsupported(`a possessive quantifier (${quantifier}+)`);
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

const METACHARS = new Set('.^$*+?{}[]|()\\');
const ASCII_ALNUM = /^[0-9A-Za-z]$/;
// oxlint-disable-next-line no-control-regex -- the range starts at U+0000 because it spans all of ASCII.
const NON_ASCII = /[^\x00-\x7f]/;
const SURROGATE = /[\ud800-\udfff]/;

/** The text a pattern body matches literally (escaped punctuation allowed), or undefined. */
function literalText(body: string): string | undefined {
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\') {
      const next = body[i + 1];
      if (next === undefined || next.charCodeAt(0) >= 0x80 || ASCII_ALNUM.test(next)) return undefined;
      text += next;
      i++;
    } else if (METACHARS.has(ch)) {
      return undefined;
    } else {
      text += ch;
    }
  }
  return text;
}

/**
 * The shapes the query builder emits most (prefix, suffix, substring, whole text, and their
 * `(?i)` forms) as plain string tests that give the engine's answer without running it.
 * Case-insensitive tests take the shortcut only for ASCII needles on ASCII text: elsewhere
 * Unicode case folding (K → k, ſ → s) decides, so the engine runs.
 */
function literalMatcher(body: string, flags: number, engine: SearchRegex): SearchRegex | undefined {
  if ((flags & ~(RE2JS.CASE_INSENSITIVE | RE2JS.DOTALL | RE2JS.MULTILINE)) !== 0) return undefined;
  const start = body.startsWith('^');
  let end = false;
  let inner = start ? body.slice(1) : body;
  if (inner.endsWith('$')) {
    let backslashes = 0;
    for (let i = inner.length - 2; i >= 0 && inner[i] === '\\'; i--) backslashes++;
    if (backslashes % 2 === 0) {
      end = true;
      inner = inner.slice(0, -1);
    }
  }
  if ((start || end) && (flags & RE2JS.MULTILINE) !== 0) return undefined;
  const literal = literalText(inner);
  if (literal === undefined || SURROGATE.test(literal)) return undefined;
  const exact = (text: string): boolean =>
    start ? (end ? text === literal : text.startsWith(literal)) : end ? text.endsWith(literal) : text.includes(literal);
  if ((flags & RE2JS.CASE_INSENSITIVE) === 0) return { test: exact };
  if (NON_ASCII.test(literal)) return undefined;
  const lower = literal.toLowerCase();
  const folded = (text: string): boolean =>
    start ? (end ? text === lower : text.startsWith(lower)) : end ? text.endsWith(lower) : text.includes(lower);
  return { test: (text) => (NON_ASCII.test(text) ? engine.test(text) : folded(text.toLowerCase())) };
}

/** Where a pattern came from, for messages: ` on field 'name'` or nothing. */
function fieldClause(fieldPath: string | undefined): string {
  return fieldPath === undefined ? '' : ` on field '${fieldPath}'`;
}

/**
 * Compiles a search pattern (Python `re` syntax, unanchored search) for the linear-time
 * engine. Leading inline flag groups such as `(?i)`, `(?s)`, `(?m)`, `(?is)` become flags.
 */
export function compilePattern(source: string, fieldPath?: string): SearchRegex {
  const where = fieldClause(fieldPath);
  if (source.length > MAX_REGEX_LENGTH) {
    throw new QueryError(`Regex pattern${where} is ${source.length} characters long; the limit is ${MAX_REGEX_LENGTH}`);
  }
  let body = source;
  let flags = 0;
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(body);
    if (!m || m[1] === undefined) break;
    for (const flag of m[1]) {
      const bit = PY_FLAGS[flag];
      if (bit === undefined) {
        throw new QueryError(`Regex pattern${where} uses the unsupported inline flag '${flag}': ${source}`);
      }
      flags |= bit;
    }
    body = body.slice(m[0].length);
  }
  try {
    // Compiled even when a string test stands in: the engine validates the pattern and takes the texts the test cannot decide.
    const engine = RE2JS.compile(translate(body), flags);
    return literalMatcher(body, flags, engine) ?? engine;
  } catch (err) {
    if (err instanceof Unsupported) {
      throw new QueryError(
        `Regex pattern${where} uses ${err.message}, which search patterns do not support ` +
          `(they run on a linear-time engine with RE2 syntax): ${source}`,
      );
    }
    const reason =
      err instanceof RE2JSException || err instanceof Malformed
        ? err.message.replace(/^error parsing regexp: /, '')
        : err instanceof Error
          ? err.message
          : String(err);
    throw new QueryError(`Invalid regex pattern${where}: ${source} (${reason})`);
  }
}
