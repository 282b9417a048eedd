import { ArchiveFormatError, type ResourceMeta, type RevisionInfo, type StoredRevision } from '@specstar/interfaces';
import { base64ToBytes, createPackr, decodeInfo, decodeMeta, encodeRecord } from '../codec';
import { infoRecord, metaRecord } from '../record-shapes';
import { MsgpackBuilder } from './msgpack';

/*
 * The inner payloads of Meta and Revision records. We write what upstream writes: msgpack
 * ResourceMeta, and msgpack RawResource `{info, raw_data}` where raw_data is the stored data
 * bytes in the model's own encoding. On load, JSON payloads are accepted as well (detected by
 * the first byte: a JSON object starts with `{`, a msgpack map never does).
 */

const packr = createPackr();

export function encodeMetaPayload(meta: ResourceMeta): Uint8Array {
  return encodeRecord('meta', meta, 'msgpack');
}

export function encodeRevisionPayload(info: RevisionInfo, rawData: Uint8Array): Uint8Array {
  return new MsgpackBuilder().map(2).str('info').raw(encodeRecord('info', info, 'msgpack')).str('raw_data').bin(rawData).finish();
}

function isJson(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function undecodable(what: string, model: string, error: unknown, position: number | undefined): ArchiveFormatError {
  const err = new ArchiveFormatError(`${what} of model '${model}' cannot be decoded: ${reason(error)}`, position);
  (err as { cause?: unknown }).cause = error;
  return err;
}

/** A MetaRecord's data as a ResourceMeta; ArchiveFormatError naming the model when it does not decode. */
export function decodeMetaPayload(bytes: Uint8Array, model: string, position?: number): ResourceMeta {
  try {
    return metaRecord(decodeMeta(bytes, isJson(bytes) ? 'json' : 'msgpack'));
  } catch (error) {
    throw undecodable('MetaRecord', model, error, position);
  }
}

/** A RevisionRecord's data as the record plus the stored bytes, verbatim. */
export function decodeRevisionPayload(bytes: Uint8Array, model: string, position?: number): StoredRevision {
  try {
    if (isJson(bytes)) {
      const value: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      const { info, raw_data: raw } = asRawResource(value);
      // msgspec writes bytes in JSON as base64 text.
      if (typeof raw !== 'string') throw new Error('raw_data must be base64 text in a JSON payload');
      return { info: infoRecord(decodeInfo(Buffer.from(JSON.stringify(info), 'utf8'), 'json')), data: base64ToBytes(raw) };
    }
    const value: unknown = packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const { info, raw_data: raw } = asRawResource(value);
    if (!(raw instanceof Uint8Array)) throw new Error('raw_data must be bin');
    // The record decoder takes bytes; re-packing the small info map is cheaper than a second decoder.
    return { info: infoRecord(decodeInfo(packr.pack(info), 'msgpack')), data: raw };
  } catch (error) {
    throw undecodable('RevisionRecord', model, error, position);
  }
}

function asRawResource(value: unknown): { info: Record<string, unknown>; raw_data: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a {info, raw_data} map');
  const map = value as Record<string, unknown>;
  const info = map.info;
  if (typeof info !== 'object' || info === null || Array.isArray(info)) throw new Error('info must be a map');
  if (!('raw_data' in map)) throw new Error('raw_data is missing');
  return { info: info as Record<string, unknown>, raw_data: map.raw_data };
}
