import type { IBlobStore, IConstraintChecker, IEventHandler, IStorage, IndexableField, ResourceMeta, RevisionInfo, RevisionStatus, Validator } from '@specstar/interfaces';
import type { DataCodec } from '../codec';
import type { ScopeValues } from '../context';
import type { CompiledModel } from '../model';
import type { BlobAccess } from '../model/blob-access';
import type { Schema } from '../schema';
import type { WritePipeline } from './pipeline';
import type { RetentionSettings } from '../retention/prune';

/** Who and when, accepted as the last argument of every write. */
export type WriteContext = ScopeValues;

export interface CreateOptions extends WriteContext {
  status?: RevisionStatus;
}

export interface UpdateOptions extends WriteContext {
  status?: RevisionStatus;
  /** Refuse the write (RevisionMismatchError) unless this is the current revision (If-Match). */
  expectRevisionId?: string;
}

/** A resource's meta and current revision record as a caller last read them. */
export interface KnownState {
  meta: ResourceMeta;
  current: RevisionInfo;
}

/** What an update over a known state wrote: the (new or unchanged) revision and the stored meta. */
export interface KnownUpdate {
  info: RevisionInfo;
  meta: ResourceMeta;
}

export interface ModifyInput {
  /** A full value, or an RFC 6902 operation list applied to the current data. */
  data?: unknown;
  status?: RevisionStatus;
}

export interface PatchOptions extends UpdateOptions {
  /** `update` appends a revision (default); `modify` edits the current draft in place. */
  mode?: 'update' | 'modify';
  /** Forces the patch format; by default an array is RFC 6902 and an object is a merge patch. */
  format?: 'json-patch' | 'merge-patch';
}

export interface GetOptions {
  revisionId?: string;
  schemaVersion?: string | null;
  includeDeleted?: boolean;
}

export type ReturnSection = 'data' | 'info' | 'meta';

export interface ListOptions {
  returns?: ReturnSection[];
  partial?: string[];
}

/** Everything a manager is built from; the registry assembles it from its own and per-model options. */
export interface ManagerSettings {
  name: string;
  model: CompiledModel;
  codec: DataCodec;
  storage: IStorage;
  blobStore?: IBlobStore;
  migration?: Schema;
  indexedFields: IndexableField[];
  idGenerator?: () => string;
  defaultStatus: RevisionStatus;
  defaultUser?: string | (() => string);
  defaultNow?: () => Date;
  strictOperationContext: boolean;
  eventHandlers: IEventHandler[];
  validator?: Validator;
  defaultQueryLimit?: number;
  /** Signs revision-list cursors (default SPECSTAR_REVISION_CURSOR_SECRET, else a per-process secret). */
  revisionCursorSecret?: string;
  /** Constraint checkers run before and after create/update/modify/switch/restore. */
  constraintCheckers?: IConstraintChecker[];
  /** Unique fields the storage enforces inside commit (it has `atomicUnique`). */
  uniqueClaims?: readonly string[];
  /** Steps and hooks of the write pipeline (blob extraction, after-create work). */
  pipeline?: WritePipeline;
  /** Who may reference which blobs; consulted only while a permission checker guards the registry. */
  blobAccess?: BlobAccess;
  /** Referential integrity around soft deletes (restrict, cascade, set_null), supplied by the registry. */
  integrity?: DeleteIntegrity;
  /** The retention policy and what prune consults (revision refs, dumps in flight), supplied by the registry. */
  retention?: RetentionSettings;
}

/** What the registry does around a soft delete of one of this model's resources. */
export interface DeleteIntegrity {
  /** Throws (writing nothing) when `restrict` refs forbid the delete. */
  beforeDelete(resourceId: string): Promise<void>;
  /** Runs the cascade / set_null actions as the deleting user at the deleting time. */
  afterDelete(resourceId: string, ctx: WriteContext): Promise<void>;
}
