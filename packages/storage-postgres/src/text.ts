/**
 * What PostgreSQL text and jsonb can hold. Neither stores U+0000, and postgres.js encodes an
 * unpaired UTF-16 surrogate as U+FFFD, so such strings would change on the way in. Writes holding
 * them are refused with a ValidationError; lookups by them find nothing (nothing stored holds them).
 */
import { ValidationError } from '@specstar/interfaces';
import { isStorableText } from '@specstar/storage-sql';

export { isStorableText };

function refuse(path: string): ValidationError {
  return new ValidationError(`Value at '${path}' holds a NUL character or an unpaired surrogate, which PostgreSQL text cannot store`, {
    kind: 'input',
    issues: [{ path, message: 'PostgreSQL text cannot hold NUL characters or unpaired surrogates' }],
  });
}

/** Throws a ValidationError naming `path` unless `text` is storable. */
export function assertStorableText(text: string, path: string): void {
  if (!isStorableText(text)) throw refuse(path);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Walks a JSON value (keys and strings) and throws naming the first unstorable string. */
export function assertStorableJson(value: unknown, path: string): void {
  if (typeof value === 'string') {
    assertStorableText(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => assertStorableJson(item, `${path}/${index}`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const at = `${path}/${escapePointer(key)}`;
      if (!isStorableText(key)) throw refuse(at);
      assertStorableJson(item, at);
    }
  }
}
