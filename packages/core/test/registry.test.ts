import { ConfigurationError, ModelNotFoundError } from '@specstar/interfaces';
import { MemoryStorageFactory, QB, Schema, SpecStar, unique } from '../src';
import { ItemSchema, alice, bob, itemRegistry } from './fixtures';

describe('SpecStar registry', () => {
  it('derives kebab-case names from the schema title, or uses the given name verbatim', () => {
    const spec = new SpecStar();
    expect(spec.addModel({ title: 'UserProfile', type: 'object' }).name).toBe('user-profile');
    expect(spec.addModel({ title: 'HTTPServer', type: 'object' }).name).toBe('http-server');
    expect(spec.addModel({ title: 'UserProfile', type: 'object' }, { name: 'profiles' }).name).toBe('profiles');
    const snake = new SpecStar({ modelNaming: 'snake' });
    expect(snake.addModel({ title: 'UserProfile', type: 'object' }).name).toBe('user_profile');
  });

  it('rejects a model without title or name, duplicate names, reserved and unsafe names', () => {
    const spec = new SpecStar();
    expect(() => spec.addModel({ type: 'object' })).toThrow(ConfigurationError);
    spec.addModel({ ...ItemSchema }, { name: 'item' });
    expect(() => spec.addModel({ ...ItemSchema }, { name: 'item' })).toThrow(ConfigurationError);
    expect(() => spec.addModel({ ...ItemSchema }, { name: 'ACLPermission' })).toThrow(ConfigurationError);
    expect(() => spec.addModel({ ...ItemSchema }, { name: 'a/b' })).toThrow(ConfigurationError);
  });

  it('looks managers up by name and by schema object; ambiguity and unknown names are typed errors', () => {
    const spec = new SpecStar();
    const schema = { ...ItemSchema };
    const a = spec.addModel(schema, { name: 'a' });
    expect(spec.getResourceManager('a')).toBe(a);
    expect(spec.getResourceManager(schema)).toBe(a);
    spec.addModel(schema, { name: 'b' });
    expect(() => spec.getResourceManager(schema)).toThrow(ConfigurationError);
    expect(spec.getResourceManager('b').name).toBe('b');
    expect(() => spec.getResourceManager('nope')).toThrow(ModelNotFoundError);
    expect([...spec.resourceManagers.keys()]).toEqual(['a', 'b']);
  });

  it('a Schema as the model carries version and migration; passing them beside it is an error', () => {
    const spec = new SpecStar();
    const rm = spec.addModel(new Schema({ ...ItemSchema }, 'v2'), { name: 'item' });
    expect(rm.schemaVersion).toBe('v2');
    expect(() => spec.addModel(new Schema({ ...ItemSchema }, 'v2'), { name: 'x', validator: () => undefined })).toThrow(ConfigurationError);
  });

  it('auto-indexes unique fields', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel({ title: 'User', type: 'object', properties: { email: unique({ type: 'string' }) } });
    expect(rm.indexedFields.map((f) => f.field_path)).toEqual(['email']);
    const { resource_id } = await rm.create({ email: 'a@b.c' }, alice);
    expect((await rm.getMeta(resource_id)).indexed_data).toEqual({ email: 'a@b.c' });
  });

  it('addIndexedField indexes later writes; earlier metas pick the field up on their next write', async () => {
    const { rm } = itemRegistry();
    const before = await rm.create({ name: 'a', value: 1, tags: ['x'] }, alice);
    rm.addIndexedField({ field_path: 'tags' });
    rm.addIndexedField({ field_path: 'name' }); // already indexed: ignored
    expect(rm.indexedFields.map((f) => f.field_path)).toEqual(['name', 'value', 'tags']);
    const after = await rm.create({ name: 'b', value: 2, tags: ['y'] }, alice);
    expect((await rm.getMeta(after.resource_id)).indexed_data).toEqual({ name: 'b', value: 2, tags: ['y'] });
    expect((await rm.getMeta(before.resource_id)).indexed_data).toEqual({ name: 'a', value: 1 });
    await rm.update(before.resource_id, { name: 'a', value: 1, tags: ['z'] }, bob);
    expect((await rm.getMeta(before.resource_id)).indexed_data).toEqual({ name: 'a', value: 1, tags: ['z'] });
    expect((await rm.searchResources(QB.field('tags').contains('z'))).map((m) => m.resource_id)).toEqual([before.resource_id]);
  });

  it('uses the storage factory for every model and shares one blob store', () => {
    const factory = new MemoryStorageFactory();
    const spec = new SpecStar({ storageFactory: factory });
    const a = spec.addModel({ ...ItemSchema }, { name: 'a' });
    const b = spec.addModel({ ...ItemSchema }, { name: 'b' });
    expect(a.storage).not.toBe(b.storage);
    expect(a.blobStore).toBe(b.blobStore);
  });

  it('SPECSTAR_DEFAULT_QUERY_LIMIT sets the page size of searches without a limit', async () => {
    process.env.SPECSTAR_DEFAULT_QUERY_LIMIT = '3';
    try {
      const rm = new SpecStar().addModel({ ...ItemSchema }, { name: 'item' });
      for (let i = 0; i < 5; i++) await rm.create({ name: `n${i}` }, alice);
      expect(await rm.searchResources({})).toHaveLength(3);
      expect(await rm.count({})).toBe(5);
    } finally {
      delete process.env.SPECSTAR_DEFAULT_QUERY_LIMIT;
    }
  });

  it('spec.using() scopes every manager of the registry', async () => {
    const spec = new SpecStar();
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    const info = await spec.using({ user: 'worker', now: alice.now }, () => rm.create({ name: 'a' }));
    expect(info.created_by).toBe('worker');
  });

  it("the backend's defaults.encoding is the models' default data encoding", () => {
    const spec = new SpecStar({ backend: { defaults: { encoding: 'msgpack' } } });
    expect(spec.addModel({ ...ItemSchema }, { name: 'a' }).encoding).toBe('msgpack');
    expect(spec.addModel({ ...ItemSchema }, { name: 'b', encoding: 'json' }).encoding).toBe('json');
    expect(new SpecStar({ backend: {} }).addModel({ ...ItemSchema }, { name: 'c' }).encoding).toBe('json');
  });
});
