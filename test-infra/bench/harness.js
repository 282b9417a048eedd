// Shared measuring harness: every case, ours and raw, runs through the same loop so the loop's
// own cost cancels out of the ratios.
'use strict';

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs fn(i) for i in [0, n) sequentially and returns throughput and latency percentiles. */
async function measure(n, fn) {
  const latencies = new Float64Array(n);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    latencies[i] = Number(process.hrtime.bigint() - t) / 1e3; // µs
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort();
  return {
    ops: n / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

/** A clean heap before each measured run, for ours and raw alike (the bench runs with --expose-gc). */
function settle() {
  if (typeof global.gc === 'function') global.gc();
}

/**
 * Runs the two sides in alternating rounds (order flipped every round), each from a settled
 * heap, and keeps the median round of each side, so neither side pays for the other's garbage
 * and one noisy round cannot decide the ratio. `setup(round)` may prepare fresh state.
 */
async function rounds({ rounds: count = 5, n, raw, ours, setup }) {
  const results = { raw: [], ours: [] };
  for (let r = 0; r < count; r++) {
    const order = r % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw'];
    for (const side of order) {
      const state = setup ? await setup(side, r) : undefined;
      settle();
      results[side].push(await measure(n, (i) => (side === 'raw' ? raw : ours)(i, state, r)));
    }
  }
  const median = (list) => [...list].sort((a, b) => a.ops - b.ops)[Math.floor(list.length / 2)];
  return { raw: median(results.raw), ours: median(results.ours) };
}

const rows = [];

/** Records one comparison: ours against the raw layer; `higherIsBetter` ratios are ops/s ours ÷ raw. */
function compare(name, ours, raw, target) {
  const ratio = ours.ops / raw.ops;
  rows.push({ name, ours, raw, ratio, target });
}

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function report(title) {
  console.log(`\n${title}`);
  console.log('case'.padEnd(34) + 'ours ops/s'.padStart(12) + 'raw ops/s'.padStart(12) + 'ratio'.padStart(8) + '  target'.padEnd(18) + 'ours p50/p95/p99 µs'.padStart(24) + 'raw p50/p99 µs'.padStart(18));
  for (const r of rows) {
    const target = r.target ? `${r.target.text} ${r.target.ok(r.ratio) ? 'ok' : 'MISSED'}` : '';
    console.log(
      r.name.padEnd(34) +
        fmt(r.ours.ops).padStart(12) +
        fmt(r.raw.ops).padStart(12) +
        fmt(r.ratio, 2).padStart(8) +
        ('  ' + target).padEnd(18) +
        `${fmt(r.ours.p50, 1)}/${fmt(r.ours.p95, 1)}/${fmt(r.ours.p99, 1)}`.padStart(24) +
        `${fmt(r.raw.p50, 1)}/${fmt(r.raw.p99, 1)}`.padStart(18),
    );
  }
  console.log(`peak RSS: ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MiB`);
}

/** Target helpers: ours must reach at least `min` of raw ops/s, or be at most `factor` times slower. */
const atLeast = (min) => ({ text: `>= ${Math.round(min * 100)}%`, ok: (ratio) => ratio >= min });
const atMostSlower = (factor) => ({ text: `<= ${factor}x time`, ok: (ratio) => 1 / ratio <= factor });

module.exports = { measure, rounds, settle, compare, report, atLeast, atMostSlower };
