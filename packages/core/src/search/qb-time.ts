/** The clock and calendar behind the QB time helpers (today(), this_week(), last_n_days(), …). */
import { QueryError } from '@specstar/interfaces';

let clock: () => Date = () => new Date();

/** Replaces the clock the time helpers use when no `now` is passed (tests); no argument restores it. */
export function setQbClock(now?: () => Date): void {
  clock = now ?? (() => new Date());
}

/** A value as error messages name it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a Date';
  // oxlint-disable-next-line typescript/no-base-to-string -- objects took the first branch; only primitives and functions reach String().
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export type Zone = { kind: 'local' } | { kind: 'fixed'; offsetMinutes: number };

export function parseTimezone(tz: unknown): Zone {
  if (tz === undefined || tz === null) return { kind: 'local' };
  let hours: number | undefined;
  if (typeof tz === 'number' && Number.isInteger(tz)) hours = tz;
  else if (typeof tz === 'string' && /^\s*[+-]?\d+\s*$/.test(tz)) hours = Number.parseInt(tz.trim(), 10);
  if (hours === undefined || Math.abs(hours) >= 24) {
    throw new QueryError(
      `Invalid timezone offset: ${describe(tz)}; expected whole hours as an integer or a string like "+8" or "-4"`,
    );
  }
  return { kind: 'fixed', offsetMinutes: hours * 60 };
}

export interface WallDate {
  year: number;
  month: number; // 0-based
  day: number;
  weekday: number; // 0 = Monday
}

export function wallDate(now: Date, zone: Zone): WallDate {
  if (zone.kind === 'local') {
    return { year: now.getFullYear(), month: now.getMonth(), day: now.getDate(), weekday: (now.getDay() + 6) % 7 };
  }
  const shifted = new Date(now.getTime() + zone.offsetMinutes * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth(),
    day: shifted.getUTCDate(),
    weekday: (shifted.getUTCDay() + 6) % 7,
  };
}

/** The instant of a wall-clock time in the zone; out-of-range days roll over like `Date`. */
export function instantAt(zone: Zone, year: number, month: number, day: number, endOfDay: boolean): Date {
  const [h, m, s, ms] = endOfDay ? [23, 59, 59, 999] : [0, 0, 0, 0];
  if (zone.kind === 'local') return new Date(year, month, day, h, m, s, ms);
  return new Date(Date.UTC(year, month, day, h, m, s, ms) - zone.offsetMinutes * 60_000);
}

export function resolveNow(now: Date | undefined): Date {
  const value = now ?? clock();
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new QueryError('The current time is not a valid Date');
  }
  return value;
}

