/**
 * Meta stores on the S3 test server (s3-fixture.ts: one server per test file): a fresh object
 * key per store, so every store starts empty; the stores made are closed in afterAll.
 */
import { S3SyncedMetaStore, type S3SyncedMetaStoreOptions } from '../src/meta-store';
import { BUCKET, storeFixture, type StoreFixture } from './s3-fixture';

export { BUCKET } from './s3-fixture';
export { makeMeta } from './meta-helpers-data';

export interface MetaFixture extends Pick<StoreFixture, 'server' | 'client'> {
  /** A fresh object key. */
  key(): string;
  /** A store on `key` (a fresh one by default) through the fixture's client unless told otherwise. */
  store(options?: Partial<S3SyncedMetaStoreOptions>): S3SyncedMetaStore;
}

export function metaFixture(): MetaFixture {
  const s3 = storeFixture();
  const stores: S3SyncedMetaStore[] = [];
  afterAll(() => Promise.allSettled(stores.map((store) => store.close())));
  const fixture: MetaFixture = {
    server: () => s3.server(),
    client: () => s3.client(),
    key: () => `${s3.prefix()}meta.sqlite3`,
    store(options = {}) {
      const store = new S3SyncedMetaStore({ client: s3.client(), bucket: BUCKET, key: options.key ?? fixture.key(), ...options });
      stores.push(store);
      return store;
    },
  };
  return fixture;
}
