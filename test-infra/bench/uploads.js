// Upload-session benchmark: a large blob sent as a proxy upload session (parts of 5 MiB, several
// in flight) to a mount() server on disk storage, against the raw layer on the same machine: a
// bare express server that writes the same bytes to files (each part streamed to a temp file,
// fsynced, renamed; then the parts concatenated into one file and fsynced).
//   parts      MiB/s of the PUTs (multipart part `file` → the disk staging, fsync per part)
//   finalize   MiB/s of finalize (hash pass over the parts, then the blob streamed to its file)
//   total      MiB/s from the first PUT to the finalize answer
//   RSS        the server's peak RSS growth over its RSS when it started listening: flat when
//              parts are streamed and never held whole (the same growth for 25 and 100 MiB)
// Each server runs in its own child process (fresh per size and side) on 127.0.0.1, on its own
// temp directory.
// BENCH_UPLOADS_STORE=s3: the same session through the S3 blob store (S3StorageFactory) on the S3
// test server (s3rver behind its conditional layer, in a child process of its own), against a
// bare express server that streams each part to an object (PutObject) and at finalize streams the
// parts, in order, into one object: the same S3 work as the store's staging, without the hash.
// Run: pnpm bench:uploads (from the repository root).
// Knobs: BENCH_UPLOADS_MIB (default "25,100": session sizes in MiB), BENCH_UPLOADS_PART_MIB
// (default 5), BENCH_UPLOADS_CONCURRENCY (default 4 parts in flight), BENCH_UPLOADS_DIR,
// BENCH_UPLOADS_STORE (disk or s3, default disk).
'use strict';
const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const MiB = 1024 * 1024;
const HOST = '127.0.0.1';
const SIZES = (process.env.BENCH_UPLOADS_MIB ?? '25,100').split(',').filter(Boolean).map(Number);
const PART_MIB = Number(process.env.BENCH_UPLOADS_PART_MIB ?? 5);
const CONCURRENCY = Number(process.env.BENCH_UPLOADS_CONCURRENCY ?? 4);
const BASE_DIR = process.env.BENCH_UPLOADS_DIR ?? os.tmpdir();
const STORE = process.env.BENCH_UPLOADS_STORE ?? 'disk';
if (STORE !== 'disk' && STORE !== 's3') throw new RangeError(`BENCH_UPLOADS_STORE must be disk or s3, got ${STORE}`);
const S3_BUCKET = 'bench-uploads';
for (const [name, value] of [['BENCH_UPLOADS_MIB', Math.min(...SIZES)], ['BENCH_UPLOADS_PART_MIB', PART_MIB], ['BENCH_UPLOADS_CONCURRENCY', CONCURRENCY]]) {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must hold positive integers`);
}

// ------------------------------------------------------------------------- server processes

/** Durable write of a request body to dir/name: temp file, fsync, rename, directory fsync. */
async function writeBody(req, dir, name) {
  const temp = path.join(dir, `~${name}.${process.pid}.${Date.now()}`);
  await new Promise((resolve, reject) => {
    const out = fs.createWriteStream(temp);
    req.pipe(out);
    out.on('finish', resolve);
    out.on('error', reject);
    req.on('error', reject);
  });
  const fd = fs.openSync(temp, 'r+');
  fs.fdatasyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(temp, path.join(dir, name));
  const dirFd = fs.openSync(dir, 'r');
  fs.fsyncSync(dirFd);
  fs.closeSync(dirFd);
}

/** The raw finalize: the parts concatenated, in order, into one file, fsynced. */
async function concatenate(dir, count) {
  const target = path.join(dir, 'blob');
  const out = fs.createWriteStream(target);
  for (let n = 1; n <= count; n++) {
    for await (const chunk of fs.createReadStream(path.join(dir, 'parts', String(n)), { highWaterMark: 256 * 1024 })) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
    }
  }
  await new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
  const fd = fs.openSync(target, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return fs.statSync(target).size;
}

/** The raw S3 side: each part streamed to an object, finalize streams them into one object. */
function rawS3Routes(app, s3, prefix) {
  const { Readable } = require('node:stream');
  const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
  const client = new S3Client(s3);
  const sizes = new Map();
  app.put('/raw/:n', async (req, res) => {
    const length = Number(req.headers['content-length']);
    await client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `${prefix}parts/${req.params.n}`, Body: req, ContentLength: length }));
    sizes.set(req.params.n, length);
    res.json({ part_number: Number(req.params.n) });
  });
  app.post('/raw/finalize/:count', async (req, res) => {
    const count = Number(req.params.count);
    let size = 0;
    for (let n = 1; n <= count; n++) size += sizes.get(String(n));
    const parts = async function* () {
      for (let n = 1; n <= count; n++) yield* (await client.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${prefix}parts/${n}` }))).Body;
    };
    await client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `${prefix}blob`, Body: Readable.from(parts()), ContentLength: size }));
    res.json({ size });
  });
}

