export { xxh3Hex, dataHash } from './hash';
export { createDataCodec, createPackr, type DataCodec, type EncodingName } from './codec';
export { isBytes, bytesToBase64, base64ToBytes } from './canonical';
export {
  encodeRecord,
  decodeMeta,
  decodeInfo,
  parseInstant,
  formatInstant,
  toInstant,
  type RecordKind,
} from './records';
