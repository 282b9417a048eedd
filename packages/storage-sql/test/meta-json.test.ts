import type { ResourceMeta } from '@specstar/interfaces';
import { decodeMeta, encodeRecord } from '@specstar/core/adapter';
import { decodeMetaJson } from '../src';

// The quick decoder of stored meta records gives exactly core's decodeMeta: the same meta (key
// order included) for what stores write, and the same result or error for anything else.

const general = (text: string): ResourceMeta => decodeMeta(Buffer.from(text, 'utf8'), 'json');
const outcome = (decode: (text: string) => ResourceMeta, text: string): unknown => {
  try {
    const meta = decode(text);
    return { meta, keys: Object.keys(meta), json: JSON.stringify(meta) };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
};

// Nulls where the type says absent, as older writers stored them.
const full = {
  current_revision_id: 'r:2',
  resource_id: 'r',
  schema_version: 'v3',
  total_revision_count: 2,
  created_time: new Date('2025-01-01T00:00:00.000Z'),
  updated_time: new Date('2025-06-07T08:09:10.011Z'),
  created_by: 'a',
  updated_by: 'b',
  is_deleted: true,
  indexed_data: JSON.parse('{"b":[1,{"c":null}],"a":"x","__proto__":1}') as Record<string, unknown>,
  rev_status: 'draft',
  rev_created_by: null,
  rev_updated_by: 'c',
  rev_created_time: new Date('2024-02-29T23:59:59.999Z'),
  rev_updated_time: null,
} as unknown as ResourceMeta;

const written = (meta: ResourceMeta): string => Buffer.from(encodeRecord('meta', meta, 'json')).toString('utf8');

it('reads the times of what stores write', () => {
  const meta = decodeMetaJson(written(full));
  expect(meta.created_time).toEqual(new Date('2025-01-01T00:00:00.000Z'));
  expect(meta.rev_created_time).toEqual(new Date('2024-02-29T23:59:59.999Z'));
});

it.each<[string, string]>([
  ['a full record', written(full)],
  ['a minimal record', written({ ...full, schema_version: undefined, indexed_data: undefined, rev_status: undefined, rev_created_by: undefined, rev_updated_by: undefined, rev_created_time: undefined, rev_updated_time: undefined } as unknown as ResourceMeta)],
  ['a record without schema_version and is_deleted', JSON.stringify({ current_revision_id: 'r:1', resource_id: 'r', total_revision_count: 1, created_time: '2025-01-01T00:00:00.000Z', updated_time: '2025-01-01T00:00:00.000Z', created_by: 'a', updated_by: 'a' })],
  ['times in another spelling', written(full).replace('2025-06-07T08:09:10.011Z', '2025-06-07 10:09:10.011+02:00')],
  ['a time without milliseconds', written(full).replace('2025-06-07T08:09:10.011Z', '2025-06-07T08:09:10Z')],
  ['a day that does not exist', written(full).replace('2025-06-07T08:09:10.011Z', '2025-02-30T08:09:10.011Z')],
  ['hour 24', written(full).replace('2025-06-07T08:09:10.011Z', '2025-06-07T24:00:00.000Z')],
  ['a year below 100', written(full).replace('2025-06-07T08:09:10.011Z', '0099-12-31T23:59:59.999Z')],
  ['a leap day', written(full).replace('2025-06-07T08:09:10.011Z', '2000-02-29T00:00:00.000Z')],
  ['a non-digit in a canonical-looking time', written(full).replace('2025-06-07T08:09:10.011Z', '2025-06-07T08:09:1a.011Z')],
  ['a lower-case z', written(full).replace('2025-06-07T08:09:10.011Z', '2025-06-07T08:09:10.011z')],
  ['a missing required field', JSON.stringify({ resource_id: 'r' })],
  ['a mistyped field', written(full).replace('"total_revision_count":2', '"total_revision_count":2.5')],
  ['a null flag', written(full).replace('"is_deleted":true', '"is_deleted":null')],
  ['a list as indexed_data', written(full).replace(/"indexed_data":\{.*?\},"rev_status"/, '"indexed_data":[1],"rev_status"')],
  ['not JSON', '{"resource_id":'],
  ['not an object', '[1,2]'],
])('%s decodes as decodeMeta does', (_name, text) => {
  expect(outcome(decodeMetaJson, text)).toEqual(outcome(general, text));
});
