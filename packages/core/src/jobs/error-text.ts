import { inspect } from 'node:util';

/**
 * The `errmsg` of a thrown value: an Error's message, a string as is, else a readable text.
 * Handlers may throw anything; `String(value)` gives `[object Object]` for a plain object and
 * throws for one without a prototype, so an object is shown by its `message` or its own
 * `toString`, else inspected.
 */
export function errorText(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  if (thrown === undefined || thrown === null) return `Job handler threw ${String(thrown)}`;
  if (typeof thrown !== 'object' && typeof thrown !== 'function') return (thrown as number | bigint | boolean | symbol).toString();
  try {
    const { message, toString } = thrown as { message?: unknown; toString?: unknown };
    if (typeof message === 'string' && message !== '') return message;
    if (typeof toString === 'function' && toString !== Object.prototype.toString && toString !== Function.prototype.toString) {
      const text: unknown = toString.call(thrown);
      if (typeof text === 'string') return text;
    }
  } catch {
    // A getter or toString that throws: inspect instead.
  }
  return inspect(thrown, { depth: 3, breakLength: Infinity });
}
