// The S3 test server: s3rver (in process, a temporary directory, a free loopback port), and in
// front of it a small layer that honours conditional requests the way S3 does — s3rver ignores
// If-Match and If-None-Match, so without the layer no ETag-locking path could be tested.
//
//   const { startS3Server } = require('@specstar/test-s3');
//   const s3 = await startS3Server({ buckets: ['test'] });
//   new S3Client(s3.clientConfig);   …   await s3.close();
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const S3rver = require('s3rver');

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

function xmlError(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Serialises the conditional requests of one key, so check-then-write cannot interleave. */
class KeyLocks {
  constructor() {
    this.tails = new Map();
  }

  async acquire(key) {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release;
    const mine = new Promise((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      release();
    };
  }
}

/** The current ETag of an object on s3rver, or null when there is none. */
function headETag(upstream, req) {
  return new Promise((resolve, reject) => {
    // Anonymous: s3rver serves it, and the client's signature is for its own request, not this one.
    const objectPath = (req.url ?? '/').split('?')[0];
    const head = http.request({ host: '127.0.0.1', port: upstream, method: 'HEAD', path: objectPath }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? String(res.headers.etag ?? '') : null);
    });
    head.on('error', reject);
    head.end();
  });
}

const matches = (header, etag) => header.split(',').some((tag) => tag.trim() === '*' || tag.trim() === etag);

function forward(upstream, req, res, onDone) {
  // Once, whichever comes first: a client that goes away mid-answer (a timed-out or retried
  // request) never lets the answer end, and a lock held until then would stall the key for good.
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    onDone();
  };
  res.on('close', done);
  const proxied = http.request({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
    answer.on('end', done);
    answer.on('error', done);
    answer.on('close', done);
  });
  proxied.on('error', (error) => {
    done();
    if (!res.headersSent) xmlError(res, 502, 'BadGateway', error.message);
    else res.destroy(error);
  });
  req.pipe(proxied);
}

/** The conditional layer: checks If-Match / If-None-Match on object GET, HEAD and PUT, then forwards. */
function conditionalLayer(upstream) {
  const locks = new KeyLocks();
  return http.createServer((req, res) => void answer(req, res));

  async function answer(req, res) {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    const objectPath = (req.url ?? '/').split('?')[0];
    const isObject = objectPath.split('/').filter(Boolean).length >= 2;
    if (!isObject || (ifMatch === undefined && ifNoneMatch === undefined) || !['GET', 'HEAD', 'PUT'].includes(req.method ?? '')) {
      forward(upstream, req, res, () => undefined);
      return;
    }
    const release = await locks.acquire(objectPath);
    try {
      const etag = await headETag(upstream, req);
      if (ifMatch !== undefined && (etag === null || !matches(ifMatch, etag))) {
        release();
        if (etag === null && req.method === 'PUT') return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        return xmlError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      if (ifNoneMatch !== undefined && etag !== null && matches(ifNoneMatch, etag)) {
        release();
        if (req.method === 'PUT') return xmlError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        res.writeHead(304, { etag });
        return res.end();
      }
      // A write holds the key until s3rver has answered, so the next conditional request sees it.
      forward(upstream, req, res, req.method === 'PUT' ? release : () => undefined);
      if (req.method !== 'PUT') release();
    } catch (error) {
      release();
      xmlError(res, 502, 'BadGateway', error.message);
    }
  }
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * Starts s3rver with the given buckets on a free port (or `port`); `conditional: false` skips the
 * layer; `directory` keeps the objects there after close().
 * Resolves to the endpoint, the client settings that work with it, and close().
 */
async function startS3Server(options = {}) {
  // A given directory keeps the objects across runs (the example's `--s3`); else a temporary one.
  const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-s3rver-'));
  fs.mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const { port: upstream } = await s3rver.run();
  const layer = options.conditional === false ? undefined : conditionalLayer(upstream);
  const port = layer ? await listen(layer, options.port ?? 0) : upstream;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    /** Settings for `new S3Client(…)` that work against s3rver (path style, checksums only when required). */
    clientConfig: {
      endpoint,
      region: REGION,
      credentials: CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    /** The raw s3rver endpoint, without the conditional layer. */
    upstreamEndpoint: `http://127.0.0.1:${upstream}`,
    async close() {
      if (layer) {
        layer.closeAllConnections?.();
        await new Promise((resolve) => layer.close(() => resolve()));
      }
      await s3rver.close();
      if (options.directory === undefined) fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

module.exports = { startS3Server, S3_TEST_CREDENTIALS: CREDENTIALS, S3_TEST_REGION: REGION };
