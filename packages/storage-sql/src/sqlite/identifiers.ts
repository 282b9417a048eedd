/**
 * Safe spelling of names inside generated SQL. Values are always bound as parameters; the only
 * text that enters SQL from a caller is a table name and an indexed_data key, and both pass
 * through here.
 */
import { createHash } from 'node:crypto';

/** A double-quoted SQL identifier (quotes doubled), whatever the name holds. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted SQL string literal (quotes doubled). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The SQLite JSON path of one object key: `$."<key>"`. SQLite ends a quoted label at the first
 * `"` and decodes JSON escapes inside it, so the key is written JSON-escaped with `"` as
 * `\u0022`; control characters and lone surrogates are escaped too, so the path is plain text
 * that never holds a NUL or a quote of its own.
 */
export function jsonKeyPath(key: string): string {
  let label = '';
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x22 || code < 0x20) label += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code === 0x5c) label += '\\\\';
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = key.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        label += key[i]! + key[i + 1]!; // a well-formed pair is an ordinary character
        i++;
      } else {
        label += `\\u${code.toString(16)}`;
      }
    } else label += key[i]!;
  }
  return `$."${label}"`;
}

/** The literal JSON path of a key, ready to splice into SQL (the same text every time). */
export function jsonKeyPathLiteral(key: string): string {
  return sqlString(jsonKeyPath(key));
}

/** A short, stable, identifier-safe digest of a key (and the version of what is named), for index names. */
export function keyDigest(key: string, version?: number): string {
  const hash = createHash('sha256');
  if (version !== undefined) hash.update(`v${version}\0`, 'utf8');
  return hash.update(key, 'utf8').digest('hex').slice(0, 16);
}
