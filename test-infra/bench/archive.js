// Archive (.acbak) benchmark: memory and throughput of dump and load at growing sizes.
//
// For each size N (BENCH_ARCHIVE_SIZES, default "10000,50000") a memory-storage registry gets N
// Character resources with two revisions each and one Binary per resource pointing at one of 64
// blobs (16 KiB each). Then:
//   dump  : registry → archive file on disk (fs write stream, backpressure honoured)
//   load  : archive file → a fresh registry (sections buffered up to the memory bound, then
//           spilled to a temporary file)
// Each phase runs twice: once timed, once probed. The probe runs a full GC every 4 MiB of archive
// written (dump) or read (load) and records heap + external (Buffer) memory above the phase's
// start: what the
// dump or load holds (for load, while the section is being read: the store only grows once the
// section has ended). With streaming these stay flat as N grows; figures only, no thresholds
// (ratios between sizes are printed).
// Raw layers in the same run: reading the archive file with a bare fs stream, and splitting it
// into frames + msgpackr.unpack of every payload (what any reader must do at the least).
//
// Oversized frames: before the rows, each hostile import below is fed to `loadArchive` as a
// stream of fresh 64 KiB chunks (as a socket delivers them) and the process RSS is sampled every
// MiB; the figure is the peak RSS growth over the start, plus what the load answered.
//
// Run: pnpm --filter @specstar/bench bench:archive   (node --expose-gc archive.js)
// Needs @specstar/core built (dist), since the archive module is loaded from there
// (BENCH_ARCHIVE_MODULE=<dir> loads the archive module from another build, to compare).
// BENCH_ARCHIVE_SIZES= (empty) runs the oversized-frame cases only.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Packr } = require('msgpackr');
const { SpecStar, binary } = require('@specstar/core');
const { CharacterSchema, payload } = require('./fixtures');

// The archive API, whether or not the registry exposes spec.dump/spec.load yet.
const archive = require(process.env.BENCH_ARCHIVE_MODULE ?? path.join(path.dirname(require.resolve('@specstar/core')), 'archive'));

const SIZES = (process.env.BENCH_ARCHIVE_SIZES ?? '10000,50000').split(',').filter(Boolean).map(Number);
const BLOBS = 64;
const BLOB_BYTES = 16 * 1024;
const DIR = fs.mkdtempSync(path.join(process.env.BENCH_ARCHIVE_DIR ?? os.tmpdir(), 'specstar-bench-archive-'));
const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
const later = { user: 'bench', now: new Date('2025-01-02T00:00:00.000Z') };

const Schema = {
  ...CharacterSchema,
  properties: { ...CharacterSchema.properties, portrait: binary() },
};

const MiB = 1024 * 1024;
const fmt = (n, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function settle() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  global.gc();
}

/**
 * Retained-heap probe: `tick(bytes)` is called as the operation moves through the archive; every
 * STEP bytes it runs a full GC and records the heap, so the peak is what the operation holds at
 * that point (not garbage the collector has not reached yet), sampled by progress, not by time.
 */
const STEP = 4 * MiB;
async function probe() {
  // Let finalizers run (external Buffer memory is released on them) before the baseline.
  for (let i = 0; i < 3; i++) {
    settle();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Buffers live outside the JS heap: count heap and external memory together.
  const held = (m) => m.heapUsed + m.external;
  const state = { before: held(process.memoryUsage()), peak: 0, peakRss: 0, seen: 0, next: STEP };
  state.tick = (bytes) => {
    state.seen += bytes;
    if (state.seen < state.next) return;
    state.next += STEP;
    settle();
    settle();
    const m = process.memoryUsage();
    state.peak = Math.max(state.peak, held(m) - state.before);
    state.peakRss = Math.max(state.peakRss, m.rss);
  };
  return state;
}

async function timed(fn) {
  settle();
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function populate(n) {
  const spec = new SpecStar();
  const rm = spec.addModel(Schema, { name: 'character' });
  const blobIds = [];
  for (let b = 0; b < BLOBS; b++) {
    const bytes = Buffer.alloc(BLOB_BYTES, b);
    blobIds.push((await rm.blobStore.put(bytes, { contentType: 'application/octet-stream' })).file_id);
  }
  for (let i = 0; i < n; i++) {
    const portrait = { file_id: blobIds[i % BLOBS] };
    const info = await rm.create({ ...payload(i), portrait }, ctx);
    await rm.update(info.resource_id, { ...payload(i, 1), portrait }, later);
  }
  return spec;
}

/** Dumps to a file; `tick` (optional) sees every written chunk. */
function writeArchive(spec, file, tick) {
  const out = fs.createWriteStream(file);
  if (tick) {
    const write = out.write.bind(out);
    out.write = (chunk, ...rest) => {
      tick(chunk.length);
      return write(chunk, ...rest);
    };
  }
  return archive.dumpArchive(spec.resourceManagers, out).then(
    () => new Promise((resolve, reject) => out.end((err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()))),
  );
}

/** Loads a file into a fresh registry; `tick` (optional) sees every chunk read. */
async function loadFile(file, tick) {
  const target = new SpecStar();
  target.addModel(Schema, { name: 'character' });
  const source = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  const chunks = tick
    ? (async function* () {
        for await (const chunk of source) {
          tick(chunk.length);
          yield chunk;
        }
      })()
    : source;
  return archive.loadArchive(target.resourceManagers, chunks);
}

/** The raw layer: read the file, split frames, unpack each payload. */
async function rawRead(file) {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  let pending = Buffer.alloc(0);
  let frames = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 4) {
      const len = pending.readUInt32BE(at);
      if (pending.length - at - 4 < len) break;
      packr.unpack(pending.subarray(at + 4, at + 4 + len));
      at += 4 + len;
      frames++;
    }
    pending = pending.subarray(at);
  }
  return frames;
}

