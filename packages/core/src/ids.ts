import { ValidationError } from '@specstar/interfaces';
import { randomFillSync } from 'node:crypto';

// Ids become file names, object keys and URL path segments: no separators, no control characters.
// oxlint-disable-next-line no-control-regex -- control characters are exactly what this rejects.
const FORBIDDEN_ID_CHARS = /[/\\\u0000-\u001f\u007f]/;
const MAX_ID_LENGTH = 512;

/** Checks a caller-supplied resource id and returns it; ValidationError naming resource_id otherwise. */
export function checkResourceId(id: unknown): string {
  const fail = (message: string): never => {
    throw new ValidationError(`Invalid resource_id ${JSON.stringify(id)}: ${message}`, {
      kind: 'input',
      issues: [{ path: 'resource_id', message }],
    });
  };
  if (typeof id !== 'string') return fail('must be a string');
  if (id.trim().length === 0) return fail('must not be empty or whitespace');
  if (id.length > MAX_ID_LENGTH) return fail(`must be at most ${MAX_ID_LENGTH} characters`);
  if (FORBIDDEN_ID_CHARS.test(id)) return fail('must not contain /, \\ or control characters');
  return id;
}

// Fresh ids are stored with every resource and revision, so they are minted as flat one-byte
// strings: node's randomUUID() builds its result by concatenation, which leaves a ~20-node
// string tree (≈450 bytes) behind each id for the garbage collector to walk forever after.
const ENTROPY_BATCH = 16 * 256;
const entropy = Buffer.allocUnsafe(ENTROPY_BATCH);
let entropyAt = ENTROPY_BATCH;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const UUID_LENGTH = 36;

/** Writes an RFC 4122 version-4 UUID (lowercase hex) into `target` at `at`; returns the end offset. */
function writeUuid(target: Buffer, at: number): number {
  if (entropyAt === ENTROPY_BATCH) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  const r = entropyAt;
  entropyAt += 16;
  entropy[r + 6] = (entropy[r + 6]! & 0x0f) | 0x40; // version 4
  entropy[r + 8] = (entropy[r + 8]! & 0x3f) | 0x80; // RFC 4122 variant
  let o = at;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) target[o++] = 0x2d; // '-'
    const byte = entropy[r + i]!;
    target[o++] = HEX[byte >> 4]!;
    target[o++] = HEX[byte & 15]!;
  }
  return o;
}

const uuidScratch = Buffer.allocUnsafe(UUID_LENGTH);

// Buffer's latin1Slice is what toString('latin1', start, end) ends in, minus its argument
// handling (a measurable share of minting an id); toString stands in should it ever go away.
type Latin1Slice = (this: Buffer, start: number, end: number) => string;
const latin1Slice: Latin1Slice =
  (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('latin1', start, end);
  };

/** A random (version-4) UUID, as a flat string. */
export function newUuid(): string {
  return latin1Slice.call(uuidScratch, 0, writeUuid(uuidScratch, 0));
}

/** Mints `<prefix><uuid4>` ids as flat strings; the prefix is written once. */
export class PrefixedUuids {
  // undefined when the prefix has characters beyond one byte (then it is joined as a string).
  private readonly scratch: Buffer | undefined;
  private readonly prefixLength: number;

  constructor(private readonly prefix: string) {
    this.prefixLength = prefix.length;
    // oxlint-disable-next-line no-control-regex -- the range test asks whether every character fits in one latin1 byte.
    if (/^[\u0000-\u00ff]*$/.test(prefix)) {
      this.scratch = Buffer.allocUnsafe(prefix.length + UUID_LENGTH);
      this.scratch.write(prefix, 0, 'latin1');
    }
  }

  next(): string {
    if (this.scratch === undefined) return this.prefix + newUuid();
    return latin1Slice.call(this.scratch, 0, writeUuid(this.scratch, this.prefixLength));
  }
}
