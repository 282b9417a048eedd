import { readFileSync } from 'node:fs';
import { BackendConfigError } from './errors';

/**
 * The offset of the first JSON syntax error in `text` (RFC 8259, as JSON.parse accepts it).
 * Used only after JSON.parse failed: V8's messages do not always carry a position
 * ("Unexpected token 'x', … is not valid JSON"), and a config author needs one.
 */
export function locateJsonError(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw at;
  };
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const expectLiteral = (word: string): void => {
    for (const char of word) {
      if (text.charAt(at) !== char) fail();
      at += 1;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text.charAt(at))) fail();
    while (/[0-9]/.test(text.charAt(at))) at += 1;
  };
  const number = (): void => {
    if (text.charAt(at) === '-') at += 1;
    if (text.charAt(at) === '0') at += 1;
    else digits();
    if (text.charAt(at) === '.') {
      at += 1;
      digits();
    }
    if (text.charAt(at) === 'e' || text.charAt(at) === 'E') {
      at += 1;
      if (text.charAt(at) === '+' || text.charAt(at) === '-') at += 1;
      digits();
    }
  };
  const string = (): void => {
    at += 1; // opening quote
    for (;;) {
      if (at >= text.length) fail();
      const char = text.charAt(at);
      if (char === '"') {
        at += 1;
        return;
      }
      if (char < ' ') fail();
      if (char === '\\') {
        at += 1;
        const escape = text.charAt(at);
        if (escape === 'u') {
          for (let i = 0; i < 4; i += 1) {
            at += 1;
            if (!/[0-9A-Fa-f]/.test(text.charAt(at))) fail();
          }
        } else if (!'"\\/bfnrt'.includes(escape) || escape === '') fail();
      }
      at += 1;
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text.charAt(at);
    if (char === '{') {
      at += 1;
      skipSpace();
      if (text.charAt(at) === '}') {
        at += 1;
        return;
      }
      for (;;) {
        skipSpace();
        if (text.charAt(at) !== '"') fail();
        string();
        skipSpace();
        if (text.charAt(at) !== ':') fail();
        at += 1;
        value();
        skipSpace();
        if (text.charAt(at) === ',') at += 1;
        else if (text.charAt(at) === '}') {
          at += 1;
          return;
        } else fail();
      }
    }
    if (char === '[') {
      at += 1;
      skipSpace();
      if (text.charAt(at) === ']') {
        at += 1;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text.charAt(at) === ',') at += 1;
        else if (text.charAt(at) === ']') {
          at += 1;
          return;
        } else fail();
      }
    }
    if (char === '"') return string();
    if (char === '-' || /[0-9]/.test(char)) return number();
    if (char === 't') return expectLiteral('true');
    if (char === 'f') return expectLiteral('false');
    if (char === 'n') return expectLiteral('null');
    fail();
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return offset;
    // A stack overflow on absurd nesting: point at where the scan stopped.
    return at;
  }
  return text.length;
}

/** 1-based line and column of a string offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/**
 * Reads and parses a JSON config file. Errors name the file, and for malformed JSON the line
 * and column of the first syntax error.
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new BackendConfigError(`Cannot read backend config file ${file} (${reason})`, { problem: 'unreadable_file', file, cause: error });
  }
  // Editors on some platforms write a byte order mark; JSON.parse rejects it.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const offset = locateJsonError(text);
    const { line, column } = lineAndColumn(text, offset);
    const reason = offset >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text.charAt(offset))}`;
    throw new BackendConfigError(`Malformed JSON in backend config file ${file} at line ${line}, column ${column}: ${reason}`, {
      problem: 'malformed_json',
      file,
      line,
      column,
      cause: error,
    });
  }
}