async function bareRead(file) {
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) bytes += chunk.length;
  return bytes;
}

const OVERSIZED_CLAIM = 300 * 1000 * 1000;
const CHUNK = 64 * 1024;

function frame(record) {
  return Buffer.from(archive.encodeFrame(record));
}

/** A 4-byte frame header claiming `claim` bytes. */
function claimHeader(claim) {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(claim);
  return header;
}

/**
 * The hostile imports: the leading bytes, then `junkBytes` of pseudo-random junk in fresh chunks.
 * "valid prefix" starts the oversized payload like a BlobRecord, so only its length is wrong.
 */
const blobPrefix = Buffer.from([0x85, 0xa1, 0x74, 0xaa, ...Buffer.from('BlobRecord')]);
const OVERSIZED_CASES = [
  { name: 'first frame claims 300 MB + 300 MB junk', lead: () => claimHeader(OVERSIZED_CLAIM), junk: OVERSIZED_CLAIM },
  {
    name: 'in a section: claims 300 MB + 300 MB junk',
    lead: () => Buffer.concat([frame({ t: 'HeaderRecord', version: 2 }), frame({ t: 'ModelStartRecord', model_name: 'character' }), claimHeader(OVERSIZED_CLAIM)]),
    junk: OVERSIZED_CLAIM,
  },
  {
    name: 'in a section: BlobRecord prefix, claims 300 MB, body ends 1 byte short',
    lead: () =>
      Buffer.concat([
        frame({ t: 'HeaderRecord', version: 2 }),
        frame({ t: 'ModelStartRecord', model_name: 'character' }),
        claimHeader(OVERSIZED_CLAIM),
        blobPrefix,
      ]),
    junk: OVERSIZED_CLAIM - blobPrefix.length - 1,
  },
  {
    name: 'raw layer: the same body written to a file with fs (no archive code)',
    lead: () => claimHeader(OVERSIZED_CLAIM),
    junk: OVERSIZED_CLAIM - 1,
    raw: true,
  },
];

async function* hostileBody(lead, junkBytes, sample) {
  yield lead;
  const pattern = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 2654435761) >>> 24;
  let sent = 0;
  while (sent < junkBytes) {
    const n = Math.min(CHUNK, junkBytes - sent);
    const chunk = Buffer.allocUnsafe(n); // fresh memory per chunk, like a socket's
    pattern.copy(chunk, 0, 0, n);
    chunk[0] = sent & 0xff;
    sent += n;
    if (sent % MiB < CHUNK) sample();
    yield chunk;
  }
}

/** Peak RSS growth while loading one hostile body into a fresh registry (run in its own process). */
async function oversizedCase(c) {
  for (let i = 0; i < 3; i++) {
    settle();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const target = new SpecStar();
  target.addModel(Schema, { name: 'character' });
  const start = process.memoryUsage().rss;
  let peak = start;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 5);
  const began = process.hrtime.bigint();
  let outcome;
  try {
    if (c.raw) {
      const file = path.join(DIR, 'raw-layer.bin');
      await require('node:stream/promises').pipeline(hostileBody(c.lead(), c.junk, sample), fs.createWriteStream(file));
      outcome = `written (${fmt(fs.statSync(file).size / MiB, 0)} MiB)`;
      fs.unlinkSync(file);
    } else {
      await archive.loadArchive(target.resourceManagers, hostileBody(c.lead(), c.junk, sample));
      outcome = 'loaded (!)';
    }
  } catch (error) {
    outcome = `${error.constructor.name}: ${error.message}`;
  }
  sample();
  clearInterval(timer);
  return { name: c.name, growth: (peak - start) / MiB, seconds: Number(process.hrtime.bigint() - began) / 1e9, outcome };
}

