// The seeds' recommended production composition — metas in PostgreSQL, revision payloads on
// disk, blobs on S3 (PostgresDiskS3StorageFactory) — against its raw layers in the same run:
//   create ↔ write + fsync of the payload file, then BEGIN; INSERT meta row; COMMIT on postgres.js
//   get    ↔ SELECT of the meta row by key, then a read of the payload file
//   blob put / get (256 KiB) ↔ PutObject / GetObject on the raw AWS SDK client
// Sides alternate in rounds; the median round is reported (see harness.js).
//
// Run: pnpm bench:production (from the repository root) — needs PostgreSQL on 127.0.0.1:5432;
//      the S3 test server is started in process. Sizes: BENCH_PROD_OPS (default 300) writes per
//      round, BENCH_PROD_READS (default 1000) gets per round, BENCH_PROD_BLOBS (default 50).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const postgres = require('postgres');
const { GetObjectCommand, PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { SpecStar, PostgresDiskS3StorageFactory } = require('@specstar/core');
const { startS3Server } = require('@specstar/test-s3');
const { rounds, compare, report, atLeast } = require('./harness');
const { CharacterSchema, payload } = require('./fixtures');

const OPS = Number(process.env.BENCH_PROD_OPS ?? 300);
const READS = Number(process.env.BENCH_PROD_READS ?? 1000);
const BLOBS = Number(process.env.BENCH_PROD_BLOBS ?? 50);
const BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `specstar_bench_prod_${crypto.randomBytes(4).toString('hex')}`;
const BUCKET = 'bench';
const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };

/** The raw layers: a meta row in PostgreSQL and a payload file fsynced before it, as the composition writes them. */
class RawLayers {
  constructor(sql, dir, name) {
    this.sql = sql;
    this.dir = path.join(dir, name);
    this.table = name;
    fs.mkdirSync(this.dir, { recursive: true });
  }

  async init() {
    await this.sql.unsafe(`CREATE TABLE ${this.table} (id text PRIMARY KEY, rev text NOT NULL, record bytea NOT NULL)`);
    return this;
  }

  async write(id, value) {
    const file = path.join(this.dir, `${id}.json`);
    const handle = await fs.promises.open(file, 'w');
    await handle.writeFile(JSON.stringify(value));
    await handle.sync();
    await handle.close();
    const record = Buffer.from(JSON.stringify({ id, rev: `${id}:1`, updated: ctx.now.toISOString() }));
    await this.sql.begin((tx) => [tx.unsafe(`INSERT INTO ${this.table} (id, rev, record) VALUES ($1, $2, $3)`, [id, `${id}:1`, record], { prepare: true })]);
  }

  async read(id) {
    const [row] = await this.sql.unsafe(`SELECT record FROM ${this.table} WHERE id = $1`, [id], { prepare: true });
    JSON.parse(row.record.toString('utf8'));
    return JSON.parse(await fs.promises.readFile(path.join(this.dir, `${id}.json`), 'utf8'));
  }
}

async function main() {
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-prod-'));
  const admin = postgres(`${BASE}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  const sql = postgres(`${BASE}/${DB}`, { max: 4, onnotice: () => {} });
  const client = new S3Client(s3.clientConfig);
  const specs = [];
  let tables = 0;
  const composition = () => {
    const spec = new SpecStar({
      storageFactory: new PostgresDiskS3StorageFactory({
        dsn: `${BASE}/${DB}`,
        max: 4,
        tablePrefix: `p${tables++}_`,
        rootdir: path.join(rootdir, `ours${tables}`),
        s3Bucket: BUCKET,
        s3EndpointUrl: s3.endpoint,
        s3AccessKeyId: s3.credentials.accessKeyId,
        s3SecretAccessKey: s3.credentials.secretAccessKey,
      }),
    });
    specs.push(spec);
    return spec;
  };
  try {
    const create = await rounds({
      n: OPS,
      setup: async (side) => (side === 'raw' ? new RawLayers(sql, rootdir, `raw${tables++}`).init() : composition().addModel(CharacterSchema, { indexedFields: ['level'] })),
      raw: (i, raw) => raw.write(`character-${i}`, payload(i)),
      ours: (i, rm) => rm.create(payload(i), ctx),
    });
    compare('create (vs fsync file + INSERT)', create.ours, create.raw, atLeast(0.5));

    const raw = await new RawLayers(sql, rootdir, `raw${tables++}`).init();
    const spec = composition();
    const rm = spec.addModel(CharacterSchema, { indexedFields: ['level'] });
    const population = Math.max(OPS, 500);
    const ids = [];
    for (let i = 0; i < population; i++) {
      ids.push((await rm.create(payload(i), ctx)).resource_id);
      await raw.write(`character-${i}`, payload(i));
    }
    const get = await rounds({
      n: READS,
      raw: (i, _, r) => raw.read(`character-${(i * 7919 + r) % population}`),
      ours: (i, _, r) => rm.get(ids[(i * 7919 + r) % population]),
    });
    compare('get (vs SELECT + read file)', get.ours, get.raw, atLeast(0.6));

    const blobStore = spec.getBlobStore();
    const blob = (i, r) => Buffer.concat([Buffer.from(`${r}:${i}:`), crypto.randomBytes(256 * 1024)]);
    const put = await rounds({
      n: BLOBS,
      raw: (i, _, r) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `raw/${r}/${i}`, Body: blob(i, r), ContentType: 'application/octet-stream' })),
      ours: (i, _, r) => blobStore.put(blob(i, r + 1000), { contentType: 'application/octet-stream' }),
    });
    compare('blob put 256 KiB (vs PutObject)', put.ours, put.raw, atLeast(0.7));

    const stored = await blobStore.put(crypto.randomBytes(256 * 1024), { contentType: 'application/octet-stream' });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/get', Body: crypto.randomBytes(256 * 1024) }));
    const read = await rounds({
      n: BLOBS,
      raw: async () => (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw/get' }))).Body.transformToByteArray(),
      ours: () => blobStore.get(stored.file_id),
    });
    compare('blob get 256 KiB (vs GetObject)', read.ours, read.raw, atLeast(0.7));
    report('Production composition: PostgreSQL meta, disk revisions, S3 blobs');
  } finally {
    await Promise.all(specs.map((spec) => spec.close()));
    client.destroy();
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
    await s3.close();
    fs.rmSync(rootdir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
