// What the HTTP benchmarks share: environment knobs, server child processes (forked from the
// benchmark's own script with `--serve <side>`, listening on 127.0.0.1) and autocannon runs
// against them, so every HTTP figure is taken the same way.
'use strict';
const { fork } = require('node:child_process');

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** A numeric knob from the environment; anything else stops the run before it starts. */
function knob(name, fallback, { integer = false, min = 1 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${raw}'`);
  }
  return value;
}

/**
 * Child side: `app` listens, tells the parent its port and `ids`, answers stats requests with its
 * peak RSS, and exits (after `onExit`) when the parent disconnects.
 */
function listen(app, ids, onExit = async () => undefined) {
  const server = app.listen(0, HOST, () => process.send({ ready: true, port: server.address().port, ids }));
  process.on('message', (m) => {
    if (m.stats) process.send({ maxRssKiB: process.resourceUsage().maxRSS });
  });
  process.on('disconnect', () => {
    server.close();
    void onExit().finally(() => process.exit(0));
  });
}

/** Parent side: forks `script --serve side ...args` and resolves once it listens; `samples` go to it first. */
function startServer(script, side, { args = [], samples } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, ['--serve', side, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`bench: the ${side} server did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench: the ${side} server exited early (${code})`)));
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve({ child, url: `http://${HOST}:${m.port}`, ids: m.ids });
    });
    if (samples) child.send({ samples });
  });
}

/** Asks the child for its peak RSS (MiB), then stops it and waits for its exit. */
function stopServer(server) {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.once('message', (m) => {
      server.child.once('exit', () => resolve(m.maxRssKiB / 1024));
      server.child.disconnect();
    });
    server.child.send({ stats: true });
  });
}

/** One autocannon run (after a warm-up) against a started server: throughput, latency, failures, total. */
async function drive(server, { connections, duration, warmup, requests }) {
  const autocannon = require('autocannon');
  const settings = { url: server.url, connections, pipelining: 1, timeout: 10 };
  if (warmup > 0) await autocannon({ ...settings, duration: warmup, requests: requests(server.ids) });
  const result = await autocannon({ ...settings, duration, requests: requests(server.ids) });
  return {
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** Starts a server, drives it, stops it; the result carries the server's peak RSS too. */
async function measureServer(script, side, options, load) {
  const server = await startServer(script, side, options);
  try {
    const result = await drive(server, load);
    return { ...result, rssMiB: await stopServer(server) };
  } catch (error) {
    server.child.kill();
    throw error;
  }
}

/** The median run by throughput. */
const median = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs `main`, or `serve(side, ...args)` in a server child; any error ends the process with code 1. */
function entry(main, serve) {
  const fail = (error) => {
    console.error(error);
    process.exit(1);
  };
  if (process.argv[2] === '--serve') serve(...process.argv.slice(3)).catch(fail);
  else main().catch(fail);
}

module.exports = { HOST, JSON_HEADERS, knob, listen, startServer, stopServer, drive, measureServer, median, fmt, entry };
