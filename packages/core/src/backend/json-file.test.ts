import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@specstar/interfaces';
import { BackendConfigError } from './errors';
import { lineAndColumn, locateJsonError, readJsonFile } from './json-file';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specstar-json-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function readError(file: string): BackendConfigError {
  try {
    readJsonFile(file);
  } catch (error) {
    if (error instanceof BackendConfigError) return error;
    throw error;
  }
  throw new Error('expected readJsonFile to throw');
}

describe('locateJsonError', () => {
  it.each([
    ['{"a": x}', 6],
    ['{"a": 1,}', 8],
    ['{"a":', 5],
    ['[1 2]', 3],
    ['{"a":"\\q"}', 7],
    ["{'a': 1}", 1],
    ['{"a": 1} extra', 9],
    ['{"a": tru}', 6 + 3],
    ['{"a": "line\nbreak"}', 11],
    ['{"a": 01}', 7],
    ['{"a": -}', 7],
    ['{"a": 1.}', 8],
    ['', 0],
  ])('finds the first syntax error in %j at offset %i', (text, offset) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(locateJsonError(text)).toBe(offset);
  });

  it('reports the end of the text for valid JSON', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"]}';
    expect(locateJsonError(text)).toBe(text.length);
  });
});

describe('lineAndColumn', () => {
  it('gives 1-based line and column, counting \\n, \\r\\n and \\r line ends', () => {
    expect(lineAndColumn('abc', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd\r\nef\rgh', 11)).toEqual({ line: 4, column: 2 });
  });
});

describe('readJsonFile', () => {
  it('parses a JSON file', () => {
    expect(readJsonFile(write('ok.json', '{"version": 1, "meta": {"type": "memory"}}'))).toEqual({ version: 1, meta: { type: 'memory' } });
  });

  it('accepts a file that starts with a byte order mark', () => {
    expect(readJsonFile(write('bom.json', '\uFEFF{"version": 1}'))).toEqual({ version: 1 });
  });

  it('reports malformed JSON with the file path, line and column of the first error', () => {
    const file = write('bad.json', '{\n  "connections": {\n    "local": { "type": "disk", }\n  }\n}\n');
    const error = readError(file);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ problem: 'malformed_json', file, line: 3, column: 32 });
  });

  it('reports a truncated file at its end', () => {
    const file = write('truncated.json', '{\n  "meta": {"type": "memory"}');
    expect(readError(file)).toMatchObject({ problem: 'malformed_json', file, line: 2, column: 29 });
  });

  it('reports an unquoted value that V8 gives no position for', () => {
    const file = write('unquoted.json', '{\n  "meta": {"type": memory}\n}');
    expect(readError(file)).toMatchObject({ problem: 'malformed_json', file, line: 2, column: 20 });
  });

  it('reports a file that cannot be read, naming it', () => {
    const file = join(dir, 'missing.json');
    expect(readError(file)).toMatchObject({ problem: 'unreadable_file', file });
  });
});
