/**
 * The S3 test server for the meta-store tests, and stores on it: one server per test file,
 * a fresh object key per store (so every store starts empty).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3TestServer } from '@specstar/test-s3';
import { S3SyncedMetaStore, type S3SyncedMetaStoreOptions } from '../src/meta-store';

export { makeMeta } from './meta-helpers-data';

export const BUCKET = 'meta-tests';

export interface MetaFixture {
  server(): S3TestServer;
  client(): S3Client;
  /** A fresh object key. */
  key(): string;
  /** A store on `key` (a fresh one by default); closed by close() unless closed before. */
  store(options?: Partial<S3SyncedMetaStoreOptions>): S3SyncedMetaStore;
  close(): Promise<void>;
}

let counter = 0;

/** Starts the server in beforeAll and stops it (with every store made) in afterAll. */
export function metaFixture(): MetaFixture {
  let server: S3TestServer | undefined;
  let client: S3Client | undefined;
  const stores: S3SyncedMetaStore[] = [];
  const fixture: MetaFixture = {
    server: () => server ?? fail('the S3 test server is not running'),
    client: () => (client ??= new S3Client(fixture.server().clientConfig)),
    key: () => `model-${process.pid}-${++counter}/meta.sqlite3`,
    store(options = {}) {
      const store = new S3SyncedMetaStore({ client: fixture.client(), bucket: BUCKET, key: options.key ?? fixture.key(), ...options });
      stores.push(store);
      return store;
    },
    async close() {
      await Promise.allSettled(stores.map((store) => store.close()));
      client?.destroy();
      await server?.close();
    },
  };
  beforeAll(async () => {
    server = await startS3Server({ buckets: [BUCKET] });
  });
  afterAll(() => fixture.close());
  return fixture;
}

function fail(message: string): never {
  throw new Error(message);
}

