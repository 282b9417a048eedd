import { xxh3 } from '@node-rs/xxhash';

/** XXH3-128 of `bytes` as 32 lowercase hex digits (canonical big-endian form). */
export function xxh3Hex(bytes: Uint8Array): string {
  return xxh3.xxh128(bytes).toString(16).padStart(32, '0');
}

/** The `data_hash` of a revision: `xxh3_128:` + the hex digest of the encoded data bytes. */
export function dataHash(bytes: Uint8Array): string {
  return 'xxh3_128:' + xxh3Hex(bytes);
}