/** Child: SpecStar on disk (or S3) storage under `dir` (ours), or the bare routes writing files (or objects) (raw). */
function serve(side, dir) {
  const express = require('express');
  const app = express();
  const s3 = process.env.BENCH_UPLOADS_S3_CONFIG === undefined ? undefined : JSON.parse(process.env.BENCH_UPLOADS_S3_CONFIG);
  const prefix = `${path.basename(dir)}/`;
  if (side === 'ours') {
    const { SpecStar } = require('@specstar/core');
    const { mount } = require('@specstar/http-express');
    // Only the store under test is loaded (the AWS SDK would add to the disk server's RSS).
    const storageFactory =
      s3 === undefined
        ? new (require('@specstar/storage-disk').DiskStorageFactory)(dir)
        : new (require('@specstar/storage-s3').S3StorageFactory)({
            bucket: S3_BUCKET,
            prefix,
            endpointUrl: s3.endpoint,
            regionName: s3.region,
            accessKeyId: s3.credentials.accessKeyId,
            secretAccessKey: s3.credentials.secretAccessKey,
            clientKwargs: { requestChecksumCalculation: s3.requestChecksumCalculation, responseChecksumValidation: s3.responseChecksumValidation },
          });
    const spec = new SpecStar({ storageFactory });
    mount(app, spec, { docs: false, maxUploadSize: 1024 * MiB });
  } else if (s3 !== undefined) {
    rawS3Routes(app, s3, prefix);
  } else {
    fs.mkdirSync(path.join(dir, 'parts'), { recursive: true });
    app.put('/raw/:n', async (req, res) => {
      await writeBody(req, path.join(dir, 'parts'), req.params.n);
      res.json({ part_number: Number(req.params.n) });
    });
    app.post('/raw/finalize/:count', async (req, res) => res.json({ size: await concatenate(dir, Number(req.params.count)) }));
  }
  const server = app.listen(0, HOST, () => process.send({ port: server.address().port, rssMiB: process.memoryUsage.rss() / MiB }));
  process.on('message', (m) => {
    if (m.stats) process.send({ peakRssMiB: process.resourceUsage().maxRSS / 1024, rssMiB: process.memoryUsage.rss() / MiB });
  });
  process.on('disconnect', () => process.exit(0));
}

/** The S3 test server in a child process of its own (its memory is not the server's under test). */
function startS3() {
  // Closed (its temporary directory removed) when the parent lets go of it.
  const start = `require('@specstar/test-s3').startS3Server({ buckets: [${JSON.stringify(S3_BUCKET)}] }).then((s) => { process.send(s.clientConfig); process.once('disconnect', () => s.close().then(() => process.exit(0))); })`;
  const child = fork('-e', [start], { cwd: __dirname, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench: the S3 test server exited (${code})`)));
    child.once('message', (config) => {
      child.removeAllListeners('exit');
      resolve({ config, stop: () => new Promise((done) => (child.once('exit', done), child.disconnect())) });
    });
  });
}

let s3Config;

function startServer(side, dir) {
  return new Promise((resolve, reject) => {
    const env = s3Config === undefined ? process.env : { ...process.env, BENCH_UPLOADS_S3_CONFIG: JSON.stringify(s3Config) };
    const child = fork(__filename, ['--serve', side, dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench: the ${side} server exited early (${code})`)));
    child.once('message', (m) => resolve({ child, port: m.port, startRssMiB: m.rssMiB }));
  });
}

/** The server's peak and current RSS, then stops it. */
function stopServer(server) {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.once('message', (m) => {
      server.child.once('exit', () => resolve(m));
      server.child.disconnect();
    });
    server.child.send({ stats: true });
  });
}

