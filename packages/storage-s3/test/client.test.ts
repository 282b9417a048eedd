import { S3Client } from '@aws-sdk/client-s3';
import { BackendConfigError } from '@specstar/core/adapter';
import { createS3Client, endpointLabel, s3ClientConfig, s3ClientConfigFromOptions, s3SettingsFromOptions, secretsOf } from '../src/client';

const SECRET = 'wJalrXUtnFEMI-very-secret-value';

function configError(run: () => unknown): BackendConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BackendConfigError);
    return error as BackendConfigError;
  }
  throw new Error('expected a BackendConfigError');
}

describe('provider-style options → S3Client config', () => {
  it('defaults: us-east-1, virtual-hosted addressing on AWS, checksums only where required', () => {
    expect(s3ClientConfigFromOptions({ bucket: 'b' })).toEqual({
      region: 'us-east-1',
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it.each([
    ['access_key_id', 'secret_access_key', 'region_name', 'endpoint_url'],
    ['s3_access_key_id', 's3_secret_access_key', 's3_region', 's3_endpoint_url'],
  ])('reads the %s spelling family', (key, secret, region, endpoint) => {
    const config = s3ClientConfigFromOptions({ [key]: 'AKIA1', [secret]: SECRET, [region]: 'eu-west-3', [endpoint]: 'http://minio:9000' });
    expect(config).toMatchObject({
      region: 'eu-west-3',
      endpoint: 'http://minio:9000',
      credentials: { accessKeyId: 'AKIA1', secretAccessKey: SECRET },
      // A custom endpoint implies path-style addressing.
      forcePathStyle: true,
    });
  });

  it('both spellings with the same value are fine; different values are an error naming the option, not the values', () => {
    expect(s3SettingsFromOptions({ region_name: 'eu-west-1', s3_region: 'eu-west-1' }).region).toBe('eu-west-1');
    const error = configError(() => s3SettingsFromOptions({ secret_access_key: SECRET, s3_secret_access_key: `${SECRET}2`, access_key_id: 'k' }));
    expect(error).toMatchObject({ problem: 'invalid_field', provider: 's3', option: 's3_secret_access_key' });
    expect(error.message).not.toContain(SECRET);
  });

  it('an access key without a secret (or the reverse) names the missing option', () => {
    expect(configError(() => s3SettingsFromOptions({ access_key_id: 'AKIA1' }))).toMatchObject({ problem: 'missing_option', option: 'secret_access_key' });
    expect(configError(() => s3SettingsFromOptions({ s3_secret_access_key: SECRET }))).toMatchObject({ problem: 'missing_option', option: 'access_key_id' });
  });

  it('a non-string credential is an error that shows its type, never its value', () => {
    const error = configError(() => s3SettingsFromOptions({ access_key_id: 'k', secret_access_key: { value: SECRET } }));
    expect(error).toMatchObject({ option: 'secret_access_key' });
    expect(error.message).toContain('got object');
    expect(error.message).not.toContain(SECRET);
  });

  it('an endpoint must be an http(s) URL', () => {
    expect(configError(() => s3SettingsFromOptions({ endpoint_url: 'minio:9000' }))).toMatchObject({ option: 'endpoint_url' });
    expect(configError(() => s3SettingsFromOptions({ s3_endpoint_url: 42 }))).toMatchObject({ option: 's3_endpoint_url' });
  });

  it('client_kwargs are merged last: camelCase as is, snake_case camel-cased, boto3 names mapped', () => {
    const config = s3ClientConfigFromOptions({
      endpoint_url: 'http://minio:9000',
      client_kwargs: { forcePathStyle: false, max_attempts: 5, retry_mode: 'adaptive', request_checksum_calculation: 'WHEN_SUPPORTED' },
    });
    expect(config).toMatchObject({ forcePathStyle: false, maxAttempts: 5, retryMode: 'adaptive', requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const boto = s3ClientConfigFromOptions({
      s3_client_kwargs: { endpoint_url: 'https://r2.example.com', region_name: 'auto', aws_access_key_id: 'AKIA2', aws_secret_access_key: SECRET, aws_session_token: 'tok3n-value', addressing_style: 'virtual' },
    });
    expect(boto).toMatchObject({
      endpoint: 'https://r2.example.com',
      region: 'auto',
      credentials: { accessKeyId: 'AKIA2', secretAccessKey: SECRET, sessionToken: 'tok3n-value' },
      forcePathStyle: false,
    });
  });

  it('client_kwargs must be an object', () => {
    expect(configError(() => s3SettingsFromOptions({ client_kwargs: 'x' }))).toMatchObject({ option: 'client_kwargs' });
    expect(configError(() => s3SettingsFromOptions({ s3_client_kwargs: [] }))).toMatchObject({ option: 's3_client_kwargs' });
    expect(configError(() => s3SettingsFromOptions({ client_kwargs: { addressing_style: 'sideways' } }))).toMatchObject({ option: 'client_kwargs' });
  });

  it('typed settings: forcePathStyle and clientConfig override the defaults', () => {
    expect(s3ClientConfig({ endpoint: 'http://localhost:9000', forcePathStyle: false })).toMatchObject({ forcePathStyle: false });
    expect(s3ClientConfig({ region: 'ap-south-1', clientConfig: { region: 'eu-north-1' } })).toMatchObject({ region: 'eu-north-1' });
    expect(createS3Client({ region: 'eu-west-1' })).toBeInstanceOf(S3Client);
  });

  it('messages name the endpoint without its user info, and secrets include credentials and the endpoint password', () => {
    const settings = { endpoint: `https://user:${SECRET}@minio.internal:9000/?x=1`, credentials: { accessKeyId: 'AKIA3', secretAccessKey: 'other-secret' } };
    expect(endpointLabel(settings)).toBe('https://minio.internal:9000');
    expect(endpointLabel({ region: 'eu-west-1' })).toBe('AWS S3 (eu-west-1)');
    expect(secretsOf(settings)).toEqual(expect.arrayContaining(['AKIA3', 'other-secret', SECRET]));
  });
});
