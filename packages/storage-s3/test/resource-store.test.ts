import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { MemoryMetaStore, SimpleStorage } from '@specstar/core/adapter';
import { ValidationError } from '@specstar/interfaces';
import type { ResourceMeta, RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { S3BucketNotFoundError, S3StoredObjectError } from '../src/errors';
import { S3ResourceStore } from '../src/resource-store';
import { BUCKET, bytes, keysUnder, storeFixture, text } from './s3-fixture';

const s3 = storeFixture();

function info(resourceId: string, n: number, overrides: Partial<RevisionInfo> = {}): RevisionInfo {
  const time = new Date(Date.UTC(2025, 0, n));
  return {
    uid: `0000000${n}-0000-4000-8000-000000000000`,
    resource_id: resourceId,
    revision_id: `${resourceId}:${n}`,
    parent_revision_id: n > 1 ? `${resourceId}:${n - 1}` : null,
    schema_version: null,
    status: 'stable',
    created_time: time,
    updated_time: time,
    created_by: 'alice',
    updated_by: 'alice',
    ...overrides,
  };
}

function plain(stored: StoredRevision | undefined): { info: RevisionInfo; data: string | undefined } | undefined {
  return stored === undefined ? undefined : { info: stored.info, data: text(stored.data) };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('S3ResourceStore', () => {
  it('keeps one record object and one write-order marker per save under <prefix>resources/', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    await store.save(info('a', 1), bytes('{"v":1}'));
    await store.save(info('a', 2, { schema_version: 'v2' }), bytes('{"v":2}'));
    const keys = await keysUnder(s3.client(), prefix);
    expect(keys.filter((key) => key.includes('/r.'))).toEqual([`${prefix}resources/a/r.a%3A1.no_ver`, `${prefix}resources/a/r.a%3A2.v_v2`]);
    expect(keys.filter((key) => key.includes('/o.'))).toEqual([
      expect.stringMatching(new RegExp(`^${prefix}resources/a/o\\.\\d{17}\\.a%3A1$`)),
      expect.stringMatching(new RegExp(`^${prefix}resources/a/o\\.\\d{17}\\.a%3A2$`)),
    ]);
    expect(keys).toHaveLength(4);
  });

  it('keeps records across store instances on the same prefix', async () => {
    const prefix = s3.prefix();
    const first = s3.resourceStore({ prefix });
    await first.save(info('a', 1), bytes('{"v":1}'));
    await first.save(info('a', 2, { schema_version: 'v2' }), bytes('{"v":2}'));
    await first.close();
    const second = s3.resourceStore({ prefix });
    expect(plain(await second.get('a', 'a:1', null))).toEqual({ info: info('a', 1), data: '{"v":1}' });
    expect(plain(await second.get('a', 'a:2', 'v2'))).toEqual({ info: info('a', 2, { schema_version: 'v2' }), data: '{"v":2}' });
    expect(await second.get('a', 'a:2', null)).toBeUndefined();
    expect(await second.getInfo('a', 'a:2', 'v2')).toEqual(info('a', 2, { schema_version: 'v2' }));
    expect(await second.listRevisions('a')).toEqual(['a:1', 'a:2']);
    expect(await collect(second.listResources())).toEqual(['a']);
  });

  it('keeps write order for saves within one millisecond, past the order of the keys', async () => {
    const store = s3.resourceStore();
    const order = [3, 12, 1, 100, 2, 20];
    await store.saveMany(order.map((n) => ({ info: info('a', n), data: bytes(String(n)) })));
    // A bulk save runs its PUTs concurrently, so only saves one after the other have an order.
    for (const n of order) await store.save(info('b', n), bytes(String(n)));
    expect(await store.listRevisions('b')).toEqual(order.map((n) => `b:${n}`));
    expect(new Set(await store.listRevisions('a'))).toEqual(new Set(order.map((n) => `a:${n}`)));
  });

  it('ids never escape the prefix: hostile, unicode and over-long ids round-trip', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    const hostile = ['../../escape', '/etc/passwd', '..', '.', 'a/../../b', 'C:\\x', 'nul\0byte', '+plus', '%2F', 'ユーザー', '字'.repeat(512)];
    for (const id of hostile) await store.save(info(id, 1, { schema_version: `../${id}` }), bytes(id));
    for (const id of hostile) {
      expect(text((await store.get(id, `${id}:1`, `../${id}`))?.data)).toBe(id);
      expect(await store.listRevisions(id)).toEqual([`${id}:1`]);
      expect(await store.listSchemaVersions(id, `${id}:1`)).toEqual([`../${id}`]);
    }
    expect((await collect(store.listResources())).sort()).toEqual([...hostile].sort());
    const keys = await keysUnder(s3.client(), prefix);
    for (const key of keys) {
      expect(key.startsWith(`${prefix}resources/`)).toBe(true);
      expect(Buffer.byteLength(key)).toBeLessThan(1024);
      expect(key.slice(prefix.length)).toMatch(/^[A-Za-z0-9_%+/.-]+$/);
    }
  });

  it('reads an info longer than the first ranged read', async () => {
    const store = s3.resourceStore();
    const long = info('a', 1, { created_by: 'u'.repeat(10_000) });
    await store.save(long, bytes('payload'));
    expect(await store.getInfo('a', 'a:1', null)).toEqual(long);
    expect(plain(await store.get('a', 'a:1', null))).toEqual({ info: long, data: 'payload' });
  });

  it('saving under an existing key replaces the one record object', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    await store.save(info('a', 1), bytes('old'));
    await store.save(info('a', 1, { status: 'draft' }), bytes('new'));
    expect((await keysUnder(s3.client(), prefix)).filter((key) => key.includes('/r.'))).toHaveLength(1);
    expect(plain(await store.get('a', 'a:1', null))).toEqual({ info: info('a', 1, { status: 'draft' }), data: 'new' });
    expect(await store.listRevisions('a')).toEqual(['a:1']);
  });

  it('purge removes every object of that resource only', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    await store.saveMany([
      { info: info('a', 1), data: bytes('a1') },
      { info: info('a', 2), data: bytes('a2') },
      { info: info('b', 1), data: bytes('b1') },
    ]);
    await store.purge('a');
    await store.purge('never-there');
    expect(await store.listRevisions('a')).toEqual([]);
    expect((await keysUnder(s3.client(), prefix)).every((key) => key.startsWith(`${prefix}resources/b/`))).toBe(true);
    expect(text((await store.get('b', 'b:1', null))?.data)).toBe('b1');
    expect(await collect(store.listResources())).toEqual(['b']);
  });

  it('a bulk save with a bad record writes nothing', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    const bad = { ...info('b', 1), created_time: 'not a time' as unknown as Date };
    await expect(
      store.saveMany([
        { info: info('a', 1), data: bytes('a1') },
        { info: bad, data: bytes('b1') },
      ]),
    ).rejects.toMatchObject({ issues: [{ path: '/created_time' }] });
    expect(await keysUnder(s3.client(), prefix)).toEqual([]);
  });

  it.each([
    ['resource_id', { resource_id: 42 }],
    ['revision_id', { revision_id: '' }],
    ['uid', { uid: undefined }],
    ['schema_version', { schema_version: 3 }],
  ])('a record with a bad %s is a ValidationError naming it', async (field, override) => {
    const store = s3.resourceStore();
    const bad = { ...info('a', 1), ...override } as unknown as RevisionInfo;
    await expect(store.save(bad, bytes('x'))).rejects.toBeInstanceOf(ValidationError);
    await expect(store.save(bad, bytes('x'))).rejects.toMatchObject({ issues: [{ path: `/${field}` }] });
  });

  it('non-bytes data and non-string resource ids are ValidationErrors', async () => {
    const store = s3.resourceStore();
    await expect(store.save(info('a', 1), 'x' as unknown as Uint8Array)).rejects.toMatchObject({ issues: [{ path: '/data' }] });
    await expect(store.get(7 as unknown as string, 'x', null)).rejects.toBeInstanceOf(ValidationError);
  });

  it('bytes given to save are copied: reusing the buffer afterwards changes nothing', async () => {
    const store = s3.resourceStore();
    const buffer = bytes('original');
    const saving = store.save(info('a', 1), buffer);
    buffer.fill(0x41);
    await saving;
    expect(text((await store.get('a', 'a:1', null))?.data)).toBe('original');
  });

  it('a record deleted behind the store reads as absent; a foreign or truncated object is S3StoredObjectError', async () => {
    const prefix = s3.prefix();
    const store = s3.resourceStore({ prefix });
    await store.save(info('a', 1), bytes('0123456789'));
    await store.save(info('b', 1), bytes('0123456789'));
    const recordKey = (id: string) => `${prefix}resources/${id}/r.${id}%3A1.no_ver`;
    await s3.client().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: recordKey('a') }));
    expect(await store.get('a', 'a:1', null)).toBeUndefined();
    expect(await store.getInfo('a', 'a:1', null)).toBeUndefined();
    expect(await store.exists('a', 'a:1', null)).toBe(false);
    expect(await store.listRevisions('a')).toEqual([]);
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: recordKey('b'), Body: 'not a record' }));
    await expect(store.get('b', 'b:1', null)).rejects.toBeInstanceOf(S3StoredObjectError);
    await expect(store.getInfo('b', 'b:1', null)).rejects.toBeInstanceOf(S3StoredObjectError);
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: recordKey('b'), Body: Buffer.from('SSR1\u0000\u0000\u0010\u0000{', 'latin1') }));
    await expect(store.get('b', 'b:1', null)).rejects.toThrow(/shorter than its record header says/);
  });

  it('a revision that cannot be stored leaves no meta pointing at it (SimpleStorage writes the revision first)', async () => {
    const metas = new MemoryMetaStore();
    const storage = new SimpleStorage(metas, new S3ResourceStore({ ...s3.settings(), bucket: 'no-such-bucket' }));
    const meta = { resource_id: 'a', current_revision_id: 'a:1' } as ResourceMeta;
    await expect(storage.commit({ revision: { info: info('a', 1), data: bytes('x') }, meta, expect: { absent: true } })).rejects.toBeInstanceOf(
      S3BucketNotFoundError,
    );
    expect(await metas.get('a')).toBeUndefined();
    await storage.close();
  });
});
