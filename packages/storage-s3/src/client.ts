/**
 * How the S3 stores reach S3: the connection options in both forms — provider-style (the backend
 * config's snake_case options, each credential, region and endpoint option in its two spellings)
 * and typed camelCase for direct construction — and the one place that turns them into an
 * S3Client config.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BackendConfigError } from '@specstar/core/adapter';

export const DEFAULT_REGION = 'us-east-1';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where and as whom to connect; every field optional (the SDK's defaults fill the rest). */
export interface S3ClientSettings {
  /** Default `us-east-1`. */
  region?: string;
  /** A custom endpoint (MinIO, s3rver, …); implies path-style addressing unless `forcePathStyle` says otherwise. */
  endpoint?: string;
  /** Static credentials; without them the SDK's default chain (environment, profile, instance role) applies. */
  credentials?: S3Credentials;
  forcePathStyle?: boolean;
  /** Any further S3ClientConfig fields, merged last (they win over the fields above). */
  clientConfig?: Partial<S3ClientConfig>;
}

/** A bucket and the way to reach it: what every S3 store of this package is constructed with. */
export interface S3ConnectionOptions extends S3ClientSettings {
  bucket: string;
  /**
   * An S3Client to use instead of building one from the settings (stores of one backend share
   * it); a store never destroys a client it was given.
   */
  client?: S3Client;
}

const PROVIDER = 's3';

function optionError(message: string, option: string): BackendConfigError {
  return new BackendConfigError(message, { problem: 'invalid_field', provider: PROVIDER, option });
}

/** The value of an option accepted under two names; both given with different values is an error. */
function eitherSpelling(options: Readonly<Record<string, unknown>>, names: readonly [string, string]): { name: string; value: unknown } | undefined {
  const present = names.filter((name) => options[name] !== undefined && options[name] !== null);
  if (present.length === 2 && JSON.stringify(options[names[0]]) !== JSON.stringify(options[names[1]])) {
    // Never echo the values: they may be secrets.
    throw optionError(`Options '${names[0]}' and '${names[1]}' of backend type 's3' are the same setting and were given different values`, names[1]);
  }
  const name = present[0];
  return name === undefined ? undefined : { name, value: options[name] };
}

function stringOption(options: Readonly<Record<string, unknown>>, names: readonly [string, string], secret = false): string | undefined {
  const found = eitherSpelling(options, names);
  if (found === undefined) return undefined;
  if (typeof found.value !== 'string' || found.value.trim() === '') {
    const shown = secret ? typeof found.value : JSON.stringify(found.value);
    throw optionError(`Option '${found.name}' of backend type 's3' must be a non-empty string, got ${shown}`, found.name);
  }
  return found.value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

// boto3.client() keyword names a Python config may carry in client_kwargs, and where they go.
const BOTO_SETTINGS: Readonly<Record<string, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>> = {
  endpoint_url: 'endpoint',
  region_name: 'region',
  aws_access_key_id: 'accessKeyId',
  aws_secret_access_key: 'secretAccessKey',
  aws_session_token: 'sessionToken',
};

const camelCase = (name: string): string => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/**
 * `client_kwargs` as S3ClientConfig fields: camelCase keys pass as they are, snake_case keys are
 * camel-cased (`max_attempts` → `maxAttempts`), boto3's `addressing_style` ('path' | 'virtual')
 * becomes `forcePathStyle`, and boto3's connection keywords (`endpoint_url`, `region_name`,
 * `aws_access_key_id`, …) land where their S3ClientConfig equivalents do.
 */
function clientKwargs(options: Readonly<Record<string, unknown>>): { config: Partial<S3ClientConfig>; boto: Partial<Record<string, string>> } | undefined {
  const found = eitherSpelling(options, ['client_kwargs', 's3_client_kwargs']);
  if (found === undefined) return undefined;
  if (!isPlainObject(found.value)) {
    throw optionError(`Option '${found.name}' of backend type 's3' must be an object of S3 client options, got ${Array.isArray(found.value) ? 'an array' : typeof found.value}`, found.name);
  }
  const config: Partial<S3ClientConfig> & Record<string, unknown> = {};
  const boto: Record<string, string> = {};
  for (const [key, value] of Object.entries(found.value)) {
    const target = BOTO_SETTINGS[key];
    if (target !== undefined) {
      if (typeof value !== 'string') throw optionError(`Option '${found.name}.${key}' of backend type 's3' must be a string`, found.name);
      boto[target] = value;
    } else if (key === 'addressing_style') {
      if (value !== 'path' && value !== 'virtual' && value !== 'auto') {
        throw optionError(`Option '${found.name}.addressing_style' of backend type 's3' must be 'path', 'virtual' or 'auto'`, found.name);
      }
      if (value !== 'auto') config['forcePathStyle'] = value === 'path';
    } else {
      config[camelCase(key)] = value;
    }
  }
  return { config, boto };
}

/**
 * The connection settings of provider-style options (the backend config's `s3` options):
 * `access_key_id` / `s3_access_key_id`, `secret_access_key` / `s3_secret_access_key`,
 * `region_name` / `s3_region`, `endpoint_url` / `s3_endpoint_url`, `client_kwargs` /
 * `s3_client_kwargs`. Other options are ignored. BackendConfigError names a bad option and
 * never shows a credential's value.
 */
export function s3SettingsFromOptions(options: Readonly<Record<string, unknown>>): S3ClientSettings {
  const kwargs = clientKwargs(options);
  const accessKeyId = stringOption(options, ['access_key_id', 's3_access_key_id'], true) ?? kwargs?.boto['accessKeyId'];
  const secretAccessKey = stringOption(options, ['secret_access_key', 's3_secret_access_key'], true) ?? kwargs?.boto['secretAccessKey'];
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? 'access_key_id' : 'secret_access_key';
    throw new BackendConfigError(`Backend type 's3' needs option '${missing}' too: an access key and a secret key go together`, {
      problem: 'missing_option',
      provider: PROVIDER,
      option: missing,
    });
  }
  const endpoint = stringOption(options, ['endpoint_url', 's3_endpoint_url']) ?? kwargs?.boto['endpoint'];
  if (endpoint !== undefined && !/^https?:\/\/[^/]/i.test(endpoint)) {
    throw optionError(`Option 'endpoint_url' of backend type 's3' must be an http:// or https:// URL`, 'endpoint_url');
  }
  const region = stringOption(options, ['region_name', 's3_region']) ?? kwargs?.boto['region'];
  const sessionToken = kwargs?.boto['sessionToken'];
  return {
    ...(region !== undefined && { region }),
    ...(endpoint !== undefined && { endpoint }),
    ...(accessKeyId !== undefined &&
      secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) } }),
    ...(kwargs !== undefined && Object.keys(kwargs.config).length > 0 && { clientConfig: kwargs.config }),
  };
}

