import { ConfigurationError, ResourceConflictError } from '@specstar/interfaces';

/**
 * Another process changed the meta database object since this process loaded or last wrote it
 * (its ETag moved: S3 answered 412 to the conditional PUT, or 404 because the object was
 * deleted). The write was not applied, here or in the bucket. A ResourceConflictError: 409 over
 * HTTP. With `auto_reload_on_conflict` the store reloads and retries before giving up with it.
 */
export class MetaSyncConflictError extends ResourceConflictError {
  override readonly code: string = 'meta_sync_conflict';
  constructor(
    readonly bucket: string,
    readonly key: string,
    /** Whether the store reloaded the object before giving up. */
    readonly reloaded: boolean,
    resourceId?: string,
  ) {
    super(
      `The metadata object s3://${bucket}/${key} was changed by another writer since this process read it; ` +
        (reloaded
          ? `the write was retried on the reloaded copy and conflicted again, so it was not applied`
          : `the write was not applied (retry it: this process reloads the object before its next operation; or set auto_reload_on_conflict)`),
      resourceId,
    );
  }
}

/** The object at the meta key is not a SQLite database this store can open. */
export class MetaObjectError extends ConfigurationError {
  override readonly code: string = 'meta_object_invalid';
  constructor(
    readonly bucket: string,
    readonly key: string,
    reason: string,
  ) {
    super(`The metadata object s3://${bucket}/${key} is not a SpecStar meta database: ${reason}`);
  }
}
