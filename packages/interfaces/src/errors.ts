/**
 * Error classes of SpecStar. Every error extends SpecStarError and carries a stable `code`;
 * http-express owns the mapping from class to status. Tests assert on class and payload
 * fields, never on message wording.
 */
export class SpecStarError extends Error {
  readonly code: string = 'specstar_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

// ---- not found -------------------------------------------------------------------------

export class ResourceNotFoundError extends SpecStarError {
  override readonly code: string = 'resource_not_found';
}

export class ResourceIDNotFoundError extends ResourceNotFoundError {
  override readonly code: string = 'resource_id_not_found';
  constructor(
    readonly resource_id: string,
    message = `Resource '${resource_id}' not found.`,
  ) {
    super(message);
  }
}

export class ResourceIsDeletedError extends ResourceNotFoundError {
  override readonly code: string = 'resource_is_deleted';
  constructor(
    readonly resource_id: string,
    message = `Resource '${resource_id}' is deleted.`,
  ) {
    super(message);
  }
}

export class RevisionNotFoundError extends ResourceNotFoundError {
  override readonly code: string = 'revision_not_found';
}

export class RevisionIDNotFoundError extends RevisionNotFoundError {
  override readonly code: string = 'revision_id_not_found';
  constructor(
    readonly resource_id: string,
    readonly revision_id: string,
    message = `Revision '${revision_id}' of Resource '${resource_id}' not found.`,
  ) {
    super(message);
  }
}

/** A blob id that the blob store does not hold. */
export class BlobNotFoundError extends ResourceNotFoundError {
  override readonly code: string = 'blob_not_found';
  constructor(
    readonly file_id: string,
    message = `Blob '${file_id}' not found`,
  ) {
    super(message);
  }
}

/** A model name that is not registered. */
export class ModelNotFoundError extends ResourceNotFoundError {
  override readonly code: string = 'model_not_found';
  constructor(
    readonly model_name: string,
    message = `Model '${model_name}' not found`,
  ) {
    super(message);
  }
}

// ---- conflicts -------------------------------------------------------------------------

export class ResourceConflictError extends SpecStarError {
  override readonly code: string = 'resource_conflict';
  constructor(
    message: string,
    readonly resource_id?: string,
  ) {
    super(message);
  }
}

export class SchemaConflictError extends ResourceConflictError {
  override readonly code: string = 'schema_conflict';
}

export class RevisionNotMigratedError extends SchemaConflictError {
  override readonly code: string = 'revision_not_migrated';
  constructor(
    override readonly resource_id: string,
    readonly revision_id: string,
    readonly revision_schema_version: string | null,
    readonly current_schema_version: string | null,
  ) {
    super(
      `Revision '${revision_id}' of '${resource_id}' is stored at schema version ` +
        `${String(revision_schema_version)}, the resource is at ${String(current_schema_version)}; migrate it first`,
      resource_id,
    );
  }
}

export class CannotModifyResourceError extends ResourceConflictError {
  override readonly code: string = 'cannot_modify_resource';
  constructor(override readonly resource_id: string) {
    super(`Resource '${resource_id}' is not a draft: modify needs a draft revision`, resource_id);
  }
}

export class UniqueConstraintError extends ResourceConflictError {
  override readonly code: string = 'unique_constraint';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly conflicting_resource_id: string,
  ) {
    super(
      `Unique field '${field}' value ${JSON.stringify(value)} is already held by '${conflicting_resource_id}'`,
      conflicting_resource_id,
    );
  }
}

export class DuplicateResourceError extends ResourceConflictError {
  override readonly code: string = 'duplicate_resource';
  constructor(override readonly resource_id: string) {
    super(`Resource '${resource_id}' already exists`, resource_id);
  }
}

/**
 * The stored current revision changed between read and write (compare-and-set failed).
 * `expected` is the revision id the writer saw; `actual` the one now stored.
 */
export class RevisionMismatchError extends ResourceConflictError {
  override readonly code: string = 'revision_mismatch';
  constructor(
    override readonly resource_id: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(
      `Resource '${resource_id}' changed concurrently: expected current revision '${expected}', found '${String(actual)}'`,
      resource_id,
    );
  }
}

/** A referencing resource that a delete may not leave behind: the ref says `onDelete: 'restrict'`. */
export interface RestrictingReferrers {
  source: string;
  source_field: string;
  resource_ids: string[];
}

/** Deleting a resource that live resources still reference through a `restrict` ref. */
export class ReferenceRestrictError extends ResourceConflictError {
  override readonly code: string = 'reference_restrict';
  constructor(
    override readonly resource_id: string,
    readonly referrers: RestrictingReferrers[],
  ) {
    const first = referrers[0];
    super(
      `Resource '${resource_id}' is still referenced` +
        (first ? ` by ${first.source}.${first.source_field} of '${first.resource_ids[0] ?? '?'}'` : '') +
        `; delete or re-point the referrers first (onDelete: restrict)`,
      resource_id,
    );
  }
}

