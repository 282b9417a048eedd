/**
 * Engine behaviour of references and constraint checkers that is not storage-specific (the
 * storage-dependent cases run for every adapter in @specstar/testkit's integrity groups).
 */
import { ConfigurationError, InvalidReferenceError, type IConstraintChecker } from '@specstar/interfaces';
import { ResourceManager, SpecStar, ref, unique } from '../src';
import { catchError, rejection } from './catch-error';

const who = (seconds: number) => ({ user: 'alice', now: new Date(Date.UTC(2025, 0, 1, 0, 0, seconds)) });

describe('reference declarations', () => {
  it('refuses set_null on a field that does not accept null, naming model and field', () => {
    const spec = new SpecStar();
    const error = catchError(() =>
      spec.addModel({ title: 'Post', type: 'object', properties: { author: ref('member', { type: 'string' }, { onDelete: 'set_null' }) } }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/'post'.*'author'/);
  });

  it('indexes resource-id refs automatically, never revision refs', () => {
    const spec = new SpecStar();
    const rm = spec.addModel({
      title: 'Post',
      type: 'object',
      properties: {
        author: ref('member', { type: 'string' }),
        pinned: ref('member', { type: 'string' }, { refType: 'revision_id' }),
        tags: ref('tag', { type: 'array', items: { type: 'string' } }),
      },
    });
    expect(rm.indexedFields.map((f) => f.field_path)).toEqual(['author', 'tags']);
  });

  it('lists every relationship in registration order, and which models are referenced', () => {
    const spec = new SpecStar();
    spec.addModel({ title: 'Member', type: 'object', properties: { name: { type: 'string' } } });
    spec.addModel({
      title: 'Post',
      type: 'object',
      properties: {
        author: ref('member', { type: ['string', 'null'] }, { onDelete: 'set_null' }),
        pinned: ref('member', { type: 'string' }, { refType: 'revision_id' }),
        ghost: ref('nowhere', { type: 'string' }),
      },
    });
    expect(spec.relationships()).toEqual([
      { source: 'post', source_field: 'author', target: 'member', ref_type: 'resource_id', on_delete: 'set_null', nullable: true },
      { source: 'post', source_field: 'pinned', target: 'member', ref_type: 'revision_id', on_delete: 'dangling', nullable: false },
      { source: 'post', source_field: 'ghost', target: 'nowhere', ref_type: 'resource_id', on_delete: 'dangling', nullable: false },
    ]);
    expect([...spec.referencedModels()]).toEqual(['member']);
  });

  it('warns once startup is over about refs to models that were never registered', async () => {
    const emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const spec = new SpecStar();
      spec.addModel({ title: 'Memo', type: 'object', properties: { writer: ref('writer', { type: 'string' }), topic: ref('topic', { type: 'string' }) } });
      // Registered later in the same tick: no warning for it.
      spec.addModel({ title: 'Writer', type: 'object', properties: {} });
      await new Promise((resolve) => setImmediate(resolve));
      // (Earlier tests' registries may warn in the same window; only this one's count.)
      const messages = emitted.mock.calls.map(([warning]) => String(warning)).filter((m) => m.includes("'memo'"));
      expect(messages).toEqual([expect.stringMatching(/'memo'.*'topic'.*not registered/)]);
    } finally {
      emitted.mockRestore();
    }
  });
});

