/**
 * Keyed documents of a blob store (IBlobStore.putDocument), with core's fallback for a store
 * that has none: the documents then live in memory, per blob store, and are lost at restart.
 */
import type { IBlobStore } from '@specstar/interfaces';
import { checkDocumentPut } from './blob-ids';

const fallback = new WeakMap<IBlobStore, Map<string, Uint8Array>>();

function memoryOf(store: IBlobStore): Map<string, Uint8Array> {
  let docs = fallback.get(store);
  if (!docs) fallback.set(store, (docs = new Map()));
  return docs;
}

// `/` is outside the document-name alphabet: namespace and key cannot run into each other.
const memoryKey = (namespace: string, key: string): string => `${namespace}/${key}`;

/** Writes (replaces) a document in the store, or in the fallback when the store keeps none. */
export async function putStoreDocument(store: IBlobStore, namespace: string, key: string, data: Uint8Array): Promise<void> {
  if (store.putDocument) return store.putDocument(namespace, key, data);
  checkDocumentPut(namespace, key, data);
  memoryOf(store).set(memoryKey(namespace, key), new Uint8Array(data));
}

/** A document's bytes, or null when none was put. */
export async function getStoreDocument(store: IBlobStore, namespace: string, key: string): Promise<Uint8Array | null> {
  if (store.getDocument) return store.getDocument(namespace, key);
  return memoryOf(store).get(memoryKey(namespace, key)) ?? null;
}
