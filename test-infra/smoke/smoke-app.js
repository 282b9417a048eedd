// Runs inside the temp npm project pack-install.js makes, against the installed tarballs only:
// every package loads, a headless create + search with @specstar/core, and HTTP requests through
// mount() from @specstar/http-express on a free loopback port, and a create + search on the disk
// storage that core loads from a backend config. Prints one JSON line per step.
'use strict';
const assert = require('node:assert/strict');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function headless(core) {
  const spec = new core.SpecStar({ defaultUser: 'smoke' });
  const items = spec.addModel(
    { title: 'Item', type: 'object', properties: { name: { type: 'string' }, level: { type: 'integer' } }, required: ['name'] },
    { indexedFields: ['level'] },
  );
  const high = await items.create({ name: 'high', level: 3 });
  await items.create({ name: 'low', level: 1 });
  const found = await items.searchResources(core.QB.field('level').gt(2));
  assert.deepEqual(
    found.map((meta) => meta.resource_id),
    [high.resource_id],
  );
  assert.deepEqual((await items.get(high.resource_id)).data, { name: 'high', level: 3 });
  await spec.close();
  console.log(JSON.stringify({ step: 'headless', created: 2, found: found.length }));
}

async function overHttp(core, http, express) {
  const spec = new core.SpecStar({ defaultUser: 'smoke' });
  spec.addModel(
    { title: 'Guild', type: 'object', properties: { name: { type: 'string' }, members: { type: 'integer' } }, required: ['name'] },
    { indexedFields: ['members'] },
  );
  const app = express();
  http.mount(app, spec);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const created = await fetch(`${base}/guild`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Night Watch', members: 7 }),
    });
    assert.ok(created.ok, `POST /guild answered ${created.status}`);
    const info = await created.json();
    assert.match(info.resource_id, /^guild:/);
    const read = await fetch(`${base}/guild/${encodeURIComponent(info.resource_id)}`);
    assert.equal(read.status, 200);
    assert.ok(JSON.stringify(await read.json()).includes('Night Watch'));
    const doc = await fetch(`${base}/openapi.json`);
    assert.equal(doc.status, 200);
    assert.equal((await doc.json()).openapi.slice(0, 3), '3.1');
    console.log(JSON.stringify({ step: 'http', created: info.resource_id, read: read.status, openapi: doc.status }));
  } finally {
    server.close();
    await spec.close();
  }
}

/** The disk storage, loaded by core on demand from the backend config, under a temp dir. */
async function onDisk(core) {
  const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-smoke-disk-'));
  try {
    const spec = new core.SpecStar({
      backend: {
        connections: { local: { type: 'disk', options: { rootdir } } },
        meta: { use: 'local' },
        resource: { use: 'local' },
        blob: { use: 'local' },
      },
      defaultUser: 'smoke',
    });
    const guilds = spec.addModel(
      { title: 'Guild', type: 'object', properties: { name: { type: 'string' }, members: { type: 'integer' } }, required: ['name'] },
      { indexedFields: ['members'] },
    );
    const big = await guilds.create({ name: 'Night Watch', members: 12 });
    await guilds.create({ name: 'Day Shift', members: 2 });
    const found = await guilds.searchResources(core.QB.field('members').gte(10));
    assert.deepEqual(
      found.map((meta) => meta.resource_id),
      [big.resource_id],
    );
    await spec.close();
    console.log(JSON.stringify({ step: 'disk', created: 2, found: found.length }));
  } finally {
    fs.rmSync(rootdir, { recursive: true, force: true });
  }
}

async function main() {
  const names = process.argv.slice(2);
  for (const name of names) require(name);
  console.log(JSON.stringify({ step: 'load', packages: names }));
  const core = require('@specstar/core');
  await headless(core);
  await overHttp(core, require('@specstar/http-express'), require('express'));
  if (names.includes('@specstar/storage-disk')) await onDisk(core);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
