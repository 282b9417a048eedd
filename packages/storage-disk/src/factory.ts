import type { IBlobStore, IStorage, IStorageFactory } from '@specstar/interfaces';
import { DiskBlobStore } from './blob-store';
import { DiskStorage, type DiskStorageOptions } from './storage';
import { ensureDirectory } from './files';
import { blobsDir, resolveRootdir } from './paths';

/**
 * Disk storage for every model under one rootdir (`<rootdir>/<model>/…`) and one shared blob
 * store at `<rootdir>/_blobs`. Each build() opens its own SQLite connection; close() closes
 * every storage it built that is still open.
 */
export class DiskStorageFactory implements IStorageFactory {
  readonly rootdir: string;
  private readonly storages = new Set<DiskStorage>();
  private blobStore: DiskBlobStore | undefined;

  constructor(
    rootdir: string,
    private readonly options: DiskStorageOptions = {},
  ) {
    this.rootdir = resolveRootdir(rootdir);
    ensureDirectory(this.rootdir);
  }

  build(modelName: string): IStorage {
    const storage = new DiskStorage(this.rootdir, modelName, this.options);
    this.storages.add(storage);
    return storage;
  }

  buildBlobStore(): IBlobStore {
    this.blobStore ??= new DiskBlobStore(blobsDir(this.rootdir));
    return this.blobStore;
  }

  async close(): Promise<void> {
    const storages = [...this.storages];
    this.storages.clear();
    await Promise.all(storages.map((storage) => storage.close()));
  }
}
