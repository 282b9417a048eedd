/**
 * A PostgreSQL string literal that reads the same whatever standard_conforming_strings says:
 * an escape string (E'…') with backslashes and quotes doubled. Only indexed_data keys (storable
 * text, never NUL) are spelled this way, so expression indexes and queries share their text.
 */
export function pgStringLiteral(text: string): string {
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
