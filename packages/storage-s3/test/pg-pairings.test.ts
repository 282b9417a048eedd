/**
 * Core's factories that pair PostgreSQL with S3, on a real PostgreSQL (a database of this file's
 * own) and the S3 test server: the whole testkit storage suite on each, with a fresh table
 * prefix, rootdir and bucket per case.
 *
 *   PostgreSQLS3StorageFactory     meta PostgreSQL, revisions S3,   blobs S3
 *   PostgresDiskS3StorageFactory   meta PostgreSQL, revisions disk, blobs S3
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { PostgresDiskS3StorageFactory, PostgreSQLS3StorageFactory, SpecStar } from '@specstar/core';
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { metaFixture } from './meta-helpers';
import { createTestDatabase, describePg } from './pg-database';

const s3 = metaFixture();
const CAPABILITIES = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true };
let database: { dsn: string; drop(): Promise<void> } | undefined;
let counter = 0;
const rootdirs: string[] = [];

/** A bucket and a table prefix no other case uses; the S3 options as an app passes them. */
async function fresh(): Promise<{ tablePrefix: string; s3Bucket: string; s3EndpointUrl: string; s3AccessKeyId: string; s3SecretAccessKey: string }> {
  counter += 1;
  const s3Bucket = `pairing-${process.pid}-${counter}`;
  await s3.client().send(new CreateBucketCommand({ Bucket: s3Bucket }));
  const { endpoint, credentials } = s3.server();
  return { tablePrefix: `t${counter}_`, s3Bucket, s3EndpointUrl: endpoint, s3AccessKeyId: credentials.accessKeyId, s3SecretAccessKey: credentials.secretAccessKey };
}

describePg('PostgreSQL + S3 factories', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    for (const dir of rootdirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const dsn = (): string => database?.dsn ?? '';

  it('PostgresDiskS3StorageFactory: metas, payloads and blobs survive a restart; the blob is an object in the bucket', async () => {
    const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-pgdisks3-'));
    rootdirs.push(rootdir);
    const options = { connectionString: dsn(), rootdir, ...(await fresh()) };
    const open = async () => {
      const factory = new PostgresDiskS3StorageFactory(options);
      await factory.connect();
      const spec = new SpecStar({ storageFactory: factory, defaultUser: 'u' });
      return { spec, notes: spec.addModel({ title: 'Note', type: 'object', properties: { text: { type: 'string' } } }, { name: 'note', indexedFields: ['text'] }) };
    };
    const first = await open();
    const { resource_id: id } = await first.notes.create({ text: 'hello' });
    const blob = await first.spec.getBlobStore().put(new TextEncoder().encode('attachment'), { contentType: 'text/plain' });
    await first.spec.close();
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: options.s3Bucket, Key: `blobs/${blob.file_id!}` }));
    expect(head.ContentType).toBe('text/plain');

    const second = await open();
    try {
      expect((await second.notes.get(id)).data).toEqual({ text: 'hello' });
      expect(new TextDecoder().decode((await second.notes.getBlob(blob.file_id!)).data)).toBe('attachment');
    } finally {
      await second.spec.close();
    }
  });

  storageConformanceSuite(
    { describe, it, expect },
    {
      name: 'PostgreSQLS3StorageFactory',
      createFactory: async (): Promise<IStorageFactory> => new PostgreSQLS3StorageFactory({ connectionString: dsn(), max: 4, ...(await fresh()) }),
      capabilities: CAPABILITIES,
      timeout: 60_000,
    },
  );

  storageConformanceSuite(
    { describe, it, expect },
    {
      name: 'PostgresDiskS3StorageFactory',
      createFactory: async (): Promise<IStorageFactory> => {
        const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-pgdisks3-'));
        rootdirs.push(rootdir);
        return new PostgresDiskS3StorageFactory({ dsn: dsn(), rootdir, max: 4, ...(await fresh()) });
      },
      capabilities: CAPABILITIES,
      timeout: 60_000,
    },
  );
});
