import { bind, NO_VALUE, requireInt, type Signature } from './binding';
import { failed, rejected } from './errors';
import { isNum } from './literals';
import { DtClass, type DtClassName, MICROS_PER_DAY, PyDate, PyDateTime, PyTime, PyTimedelta, PyTimezone, pyType } from './py-objects';

// A Python datetime emulation: constructors, attributes and the calendar arithmetic the
// interpreter's operators use. Instants are epoch microseconds.
export function wallMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Wall-clock fields of a datetime in its own offset (naive = UTC). */
export function wallFields(value: PyDateTime): { date: Date; microsecond: number } {
  const wall = value.micros + (value.offsetMinutes ?? 0) * 60_000_000;
  const ms = floorDiv(wall, 1000);
  const date = new Date(ms);
  return { date, microsecond: date.getUTCMilliseconds() * 1000 + (wall - ms * 1000) };
}

export function checkDateRange(value: PyDateTime): PyDateTime {
  const year = wallFields(value).date.getUTCFullYear();
  if (year < 1 || year > 9999) throw failed('OverflowError: date value out of range');
  return value;
}

export function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

export function dateOrdinalMillis(d: PyDate): number {
  return wallMillis(d.year, d.month, d.day, 0, 0, 0, 0);
}

export function dateFromMillis(ms: number): PyDate {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) throw failed('OverflowError: date value out of range');
  return new PyDate(year, d.getUTCMonth() + 1, d.getUTCDate());
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function tzinfoArg(value: unknown): PyTimezone | null {
  if (value === null || value instanceof PyTimezone) return value;
  throw failed(`TypeError: tzinfo argument must be None or of a tzinfo subclass, not '${pyType(value)}'`);
}

export function checkRange(value: number, lo: number, hi: number, what: string): number {
  if (value < lo || value > hi) throw failed(`ValueError: ${what} must be in ${lo}..${hi}`);
  return value;
}

export const DATETIME_SIG: Signature = {
  params: ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'],
  defaults: { hour: 0, minute: 0, second: 0, microsecond: 0, tzinfo: null, fold: 0 },
};
export const DATE_SIG: Signature = { params: ['year', 'month', 'day'] };
export const TIME_SIG: Signature = {
  params: ['hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'],
  defaults: { hour: 0, minute: 0, second: 0, microsecond: 0, tzinfo: null, fold: 0 },
};
export const TIMEDELTA_SIG: Signature = {
  params: ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'],
  defaults: { days: 0, seconds: 0, microseconds: 0, milliseconds: 0, minutes: 0, hours: 0, weeks: 0 },
};
export const TIMEDELTA_UNITS = [MICROS_PER_DAY, 1_000_000, 1, 1000, 60_000_000, 3_600_000_000, 7 * MICROS_PER_DAY];

export function checkedDate(year: number, month: number, day: number): [number, number, number] {
  checkRange(year, 1, 9999, 'year');
  checkRange(month, 1, 12, 'month');
  if (day < 1 || day > daysInMonth(year, month)) throw failed('ValueError: day is out of range for month');
  return [year, month, day];
}

export function construct(cls: DtClassName, positional: unknown[], keywords: Map<string, unknown>): unknown {
  switch (cls) {
    case 'datetime': {
      const [y, mo, d, h, mi, s, us, tz] = bind('datetime', DATETIME_SIG, positional, keywords);
      const [year, month, day] = checkedDate(requireInt(y, 'year'), requireInt(mo, 'month'), requireInt(d, 'day'));
      const hour = checkRange(requireInt(h, 'hour'), 0, 23, 'hour');
      const minute = checkRange(requireInt(mi, 'minute'), 0, 59, 'minute');
      const second = checkRange(requireInt(s, 'second'), 0, 59, 'second');
      const micro = checkRange(requireInt(us, 'microsecond'), 0, 999_999, 'microsecond');
      const zone = tzinfoArg(tz);
      const wall = wallMillis(year, month, day, hour, minute, second, Math.floor(micro / 1000)) * 1000 + (micro % 1000);
      const offset = zone === null ? null : zone.offsetMinutes;
      return new PyDateTime(wall - (offset ?? 0) * 60_000_000, offset);
    }
    case 'date': {
      const [y, mo, d] = bind('date', DATE_SIG, positional, keywords);
      return new PyDate(...checkedDate(requireInt(y, 'year'), requireInt(mo, 'month'), requireInt(d, 'day')));
    }
    case 'time': {
      const [h, mi, s, us, tz] = bind('time', TIME_SIG, positional, keywords);
      return new PyTime(
        checkRange(requireInt(h, 'hour'), 0, 23, 'hour'),
        checkRange(requireInt(mi, 'minute'), 0, 59, 'minute'),
        checkRange(requireInt(s, 'second'), 0, 59, 'second'),
        checkRange(requireInt(us, 'microsecond'), 0, 999_999, 'microsecond'),
        tzinfoArg(tz),
      );
    }
    case 'timedelta': {
      const values = bind('timedelta', TIMEDELTA_SIG, positional, keywords);
      let micros = 0;
      values.forEach((v, i) => {
        if (!isNum(v)) {
          throw failed(`TypeError: unsupported type for timedelta ${TIMEDELTA_SIG.params[i]} component: ${pyType(v)}`);
        }
        micros += Number(v) * (TIMEDELTA_UNITS[i] as number);
      });
      return makeTimedelta(micros);
    }
    case 'timezone':
      throw rejected('Method not allowed: timezone');
  }
}

export function makeTimedelta(micros: number): PyTimedelta {
  const rounded = Math.round(micros);
  if (!Number.isFinite(rounded) || Math.abs(rounded) > 999_999_999 * MICROS_PER_DAY) {
    throw failed('OverflowError: timedelta out of range');
  }
  return new PyTimedelta(rounded);
}

export function dtAttribute(value: unknown, name: string): unknown {
  if (value instanceof DtClass && value.name === 'timezone' && name === 'utc') return new PyTimezone(0);
  if (value instanceof PyDateTime) {
    const { date, microsecond } = wallFields(value);
    const fields: Record<string, unknown> = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      microsecond,
      tzinfo: value.offsetMinutes === null ? null : new PyTimezone(value.offsetMinutes),
    };
    return name in fields ? fields[name] : NO_VALUE;
  }
  if (value instanceof PyDate) {
    if (name === 'year' || name === 'month' || name === 'day') return value[name];
    return NO_VALUE;
  }
  if (value instanceof PyTime) {
    if (name === 'hour' || name === 'minute' || name === 'second' || name === 'microsecond' || name === 'tzinfo') {
      return value[name];
    }
    return NO_VALUE;
  }
  if (value instanceof PyTimedelta) {
    const days = floorDiv(value.micros, MICROS_PER_DAY);
    const rest = value.micros - days * MICROS_PER_DAY;
    const seconds = floorDiv(rest, 1_000_000);
    const fields: Record<string, number> = { days, seconds, microseconds: rest - seconds * 1_000_000 };
    return name in fields ? fields[name] : NO_VALUE;
  }
  return NO_VALUE;
}
