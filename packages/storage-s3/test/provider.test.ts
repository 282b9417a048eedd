/**
 * The `s3` provider through core's unified backend config: loaded from this package on demand,
 * every option of the reference checked (BackendConfigError naming it), BackendDefaults applied,
 * the bucket checked at configure(), and the data surviving a restart.
 */
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BackendConfigError, SpecStar } from '@specstar/core';
import { SimpleStorage, providerExportName } from '@specstar/core/adapter';
import * as s3Package from '../src';
import { s3BackendSettings } from '../src/backend-settings';
import { S3BucketNotFoundError } from '../src/errors';
import { S3SyncedMetaStore } from '../src/meta-store';
import { BUCKET, metaFixture } from './meta-helpers';

const s3 = metaFixture();
const BLOBS = 'provider-blobs';
let counter = 0;

const GUILD = { title: 'Guild', type: 'object', properties: { name: { type: 'string' }, members: { type: 'integer' } }, required: ['name'] } as const;

/** Connection options as an app's JSON would give them (both spellings are accepted). */
function connection(): Record<string, unknown> {
  const { endpoint, credentials } = s3.server();
  return { endpoint_url: endpoint, access_key_id: credentials.accessKeyId, s3_secret_access_key: credentials.secretAccessKey };
}

function backend(options: Record<string, unknown>, defaults: Record<string, unknown> = {}) {
  return {
    version: 1 as const,
    defaults,
    connections: { bucket: { type: 's3', options: { bucket: BUCKET, ...connection(), ...options } } },
    meta: { use: 'bucket' },
    resource: { use: 'bucket' },
    blob: { use: 'bucket' },
  };
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

it('is exported under the name core loads', () => {
  expect(providerExportName('s3')).toBe('s3BackendProvider');
  expect(s3Package.s3BackendProvider.type).toBe('s3');
  expect(s3Package.s3BackendProvider.roles).toEqual(['meta', 'resource', 'blob']);
});

it('the seed config on S3: create, restart, read; blobs under the defaults blob_prefix in blob_bucket', async () => {
  await s3.client().send(new CreateBucketCommand({ Bucket: BLOBS }));
  const prefix = `app-${++counter}/`;
  const config = backend({ prefix, blob_bucket: BLOBS }, { blob_prefix: 'uploads/' });
  const first = new SpecStar({ defaultUser: 'alice' });
  await first.configure({ backend: config });
  const guilds = first.addModel(GUILD, { indexedFields: ['members'] });
  expect(guilds.storage).toBeInstanceOf(SimpleStorage);
  expect((guilds.storage as SimpleStorage).metaStore).toBeInstanceOf(S3SyncedMetaStore);
  const created = await guilds.create({ name: 'Night Watch', members: 12 });
  const blob = await first.getBlobStore().put(new TextEncoder().encode('banner'), { contentType: 'image/png' });
  await first.close();

  expect(await keysUnder(BUCKET, `${prefix}guild/meta.sqlite3`)).toEqual([`${prefix}guild/meta.sqlite3`]);
  expect((await keysUnder(BUCKET, `${prefix}guild/resources/`)).length).toBeGreaterThan(0);
  expect(await keysUnder(BLOBS, `uploads/${blob.file_id!}`)).toEqual([`uploads/${blob.file_id!}`]);

  const second = new SpecStar({ defaultUser: 'alice' });
  await second.configure({ backend: config });
  const again = second.addModel(GUILD, { indexedFields: ['members'] });
  try {
    expect((await again.get(created.resource_id)).data).toEqual({ name: 'Night Watch', members: 12 });
    expect(await again.count({ conditions: [{ type: 'DataSearchCondition', field_path: 'members', operator: 'gt', value: 10, transform: null }] })).toBe(1);
    const downloaded = await again.getBlob(blob.file_id!);
    expect(new TextDecoder().decode(downloaded.data)).toBe('banner');
  } finally {
    await second.close();
  }
});

it('applies the defaults: blob_bucket = bucket, blob_prefix blobs/, proxy uploads, 3600 s URLs, the sync options on', () => {
  const settings = s3BackendSettings({ bucket: 'b' });
  expect(settings).toEqual({
    connection: {},
    bucket: 'b',
    blobBucket: 'b',
    prefix: '',
    blobPrefix: 'blobs/',
    sync: { syncInterval: 0 },
    uploadMethod: 'proxy',
    presignedUrlExpiry: 3600,
  });
  const store = new S3SyncedMetaStore({ bucket: 'b', key: 'm/meta.sqlite3' });
  expect(store.capabilities).toEqual({ search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true });
  return store.close();
});

it('takes every option of the reference', () => {
  const settings = s3BackendSettings({
    bucket: 'b',
    blob_bucket: 'bb',
    prefix: 'p/',
    blob_prefix: 'files/',
    s3_access_key_id: 'AK',
    secret_access_key: 'SK',
    s3_region: 'eu-west-1',
    s3_endpoint_url: 'http://127.0.0.1:9000',
    s3_client_kwargs: { max_attempts: 2 },
    encoding: 'msgpack',
    auto_sync: false,
    sync_interval: 2.5,
    enable_locking: false,
    auto_reload_on_conflict: true,
    check_etag_on_read: false,
    upload_method: 'single_put',
    presigned_url_expiry: 900,
  });
  expect(settings).toEqual({
    connection: {
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      clientConfig: { maxAttempts: 2 },
    },
    bucket: 'b',
    blobBucket: 'bb',
    prefix: 'p/',
    blobPrefix: 'files/',
    sync: { syncInterval: 2.5, autoSync: false, enableLocking: false, autoReloadOnConflict: true, checkEtagOnRead: false },
    uploadMethod: 'single_put',
    presignedUrlExpiry: 900,
  });
});

describe('a bad option is a BackendConfigError naming it', () => {
  it.each([
    ['bucket', { bucket: '' }],
    ['bucket', { bucket: 7 }],
    ['blob_bucket', { blob_bucket: '' }],
    ['prefix', { prefix: 3 }],
    ['prefix', { prefix: '/abs/' }],
    ['prefix', { prefix: 'a//b/' }],
    ['blob_prefix', { blob_prefix: '../up/' }],
    ['encoding', { encoding: 'xml' }],
    ['auto_sync', { auto_sync: 'yes' }],
    ['sync_interval', { sync_interval: -1 }],
    ['sync_interval', { sync_interval: '5' }],
    ['enable_locking', { enable_locking: 1 }],
    ['auto_reload_on_conflict', { auto_reload_on_conflict: 'false' }],
    ['check_etag_on_read', { check_etag_on_read: 0 }],
    ['upload_method', { upload_method: 'multipart' }],
    ['presigned_url_expiry', { presigned_url_expiry: 0 }],
    ['presigned_url_expiry', { presigned_url_expiry: 8 * 24 * 3600 }],
    ['presigned_url_expiry', { presigned_url_expiry: 1.5 }],
    ['endpoint_url', { endpoint_url: 'ftp://host' }],
    ['s3_region', { region_name: 'us-east-1', s3_region: 'eu-west-1' }],
    ['secret_access_key', { access_key_id: 'AK' }],
    ['client_kwargs', { client_kwargs: [1] }],
  ])('%s: %j', (option, options) => {
    let caught: unknown;
    try {
      s3BackendSettings({ bucket: 'b', ...options }, 'meta');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendConfigError);
    expect(caught).toMatchObject({ provider: 's3', option });
  });

  it('never shows a credential value', () => {
    let caught: unknown;
    try {
      s3BackendSettings({ bucket: 'b', access_key_id: 'AKIA-VISIBLE', secret_access_key: 12345 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendConfigError);
    expect((caught as Error).message).not.toContain('12345');
    expect((caught as Error).message).not.toContain('AKIA-VISIBLE');
  });

  it('through configure(): the role is named too', async () => {
    const spec = new SpecStar();
    const caught = await spec.configure({ backend: backend({ sync_interval: -1 }) }).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(BackendConfigError);
    expect(caught).toMatchObject({ provider: 's3', option: 'sync_interval', role: 'meta' });
    await spec.close();
  });
});

it('configure() fails on a bucket that does not exist, with a typed error naming it', async () => {
  const spec = new SpecStar();
  const caught = await spec.configure({ backend: backend({ bucket: 'no-such-bucket' }) }).catch((error: unknown) => error);
  expect(caught).toBeInstanceOf(S3BucketNotFoundError);
  expect((caught as Error).message).toContain('no-such-bucket');
  expect((caught as Error).message).not.toContain(s3.server().credentials.secretAccessKey);
  await spec.close();
});
