import * as net from 'node:net';
import { inspect } from 'node:util';
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';
import { S3BlobStore } from '../src/blob-store';
import { S3BucketNotFoundError, S3CredentialsError, S3EndpointUnreachableError, isS3Error, type S3Error } from '../src/errors';
import { S3ResourceStore } from '../src/resource-store';
import { BUCKET, bytes, storeFixture } from './s3-fixture';

// Missing bucket, refused credentials, unreachable endpoint: each a typed error naming the
// bucket (and the endpoint), whose message, inspection and JSON never show a secret. The first
// two are ConfigurationErrors (the server's setup: 500 over HTTP), the last a
// ServiceUnavailableError (an outage: 503).
const s3 = storeFixture();

const ACCESS_KEY = 'AKIAEXAMPLEKEY777777';
const SECRET = 'wJalrXUtnFEMI-very-secret-value';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(run: () => Promise<unknown>): Promise<S3Error> {
  try {
    await run();
  } catch (error) {
    expect(isS3Error(error)).toBe(true);
    return error as S3Error;
  }
  throw new Error('expected the call to fail');
}

/** Everything a log line, a debugger or an HTTP body could show of the error. */
function shown(error: Error): string {
  return [error.message, String(error.stack), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error)].join('\n');
}

function expectNoSecret(error: Error, ...secrets: string[]): void {
  const all = shown(error);
  for (const secret of secrets) expect(all).not.toContain(secret);
}

describe('S3 stores on a bad connection', () => {
  it('a missing bucket is S3BucketNotFoundError naming the bucket, on every kind of call', async () => {
    const blobs = new S3BlobStore({ ...s3.settings(), bucket: 'no-such-bucket' });
    const records = new S3ResourceStore({ ...s3.settings(), bucket: 'no-such-bucket' });
    const calls: Array<() => Promise<unknown>> = [
      () => blobs.put(bytes('x')),
      () => blobs.put(bytes('x'), { key: 'k' }),
      () => blobs.get('k'),
      () => blobs.exists('k'),
      () => blobs.getDocument('ns', 'k'),
      () => blobs.uploads.listParts('u'),
      () => records.save({ uid: 'u', resource_id: 'a', revision_id: 'a:1', parent_revision_id: null, schema_version: null, status: 'stable', created_time: new Date(0), updated_time: new Date(0), created_by: 'x', updated_by: 'x' }, bytes('x')),
      () => records.get('a', 'a:1', null),
      () => records.exists('a', 'a:1', null),
      () => records.listRevisions('a'),
    ];
    for (const call of calls) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(S3BucketNotFoundError);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 's3_bucket_not_found', bucket: 'no-such-bucket' });
      expect(error.message).toContain("'no-such-bucket'");
    }
    await blobs.close();
    await records.close();
  });

  it('an unknown access key is S3CredentialsError naming the bucket and the credentials, never their values', async () => {
    const store = new S3BlobStore({ ...s3.settings(), bucket: BUCKET, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET } });
    for (const call of [() => store.get('k'), () => store.exists('k'), () => store.put(bytes('x'), { key: 'k' })]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(S3CredentialsError);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(`'${BUCKET}'`);
      expect(error.message).toContain('credentials');
      expectNoSecret(error, ACCESS_KEY, SECRET);
    }
    await store.close();
  });

  it('an unreachable endpoint is S3EndpointUnreachableError naming the endpoint (and no password in it)', async () => {
    const port = await closedPort();
    const store = new S3BlobStore({
      ...s3.settings(),
      endpoint: `http://user:${SECRET}@127.0.0.1:${port}`,
      bucket: BUCKET,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      // No retries: the first refused connection is the answer.
      clientConfig: { maxAttempts: 1 },
    });
    for (const call of [() => store.get('k'), () => store.exists('k'), () => store.put(bytes('x'))]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(S3EndpointUnreachableError);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).not.toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 's3_endpoint_unreachable', endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, s3_code: 'ECONNREFUSED' });
      expect(error.message).toContain(`http://127.0.0.1:${port}`);
      expectNoSecret(error, ACCESS_KEY, SECRET);
    }
    await store.close();
  });

  it('a store without a bucket name is refused at construction', () => {
    expect(() => new S3BlobStore({ ...s3.settings(), bucket: '' })).toThrow(ConfigurationError);
    expect(() => new S3ResourceStore({ ...s3.settings(), bucket: undefined as unknown as string })).toThrow(/bucket/);
  });
});
