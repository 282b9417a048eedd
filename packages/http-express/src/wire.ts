/**
 * Records and data on the JSON wire: snake_case keys as stored, instants as
 * `Z` strings with milliseconds (Date#toJSON), unset keys omitted (JSON drops `undefined`),
 * nulls kept, bytes as standard base64. Also ETag / If-Match.
 */
import type { Response } from 'express';
import { bytesToBase64, isBytes } from '@specstar/core/adapter';
import type { RevisionInfo } from '@specstar/interfaces';

function bytesAsBase64(_key: string, value: unknown): unknown {
  return isBytes(value) ? bytesToBase64(value) : value;
}

/** Wire text of recent instants: a resource's times repeat from response to response. */
const instantTexts = new Map<number, string>();
const INSTANT_TEXTS_KEPT = 4096;

/** Date#toJSON's text (null for an invalid date), from the cache when the instant was seen lately. */
function instantText(date: Date): string | null {
  const time = date.getTime();
  if (Number.isNaN(time)) return null;
  let text = instantTexts.get(time);
  if (text === undefined) {
    text = date.toISOString();
    if (instantTexts.size >= INSTANT_TEXTS_KEPT) instantTexts.clear();
    instantTexts.set(time, text);
  }
  return text;
}

/**
 * `value` with the Dates of its records as their wire text, copied where something changed:
 * the body itself, its sections (data, revision_info, meta), list items and their sections.
 * Deeper Dates are left to JSON.stringify, which writes the same text, only slower: a Date's
 * toJSON takes V8's serializer off its fast path (about 1 µs per Date, six in an envelope).
 */
function instantsAsText(value: unknown, depth: number): unknown {
  if (value instanceof Date) return instantText(value);
  if (depth === 0 || typeof value !== 'object' || value === null || isBytes(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const wire = instantsAsText(item, depth - 1);
      if (wire !== item) (out ??= value.slice())[i] = wire;
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    const wire = instantsAsText(field, depth - 1);
    if (wire !== field) (out ??= { ...(value as Record<string, unknown>) })[key] = wire;
  }
  return out ?? value;
}

/**
 * JSON text of a response body. `hasBytes` turns on the base64 replacer, which only models
 * with Binary fields need (a replacer makes JSON.stringify several times slower).
 */
export function toJsonText(body: unknown, hasBytes = false): string {
  return JSON.stringify(instantsAsText(body, 3), hasBytes ? bytesAsBase64 : undefined);
}

export function sendJson(res: Response, body: unknown, options: { status?: number; hasBytes?: boolean } = {}): void {
  res
    .status(options.status ?? 200)
    .type('application/json')
    .send(toJsonText(body, options.hasBytes));
}

// ---- ETag / If-Match -----------------------------------------------------------------

/** `"<revision_id>@<data_hash>"`; a legacy revision without a hash is tagged by its id alone. */
export function etagOf(info: Pick<RevisionInfo, 'revision_id' | 'data_hash'>): string {
  return info.data_hash === undefined ? `"${info.revision_id}"` : `"${info.revision_id}@${info.data_hash}"`;
}

/** One If-Match candidate: a revision id, plus the data hash when an etag was sent. */
export interface IfMatchCandidate {
  revisionId: string;
  dataHash?: string;
}

export type IfMatch = { any: true } | { any: false; candidates: IfMatchCandidate[] };

// A data hash is `<algorithm>:<hex>`; anything else after an `@` is part of the revision id.
const DATA_HASH = /^[a-z0-9_]+:[0-9a-f]{32,}$/;
// Comma-separated entries, each optionally weak (W/) and quoted; quoted entries may hold commas.
const ENTRY = /\s*(?:W\/)?(?:"([^"]*)"|([^,]*))\s*(?:,|$)/gy;

function candidate(text: string): IfMatchCandidate | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const at = value.lastIndexOf('@');
  if (at > 0 && DATA_HASH.test(value.slice(at + 1))) return { revisionId: value.slice(0, at), dataHash: value.slice(at + 1) };
  return { revisionId: value };
}

/**
 * Parses If-Match: `*`, a revision id, or etags — strong, weak (`W/"…"`) or unquoted — in a
 * comma-separated list. Undefined when the header is absent or blank.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return { any: true };
  const candidates: IfMatchCandidate[] = [];
  ENTRY.lastIndex = 0;
  while (ENTRY.lastIndex < header.length) {
    const start = ENTRY.lastIndex;
    const match = ENTRY.exec(header);
    if (!match || ENTRY.lastIndex === start) break;
    const found = candidate(match[1] ?? match[2] ?? '');
    if (found) candidates.push(found);
  }
  return { any: false, candidates };
}

/** The candidate that names the current revision (and its data, when a hash was sent). */
export function matchingCandidate(ifMatch: IfMatch, current: Pick<RevisionInfo, 'revision_id' | 'data_hash'>): IfMatchCandidate | undefined {
  if (ifMatch.any) return { revisionId: current.revision_id };
  return ifMatch.candidates.find(
    (c) => c.revisionId === current.revision_id && (c.dataHash === undefined || c.dataHash === current.data_hash),
  );
}