describe('referential actions', () => {
  it('ends cyclic cascades: each resource is deleted once', async () => {
    const spec = new SpecStar();
    const a = spec.addModel({ title: 'A', type: 'object', properties: { b: ref('b', { type: 'string' }, { onDelete: 'cascade' }) } });
    const b = spec.addModel({ title: 'B', type: 'object', properties: { a: ref('a', { type: 'string' }, { onDelete: 'cascade' }) } });
    await a.create({ b: 'b1' }, { ...who(1), resourceId: 'a1' });
    await b.create({ a: 'a1' }, { ...who(1), resourceId: 'b1' });
    await a.delete('a1', who(2));
    expect((await a.getMeta('a1', { includeDeleted: true })).is_deleted).toBe(true);
    expect((await b.getMeta('b1', { includeDeleted: true })).is_deleted).toBe(true);
  });

  it('pages through every referrer, beyond one search page', async () => {
    const spec = new SpecStar();
    const member = spec.addModel({ title: 'Member', type: 'object', properties: {} });
    const post = spec.addModel({ title: 'Post', type: 'object', properties: { author: ref('member', { type: 'string' }, { onDelete: 'cascade' }) } });
    await member.create({}, { ...who(1), resourceId: 'm1' });
    const total = 2345;
    for (let i = 0; i < total; i++) await post.create({ author: 'm1' }, who(1));
    const [group] = await spec.findReferrers('member', 'm1');
    expect(group?.resource_ids).toHaveLength(total);
    await member.delete('m1', who(2));
    expect(await post.count({ is_deleted: false })).toBe(0);
  });

  it('validateRefs refuses writes naming missing or deleted targets, with the field', async () => {
    const spec = new SpecStar({ validateRefs: true });
    const member = spec.addModel({ title: 'Member', type: 'object', properties: {} });
    const team = spec.addModel({
      title: 'Team',
      type: 'object',
      properties: { lead: ref('member', { type: ['string', 'null'] }), members: ref('member', { type: 'array', items: { type: 'string' } }) },
    });
    await member.create({}, { ...who(1), resourceId: 'm1' });
    await member.create({}, { ...who(1), resourceId: 'gone' });
    await member.delete('gone', who(2));
    const missing = await rejection(() => team.create({ lead: 'nobody', members: [] }, { ...who(3), resourceId: 't1' }));
    expect(missing).toBeInstanceOf(InvalidReferenceError);
    expect(missing).toMatchObject({ field: 'lead', target: 'member', value: 'nobody', issues: [{ path: '/lead' }] });
    expect(await rejection(() => team.create({ lead: null, members: ['m1', 'gone'] }, who(3)))).toMatchObject({ field: 'members', value: 'gone' });
    expect(await team.count({})).toBe(0);
    const info = await team.create({ lead: 'm1', members: ['m1'] }, who(4));
    expect(info.revision_id).toMatch(/:1$/);
  });
});

describe('constraint checkers', () => {
  it('calls a checker factory with the manager, and runs checkers in registration order', async () => {
    const order: string[] = [];
    let seen: unknown;
    const named = (name: string): IConstraintChecker => ({ check: () => void order.push(name) });
    const spec = new SpecStar();
    const rm = spec.addModel(
      { title: 'Thing', type: 'object', properties: { name: unique({ type: 'string' }) } },
      {
        constraintCheckers: [
          named('first'),
          (manager) => {
            seen = manager;
            return named('second');
          },
        ],
      },
    );
    expect(seen).toBe(rm);
    expect(seen).toBeInstanceOf(ResourceManager);
    await rm.create({ name: 'x' }, who(1));
    // Pre-check then post-check, each in registration order.
    expect(order).toEqual(['first', 'second', 'first', 'second']);
  });

  it('skips checks on modify when no checker reports a relevant change', async () => {
    let calls = 0;
    const spec = new SpecStar();
    const rm = spec.addModel(
      { title: 'Doc', type: 'object', properties: { title: { type: 'string' }, body: { type: 'string' } } },
      {
        constraintCheckers: [
          {
            check: () => void (calls += 1),
            dataRelevantChanged: (current, next) => (current as { title: string }).title !== (next as { title: string }).title,
          },
        ],
      },
    );
    await rm.create({ title: 't', body: 'a' }, { ...who(1), resourceId: 'd', status: 'draft' });
    calls = 0;
    await rm.modify('d', { data: { title: 't', body: 'b' } }, who(2));
    expect(calls).toBe(0);
    await rm.modify('d', { data: { title: 'u', body: 'b' } }, who(3));
    expect(calls).toBe(2);
  });
});
