/**
 * The whole testkit storage suite on S3StorageFactory (s3rver behind the conditional layer):
 * a fresh prefix per case, so every case starts with an empty backend; blob cases included.
 */
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { S3StorageFactory } from '../src/factory';
import { BUCKET, metaFixture } from './meta-helpers';

const s3 = metaFixture();
let counter = 0;

storageConformanceSuite(
  { describe, it, expect },
  {
    name: 'S3StorageFactory',
    createFactory: () => {
      const { endpoint, credentials } = s3.server();
      return new S3StorageFactory({
        bucket: BUCKET,
        prefix: `factory-${process.pid}-${++counter}/`,
        endpointUrl: endpoint,
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
      });
    },
    dispose: (factory: IStorageFactory) => factory.close?.(),
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
    timeout: 60_000,
  },
);
