/**
 * The S3 test server for the blob- and resource-store tests: one server per test file (started
 * in beforeAll), a fresh key prefix per store so every store starts empty, and the stores made
 * closed in afterAll.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3TestServer } from '@specstar/test-s3';
import { S3BlobStore, type S3BlobStoreOptions } from '../src/blob-store';
import type { S3ClientSettings } from '../src/client';
import { S3ResourceStore, type S3ResourceStoreOptions } from '../src/resource-store';

export const BUCKET = 'store-tests';

export interface StoreFixture {
  server(): S3TestServer;
  /** A raw SDK client on the server (to look behind the stores' backs). */
  client(): S3Client;
  /** Settings that reach the server the way an app configures it (endpoint, region, credentials). */
  settings(): S3ClientSettings;
  /** A fresh key prefix. */
  prefix(): string;
  blobStore(options?: Partial<S3BlobStoreOptions>): S3BlobStore;
  resourceStore(options?: Partial<S3ResourceStoreOptions>): S3ResourceStore;
}

let counter = 0;

export function storeFixture(): StoreFixture {
  let server: S3TestServer | undefined;
  let client: S3Client | undefined;
  const closers: Array<() => Promise<void>> = [];
  const fixture: StoreFixture = {
    server: () => server ?? fail('the S3 test server is not running'),
    client: () => (client ??= new S3Client(fixture.server().clientConfig)),
    settings: () => {
      const { endpoint, region, credentials } = fixture.server();
      return { endpoint, region, credentials: { ...credentials } };
    },
    prefix: () => `t${process.pid}-${++counter}/`,
    blobStore(options = {}) {
      const store = new S3BlobStore({ ...fixture.settings(), bucket: BUCKET, prefix: `${fixture.prefix()}blobs/`, ...options });
      closers.push(() => store.close());
      return store;
    },
    resourceStore(options = {}) {
      const store = new S3ResourceStore({ ...fixture.settings(), bucket: BUCKET, prefix: fixture.prefix(), ...options });
      closers.push(() => store.close());
      return store;
    },
  };
  beforeAll(async () => {
    server = await startS3Server({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => close()));
    client?.destroy();
    await server?.close();
  });
  return fixture;
}

/** Every key under `prefix`, sorted. */
export async function keysUnder(client: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ...(token !== undefined && { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort();
}

export function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export function text(data: Uint8Array | undefined): string | undefined {
  return data === undefined ? undefined : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function fail(message: string): never {
  throw new Error(message);
}
