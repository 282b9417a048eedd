import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { Packr } from 'msgpackr';
import type { JsonSchema } from '../model/schema-resolver';
import { canonicalize } from './canonical';
import { planFor, type Plan } from './plan';
import { datesToStrings, reviveBytes } from './revive';

export type EncodingName = 'json' | 'msgpack';

/** Encodes model data to the stored bytes (deterministic: equal data ⇒ equal bytes) and back. */
export interface DataCodec {
  readonly encoding: EncodingName;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * Plain msgpack that Python msgspec reads: no record extension, no bundled strings, no
 * extra types; undefined array members as nil; bin payloads copied out of the input.
 */
export function createPackr(): Packr {
  return new Packr({
    useRecords: false,
    moreTypes: false,
    bundleStrings: false,
    structuredClone: false,
    variableMapSize: true,
    encodeUndefinedAsNil: true,
    mapsAsObjects: true,
    copyBuffers: true,
    int64AsType: 'number',
  });
}

function asView(bytes: Uint8Array): Uint8Array {
  // A plain Uint8Array input makes msgpackr return `bin` values as Uint8Array (not Buffer).
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function decodeError(encoding: EncodingName, cause: unknown): ValidationError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ValidationError(`Stored ${encoding} data cannot be decoded: ${reason}`, {
    kind: 'type',
    issues: [{ path: '', message: `is not valid ${encoding}` }],
    cause,
  });
}

class JsonDataCodec implements DataCodec {
  readonly encoding = 'json' as const;
  constructor(private readonly plan: Plan) {}

  encode(value: unknown): Uint8Array {
    return Buffer.from(JSON.stringify(canonicalize(value, this.plan, 'json')) ?? 'null', 'utf8');
  }

  decode(bytes: Uint8Array): unknown {
    let value: unknown;
    try {
      // Stored bytes are usually Buffers already; wrap only plain Uint8Arrays (no copy either way).
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      value = JSON.parse(buffer.toString('utf8'));
    } catch (error) {
      throw decodeError('json', error);
    }
    return reviveBytes(value, this.plan);
  }
}

class MsgpackDataCodec implements DataCodec {
  readonly encoding = 'msgpack' as const;
  private readonly packr = createPackr();
  constructor(private readonly plan: Plan) {}

  encode(value: unknown): Uint8Array {
    return this.packr.pack(canonicalize(value, this.plan, 'msgpack'));
  }

  decode(bytes: Uint8Array): unknown {
    let value: unknown;
    try {
      value = this.packr.unpack(asView(bytes));
    } catch (error) {
      throw decodeError('msgpack', error);
    }
    // Python writes aware datetimes as timestamp extensions (type -1, tag byte 0xff); data
    // holds date-times as ISO strings. No 0xff byte at all ⇒ no timestamp ⇒ skip the walk.
    if (bytes.indexOf(0xff) !== -1) value = datesToStrings(value);
    return value;
  }
}

/**
 * The data codec of a model. The schema's canonical-order plan is computed here once, so
 * `encode` is a single check-and-copy walk plus the serializer.
 */
export function createDataCodec(encoding: EncodingName, schema?: JsonSchema): DataCodec {
  const plan = planFor(schema);
  if (encoding === 'json') return new JsonDataCodec(plan);
  if (encoding === 'msgpack') return new MsgpackDataCodec(plan);
  throw new ConfigurationError(`Unknown encoding '${String(encoding)}': use 'json' or 'msgpack'`);
}
