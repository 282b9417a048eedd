import { ConfigurationError, type IndexableField } from '@specstar/interfaces';
import { isDate } from '../codec/canonical';
import { formatInstant, parseInstant } from '../codec/instants';
import type { CompiledModel } from './model';

/** An indexed field as the registry accepts it: a path, an IndexableField, or `[path, type]`. */
export type IndexedFieldInput = string | IndexableField | readonly [string, string];

function invalidField(position: number, reason: string): ConfigurationError {
  return new ConfigurationError(`Indexed field #${position}: ${reason}`);
}

function checkPath(position: number, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw invalidField(position, 'field_path must be a non-empty string');
  if (path.split('.').some((step) => step === '')) {
    throw invalidField(position, `field_path '${path}' has an empty step`);
  }
  return path;
}

/**
 * Normalises indexed field specs to IndexableField objects. A field
 * whose path is already listed is dropped (the first one wins).
 */
export function normaliseIndexedFields(input: ReadonlyArray<IndexedFieldInput>): IndexableField[] {
  if (!Array.isArray(input)) {
    throw new ConfigurationError('indexedFields must be an array of paths, IndexableField objects or [path, type] pairs');
  }
  const out: IndexableField[] = [];
  const seen = new Set<string>();
  input.forEach((spec: unknown, position) => {
    let field: IndexableField;
    if (typeof spec === 'string') {
      field = { field_path: checkPath(position, spec) };
    } else if (Array.isArray(spec)) {
      if (spec.length !== 2 || typeof spec[1] !== 'string') {
        throw invalidField(position, 'a pair must be [field_path, field_type] with two strings');
      }
      field = { field_path: checkPath(position, spec[0]), field_type: spec[1] };
    } else if (typeof spec === 'object' && spec !== null && 'field_path' in spec) {
      const { field_path, field_type } = spec as { field_path: unknown; field_type?: unknown };
      if (field_type !== undefined && typeof field_type !== 'string') {
        throw invalidField(position, 'field_type must be a string when given');
      }
      field = field_type === undefined ? { field_path: checkPath(position, field_path) } : { field_path: checkPath(position, field_path), field_type };
    } else {
      throw invalidField(position, `expected a path, an IndexableField or a [path, type] pair, got ${spec === null ? 'null' : typeof spec}`);
    }
    if (seen.has(field.field_path)) return;
    seen.add(field.field_path);
    out.push(field);
  });
  return out;
}

interface CompiledField {
  key: string;
  steps: string[];
  dateTime: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

function lookup(data: unknown, steps: string[]): unknown {
  let current = data;
  for (const step of steps) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !hasOwn.call(current, step)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** Extracts the `indexed_data` map of a data value; built once per field list by indexExtractor. */
export type IndexExtractor = (data: unknown) => Record<string, unknown>;

/**
 * Compiles the extraction of `indexed_data`: one key per field path,
 * `null` for a missing step or an undefined leaf. Date-times — Dates, and strings at the
 * model's date-time paths — are stored as ISO-8601 UTC with milliseconds so every store
 * compares them as instants; unparsable strings are kept as they are.
 */
export function indexExtractor(fields: readonly IndexableField[], model?: CompiledModel): IndexExtractor {
  const compiled: CompiledField[] = fields.map((field) => ({
    key: field.field_path,
    steps: field.field_path.split('.'),
    dateTime: model?.dateTimePaths.has(field.field_path) ?? false,
  }));
  // Every map starts as a copy of this one, so all share one shape and filling it adds no
  // property (adding properties under computed names is V8's slow path).
  const template: Record<string, unknown> = {};
  for (const { key } of compiled) setMember(template, key, null);
  return (data) => {
    const out = { ...template };
    for (let i = 0; i < compiled.length; i++) {
      const field = compiled[i]!;
      let value = lookup(data, field.steps);
      if (value === undefined) continue;
      if (typeof value === 'object' && value !== null) {
        if (isDate(value)) value = Number.isNaN(value.getTime()) ? null : formatInstant(value);
      } else if (field.dateTime && typeof value === 'string') {
        const instant = parseInstant(value);
        if (instant) value = formatInstant(instant);
      }
      setMember(out, field.key, value);
    }
    return out;
  };
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The `indexed_data` map of a data value (see indexExtractor, which callers on a hot path should keep). */
export function extractIndexedData(data: unknown, fields: readonly IndexableField[], model?: CompiledModel): Record<string, unknown> {
  return indexExtractor(fields, model)(data);
}