// ------------------------------------------------------------------------- the client

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One request; resolves to the parsed JSON answer (or null for an empty one), rejects on non-2xx. */
function call(port, method, urlPath, { headers = {}, chunks = [] } = {}) {
  return new Promise((resolve, reject) => {
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const req = http.request({ host: HOST, port, method, path: urlPath, agent, headers: { ...headers, 'content-length': String(length) } }, (res) => {
      const body = [];
      res.on('data', (chunk) => body.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(body).toString('utf8');
        if (res.statusCode >= 300) reject(new Error(`bench: ${method} ${urlPath} answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(text === '' ? null : JSON.parse(text));
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const BOUNDARY = 'specstar-bench-boundary';
const multipart = (data) => [
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="part"\r\nContent-Type: application/octet-stream\r\n\r\n`),
  data,
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
];

/** Deterministic bytes of part `n` (different per part, not compressible). */
function partBytes(n, size) {
  const out = Buffer.allocUnsafe(size);
  let x = (n * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

/** Sends every part with CONCURRENCY in flight, in shuffled order (parts may arrive in any order). */
async function sendParts(count, send) {
  const order = Array.from({ length: count }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % count) - ((b * 7919) % count));
  let next = 0;
  const worker = async () => {
    while (next < order.length) await send(order[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

async function runSide(side, sizeMiB, parts) {
  const dir = fs.mkdtempSync(path.join(BASE_DIR, `specstar-bench-uploads-${side}-`));
  const server = await startServer(side, dir);
  const count = parts.length;
  try {
    const start = process.hrtime.bigint();
    let finalizeStart;
    let answer;
    if (side === 'ours') {
      const session = await call(server.port, 'POST', '/blobs/upload-sessions', {
        headers: { 'content-type': 'application/json' },
        chunks: [Buffer.from(JSON.stringify({ total_parts: count, size: sizeMiB * MiB }))],
      });
      const url = `/blobs/upload-sessions/${session.upload_id}`;
      await sendParts(count, (n) =>
        call(server.port, 'PUT', `${url}/content?part_number=${n}`, { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, chunks: multipart(parts[n - 1]) }),
      );
      finalizeStart = process.hrtime.bigint();
      answer = await call(server.port, 'POST', `${url}/finalize`);
    } else {
      await sendParts(count, (n) => call(server.port, 'PUT', `/raw/${n}`, { headers: { 'content-type': 'application/octet-stream' }, chunks: [parts[n - 1]] }));
      finalizeStart = process.hrtime.bigint();
      answer = await call(server.port, 'POST', `/raw/finalize/${count}`);
    }
    const end = process.hrtime.bigint();
    const stats = await stopServer(server);
    if (answer.size !== sizeMiB * MiB) throw new Error(`bench: ${side} stored ${answer.size} bytes, not ${sizeMiB * MiB}`);
    return {
      fileId: answer.file_id,
      partsSeconds: Number(finalizeStart - start) / 1e9,
      finalizeSeconds: Number(end - finalizeStart) / 1e9,
      totalSeconds: seconds(start),
      growthMiB: Math.max(0, stats.peakRssMiB - server.startRssMiB),
      peakRssMiB: stats.peakRssMiB,
      afterRssMiB: stats.rssMiB,
    };
  } finally {
    server.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const { xxh3Hex } = require('@specstar/core/adapter');
  const s3 = STORE === 's3' ? await startS3() : undefined;
  s3Config = s3?.config;
  const where = s3 === undefined ? 'disk storage (raw: files)' : 'the S3 blob store on the S3 test server (raw: PutObject per part, one streamed PutObject at finalize)';
  console.log(`upload sessions on ${where}: parts of ${PART_MIB} MiB, ${CONCURRENCY} in flight (${os.cpus().length} CPUs)`);
  console.log(
    'size'.padEnd(9) + 'side'.padEnd(6) + 'parts MiB/s'.padStart(13) + 'finalize MiB/s'.padStart(16) + 'total MiB/s'.padStart(13) +
      'ours÷raw'.padStart(10) + 'RSS growth'.padStart(12) + 'peak RSS'.padStart(10) + 'RSS after'.padStart(11),
  );
  const growth = [];
  for (const sizeMiB of SIZES) {
    const count = Math.ceil(sizeMiB / PART_MIB);
    const parts = Array.from({ length: count }, (_, i) => partBytes(i + 1, Math.min(PART_MIB, sizeMiB - i * PART_MIB) * MiB));
    const raw = await runSide('raw', sizeMiB, parts);
    const ours = await runSide('ours', sizeMiB, parts);
    if (ours.fileId !== xxh3Hex(Buffer.concat(parts))) throw new Error('bench: the finalized file_id is not the content hash of the parts');
    growth.push({ sizeMiB, ours: ours.growthMiB, raw: raw.growthMiB });
    for (const [side, r] of [['raw', raw], ['ours', ours]]) {
      console.log(
        `${sizeMiB} MiB`.padEnd(9) + side.padEnd(6) +
          fmt(sizeMiB / r.partsSeconds, 1).padStart(13) +
          fmt(sizeMiB / r.finalizeSeconds, 1).padStart(16) +
          fmt(sizeMiB / r.totalSeconds, 1).padStart(13) +
          (side === 'ours' ? fmt(raw.totalSeconds / ours.totalSeconds, 2) : '').padStart(10) +
          `+${fmt(r.growthMiB, 0)} MiB`.padStart(12) +
          `${fmt(r.peakRssMiB, 0)} MiB`.padStart(10) +
          `${fmt(r.afterRssMiB, 0)} MiB`.padStart(11),
      );
    }
  }
  if (growth.length > 1) {
    const [first, last] = [growth[0], growth[growth.length - 1]];
    console.log(
      `\n${fmt(last.sizeMiB / first.sizeMiB, 0)}× the bytes: server RSS growth ${fmt(first.ours, 0)} → ${fmt(last.ours, 0)} MiB ` +
        `(raw ${s3 === undefined ? 'file writes' : 'PutObjects'}: ${fmt(first.raw, 0)} → ${fmt(last.raw, 0)} MiB); flat means parts and the blob are streamed, never held whole`,
    );
  }
  agent.destroy();
  await s3?.stop();
}

if (process.argv[2] === '--serve') serve(process.argv[3], process.argv[4]);
else
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