/**
 * The S3Client config of the settings. Defaults: region `us-east-1`; path-style addressing when
 * an endpoint is given; request checksums and response validation only where S3 requires them
 * (`WHEN_REQUIRED`: S3-compatible servers and presigned PUTs break on the SDK's default CRC32
 * headers). `clientConfig` is merged last.
 */
export function s3ClientConfig(settings: S3ClientSettings): S3ClientConfig {
  const merged: S3ClientConfig = {
    region: settings.region ?? DEFAULT_REGION,
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
    ...(settings.credentials !== undefined && { credentials: { ...settings.credentials } }),
    ...(settings.forcePathStyle !== undefined && { forcePathStyle: settings.forcePathStyle }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...settings.clientConfig,
  };
  merged.forcePathStyle ??= merged.endpoint !== undefined;
  return merged;
}

/** Provider-style options straight to an S3Client config (`s3SettingsFromOptions` then `s3ClientConfig`). */
export function s3ClientConfigFromOptions(options: Readonly<Record<string, unknown>>): S3ClientConfig {
  return s3ClientConfig(s3SettingsFromOptions(options));
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client(s3ClientConfig(settings));
}

/** The strings no message may contain: the credential values and an endpoint's password. */
export function secretsOf(settings: S3ClientSettings): string[] {
  const secrets: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.length > 0) secrets.push(value);
  };
  for (const credentials of [settings.credentials, settings.clientConfig?.credentials]) {
    if (isPlainObject(credentials)) {
      add(credentials['accessKeyId']);
      add(credentials['secretAccessKey']);
      add(credentials['sessionToken']);
    }
  }
  for (const endpoint of [settings.endpoint, settings.clientConfig?.endpoint]) {
    if (typeof endpoint !== 'string') continue;
    try {
      const url = new URL(endpoint);
      add(decodeURIComponent(url.password));
      add(url.password);
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return secrets;
}

/** The endpoint as messages show it: no user info, no query; AWS's regional endpoint when none is set. */
export function endpointLabel(settings: S3ClientSettings): string {
  const endpoint = settings.clientConfig?.endpoint ?? settings.endpoint;
  if (typeof endpoint !== 'string') return `AWS S3 (${String(settings.clientConfig?.region ?? settings.region ?? DEFAULT_REGION)})`;
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured endpoint';
  }
}
