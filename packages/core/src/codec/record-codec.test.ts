import type { ResourceMeta, RevisionInfo } from '@specstar/interfaces';
import { ValidationError } from '@specstar/interfaces';
import { Packr, unpack } from 'msgpackr';
import { decodeInfo, decodeMeta, encodeRecord } from './record-codec';
import { parseInstant } from './instants';
import { catchError } from '../../test/catch-error';

const t0 = new Date('2025-01-02T03:04:05.678Z');
const t1 = new Date('2025-01-03T00:00:00.000Z');

const info: RevisionInfo = {
  uid: '3f0c6a2e-0000-4000-8000-000000000001',
  resource_id: 'item:1',
  revision_id: 'item:1:2',
  parent_revision_id: 'item:1:1',
  schema_version: null,
  data_hash: 'xxh3_128:b1b60c546b0a1c254f8d63154978dc77',
  status: 'stable',
  created_time: t0,
  updated_time: t1,
  created_by: 'alice',
  updated_by: 'bob',
};

const meta: ResourceMeta = {
  current_revision_id: 'item:1:2',
  resource_id: 'item:1',
  schema_version: 'v1',
  total_revision_count: 2,
  created_time: t0,
  updated_time: t1,
  created_by: 'alice',
  updated_by: 'bob',
  is_deleted: false,
  indexed_data: { name: 'a', when: '2025-01-01T00:00:00.000Z', missing: null },
  rev_status: 'stable',
  rev_created_by: 'alice',
  rev_updated_by: 'bob',
  rev_created_time: t0,
  rev_updated_time: t1,
};

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');


describe('encodeRecord (json)', () => {
  it('writes RevisionInfo fields in declaration order, times as ISO Z with milliseconds, UNSET left out', () => {
    const text = Buffer.from(encodeRecord('info', info, 'json')).toString();
    expect(text).toBe(
      '{"uid":"3f0c6a2e-0000-4000-8000-000000000001","resource_id":"item:1","revision_id":"item:1:2",' +
        '"parent_revision_id":"item:1:1","schema_version":null,' +
        '"data_hash":"xxh3_128:b1b60c546b0a1c254f8d63154978dc77","status":"stable",' +
        '"created_time":"2025-01-02T03:04:05.678Z","updated_time":"2025-01-03T00:00:00.000Z",' +
        '"created_by":"alice","updated_by":"bob"}',
    );
  });

  it('writes ResourceMeta fields in declaration order regardless of the object key order', () => {
    const shuffled = Object.fromEntries(Object.entries(meta).reverse()) as unknown as ResourceMeta;
    const keys = Object.keys(JSON.parse(Buffer.from(encodeRecord('meta', shuffled, 'json')).toString()));
    expect(keys).toEqual([
      'current_revision_id',
      'resource_id',
      'schema_version',
      'total_revision_count',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
      'is_deleted',
      'indexed_data',
      'rev_status',
      'rev_created_by',
      'rev_updated_by',
      'rev_created_time',
      'rev_updated_time',
    ]);
  });

  it('keeps explicit nulls and the parent_schema_version set by migrate', () => {
    const migrated = { ...info, parent_revision_id: null, parent_schema_version: 'v1', schema_version: 'v2' };
    const raw = JSON.parse(Buffer.from(encodeRecord('info', migrated, 'json')).toString()) as Record<string, unknown>;
    expect(raw.parent_revision_id).toBeNull();
    expect(raw.parent_schema_version).toBe('v1');
    expect(Object.keys(raw).slice(3, 6)).toEqual(['parent_revision_id', 'parent_schema_version', 'schema_version']);
  });

  it('rejects a time field that is not a date-time, naming it', () => {
    const error = catchError(() => encodeRecord('info', { ...info, created_time: 'soon' as unknown as Date }, 'json'));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('/created_time');
  });
});

describe('encodeRecord (msgpack)', () => {
  it('writes times as msgpack timestamp extensions (type -1)', () => {
    const bytes = encodeRecord('info', info, 'msgpack');
    const raw = unpack(bytes) as Record<string, unknown>;
    expect(raw.created_time).toBeInstanceOf(Date);
    expect((raw.created_time as Date).toISOString()).toBe('2025-01-02T03:04:05.678Z');
    // fixext8 (0xd7) with type 0xff (-1): the 64-bit timestamp form
    expect(Buffer.from(bytes).includes(Buffer.from([0xd7, 0xff]))).toBe(true);
    expect(Object.keys(raw)).toEqual(Object.keys(info));
  });
});

describe.each(['json', 'msgpack'] as const)('record round trip (%s)', (encoding) => {
  it('decodes RevisionInfo to equal values with Dates', () => {
    const decoded = decodeInfo(encodeRecord('info', info, encoding), encoding);
    expect(decoded).toEqual(info);
    expect(decoded.created_time).toBeInstanceOf(Date);
  });

  it('decodes ResourceMeta to equal values with Dates', () => {
    const decoded = decodeMeta(encodeRecord('meta', meta, encoding), encoding);
    expect(decoded).toEqual(meta);
    expect(decoded.rev_updated_time).toBeInstanceOf(Date);
  });

  it('leaves UNSET fields out of the decoded record', () => {
    const { rev_status: _1, rev_created_by: _2, rev_updated_by: _3, rev_created_time: _4, rev_updated_time: _5, indexed_data: _6, ...old } = meta;
    const decoded = decodeMeta(encodeRecord('meta', old, encoding), encoding);
    expect(decoded).toEqual(old);
    expect('rev_status' in decoded).toBe(false);
    expect('indexed_data' in decoded).toBe(false);
  });
});

