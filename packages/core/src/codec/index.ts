export { xxh3Hex, dataHash } from './hash';
export { createDataCodec, createPackr, type DataCodec, type EncodingName } from './codec';
export { asBuffer, isBytes, bytesToBase64 } from './canonical';
export { base64ToBytes } from './revive';
export { encodeRecord, decodeMeta, decodeInfo, type RecordKind } from './record-codec';
export { parseInstant, formatInstant, toInstant } from './instants';
