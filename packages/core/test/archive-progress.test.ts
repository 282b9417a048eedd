/*
 * The onProgress callbacks of dump and load: what a progress bar reads (counts per model, bytes read).
 */
import { PassThrough, Readable } from 'node:stream';
import { SpecStar, type DumpProgress, type LoadProgress } from '../src';

async function collect(stream: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(chunks);
}

async function seeded(): Promise<SpecStar> {
  const spec = new SpecStar({ defaultUser: 'tester' });
  const notes = spec.addModel({ type: 'object', properties: { title: { type: 'string' } } }, { name: 'note' });
  spec.addModel({ type: 'object', properties: { n: { type: 'integer' } } }, { name: 'tally' });
  const first = await notes.create({ title: 'a' });
  await notes.update(first.resource_id, { title: 'b' });
  await notes.create({ title: 'c' });
  return spec;
}

it('dump reports the running counts of each model after every record', async () => {
  const spec = await seeded();
  const seen: DumpProgress[] = [];
  const out = new PassThrough();
  const bytes = collect(out);
  await spec.dump(out, undefined, { onProgress: (p) => seen.push(p) });
  out.end();
  await bytes;
  expect(seen.map((p) => [p.model, p.resources, p.revisions])).toEqual([
    ['note', 1, 0],
    ['note', 1, 1],
    ['note', 1, 2],
    ['note', 2, 2],
    ['note', 2, 3],
  ]);
  expect(seen.every((p) => p.blobs === 0)).toBe(true);
});

it('load reports bytes read up to the whole archive, the section it is in, and the frames read', async () => {
  const source = await seeded();
  const out = new PassThrough();
  const bytes = collect(out);
  await source.dump(out);
  out.end();
  const archive = await bytes;

  const target = new SpecStar({ defaultUser: 'tester' });
  target.addModel({ type: 'object', properties: { title: { type: 'string' } } }, { name: 'note' });
  target.addModel({ type: 'object', properties: { n: { type: 'integer' } } }, { name: 'tally' });
  const seen: LoadProgress[] = [];
  const stats = await target.load(Readable.from([archive]), { onProgress: (p) => seen.push({ ...p }) });
  expect(stats).toEqual({ note: { loaded: 2, skipped: 0, total: 2 }, tally: { loaded: 0, skipped: 0, total: 0 } });
  const last = seen.at(-1) as LoadProgress;
  expect(last.bytesRead).toBe(archive.byteLength);
  // Header, note start, 2 metas, 3 revisions, note end, tally start, tally end, eof.
  expect(last.records).toBe(11);
  expect(seen.some((p) => p.model === 'note')).toBe(true);
  const read = seen.map((p) => p.bytesRead);
  expect(read).toEqual(read.toSorted((a, b) => a - b));
});
