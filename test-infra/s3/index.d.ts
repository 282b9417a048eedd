export interface S3TestServer {
  /** The endpoint clients use: the conditional layer, or s3rver itself with `conditional: false`. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Settings for `new S3Client(…)` that work against s3rver. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
    requestChecksumCalculation: 'WHEN_REQUIRED';
    responseChecksumValidation: 'WHEN_REQUIRED';
  };
  /** s3rver without the conditional layer. */
  upstreamEndpoint: string;
  close(): Promise<void>;
}

export function startS3Server(options?: { buckets?: string[]; conditional?: boolean; directory?: string; port?: number }): Promise<S3TestServer>;
export const S3_TEST_CREDENTIALS: { accessKeyId: string; secretAccessKey: string };
export const S3_TEST_REGION: string;
