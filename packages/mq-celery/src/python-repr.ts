/**
 * Python's `repr()` of JSON values and `datetime.isoformat()` of UTC instants: Celery puts the
 * first in the `argsrepr`/`kwargsrepr` headers (what `celery inspect` and Flower show) and the
 * second in `eta`.
 */

const REPR_LIMIT = 1024; // Celery's argsrepr_maxsize

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === quote) out += `\\${quote}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out + quote;
}

function reprValue(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return `[${value.map(reprValue).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${reprString(key)}: ${reprValue(item)}`)
      .join(', ')}}`;
  }
  return reprString(JSON.stringify(value) ?? typeof value);
}

/** `['job:1', 2]` for `['job:1', 2]`; cut at Celery's limit with `...`. */
export function pythonRepr(value: unknown): string {
  const text = reprValue(value);
  return text.length > REPR_LIMIT ? `${text.slice(0, REPR_LIMIT - 3)}...` : text;
}

/** `2026-01-02T03:04:05.678000+00:00` (no fraction when it is zero), as Python writes an aware UTC datetime. */
export function pythonIsoUtc(instant: Date): string {
  const iso = instant.toISOString(); // 2026-01-02T03:04:05.678Z
  const ms = instant.getUTCMilliseconds();
  const seconds = iso.slice(0, 19);
  return ms === 0 ? `${seconds}+00:00` : `${seconds}.${String(ms * 1000).padStart(6, '0')}+00:00`;
}

/** Parses an ISO-8601 instant as Celery writes it; naive values are UTC (Celery's `enable_utc`). Null when malformed. */
export function parseIsoInstant(text: string): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!match) return null;
  const fraction = match[3] === undefined ? '' : match[3].slice(0, 4).padEnd(4, '0');
  let zone = match[4] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = match[2]!.length === 5 ? `${match[2]}:00` : match[2];
  const ms = Date.parse(`${match[1]}T${time}${fraction}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms);
}
