import {
  PatchError,
  QueryError,
  ResourceIDNotFoundError,
  RevisionIDNotFoundError,
  ValidationError,
} from '@specstar/interfaces';
import { parseQb } from '../src';
import { alice, bob, itemRegistry } from './fixtures';

/** Every meta and revision, to prove a failed write left no trace. */
async function snapshot(rm: ReturnType<typeof itemRegistry>['rm']) {
  const metas = await rm.searchResources({ limit: 1000 });
  const revisions = await Promise.all(metas.map((m) => rm.listRevisions(m.resource_id)));
  return { metas, revisions };
}

describe('bad input to the headless API gets typed errors and writes nothing', () => {
  it('wrong-type data: ValidationError kind "type" naming each failing field', async () => {
    const { rm } = itemRegistry();
    const error = await rm.create({ name: 5, value: 'x' }, alice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).kind).toBe('type');
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['/name', '/value']);
    const missing = await rm.create({ value: 1 }, alice).catch((e: unknown) => e);
    expect((missing as ValidationError).issues.map((i) => i.path)).toEqual(['/name']);
    expect(await rm.count({})).toBe(0);
  });

  it('wrong-type update leaves meta and revisions unchanged', async () => {
    const { rm } = itemRegistry();
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    const before = await snapshot(rm);
    await expect(rm.update(resource_id, { name: ['not', 'a', 'string'] }, bob)).rejects.toBeInstanceOf(ValidationError);
    await expect(rm.update(resource_id, 'not an object', bob)).rejects.toBeInstanceOf(ValidationError);
    expect(await snapshot(rm)).toEqual(before);
  });

  it('non-JSON values (functions, NaN, cycles) are validation errors, not crashes', async () => {
    const { rm } = itemRegistry();
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    for (const data of [{ name: 'a', value: Number.NaN }, { name: 'a', f: () => 1 }, cyclic]) {
      await expect(rm.create(data, alice)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await rm.count({})).toBe(0);
  });

  it('unknown resource and revision ids name the id', async () => {
    const { rm } = itemRegistry();
    const { resource_id } = await rm.create({ name: 'a' }, alice);
    await expect(rm.get('item:nope')).rejects.toMatchObject({ constructor: ResourceIDNotFoundError, resource_id: 'item:nope' });
    await expect(rm.get(resource_id, { revisionId: `${resource_id}:9` })).rejects.toMatchObject({
      constructor: RevisionIDNotFoundError,
      resource_id,
      revision_id: `${resource_id}:9`,
    });
    await expect(rm.switch(resource_id, 'other:1', bob)).rejects.toBeInstanceOf(RevisionIDNotFoundError);
    await expect(rm.update('item:nope', { name: 'b' }, bob)).rejects.toBeInstanceOf(ResourceIDNotFoundError);
  });

  it('explicit ids with "/", "\\", control characters or only whitespace are refused', async () => {
    const { rm } = itemRegistry();
    for (const id of ['a/b', 'a\\b', 'a\nb', '   ', '', '../etc']) {
      const error = await rm.create({ name: 'a' }, { ...alice, resourceId: id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe('resource_id');
    }
    await expect(rm.createOrUpdate('x/y', { name: 'a' }, alice)).rejects.toBeInstanceOf(ValidationError);
    expect(await rm.count({})).toBe(0);
  });

  it('invalid JSON Patch operations are PatchErrors and the resource is unchanged', async () => {
    const { rm } = itemRegistry();
    const { resource_id } = await rm.create({ name: 'a', value: 1 }, alice);
    const before = await snapshot(rm);
    const bad: unknown[] = [
      [{ op: 'replace', path: '/nope/deeper', value: 1 }],
      [{ op: 'remove', path: '/missing' }],
      [{ op: 'explode', path: '/name' }],
      [{ op: 'test', path: '/value', value: 2 }],
      [{ op: 'add', path: '/__proto__/polluted', value: true }],
    ];
    for (const ops of bad) await expect(rm.patch(resource_id, ops, bob)).rejects.toBeInstanceOf(PatchError);
    // A patch that applies but breaks the schema is a validation error.
    await expect(rm.patch(resource_id, [{ op: 'replace', path: '/value', value: 'x' }], bob)).rejects.toBeInstanceOf(ValidationError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot(rm)).toEqual(before);
  });

  it('malformed qb strings and unknown operators are QueryErrors pointing at the problem', async () => {
    const { rm } = itemRegistry();
    const syntax = (() => {
      try {
        parseQb("QB['value'] >> ");
      } catch (e) {
        return e;
      }
    })();
    expect(syntax).toBeInstanceOf(QueryError);
    expect((syntax as QueryError).position).toBeDefined();
    expect(() => parseQb("QB['value'].explode(1)")).toThrow(QueryError);
    expect(() => parseQb('__import__("os")')).toThrow(QueryError);
    await expect(rm.searchResources({ conditions: [{ field_path: 'value', operator: 'almost', value: 1 } as never] })).rejects.toBeInstanceOf(QueryError);
    await expect(rm.searchResources({ limit: -1 })).rejects.toBeInstanceOf(QueryError);
    await expect(rm.count({ sorts: [{ type: 'meta', key: 'nope' } as never] })).rejects.toBeInstanceOf(QueryError);
  });

  it('status values other than draft/stable are refused', async () => {
    const { rm } = itemRegistry();
    await expect(rm.create({ name: 'a' }, { ...alice, status: 'published' as never })).rejects.toBeInstanceOf(ValidationError);
    expect(await rm.count({})).toBe(0);
  });
});

describe('patch formats', () => {
  it('merge patch (RFC 7386) appends a revision; null removes a key', async () => {
    const { rm } = itemRegistry();
    const { resource_id } = await rm.create({ name: 'a', value: 1, tags: ['x'] }, alice);
    const info = await rm.patch(resource_id, { value: 2, tags: null }, bob);
    expect(info.revision_id).toBe(`${resource_id}:2`);
    expect((await rm.get(resource_id)).data).toEqual({ name: 'a', value: 2 });
  });

  it('mode "modify" edits a draft in place', async () => {
    const { rm } = itemRegistry();
    const { resource_id, revision_id } = await rm.create({ name: 'a' }, { ...alice, status: 'draft' });
    const info = await rm.patch(resource_id, [{ op: 'replace', path: '/name', value: 'b' }], { ...bob, mode: 'modify' });
    expect(info.revision_id).toBe(revision_id);
    expect((await rm.getMeta(resource_id)).total_revision_count).toBe(1);
    expect((await rm.get(resource_id)).data).toEqual({ name: 'b', value: 0 });
  });

  it('expectRevisionId refuses a stale write (If-Match)', async () => {
    const { rm } = itemRegistry();
    const { resource_id, revision_id } = await rm.create({ name: 'a' }, alice);
    await rm.update(resource_id, { name: 'b' }, bob);
    await expect(rm.update(resource_id, { name: 'c' }, { ...bob, expectRevisionId: revision_id })).rejects.toMatchObject({
      code: 'revision_mismatch',
      expected: revision_id,
      actual: `${resource_id}:2`,
    });
    expect((await rm.getMeta(resource_id)).total_revision_count).toBe(2);
  });
});
