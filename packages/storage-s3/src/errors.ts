/**
 * The one place SDK errors become SpecStar errors. SDK errors carry the request's access key id
 * (and for a bad signature the string that was signed) as properties, so they are never passed
 * on, not even as `cause`: a mapped error holds only the bucket, the operation, the key, the S3
 * error code and the HTTP status, and its message is scrubbed of every known secret.
 *
 * A missing bucket or refused credentials are the server's setup, never the caller's input:
 * S3StorageError and its subclasses are ConfigurationErrors (http-express answers 500 with a
 * generic body). An endpoint that does not answer is an outage, not a setup mistake a retry
 * cannot fix: S3EndpointUnreachableError is a ServiceUnavailableError (503). A class has one
 * parent, so it is a sibling of S3StorageError carrying the same details; `S3Error` and
 * `isS3Error` name both.
 */
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';

export interface S3ErrorContext {
  bucket: string;
  /** The endpoint as messages show it (see endpointLabel). */
  endpoint: string;
  /** The S3 operation, e.g. `GetObject`. */
  operation: string;
  key?: string;
  /** Strings no message may contain. */
  secrets: readonly string[];
}

interface S3ErrorDetails {
  bucket: string;
  operation: string;
  key?: string;
  s3Code?: string;
  status?: number;
}

/** An S3 request failed for a reason the caller cannot fix (base of the errors below). */
export class S3StorageError extends ConfigurationError {
  override readonly code: string = 's3_storage_error';
  readonly bucket: string;
  readonly operation: string;
  readonly key?: string;
  /** The error code S3 answered with (`NoSuchBucket`, `AccessDenied`, …), when it answered. */
  readonly s3_code?: string;
  readonly status?: number;

  constructor(message: string, details: S3ErrorDetails) {
    super(message);
    this.bucket = details.bucket;
    this.operation = details.operation;
    if (details.key !== undefined) this.key = details.key;
    if (details.s3Code !== undefined) this.s3_code = details.s3Code;
    if (details.status !== undefined) this.status = details.status;
  }
}

/** The bucket does not exist (or not in this account and region). */
export class S3BucketNotFoundError extends S3StorageError {
  override readonly code: string = 's3_bucket_not_found';
}

/** S3 refused the credentials or denied access to the bucket. */
export class S3CredentialsError extends S3StorageError {
  override readonly code: string = 's3_credentials';
}

/**
 * No answer from the endpoint: connection refused, DNS failure, timeout. Not an S3StorageError
 * (see the top of this file): the same details, and the endpoint (without user info).
 */
export class S3EndpointUnreachableError extends ServiceUnavailableError {
  override readonly code: string = 's3_endpoint_unreachable';
  readonly bucket: string;
  readonly operation: string;
  readonly key?: string;
  /** The system error code (`ECONNREFUSED`, `ENOTFOUND`, …) or `TimeoutError`. */
  readonly s3_code?: string;
  readonly endpoint: string;

  constructor(message: string, details: S3ErrorDetails & { endpoint: string }) {
    super(message);
    this.bucket = details.bucket;
    this.operation = details.operation;
    if (details.key !== undefined) this.key = details.key;
    if (details.s3Code !== undefined) this.s3_code = details.s3Code;
    this.endpoint = details.endpoint;
  }
}

/** Any failure of an S3 call, as the stores throw it. */
export type S3Error = S3StorageError | S3EndpointUnreachableError;

export function isS3Error(error: unknown): error is S3Error {
  return error instanceof S3StorageError || error instanceof S3EndpointUnreachableError;
}

/** An object this package wrote does not hold what it wrote (truncated or foreign). */
export class S3StoredObjectError extends S3StorageError {
  override readonly code: string = 's3_stored_object';
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

/** What an SDK error says about itself, read defensively (it may be anything thrown). */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The S3 error code (`NoSuchKey`, …) or, for a request that got no answer, the system error code. */
export function s3ErrorCode(error: unknown): string | undefined {
  const shape = shapeOf(error);
  for (const candidate of [shape.Code, shape.name, shape.code]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== 'Unknown' && candidate !== 'UnknownError') return candidate;
  }
  return undefined;
}

export function s3ErrorStatus(error: unknown): number | undefined {
  const shape = shapeOf(error);
  const status = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A missing object (GetObject's NoSuchKey, HeadObject's bare 404); never a missing bucket. */
export function isS3NotFound(error: unknown): boolean {
  const code = s3ErrorCode(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || s3ErrorStatus(error) === 404;
}

/** Shorter values are not searched for: they would mangle ordinary words and protect nothing. */
const MIN_SECRET_LENGTH = 4;

/** `text` with every secret replaced. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * The system error code of a request that got no answer, else undefined. The SDK may hand the
 * socket error over wrapped (`AWS SDK error wrapper for Error: connect ECONNREFUSED …`, e.g. when
 * it comes from another realm), so the message is read too.
 */
function networkFailure(error: unknown, status: number | undefined): string | undefined {
  if (status !== undefined) return undefined;
  const shape = shapeOf(error);
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  if (code !== undefined && NETWORK_CODES.has(code)) return code;
  const name = typeof shape.name === 'string' ? shape.name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT') return name === 'AbortError' ? name : 'TimeoutError';
  const message = typeof shape.message === 'string' ? shape.message : '';
  return [...NETWORK_CODES].find((candidate) => message.includes(candidate));
}

/** Maps anything an S3 call threw to a typed error naming the bucket (and the endpoint when unreachable). */
export function mapS3Error(error: unknown, context: S3ErrorContext): S3Error {
  if (isS3Error(error)) return error;
  const status = s3ErrorStatus(error);
  const s3Code = s3ErrorCode(error);
  const details: S3ErrorDetails = {
    bucket: context.bucket,
    operation: context.operation,
    ...(context.key !== undefined && { key: context.key }),
    ...(s3Code !== undefined && { s3Code }),
    ...(status !== undefined && { status }),
  };
  const bucket = `'${context.bucket}'`;
  if (s3Code === 'NoSuchBucket') {
    return new S3BucketNotFoundError(`S3 bucket ${bucket} does not exist at ${context.endpoint} (${context.operation})`, details);
  }
  if ((s3Code !== undefined && CREDENTIAL_CODES.has(s3Code)) || status === 403) {
    const reason = s3Code === undefined ? `HTTP ${String(status)}` : s3Code;
    return new S3CredentialsError(
      `S3 refused access to bucket ${bucket} (${context.operation}: ${reason}): check the credentials and the bucket's permissions`,
      details,
    );
  }
  const unanswered = networkFailure(error, status);
  if (unanswered !== undefined) {
    return new S3EndpointUnreachableError(`S3 endpoint ${context.endpoint} is unreachable (${unanswered}) for bucket ${bucket}`, {
      ...details,
      s3Code: unanswered,
      endpoint: context.endpoint,
    });
  }
  const message = typeof shapeOf(error).message === 'string' ? redact(String(shapeOf(error).message), context.secrets) : '';
  const what = [s3Code, status === undefined ? undefined : `HTTP ${status}`].filter((part) => part !== undefined).join(', ');
  const on = context.key === undefined ? '' : ` for key '${context.key}'`;
  return new S3StorageError(
    `S3 ${context.operation} on bucket ${bucket}${on} failed${what === '' ? '' : ` (${what})`}${message === '' ? '' : `: ${message}`}`,
    details,
  );
}
