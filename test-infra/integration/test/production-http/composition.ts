// @specstar/core as the route suites see it on this run: the same module, except that a
// SpecStar given no storage of its own (no `storageFactory`, no `backend`) is built on the
// production composition (PostgresDiskS3StorageFactory) instead of memory. Every such registry
// gets a fresh namespace (disk rootdir, table prefix, blob prefix), so cases stay independent as
// they are on memory, and is closed by setup.ts after its test (or its file, when made outside
// a test).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IStorageFactory } from '@specstar/interfaces';
import type * as Core from '@specstar/core';
import { BUCKET, readTarget } from './target';

interface Opened {
  spec: Core.SpecStar;
  factory: IStorageFactory;
  rootdir: string;
  /** Made while a test ran (closed after it), else at collection or in beforeAll (closed after the file). */
  inTest: boolean;
}

const opened: Opened[] = [];

export function coreOnProduction(): typeof Core {
  const core = jest.requireActual<typeof Core>('@specstar/core');
  const target = readTarget();

  class ProductionSpecStar extends core.SpecStar {
    constructor(options: Core.SpecStarOptions = {}) {
      const ownStorage = options.storageFactory !== undefined || (options.backend ?? null) !== null;
      const namespace = `p${randomBytes(4).toString('hex')}`;
      const rootdir = ownStorage ? '' : mkdtempSync(join(tmpdir(), `specstar-http-${namespace}-`));
      const factory = ownStorage
        ? undefined
        : new core.PostgresDiskS3StorageFactory({
            dsn: target.dsn,
            // Small pools: a worker holds a few registries at once, and the server allows 100 connections.
            max: 3,
            tablePrefix: `${namespace}_`,
            rootdir,
            s3Bucket: BUCKET,
            s3EndpointUrl: target.s3.endpoint,
            s3AccessKeyId: target.s3.accessKeyId,
            s3SecretAccessKey: target.s3.secretAccessKey,
            blobPrefix: `${namespace}/`,
          });
      super(factory === undefined ? options : { ...options, storageFactory: factory });
      if (factory !== undefined) opened.push({ spec: this, factory, rootdir, inTest: expect.getState().currentTestName !== undefined });
    }
  }

  return { ...core, SpecStar: ProductionSpecStar };
}

/** Closes the registries of the test that just ran, or every one left at the end of a file. */
export async function closeOpened(scope: 'test' | 'file'): Promise<void> {
  const closing = opened.filter((entry) => scope === 'file' || entry.inTest);
  opened.splice(0, opened.length, ...opened.filter((entry) => !closing.includes(entry)));
  for (const { spec, factory, rootdir } of closing) {
    await spec.close();
    // A test may have swapped the factory out (configure); ours is closed all the same.
    await factory.close?.();
    rmSync(rootdir, { recursive: true, force: true });
  }
}
