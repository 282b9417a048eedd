import { RevisionIDNotFoundError, RevisionMismatchError } from '@specstar/interfaces';
import { Schema, SpecStar } from '../src';
import { alice, bob, itemRegistry, T0, T1, T2 } from './fixtures';

describe('rm.diff', () => {
  it('defaults to parent → current and returns RFC 6902 operations', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    await rm.update(id, { name: 'a', value: 2, tags: ['x'] }, bob);
    expect(await rm.diff(id)).toEqual([
      { op: 'replace', path: '/value', value: 2 },
      { op: 'add', path: '/tags', value: ['x'] },
    ]);
  });

  it('compares any two revisions, in either direction; the same revision gives no operations', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    await rm.update(id, { name: 'b', value: 1 }, bob);
    await rm.update(id, { name: 'b', value: 3 }, bob);
    expect(await rm.diff(id, `${id}:1`, `${id}:3`)).toEqual([
      { op: 'replace', path: '/value', value: 3 },
      { op: 'replace', path: '/name', value: 'b' },
    ]);
    expect(await rm.diff(id, `${id}:3`, `${id}:1`)).toEqual([
      { op: 'replace', path: '/value', value: 1 },
      { op: 'replace', path: '/name', value: 'a' },
    ]);
    expect(await rm.diff(id, `${id}:2`, `${id}:2`)).toEqual([]);
  });

  it('a first revision is compared with an empty document', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    expect(await rm.diff(id)).toEqual([
      { op: 'add', path: '/name', value: 'a' },
      { op: 'add', path: '/value', value: 1 },
    ]);
  });

  it('unknown revisions and revisions of another resource are not found, naming what is wrong', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    const { resource_id: other } = await rm.create({ name: 'b', value: 1 }, alice);
    const unknown = await rm.diff(id, `${id}:9`).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(RevisionIDNotFoundError);
    expect((unknown as Error).message).toBe(`Revision '${id}:9' (from) of Resource '${id}' not found.`);
    const foreign = await rm.diff(id, `${id}:1`, `${other}:1`).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(RevisionIDNotFoundError);
    expect((foreign as Error).message).toBe(
      `Revision '${other}:1' (to) belongs to resource '${other}', not '${id}': a diff compares two revisions of one resource.`,
    );
  });

  it('a soft-deleted resource diffs only with includeDeleted', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    await rm.update(id, { name: 'a', value: 2 }, bob);
    await rm.delete(id, bob);
    await expect(rm.diff(id)).rejects.toThrow();
    expect(await rm.diff(id, undefined, undefined, { includeDeleted: true })).toEqual([{ op: 'replace', path: '/value', value: 2 }]);
  });

  it('migrates the older side first when the schema versions differ', async () => {
    const V1 = { title: 'Person', type: 'object', properties: { fullname: { type: 'string' } } };
    const V2 = { title: 'Person', type: 'object', properties: { first: { type: 'string' }, last: { type: 'string' } } };
    const v1 = new SpecStar().addModel(new Schema(V1, 'v1'), { name: 'person' });
    const { resource_id: id } = await v1.create({ fullname: 'Ada Lovelace' }, { user: 'u', now: T0 });
    const split = (v: { fullname: string }) => ({ first: v.fullname.split(' ')[0], last: v.fullname.split(' ')[1] });
    const v2 = new SpecStar().addModel(new Schema(V2, 'v2').step('v1', split, { source: V1 }), { name: 'person', storage: v1.storage });
    await v1.update(id, { fullname: 'Ada King' }, { user: 'u', now: T1 });
    await v2.migrate(id);
    await v2.update(id, { first: 'Ada', last: 'Byron' }, { user: 'u', now: T2 });
    expect(await v2.diff(id, `${id}:1`, `${id}:3`)).toEqual([{ op: 'replace', path: '/last', value: 'Byron' }]);
    // Nothing was written by the diff: revision 1 is still stored only at v1.
    expect(await v2.storage.listSchemaVersions(id, `${id}:1`)).toEqual(['v1']);
  });
});

describe('If-Match on lifecycle writes (expectRevisionId)', () => {
  it('switch, delete, restore and permanentlyDelete refuse a stale revision and write nothing', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'a', value: 1 }, alice);
    await rm.update(id, { name: 'a', value: 2 }, bob);
    const stale = { ...bob, expectRevisionId: `${id}:1` };
    await expect(rm.switch(id, `${id}:1`, stale)).rejects.toBeInstanceOf(RevisionMismatchError);
    await expect(rm.delete(id, stale)).rejects.toBeInstanceOf(RevisionMismatchError);
    await expect(rm.permanentlyDelete(id, stale)).rejects.toBeInstanceOf(RevisionMismatchError);
    expect(await rm.getMeta(id)).toMatchObject({ current_revision_id: `${id}:2`, is_deleted: false });
    await rm.delete(id, { ...bob, expectRevisionId: `${id}:2` });
    await expect(rm.restore(id, stale)).rejects.toBeInstanceOf(RevisionMismatchError);
    expect((await rm.restore(id, { ...bob, expectRevisionId: `${id}:2` })).is_deleted).toBe(false);
  });
});
