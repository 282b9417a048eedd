import type { SearchSort } from '@specstar/interfaces';
import { ConditionBuilder, Field, isQueryBuilder } from '../qb';

/** Runtime values of the qb interpreter: the whitelisted names and Python objects it builds. */
export class QbRoot {}
export class DtModule {}
export const QB_ROOT = new QbRoot();
export const DT_MODULE = new DtModule();

export type DtClassName = 'datetime' | 'date' | 'time' | 'timedelta' | 'timezone';
export class DtClass {
  constructor(readonly name: DtClassName) {}
}
export class PyTimezone {
  constructor(readonly offsetMinutes: number) {}
}
/** An instant in epoch microseconds; `offsetMinutes` null = naive (read as UTC). */
export class PyDateTime {
  constructor(
    readonly micros: number,
    readonly offsetMinutes: number | null,
  ) {}
}
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}
}
export class PyTime {
  constructor(
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly tzinfo: PyTimezone | null,
  ) {}
}
export class PyTimedelta {
  constructor(readonly micros: number) {}
}
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}
export class BoundMethod {
  constructor(
    readonly target: unknown,
    readonly name: string,
  ) {}
}
/** A sort key from `.asc()` / `.desc()`; only meaningful as an argument of sort(). */
export class SortKey {
  constructor(readonly sort: SearchSort) {}
}

export const MICROS_PER_DAY = 86_400_000_000;
export const DT_CLASSES: ReadonlySet<string> = new Set(['datetime', 'date', 'time', 'timedelta', 'timezone']);

export function pyType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
  }
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyTuple) return 'tuple';
  if (value instanceof Field) return 'Field';
  if (value instanceof ConditionBuilder) return 'ConditionBuilder';
  if (isQueryBuilder(value)) return 'Query';
  if (value instanceof PyDateTime) return 'datetime';
  if (value instanceof PyDate) return 'date';
  if (value instanceof PyTime) return 'time';
  if (value instanceof PyTimedelta) return 'timedelta';
  if (value instanceof PyTimezone) return 'timezone';
  if (value instanceof DtClass) return 'type';
  if (value instanceof DtModule) return 'module';
  if (value instanceof QbRoot) return 'QueryBuilderMeta';
  if (value instanceof BoundMethod) return 'method';
  if (value instanceof SortKey) return value.sort.type === 'meta' ? 'ResourceMetaSearchSort' : 'ResourceDataSearchSort';
  return 'object';
}
