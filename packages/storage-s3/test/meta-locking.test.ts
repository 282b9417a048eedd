/**
 * Two S3SyncedMetaStore instances on one object stand for two processes: what each option
 * does when both write (s3rver behind the conditional layer, which answers 412 as S3 does).
 */
import { inspect } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ResourceConflictError, UniqueConstraintError, type ResourceMeta } from '@specstar/interfaces';
import { S3BucketNotFoundError, S3EndpointUnreachableError } from '../src/errors';
import { MetaObjectError, MetaSyncConflictError } from '../src/meta-errors';
import { BUCKET, makeMeta, metaFixture } from './meta-helpers';

const s3 = metaFixture();

const meta = (id: string, overrides: Partial<ResourceMeta> = {}): ResourceMeta => makeMeta(id, 1, overrides);

/** What a third process that starts now finds in the bucket. */
async function idsInBucket(key: string): Promise<string[]> {
  const fresh = s3.store({ key });
  const ids: string[] = [];
  for await (const id of fresh.keys()) ids.push(id);
  await fresh.close();
  return ids;
}

describe('ETag locking (enable_locking, the default)', () => {
  it('a write on a stale copy is refused with a conflict (409) and leaves nothing behind, here or in the bucket', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const b = s3.store({ key, checkEtagOnRead: false });
    expect(await b.size()).toBe(0); // b has loaded the (absent) object
    await a.put(meta('from-a'));

    const refused = await b.put(meta('from-b')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MetaSyncConflictError);
    expect(refused).toBeInstanceOf(ResourceConflictError);
    expect(refused).toMatchObject({ code: 'meta_sync_conflict', bucket: BUCKET, key, resource_id: 'from-b', reloaded: false });
    expect(b.pendingWrites).toBe(0);
    expect(await idsInBucket(key)).toEqual(['from-a']);
    // Rolled back to the last synced state, then reloaded before the next operation.
    expect(await b.has('from-b')).toBe(false);
    expect(await b.has('from-a')).toBe(true);
  });

  it('a compare-and-set and a create on a stale copy are refused the same way', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    await a.put(meta('r'));
    const [b1, b2] = [1, 2].map(() => s3.store({ key, checkEtagOnRead: false }));
    expect([await b1!.has('r'), await b2!.has('r')]).toEqual([true, true]);
    await a.put(meta('other'));
    await expect(b1!.commit({ meta: makeMeta('r', 2), expect: { current_revision_id: 'r:1' } })).rejects.toBeInstanceOf(MetaSyncConflictError);
    await expect(b2!.insert(meta('new'))).rejects.toBeInstanceOf(MetaSyncConflictError);
    expect((await b1!.get('r'))?.current_revision_id).toBe('r:1');
    expect(await b2!.has('new')).toBe(false);
    expect((await idsInBucket(key)).sort()).toEqual(['other', 'r']);
  });

  it('after a conflict the store reloads before its next operation: the retried write goes through', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const b = s3.store({ key, checkEtagOnRead: false });
    expect(await b.size()).toBe(0);
    await a.put(meta('from-a'));
    await expect(b.put(meta('from-b'))).rejects.toBeInstanceOf(MetaSyncConflictError);
    await b.put(meta('from-b'));
    expect((await idsInBucket(key)).sort()).toEqual(['from-a', 'from-b']);
  });
});

