import { isBytes, isDate } from './canonical';
import { childPlan, pickBranch, type Plan } from './plan';

/** Decoding helpers: bytes back from base64 at Binary positions, msgpack dates to ISO text. */

export function base64ToBytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Turns base64 text at Binary `data` positions into bytes, in place (the value was just parsed). */
export function reviveBytes(value: unknown, plan: Plan): unknown {
  if (!plan.containsBytes) return value;
  if (plan.branches !== null) plan = pickBranch(plan.branches, value);
  if (plan.bytes) return typeof value === 'string' ? base64ToBytes(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const sub = i < plan.prefix.length ? (plan.prefix[i] as Plan) : plan.items;
      if (sub.containsBytes) value[i] = reviveBytes(value[i], sub);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const sub = childPlan(plan, key, plan.index.get(key));
    if (sub.containsBytes) record[key] = reviveBytes(record[key], sub);
  }
  return value;
}

/** Replaces Date values (msgpack timestamps written by Python) with ISO strings, in place. */
export function datesToStrings(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isDate(value)) return value.toISOString();
  if (isBytes(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = datesToStrings(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = datesToStrings(record[key]);
  return value;
}
