// S3 blob-store benchmark (@specstar/storage-s3's S3BlobStore), each case against the raw AWS
// SDK on the same server, measured in the same run through the same loop:
//   put  ↔ PutObject of the same bytes with the same Content-Type (ours: hash the bytes, then one
//          PutObject with If-None-Match: * — a content-addressed key that exists is not rewritten)
//   get  ↔ GetObject + reading the body into one Uint8Array
//   put of a blob that exists ↔ PutObject again (ours: S3 refuses it with 412, nothing stored)
// at 1 KiB and 1 MiB. The S3 server (s3rver, test-infra/s3) runs in a child process, so its CPU
// is not this process's; both sides talk to it over loopback with one SDK client each. s3rver
// ignores If-None-Match, so the put cases talk to it directly (S3 decides the condition inside
// the PUT, at no extra cost) and the "exists" case goes, on both sides, through the test
// server's conditional layer, which answers the 412 the way S3 does (after a HEAD of its own).
// Sides alternate in rounds; the median round is reported (see harness.js).
//
// Run: pnpm bench:s3 (from the repository root)
//      node test-infra/bench/s3.js
// Sizes: BENCH_S3_SMALL_OPS (default 300) 1 KiB operations per round, BENCH_S3_LARGE_OPS
// (default 30) 1 MiB operations per round. BENCH_S3_ENDPOINT (with BENCH_S3_BUCKET, and the
// AWS_* environment for credentials and region) measures against another S3 endpoint instead.
'use strict';
const { fork } = require('node:child_process');
const crypto = require('node:crypto');
const { S3Client, PutObjectCommand, GetObjectCommand, CreateBucketCommand } = require('@aws-sdk/client-s3');
const { xxh3Hex } = require('@specstar/core/adapter');
const { S3BlobStore } = require('@specstar/storage-s3');
const { rounds, compare, report, atLeast } = require('./harness');

const SMALL_OPS = Number(process.env.BENCH_S3_SMALL_OPS ?? 300);
const LARGE_OPS = Number(process.env.BENCH_S3_LARGE_OPS ?? 30);
// Network latency varies more than in-process work: more rounds for a steadier median.
const ROUNDS = 7;
const KIB = 1024;
const MIB = 1024 * 1024;
const RUN = crypto.randomBytes(4).toString('hex');

/**
 * Starts the test server in a child process; resolves to the client settings of s3rver itself
 * (`direct`) and of its conditional layer (`conditional`), and a stop().
 */
function startServerProcess() {
  const start = `require('@specstar/test-s3').startS3Server({ buckets: ['bench'] }).then((s) => process.send({ config: s.clientConfig, upstream: s.upstreamEndpoint }))`;
  const child = fork('-e', [start], { cwd: __dirname, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the S3 test server exited (${code})`)));
    child.once('message', ({ config, upstream }) =>
      resolve({ direct: { ...config, endpoint: upstream }, conditional: config, bucket: 'bench', stop: () => child.kill() }),
    );
  });
}

async function target() {
  if (process.env.BENCH_S3_ENDPOINT === undefined) return startServerProcess();
  const bucket = process.env.BENCH_S3_BUCKET ?? 'specstar-bench';
  const config = { endpoint: process.env.BENCH_S3_ENDPOINT, forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' };
  await new S3Client(config).send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
  return { direct: config, conditional: config, bucket, stop: () => undefined };
}

/** Our store and a raw client on one endpoint, with the raw operations the cases compare with. */
function sides(config, bucket) {
  const raw = new S3Client(config);
  const { endpoint, region, credentials } = config;
  const store = new S3BlobStore({ bucket, prefix: `bench-${RUN}/ours/`, endpoint, region, ...(credentials && { credentials }) });
  return {
    store,
    put: (key, data) => raw.send(new PutObjectCommand({ Bucket: bucket, Key: `bench-${RUN}/raw/${key}`, Body: data, ContentType: 'application/octet-stream' })),
    get: async (key) => {
      const answer = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: `bench-${RUN}/raw/${key}` }));
      return answer.Body.transformToByteArray();
    },
    close: async () => {
      await store.close();
      raw.destroy();
    },
  };
}

/** Distinct bytes per (size, round, index): content addressing must not turn a put into a no-op. */
function bytesFor(base, round, i) {
  const data = Buffer.from(base);
  data.writeUInt32BE(round, 0);
  data.writeUInt32BE(i, 4);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function main() {
  const server = await target();
  const direct = sides(server.direct, server.bucket);
  const conditional = sides(server.conditional, server.bucket);
  const octets = { contentType: 'application/octet-stream' };
  try {
    for (const [label, size, n] of [
      ['1 KiB', KIB, SMALL_OPS],
      ['1 MiB', MIB, LARGE_OPS],
    ]) {
      const base = crypto.randomBytes(size);
      const put = await rounds({
        rounds: ROUNDS,
        n,
        raw: (i, _, r) => direct.put(`${label}-${r}-${i}`, bytesFor(base, r, i)),
        ours: (i, _, r) => direct.store.put(bytesFor(base, r, i), octets),
      });
      compare(`put ${label} (vs PutObject)`, put.ours, put.raw, atLeast(0.7));

      // The objects of round 0 exist on both sides now: read them back.
      const ids = [];
      for (let i = 0; i < n; i++) ids.push(xxh3Hex(bytesFor(base, 0, i)));
      const get = await rounds({
        rounds: ROUNDS,
        n,
        raw: (i) => direct.get(`${label}-0-${i}`),
        ours: (i) => direct.store.get(ids[i]),
      });
      compare(`get ${label} (vs GetObject)`, get.ours, get.raw, atLeast(0.7));

      for (let i = 0; i < n; i++) await conditional.store.put(bytesFor(base, 0, i), octets);
      const again = await rounds({
        rounds: ROUNDS,
        n,
        raw: (i) => conditional.put(`${label}-0-${i}`, bytesFor(base, 0, i)),
        ours: (i) => conditional.store.put(bytesFor(base, 0, i), octets),
      });
      compare(`put ${label} that exists (vs PutObject)`, again.ours, again.raw);
    }
    report(`SpecStar S3 blob store against the raw AWS SDK — ${SMALL_OPS} × 1 KiB and ${LARGE_OPS} × 1 MiB per round, node ${process.version}`);
  } finally {
    await direct.close();
    await conditional.close();
    server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
