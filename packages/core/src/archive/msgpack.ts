/*
 * The few msgpack shapes a frame payload needs, written by hand so the bytes are exactly what
 * Python msgspec writes for the tagged record structs (smallest representation of every int,
 * string and bin; map keys in field order): archives compare byte for byte across the two.
 */

const textEncoder = new TextEncoder();

/** Collects msgpack parts and joins them once. */
export class MsgpackBuilder {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.byteLength;
  }

  private head(bytes: number[]): void {
    this.push(Uint8Array.from(bytes));
  }

  map(size: number): this {
    if (size > 15) throw new RangeError('record maps have at most 15 keys');
    this.head([0x80 | size]);
    return this;
  }

  str(value: string): this {
    const bytes = textEncoder.encode(value);
    const n = bytes.byteLength;
    if (n < 32) this.head([0xa0 | n]);
    else if (n < 0x100) this.head([0xd9, n]);
    else if (n < 0x10000) this.head([0xda, n >> 8, n & 0xff]);
    else this.head([0xdb, ...u32(n)]);
    this.push(bytes);
    return this;
  }

  int(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    if (value >= 0) {
      if (value < 0x80) this.head([value]);
      else if (value < 0x100) this.head([0xcc, value]);
      else if (value < 0x10000) this.head([0xcd, value >> 8, value & 0xff]);
      else if (value < 0x100000000) this.head([0xce, ...u32(value)]);
      else this.head([0xcf, ...u64(value)]);
    } else if (value >= -32) {
      this.head([value & 0xff]);
    } else if (value >= -0x80) {
      this.head([0xd0, value & 0xff]);
    } else if (value >= -0x8000) {
      this.head([0xd1, (value >> 8) & 0xff, value & 0xff]);
    } else if (value >= -0x80000000) {
      this.head([0xd2, ...u32(value >>> 0)]);
    } else {
      const big = BigInt.asUintN(64, BigInt(value));
      const out = new Uint8Array(9);
      out[0] = 0xd3;
      new DataView(out.buffer).setBigUint64(1, big);
      this.push(out);
    }
    return this;
  }

  /** A bin header followed by the bytes (not copied until `finish`). */
  bin(bytes: Uint8Array): this {
    this.binHeader(bytes.byteLength);
    this.push(bytes);
    return this;
  }

  binHeader(n: number): this {
    if (n < 0x100) this.head([0xc4, n]);
    else if (n < 0x10000) this.head([0xc5, n >> 8, n & 0xff]);
    else this.head([0xc6, ...u32(n)]);
    return this;
  }

  /** Bytes that are already msgpack (a nested encoded value). */
  raw(bytes: Uint8Array): this {
    this.push(bytes);
    return this;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The joined bytes, optionally after `prefix` reserved bytes (the frame header). */
  finish(prefix = 0): Uint8Array {
    const out = new Uint8Array(prefix + this.length);
    let offset = prefix;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function u64(n: number): number[] {
  const high = Math.floor(n / 0x100000000);
  return [...u32(high), ...u32(n >>> 0)];
}
