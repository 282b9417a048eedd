import { inspect } from 'node:util';
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';
import { S3BucketNotFoundError, S3CredentialsError, S3EndpointUnreachableError, S3StorageError, isS3NotFound, mapS3Error, redact } from '../src/errors';

// The mapping on errors shaped as the SDK throws them, for the answers the test server cannot
// give (s3rver checks access key ids but not signatures, and never times out).
const SECRET = 'wJalrXUtnFEMI-very-secret-value';
const ACCESS_KEY = 'AKIAEXAMPLEKEY777777';
const context = { bucket: 'media', endpoint: 'https://s3.example.com', operation: 'GetObject', key: 'blobs/x', secrets: [ACCESS_KEY, SECRET] };

/** An error as the SDK deserialises an S3 error answer: name = code, the XML fields as properties. */
function sdkError(code: string, status: number, message: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: status }, ...fields });
}

function everythingShown(error: Error): string {
  return [error.message, String(error.stack), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)].join('\n');
}

describe('mapS3Error', () => {
  it('a bad signature is S3CredentialsError that keeps none of the SDK error (its key id and signed string)', () => {
    const raw = sdkError('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided.', {
      AWSAccessKeyId: ACCESS_KEY,
      StringToSign: `AWS4-HMAC-SHA256\n20260101T000000Z\n${ACCESS_KEY}`,
      SignatureProvided: 'abc',
    });
    const error = mapS3Error(raw, context);
    expect(error).toBeInstanceOf(S3CredentialsError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ bucket: 'media', operation: 'GetObject', key: 'blobs/x', s3_code: 'SignatureDoesNotMatch', status: 403 });
    expect(error.message).toMatch(/bucket 'media'.*credentials/);
    expect(error.cause).toBeUndefined();
    const shown = everythingShown(error);
    expect(shown).not.toContain(ACCESS_KEY);
    expect(shown).not.toContain(SECRET);
  });

  it.each(['InvalidAccessKeyId', 'AccessDenied', 'ExpiredToken'])('%s is S3CredentialsError', (code) => {
    expect(mapS3Error(sdkError(code, 403, 'denied'), context)).toBeInstanceOf(S3CredentialsError);
  });

  it('a bare 403 (HEAD answers have no body) is S3CredentialsError', () => {
    expect(mapS3Error(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 } }), context)).toBeInstanceOf(S3CredentialsError);
  });

  it('NoSuchBucket is S3BucketNotFoundError naming the bucket, and never "not found" for a key', () => {
    const raw = sdkError('NoSuchBucket', 404, 'The specified bucket does not exist');
    const error = mapS3Error(raw, context);
    expect(error).toBeInstanceOf(S3BucketNotFoundError);
    expect(error.message).toContain("'media'");
    expect(isS3NotFound(raw)).toBe(false);
    expect(isS3NotFound(sdkError('NoSuchKey', 404, 'The specified key does not exist.'))).toBe(true);
    expect(isS3NotFound(Object.assign(new Error('UnknownError'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }))).toBe(true);
  });

  it('a timeout or a socket error without an answer is S3EndpointUnreachableError naming the endpoint', () => {
    const timeout = mapS3Error(Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: {} }), context);
    expect(timeout).toBeInstanceOf(S3EndpointUnreachableError);
    // An outage (503 over HTTP), not the server's setup (500).
    expect(timeout).toBeInstanceOf(ServiceUnavailableError);
    expect(timeout).not.toBeInstanceOf(ConfigurationError);
    expect(timeout).toMatchObject({ endpoint: 'https://s3.example.com', s3_code: 'TimeoutError' });
    const dns = mapS3Error(Object.assign(new Error('getaddrinfo ENOTFOUND s3.example.com'), { code: 'ENOTFOUND', $metadata: {} }), context);
    expect(dns).toBeInstanceOf(S3EndpointUnreachableError);
    expect(dns.message).toContain('https://s3.example.com');
  });

  it('anything else is S3StorageError with the S3 code and status, its message scrubbed of secrets', () => {
    const error = mapS3Error(sdkError('InternalError', 500, `We encountered an internal error (${SECRET})`), context);
    expect(error.constructor).toBe(S3StorageError);
    expect(error).toMatchObject({ s3_code: 'InternalError', status: 500 });
    expect(error.message).toContain('InternalError, HTTP 500');
    expect(everythingShown(error)).not.toContain(SECRET);
  });

  it('redact replaces every occurrence but leaves too-short values alone', () => {
    expect(redact(`a ${SECRET} b ${SECRET}`, [SECRET])).toBe('a [redacted] b [redacted]');
    expect(redact('a wrapper', ['a'])).toBe('a wrapper');
  });
});
