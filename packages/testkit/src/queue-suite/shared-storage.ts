import type { IBlobStore, IStorage, IStorageFactory } from '@specstar/interfaces';

/** A factory whose builds are shared, and the one call that really closes them. */
export interface SharedStorageFactory {
  /** Hand this to every SpecStar of a case: they all see one storage per model and one blob store. */
  readonly factory: IStorageFactory;
  /** Closes every storage and the blob store built (once each). */
  closeAll(): Promise<void>;
}

/** The object with `close()` ignored: several engines hold it, the case closes it once at the end. */
function closeLater<S extends object>(target: S): S {
  return new Proxy(target, {
    get(object, key) {
      if (key === 'close') return async () => undefined;
      const member = Reflect.get(object, key, object) as unknown;
      // Bound to the real store: private fields do not work through a proxy receiver.
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(object) : member;
    },
  });
}

/**
 * Wraps a storage factory so that several SpecStar instances in one process share one storage
 * per model (two consumers of one store, as two processes on disk or PostgreSQL would be). A
 * memory factory builds a fresh store on every call, so without this its engines would not meet.
 */
export function shareStorage(inner: IStorageFactory): SharedStorageFactory {
  const storages = new Map<string, IStorage>();
  let blobStore: IBlobStore | undefined;
  const factory: IStorageFactory = {
    build(modelName) {
      let storage = storages.get(modelName);
      if (!storage) storages.set(modelName, (storage = inner.build(modelName)));
      return closeLater(storage);
    },
    ...(inner.buildBlobStore && {
      buildBlobStore() {
        blobStore ??= inner.buildBlobStore!();
        return closeLater(blobStore);
      },
    }),
    close: async () => undefined,
  };
  return {
    factory,
    async closeAll() {
      const closing = [...storages.values()].map((storage) => storage.close());
      if (blobStore?.close) closing.push(blobStore.close());
      storages.clear();
      blobStore = undefined;
      await Promise.all(closing);
    },
  };
}