/** Each case in a fresh process: RSS does not shrink back after a case, so they cannot share one. */
function oversizedFrames() {
  const { execFileSync } = require('node:child_process');
  console.log('\noversized frames (headless loadArchive, default options; each in a fresh process, RSS sampled every MiB fed and every 5 ms)');
  OVERSIZED_CASES.forEach((_, i) => {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename], { env: { ...process.env, BENCH_ARCHIVE_CASE: String(i) }, encoding: 'utf8' });
    const r = JSON.parse(out);
    console.log(`${r.name.padEnd(72)} RSS +${fmt(r.growth, 0).padStart(5)} MiB ${fmt(r.seconds, 2).padStart(7)} s  ${r.outcome.slice(0, 120)}`);
  });
}

async function main() {
  oversizedFrames();
  const rows = [];
  for (const n of SIZES) {
    let spec = await populate(n);
    const file = path.join(DIR, `archive-${n}.acbak`);
    const dumpSeconds = await timed(() => writeArchive(spec, file));
    const dumpMem = await probe();
    await writeArchive(spec, file, dumpMem.tick);
    const size = fs.statSync(file).size;
    spec = undefined; // only the archive file remains
    const bareSeconds = await timed(() => bareRead(file));
    let frames = 0;
    const rawSeconds = await timed(async () => {
      frames = await rawRead(file);
    });
    let stats;
    const loadSeconds = await timed(async () => {
      stats = await loadFile(file);
    });
    if (stats.character.loaded !== n) throw new Error(`bench: loaded ${stats.character.loaded} of ${n}`);
    stats = undefined;
    const loadMem = await probe();
    await loadFile(file, loadMem.tick);
    fs.unlinkSync(file);
    rows.push({ n, size, frames, dumpSeconds, loadSeconds, rawSeconds, bareSeconds, dumpMem, loadMem });
  }

  console.log(`\narchive dump/load (memory storage, ${BLOBS} blobs of ${BLOB_BYTES / 1024} KiB, 2 revisions per resource)`);
  console.log(
    'resources'.padStart(10) +
      'archive MiB'.padStart(13) +
      'frames'.padStart(10) +
      'dump MiB/s'.padStart(12) +
      'load MiB/s'.padStart(12) +
      'raw MiB/s'.padStart(11) +
      'load÷raw'.padStart(10) +
      'dump held MiB'.padStart(14) +
      'load held MiB'.padStart(14) +
      'dump peak RSS'.padStart(15) +
      'load peak RSS'.padStart(15),
  );
  for (const r of rows) {
    const mb = r.size / MiB;
    console.log(
      String(r.n).padStart(10) +
        fmt(mb).padStart(13) +
        String(r.frames).padStart(10) +
        fmt(mb / r.dumpSeconds).padStart(12) +
        fmt(mb / r.loadSeconds).padStart(12) +
        fmt(mb / r.rawSeconds).padStart(11) +
        fmt(r.rawSeconds / r.loadSeconds, 3).padStart(10) +
        fmt(r.dumpMem.peak / MiB).padStart(14) +
        fmt(r.loadMem.peak / MiB).padStart(14) +
        `${fmt(r.dumpMem.peakRss / MiB, 0)} MiB`.padStart(15) +
        `${fmt(r.loadMem.peakRss / MiB, 0)} MiB`.padStart(15),
    );
  }
  if (rows.length > 1) {
    const first = rows[0];
    const last = rows[rows.length - 1];
    console.log(
      `\n${last.n / first.n}× the resources (archive ${fmt(last.size / first.size, 2)}×): ` +
        `dump held ${fmt(first.dumpMem.peak / MiB)} → ${fmt(last.dumpMem.peak / MiB)} MiB, ` +
        `load held while reading ${fmt(first.loadMem.peak / MiB)} → ${fmt(last.loadMem.peak / MiB)} MiB ` +
        '(flat means memory does not grow with the archive; load is bounded by the 16 MiB section buffer)',
    );
  }
  const big = rows[rows.length - 1];
  if (!big) return;
  console.log(`bare fs read of the largest archive: ${fmt(big.size / MiB / big.bareSeconds)} MiB/s`);
  console.log(`peak RSS of the process: ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MiB`);
}

const only = process.env.BENCH_ARCHIVE_CASE;
const run = only === undefined ? main() : oversizedCase(OVERSIZED_CASES[Number(only)]).then((r) => process.stdout.write(JSON.stringify(r)));
run
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(DIR, { recursive: true, force: true }));
