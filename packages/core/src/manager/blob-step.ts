import type { IBlobStore, ResourceMeta } from '@specstar/interfaces';
import { collectFileIds, storeBinaries } from '../model/binary';
import type { BlobAccess } from '../model/blob-access';
import type { PipelineManager, PrepareValueStep } from './pipeline';

/**
 * The prepare-value step of a model with Binary fields: moves new bytes into the blob store and
 * leaves references. While blob access is guarded, the write may reference only blobs its user
 * uploaded, blobs it brings, and blobs the revision it replaces already references.
 */
export function blobExtractionStep(blobStore: () => IBlobStore, access: BlobAccess | undefined): PrepareValueStep {
  return (value, { manager, op, current }) => {
    if (!access?.enforced) return storeBinaries(value, manager.model, blobStore());
    return storeBinaries(value, manager.model, blobStore(), access.writer(op.user, manager.name, current && (() => referencedFileIds(manager, current))));
  };
}

/** The blobs the current revision of `meta` references, read straight from storage (no events: this is part of a write). */
async function referencedFileIds(manager: PipelineManager, meta: ResourceMeta): Promise<ReadonlySet<string>> {
  const stored = await manager.storage.getRevision(meta.resource_id, meta.current_revision_id, meta.schema_version);
  return new Set(stored ? collectFileIds(manager.decodeData(stored.data), manager.model) : []);
}
