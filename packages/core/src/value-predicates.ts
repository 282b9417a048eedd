/** Value predicates shared by the codecs, the model, search and the backend config (and adapters). */

/**
 * True for `{}`-style objects: a null prototype, or one whose own prototype is null (so objects
 * from another realm count too: structuredClone and jest sandboxes mix realms). Arrays, Dates,
 * byte arrays and class instances are not plain.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Python truthiness of a data value (the boolean operand of is_null / exists / isna): None,
 * False, 0, NaN, '' and empty lists and objects are false; Dates and bytes are true.
 */
export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) return Object.keys(value).length > 0;
  return true;
}