describe('auto_reload_on_conflict', () => {
  it('reloads the object and applies the write on it: both writes survive', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const b = s3.store({ key, autoReloadOnConflict: true, checkEtagOnRead: false });
    expect(await b.size()).toBe(0);
    await a.put(meta('from-a'));
    await b.put(meta('from-b'));
    expect(b.pendingWrites).toBe(0);
    expect(await b.has('from-a')).toBe(true);
    expect((await idsInBucket(key)).sort()).toEqual(['from-a', 'from-b']);
  });

  it('decides a commit again on the reloaded copy: a taken id, a stale revision and a claimed value are refused', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    await a.commit({ meta: meta('r'), expect: { absent: true } });
    // Three processes that loaded the object when it held only 'r'.
    const [b1, b2, b3] = [1, 2, 3].map(() => s3.store({ key, autoReloadOnConflict: true, checkEtagOnRead: false }));
    expect(await Promise.all([b1!.size(), b2!.size(), b3!.size()])).toEqual([1, 1, 1]);
    await a.commit({ meta: meta('x'), expect: { absent: true } });
    await a.commit({ meta: makeMeta('r', 2), expect: { current_revision_id: 'r:1' } });
    await a.commit({ meta: meta('u1', { indexed_data: { email: 'e' } }), expect: { absent: true }, unique: ['email'] });

    // Each write passes the first decision on its stale copy (so its payload is stored), conflicts, and is refused on the reloaded copy.
    let payloads = 0;
    const beforeWrite = async (): Promise<void> => {
      payloads += 1;
    };
    const taken = await b1!.commit({ meta: meta('x', { created_by: 'b' }), expect: { absent: true }, beforeWrite }).catch((error: unknown) => error);
    expect(taken).toMatchObject({ code: 'resource_conflict', resource_id: 'x' });
    const stale = await b2!.commit({ meta: makeMeta('r', 2, { updated_by: 'b' }), expect: { current_revision_id: 'r:1' }, beforeWrite }).catch((error: unknown) => error);
    expect(stale).toMatchObject({ code: 'revision_mismatch', expected: 'r:1', actual: 'r:2' });
    const claimed = await b3!.commit({ meta: meta('u2', { indexed_data: { email: 'e' } }), expect: { absent: true }, unique: ['email'], beforeWrite }).catch((error: unknown) => error);
    expect(claimed).toBeInstanceOf(UniqueConstraintError);
    expect(claimed).toMatchObject({ conflicting_resource_id: 'u1' });
    expect(payloads).toBe(3);

    const fresh = s3.store({ key });
    expect((await fresh.get('r'))?.updated_by).not.toBe('b');
    expect((await fresh.get('x'))?.created_by).not.toBe('b');
    expect((await idsInBucket(key)).sort()).toEqual(['r', 'u1', 'x']);
  });
});

describe('check_etag_on_read', () => {
  it("a read sees another process's write", async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const b = s3.store({ key });
    expect(await b.has('from-a')).toBe(false);
    await a.put(meta('from-a', { indexed_data: { level: 3 } }));
    expect(await b.has('from-a')).toBe(true);
    expect((await b.search({ data_conditions: [{ type: 'DataSearchCondition', field_path: 'level', operator: 'eq', value: 3, transform: null }], limit: 10, offset: 0 })).map((m) => m.resource_id)).toEqual([
      'from-a',
    ]);
  });

  it('off: a read answers from the local copy', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const b = s3.store({ key, checkEtagOnRead: false });
    expect(await b.has('from-a')).toBe(false);
    await a.put(meta('from-a'));
    expect(await b.has('from-a')).toBe(false);
    await b.reload();
    expect(await b.has('from-a')).toBe(true);
    // Nothing changed since: the conditional GET answers 304 and the copy stays as it is.
    const etag = b.etag;
    await b.reload();
    expect([b.etag, await b.has('from-a')]).toEqual([etag, true]);
  });
});

describe('enable_locking false', () => {
  it('the last writer wins: a stale copy overwrites the object', async () => {
    const key = s3.key();
    const a = s3.store({ key, enableLocking: false });
    const b = s3.store({ key, enableLocking: false, checkEtagOnRead: false });
    expect(await b.size()).toBe(0);
    await a.put(meta('from-a'));
    await b.put(meta('from-b'));
    expect(await idsInBucket(key)).toEqual(['from-b']);
    // Without the lock nothing is decided across processes.
    expect(b.capabilities).toMatchObject({ compareAndSet: true, createIfAbsent: false, atomicUnique: false });
  });
});