// ---- validation ------------------------------------------------------------------------

/** One failing field: `path` is a JSON pointer into the checked value ("" for the root). */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * Bad input. `kind` says where it was detected: `type` (schema/type validation), `custom`
 * (a model validator), `input` (malformed arguments: ids, patches, queries).
 */
export class ValidationError extends SpecStarError {
  override readonly code: string = 'validation_error';
  readonly kind: 'type' | 'custom' | 'input';
  readonly issues: FieldIssue[];
  constructor(
    message: string,
    options: { kind?: 'type' | 'custom' | 'input'; issues?: FieldIssue[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = options.kind ?? 'custom';
    this.issues = options.issues ?? [];
  }
}

/** A malformed query: unknown operator, bad qb expression, bad sort. Points at the offender. */
export class QueryError extends ValidationError {
  override readonly code: string = 'query_error';
  constructor(
    message: string,
    readonly position?: { offset: number; line: number; column: number },
  ) {
    super(message, { kind: 'input' });
  }
}

/** A JSON Patch that cannot be applied (bad path, failed test op, malformed op). */
export class PatchError extends ValidationError {
  override readonly code: string = 'patch_error';
  constructor(
    message: string,
    readonly operation_index?: number,
  ) {
    super(message, { kind: 'input' });
  }
}

/** A write names a resource that does not exist in the ref's target model (`validateRefs`). */
export class InvalidReferenceError extends ValidationError {
  override readonly code: string = 'invalid_reference';
  constructor(
    readonly field: string,
    readonly target: string,
    readonly value: string,
  ) {
    super(`Field '${field}' references ${target} '${value}', which does not exist`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: `${target} '${value}' does not exist` }],
    });
  }
}

// ---- permission and context ------------------------------------------------------------

export class PermissionDeniedError extends SpecStarError {
  override readonly code: string = 'permission_denied';
  readonly user?: string;
  readonly action?: string;
  readonly resource_name?: string;
  constructor(message: string, details: { user?: string; action?: string; resource_name?: string } = {}) {
    super(message);
    if (details.user !== undefined) this.user = details.user;
    if (details.action !== undefined) this.action = details.action;
    if (details.resource_name !== undefined) this.resource_name = details.resource_name;
  }
}

export class MissingOperationContextError extends SpecStarError {
  override readonly code: string = 'missing_operation_context';
  constructor(
    readonly missing_fields: string[],
    readonly method_name: string | null,
  ) {
    super(
      `Operation context missing ${missing_fields.join(', ')}` +
        (method_name ? ` for ${method_name}` : '') +
        `: pass them explicitly, open a using() scope, or configure defaults`,
    );
  }
}

// ---- configuration and capability ------------------------------------------------------

/** Bad setup detected at registration or startup (model, backend config, provider). */
export class ConfigurationError extends SpecStarError {
  override readonly code: string = 'configuration_error';
}

/** The chosen backend does not support what was asked (e.g. no blob store configured). */
export class NotSupportedError extends SpecStarError {
  override readonly code: string = 'not_supported';
}

/**
 * A job operation its state forbids (rerun of a `pending` or `processing` job): 400. The message
 * is the wire detail.
 */
export class JobStateError extends SpecStarError {
  override readonly code: string = 'job_state';
  constructor(
    readonly resource_id: string,
    readonly status: string,
  ) {
    super(`Cannot rerun a job with status '${status}'. Only completed or failed jobs can be rerun.`);
  }
}

/** More bytes than a limit allows (a session part, an upload): 413. `limit` is the byte limit. */
export class BlobTooLargeError extends SpecStarError {
  override readonly code: string = 'blob_too_large';
  constructor(
    readonly limit: number,
    message = `More than ${limit} bytes`,
  ) {
    super(message);
  }
}

/** An upload session id that is unknown (or not the caller's): 404. */
export class UploadSessionNotFoundError extends ResourceNotFoundError {
  override readonly code: string = 'upload_session_not_found';
  constructor(readonly upload_id: string) {
    super(`Upload session '${upload_id}' not found`);
  }
}

/** An upload-session step its state forbids (finalize twice, a part after abort, gaps at finalize): 409. */
export class UploadSessionStateError extends ResourceConflictError {
  override readonly code: string = 'upload_session_state';
  constructor(
    readonly upload_id: string,
    message: string,
  ) {
    super(message, upload_id);
  }
}

/**
 * A service the operation needs (a message broker, an object store) cannot be reached right now:
 * 503. Adapters extend it for their transport; messages name host and queue or bucket, never a
 * credential.
 */
export class ServiceUnavailableError extends SpecStarError {
  override readonly code: string = 'service_unavailable';
}

/** Migration setup or path problems ("No migration path …"). */
export class MigrationError extends SpecStarError {
  override readonly code: string = 'migration_error';
}

/** A malformed or truncated backup archive; `position` is the byte offset of the frame. */
export class ArchiveFormatError extends SpecStarError {
  override readonly code: string = 'archive_format_error';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}
