/**
 * The testkit meta-store cases on S3SyncedMetaStore (against s3rver behind the conditional
 * layer): each store on a fresh object; the default options (every write uploaded before it
 * resolves, ETag locking, ETag checked on reads) and the batched mode.
 */
import { metaStoreConformanceSuite } from '@specstar/testkit';
import { metaFixture } from './meta-helpers';

const s3 = metaFixture();

metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'S3SyncedMetaStore (defaults: upload per write, ETag locking)',
    createMetaStore: () => s3.store(),
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true },
    timeout: 30_000,
  },
);

metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'S3SyncedMetaStore (batched: sync_interval 60, no ETag check on reads)',
    createMetaStore: () => s3.store({ syncInterval: 60, checkEtagOnRead: false }),
    capabilities: { search: true, compareAndSet: true, createIfAbsent: false, batchWrite: true, atomicUnique: false },
    timeout: 30_000,
  },
);
