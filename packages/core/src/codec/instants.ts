/** Instants: RFC 3339 text to UTC `Date`s (millisecond precision) and back, as records and indexes store them. */
import { isDate } from './canonical';

// RFC 3339 / Python isoformat: `T` or space, any number of fraction digits, `Z`, `±HH:MM`,
// `±HHMM`, `±HH`, or no offset (naive = UTC).
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Parses an ISO-8601 / RFC 3339 date-time into a UTC instant truncated to milliseconds.
 * Naive values are UTC, as are date-only values (midnight). Undefined when unparsable.
 */
export function parseInstant(text: string): Date | undefined {
  const m = INSTANT.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const hours = Number(m[10]);
    const minutes = m[11] === undefined ? 0 : Number(m[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years < 100 literal
  if (date.getUTCDate() !== day) return undefined; // e.g. February 30th rolled over
  date.setUTCHours(hour, minute - offsetMinutes, second, millis);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An instant as ISO-8601 UTC with exactly milliseconds: `2025-01-01T04:00:00.000Z`. */
export function formatInstant(date: Date): string {
  return date.toISOString();
}

/** A Date from a Date, an RFC 3339 string or epoch milliseconds; undefined when none of these. */
export function toInstant(value: unknown): Date | undefined {
  if (isDate(value)) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if (typeof value === 'string') return parseInstant(value);
  return undefined;
}
