import { MigrationError, RevisionNotMigratedError } from '@specstar/interfaces';
import { Schema, SpecStar } from '../src';
import { T0, T1, T2 } from './fixtures';

// v1 stored `fullname`; v2 splits it into first/last.
const V1 = { title: 'Person', type: 'object', properties: { fullname: { type: 'string' } }, required: ['fullname'] };
const V2 = {
  title: 'Person',
  type: 'object',
  properties: { first: { type: 'string' }, last: { type: 'string' } },
  required: ['first', 'last'],
};
const split = (v: { fullname: string }) => {
  const [first = '', last = ''] = v.fullname.split(' ');
  return { first, last };
};

async function seedV1() {
  const storageSpec = new SpecStar();
  const v1 = storageSpec.addModel(new Schema(V1, 'v1'), { name: 'person', indexedFields: ['fullname'] });
  const info = await v1.create({ fullname: 'Ada Lovelace' }, { user: 'u', now: T0 });
  await v1.update(info.resource_id, { fullname: 'Ada King' }, { user: 'u', now: T1 });
  // The same storage, re-registered at v2 with a typed step from v1.
  const spec = new SpecStar();
  const v2 = spec.addModel(new Schema(V2, 'v2').step('v1', split, { source: V1 }), {
    name: 'person',
    storage: v1.storage,
    indexedFields: ['first'],
  });
  return { v1, v2, id: info.resource_id };
}

describe('migrations through the manager', () => {
  it('migrate of the current revision converts data, stamps versions, re-indexes, keeps timestamps (99)', async () => {
    const { v2, id } = await seedV1();
    const before = await v2.getMeta(id);
    expect(before.schema_version).toBe('v1');
    const meta = await v2.migrate(id);
    expect(meta.schema_version).toBe('v2');
    expect(meta.indexed_data).toEqual({ first: 'Ada' });
    expect(meta.updated_time).toEqual(before.updated_time);
    const current = await v2.get(id);
    expect(current.data).toEqual({ first: 'Ada', last: 'King' });
    expect(current.info.schema_version).toBe('v2');
    expect(current.info.parent_schema_version).toBe('v1');
    expect(current.info.updated_time).toEqual(T1);
  });

  it('a dry-run migrate converts in memory and writes nothing; a failing step still throws', async () => {
    const { v2, id } = await seedV1();
    const info = await v2.getRevisionInfo(id);
    const meta = await v2.migrate(id, { dryRun: true });
    expect(meta.schema_version).toBe('v1');
    expect((await v2.getMeta(id)).schema_version).toBe('v1');
    expect((await v2.getRevisionInfo(id)).uid).toBe(info.uid);
    const failing = new SpecStar().addModel(new Schema(V2, 'v2').step('v1', () => { throw new Error('bad step'); }, { source: V1 }), { name: 'person', storage: v2.storage });
    await expect(failing.migrate(id, { dryRun: true })).rejects.toThrow('bad step');
  });

  it('migrate at the target version returns the meta and writes nothing (98)', async () => {
    const { v2, id } = await seedV1();
    await v2.migrate(id);
    const info = await v2.getRevisionInfo(id);
    await v2.migrate(id);
    expect((await v2.getRevisionInfo(id)).uid).toBe(info.uid);
  });

  it('switch to a revision still at v1 raises RevisionNotMigratedError; after migrating it the switch works (100)', async () => {
    const { v2, id } = await seedV1();
    await v2.migrate(id);
    const error = await v2.switch(id, `${id}:1`, { user: 'u', now: T2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevisionNotMigratedError);
    expect(error).toMatchObject({ revision_schema_version: 'v1', current_schema_version: 'v2', revision_id: `${id}:1` });
    const untouched = await v2.getMeta(id);
    expect(untouched.current_revision_id).toBe(`${id}:2`);
    await v2.migrate(id, { revisionId: `${id}:1` });
    const switched = await v2.switch(id, `${id}:1`, { user: 'u', now: T2 });
    expect(switched.current_revision_id).toBe(`${id}:1`);
    expect(switched.schema_version).toBe('v2');
    expect((await v2.get(id)).data).toEqual({ first: 'Ada', last: 'Lovelace' });
  });

  it('the old-version record survives migration (new uid, old entry intact)', async () => {
    const { v1, v2, id } = await seedV1();
    const old = await v1.getResourceRevision(id, `${id}:2`, { schemaVersion: 'v1' });
    await v2.migrate(id);
    const still = await v1.getResourceRevision(id, `${id}:2`, { schemaVersion: 'v1' });
    expect(still).toEqual(old);
    expect((await v2.getRevisionInfo(id)).uid).not.toBe(old.info.uid);
  });

  it('reading an unmigrated old revision by id still works after the current one moved on', async () => {
    const { v2, id } = await seedV1();
    await v2.migrate(id);
    expect((await v2.get(id, { revisionId: `${id}:1` })).data).toEqual({ fullname: 'Ada Lovelace' });
  });

  it('migrate without a configured migration is a MigrationError (101); no path says "No migration path" (96)', async () => {
    const plain = new SpecStar().addModel({ ...V1 }, { name: 'p' });
    const { resource_id } = await plain.create({ fullname: 'x y' }, { user: 'u', now: T0 });
    await expect(plain.migrate(resource_id)).rejects.toBeInstanceOf(MigrationError);

    const { v1, id } = await seedV1();
    const onlyV3 = new SpecStar().addModel(new Schema(V2, 'v3').step('v2', (v: unknown) => v), { name: 'person', storage: v1.storage });
    await expect(onlyV3.migrate(id)).rejects.toThrow(/^No migration path/);
  });
});
