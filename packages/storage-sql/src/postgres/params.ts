/**
 * Bound parameters of one statement. Values never enter the SQL text: add() returns a token
 * that finalize() turns into `$1`, `$2`, … in order of appearance, keeping only the values the
 * final SQL uses (translation may bind a value for a branch it later drops).
 */
export type ParamValue = string | number | boolean | Buffer | Date | null;

const TOKEN = /@@p(\d+)@@/g;

export class Params {
  private readonly bound: ParamValue[] = [];

  /** Binds a value and returns its placeholder with a cast, e.g. `@@p3@@::jsonb`. */
  add(value: ParamValue, cast?: string): string {
    this.bound.push(value);
    const token = `@@p${this.bound.length - 1}@@`;
    return cast === undefined ? token : `${token}::${cast}`;
  }

  /** Binds JSON text, cast to jsonb (through text, so postgres.js sends it as is). */
  json(value: unknown): string {
    return this.add(JSON.stringify(value), 'text::jsonb');
  }

  /** The statement with `$n` placeholders and the values it uses, in order. */
  finalize(text: string): { text: string; values: ParamValue[] } {
    const numbers = new Map<number, number>();
    const values: ParamValue[] = [];
    const out = text.replace(TOKEN, (_match, index: string) => {
      const i = Number(index);
      let n = numbers.get(i);
      if (n === undefined) {
        values.push(this.bound[i] as ParamValue);
        n = values.length;
        numbers.set(i, n);
      }
      return `$${n}`;
    });
    return { text: out, values };
  }
}
