/**
 * Job messages as Python SpecStar writes them (jobs-and-actions §4.2): the body is the bare job id
 * in UTF-8, persistent, no content type; retry and dead publishes carry `x-retry-count` and
 * `x-last-error` (its first 500 characters).
 */
import { TextDecoder } from 'node:util';

export const RETRY_COUNT_HEADER = 'x-retry-count';
export const LAST_ERROR_HEADER = 'x-last-error';
const LAST_ERROR_CHARS = 500;
/** Longer bodies are not job ids (ids are short); refusing them keeps a junk message out of storage lookups. */
const MAX_ID_BYTES = 1024;

export type Headers = Record<string, unknown>;

export function encodeBody(resourceId: string): Buffer {
  return Buffer.from(resourceId, 'utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The job id a message carries, or why it carries none. */
export function decodeBody(content: Buffer): { id: string } | { problem: string } {
  if (content.length === 0) return { problem: 'the message body is empty' };
  if (content.length > MAX_ID_BYTES) return { problem: `the message body (${content.length} bytes) is too long to be a job id` };
  let text: string;
  try {
    text = strictUtf8.decode(content);
  } catch {
    return { problem: 'the message body is not UTF-8 text' };
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(text) || text.trim() !== text) return { problem: `the message body ${JSON.stringify(text.slice(0, 80))} is not a job id` };
  return { id: text };
}

/** `x-retry-count` as a count: Python writes an int; a string of digits is accepted too; anything else is 0. */
export function retryCountOf(headers: Headers | undefined): number {
  const raw = headers?.[RETRY_COUNT_HEADER];
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : 0;
  if (typeof raw === 'bigint') return raw >= 0n && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : 0;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (typeof text === 'string' && /^\s*\d{1,15}\s*$/.test(text)) return Number(text.trim());
  return 0;
}

/** The headers of a retry or dead publish. */
export function failureHeaders(retryCount: number, error: string): Headers {
  return {
    [RETRY_COUNT_HEADER]: { '!': 'int', value: retryCount },
    [LAST_ERROR_HEADER]: Array.from(error).slice(0, LAST_ERROR_CHARS).join(''),
  };
}