describe('decoding records written by Python', () => {
  it('normalises offsets and microseconds to UTC milliseconds (json)', () => {
    const json =
      '{"uid":"u","resource_id":"r","revision_id":"r:1","parent_revision_id":null,"schema_version":null,' +
      '"data_hash":"xxh3_128:99aa06d3014798d86001c324468d497f","status":"draft",' +
      '"created_time":"2025-01-01T01:02:03.123456+08:00","updated_time":"2025-01-01T01:02:03.120000Z",' +
      '"created_by":"u","updated_by":"u"}';
    const decoded = decodeInfo(utf8(json), 'json');
    expect(decoded.created_time.toISOString()).toBe('2024-12-31T17:02:03.123Z');
    expect(decoded.updated_time.toISOString()).toBe('2025-01-01T01:02:03.120Z');
    expect(decoded.status).toBe('draft');
  });

  it('reads naive date-times as UTC', () => {
    const json =
      '{"current_revision_id":"r:1","resource_id":"r","schema_version":null,"total_revision_count":1,' +
      '"created_time":"2025-01-01T01:02:03","updated_time":"2025-01-01T01:02:03.999999",' +
      '"created_by":"u","updated_by":"u","is_deleted":false,"indexed_data":{}}';
    const decoded = decodeMeta(utf8(json), 'json');
    expect(decoded.created_time.toISOString()).toBe('2025-01-01T01:02:03.000Z');
    expect(decoded.updated_time.toISOString()).toBe('2025-01-01T01:02:03.999Z');
    expect(decoded.indexed_data).toEqual({});
  });

  it('reads msgpack timestamps with nanoseconds and naive datetimes written as strings', () => {
    // timestamp 64: upper 30 bits nanoseconds, lower 34 bits seconds (2025-01-01T00:00:00Z)
    const seconds = 1735689600;
    const nanos = 123456789;
    const ext = Buffer.alloc(10);
    ext[0] = 0xd7;
    ext[1] = 0xff;
    ext.writeUInt32BE(((nanos << 2) | Math.floor(seconds / 2 ** 32)) >>> 0, 2);
    ext.writeUInt32BE(seconds >>> 0, 6);
    const plain = new Packr({ useRecords: false });
    const entries: Array<[string, Buffer]> = [
      ['current_revision_id', plain.pack('r:1')],
      ['resource_id', plain.pack('r')],
      ['schema_version', plain.pack(null)],
      ['total_revision_count', plain.pack(1)],
      ['created_time', ext],
      ['updated_time', plain.pack('2025-01-01T08:00:00.5')], // msgspec writes naive datetimes as text
      ['created_by', plain.pack('py')],
      ['updated_by', plain.pack('py')],
    ];
    const body = Buffer.concat(entries.flatMap(([key, value]) => [plain.pack(key), value]));
    const bytes = Buffer.concat([Buffer.from([0x88]), body]);
    const decoded = decodeMeta(bytes, 'msgpack');
    expect(decoded.created_time.toISOString()).toBe('2025-01-01T00:00:00.123Z');
    expect(decoded.updated_time.toISOString()).toBe('2025-01-01T08:00:00.500Z');
    expect(decoded.is_deleted).toBe(false); // Python's default when absent
  });

  it('rejects a record without a required field, naming it', () => {
    const error = catchError(() => decodeInfo(utf8('{"resource_id":"r"}'), 'json'));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('/uid');
  });

  it('rejects bytes that are not a record', () => {
    expect(catchError(() => decodeMeta(utf8('[1,2]'), 'json'))).toBeInstanceOf(ValidationError);
    expect(catchError(() => decodeMeta(utf8('{oops'), 'json'))).toBeInstanceOf(ValidationError);
  });
});

describe('parseInstant', () => {
  it.each([
    ['2025-01-01T04:00:00Z', '2025-01-01T04:00:00.000Z'],
    ['2025-01-01T12:00:00+08:00', '2025-01-01T04:00:00.000Z'],
    ['2025-01-01T00:30:00-0130', '2025-01-01T02:00:00.000Z'],
    ['2025-01-01 04:00:00.1', '2025-01-01T04:00:00.100Z'],
    ['2025-01-01T04:00:00.123456789Z', '2025-01-01T04:00:00.123Z'],
    ['2025-01-01T04:00', '2025-01-01T04:00:00.000Z'],
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['0099-03-01T00:00:00Z', '0099-03-01T00:00:00.000Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(parseInstant(input)?.toISOString()).toBe(expected);
  });

  it.each(['', 'soon', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00+25:00', '2025-1-1'])(
    'rejects %j',
    (input) => {
      expect(parseInstant(input)).toBeUndefined();
    },
  );
});