describe('when writes reach the bucket', () => {
  it('sync_interval > 0: writes resolve once applied locally and are uploaded together', async () => {
    const key = s3.key();
    const store = s3.store({ key, syncInterval: 3600 });
    await store.put(meta('one'));
    await store.put(meta('two'));
    expect(store.pendingWrites).toBe(2);
    expect(await store.has('two')).toBe(true);
    expect(await idsInBucket(key)).toEqual([]);
    await store.sync();
    expect(store.pendingWrites).toBe(0);
    expect(await idsInBucket(key)).toEqual(['one', 'two']);
  });

  it('sync_interval > 0: the timer uploads', async () => {
    const key = s3.key();
    const store = s3.store({ key, syncInterval: 0.05 });
    await store.put(meta('one'));
    for (let i = 0; i < 200 && store.pendingWrites > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await idsInBucket(key)).toEqual(['one']);
  });

  it('a batch that conflicts is dropped and reported; with auto_reload_on_conflict it is redone', async () => {
    const key = s3.key();
    const a = s3.store({ key });
    const lost = s3.store({ key, syncInterval: 3600 });
    const kept = s3.store({ key, syncInterval: 3600, autoReloadOnConflict: true });
    expect([await lost.size(), await kept.size()]).toEqual([0, 0]);
    await lost.put(meta('lost'));
    await kept.put(meta('kept'));
    await a.put(meta('from-a'));
    await expect(lost.sync()).rejects.toBeInstanceOf(MetaSyncConflictError);
    expect(lost.pendingWrites).toBe(0);
    await kept.sync();
    expect((await idsInBucket(key)).sort()).toEqual(['from-a', 'kept']);
  });

  it('auto_sync false: only sync() and close() upload', async () => {
    const key = s3.key();
    const store = s3.store({ key, autoSync: false });
    await store.put(meta('one'));
    expect(await idsInBucket(key)).toEqual([]);
    await store.close();
    expect(await idsInBucket(key)).toEqual(['one']);
  });
});

describe('the object', () => {
  it('is one SQLite database per key; something else there is a typed error, not a crash', async () => {
    const key = s3.key();
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'not a database' }));
    const store = s3.store({ key });
    await expect(store.size()).rejects.toBeInstanceOf(MetaObjectError);
  });

  it('a missing bucket or an unreachable endpoint is a typed error naming the bucket, never a secret', async () => {
    const { endpoint, credentials } = s3.server();
    const missing = s3.store({ client: undefined, endpoint, credentials, bucket: 'no-such-bucket' });
    const noBucket = await missing.get('a').catch((error: unknown) => error);
    expect(noBucket).toBeInstanceOf(S3BucketNotFoundError);
    expect((noBucket as Error).message).toContain("'no-such-bucket'");

    const secret = 'SECRET-never-shown';
    const unreachable = s3.store({ client: undefined, endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'AK', secretAccessKey: secret }, clientConfig: { maxAttempts: 1 } });
    const noAnswer = await unreachable.put(meta('a')).catch((error: unknown) => error);
    expect(noAnswer).toBeInstanceOf(S3EndpointUnreachableError);
    expect((noAnswer as Error).message).toContain(BUCKET);
    expect(JSON.stringify({ ...(noAnswer as object), message: (noAnswer as Error).message })).not.toContain(secret);
    expect(inspect(unreachable)).not.toContain(secret);
  });

  it('a refused write in the middle of a batch undoes that write alone', async () => {
    const store = s3.store({ syncInterval: 3600 });
    await store.put(meta('one'));
    await expect(store.put({ ...meta('bad'), created_time: 'yesterday' } as unknown as ResourceMeta)).rejects.toMatchObject({ code: 'validation_error' });
    expect(store.pendingWrites).toBe(1);
    await store.sync();
    expect(await store.size()).toBe(1);
  });
});
