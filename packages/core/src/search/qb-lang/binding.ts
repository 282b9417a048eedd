import { failed } from './errors';
import { isInt } from './literals';
import { pyType } from './py-objects';

/** Python argument binding: positional and keyword arguments against a signature. */
export const NO_VALUE: unique symbol = Symbol('no value');

export interface Signature {
  params: readonly string[];
  defaults?: Readonly<Record<string, unknown>>;
  variadic?: boolean;
}

export function bind(name: string, sig: Signature, positional: unknown[], keywords: Map<string, unknown>): unknown[] {
  if (sig.variadic) {
    const [first] = keywords.keys();
    if (first !== undefined) throw failed(`${name}() got an unexpected keyword argument '${first}'`);
    return positional;
  }
  if (positional.length > sig.params.length) {
    throw failed(`${name}() takes ${sig.params.length} positional argument(s) but ${positional.length} were given`);
  }
  for (const key of keywords.keys()) {
    const index = sig.params.indexOf(key);
    if (index < 0) throw failed(`${name}() got an unexpected keyword argument '${key}'`);
    if (index < positional.length) throw failed(`${name}() got multiple values for argument '${key}'`);
  }
  return sig.params.map((param, i) => {
    if (i < positional.length) return positional[i];
    if (keywords.has(param)) return keywords.get(param);
    if (sig.defaults && param in sig.defaults) return sig.defaults[param];
    throw failed(`${name}() missing required argument: '${param}'`);
  });
}

export function requireInt(value: unknown, what: string): number {
  if (!isInt(value)) throw failed(`TypeError: ${what} must be an integer, not '${pyType(value)}'`);
  return Number(value);
}
