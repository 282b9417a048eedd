import {
  ReferenceRestrictError,
  ResourceIsDeletedError,
  UniqueConstraintError,
  type IConstraintChecker,
} from '@specstar/interfaces';
import { ref, unique } from '@specstar/core';
import { caught, expectError } from '../assert';
import { at, ctx, makeMeta, makeRevision, USERS } from '../fixtures';
import { defineGroup, type Engine, type ResourceManagerOf } from '../types';

/** An account whose `email` is unique; `nick` is not. */
const ACCOUNT_SCHEMA = {
  title: 'Account',
  type: 'object',
  properties: {
    email: unique({ type: ['string', 'null'] }),
    nick: { type: 'string' },
  },
  required: ['email'],
};

function accounts(engine: Engine): ResourceManagerOf {
  return engine.spec.addModel(ACCOUNT_SCHEMA, { name: 'account' });
}

/** Everything a failed write must leave as it was: the meta and the revision ids. */
async function snapshot(rm: ResourceManagerOf, id: string): Promise<unknown> {
  return { meta: await rm.getMeta(id, { includeDeleted: true }), revisions: await rm.listRevisionIds(id) };
}

/** Engine and store level: unique fields (one live holder per value; nulls and deleted resources hold none). */
export const uniqueCases = defineGroup('engine: unique fields', [
  {
    name: 'unique: a second create with a taken value is refused and writes nothing',
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: 'a@x', nick: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'acc-a' });
      await expectError(expect, () => rm.create({ email: 'a@x', nick: 'b' }, { ...ctx(USERS.bob, 2), resourceId: 'acc-b' }), UniqueConstraintError, {
        field: 'email',
        value: 'a@x',
        conflicting_resource_id: 'acc-a',
      });
      expect(await rm.exists('acc-b')).toBe(false);
      expect(await rm.count({ limit: 10, offset: 0 })).toBe(1);
    },
  },
  {
    name: 'unique: null may repeat, and a soft-deleted holder frees its value',
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: null, nick: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'n1' });
      await rm.create({ email: null, nick: 'b' }, { ...ctx(USERS.alice, 2), resourceId: 'n2' });
      await rm.create({ email: 'x@x', nick: 'c' }, { ...ctx(USERS.alice, 3), resourceId: 'h1' });
      await rm.delete('h1', ctx(USERS.alice, 4));
      const info = await rm.create({ email: 'x@x', nick: 'd' }, { ...ctx(USERS.alice, 5), resourceId: 'h2' });
      expect(info.revision_id).toBe('h2:1');
    },
  },
  {
    name: "unique: an update may keep its own value but not take another resource's",
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: 'a@x', nick: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'a' });
      await rm.create({ email: 'b@x', nick: 'b' }, { ...ctx(USERS.alice, 2), resourceId: 'b' });
      const kept = await rm.update('a', { email: 'a@x', nick: 'a2' }, ctx(USERS.alice, 3));
      expect(kept.revision_id).toBe('a:2');
      const before = await snapshot(rm, 'b');
      await expectError(expect, () => rm.update('b', { email: 'a@x', nick: 'b' }, ctx(USERS.bob, 4)), UniqueConstraintError, {
        field: 'email',
        conflicting_resource_id: 'a',
      });
      await expectError(expect, () => rm.patch('b', [{ op: 'replace', path: '/email', value: 'a@x' }], ctx(USERS.bob, 5)), UniqueConstraintError);
      expect(await snapshot(rm, 'b')).toEqual(before);
      expect((await rm.get('b')).data).toEqual({ email: 'b@x', nick: 'b' });
    },
  },
  {
    name: 'unique: modify of a draft into a taken value is refused and the draft is unchanged',
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: 'a@x', nick: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'a' });
      await rm.create({ email: 'd@x', nick: 'd' }, { ...ctx(USERS.alice, 2), resourceId: 'd', status: 'draft' });
      const before = await rm.get('d');
      await expectError(expect, () => rm.modify('d', { data: { email: 'a@x', nick: 'd' } }, ctx(USERS.bob, 3)), UniqueConstraintError, {
        conflicting_resource_id: 'a',
      });
      expect(await rm.get('d')).toEqual(before);
      const edited = await rm.modify('d', { data: { email: 'd@x', nick: 'd2' } }, ctx(USERS.bob, 4));
      expect(edited.revision_id).toBe('d:1');
    },
  },
  {
    name: 'unique: restoring into a value another resource now holds is refused; it stays deleted',
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: 'a@x', nick: 'old' }, { ...ctx(USERS.alice, 1), resourceId: 'old' });
      await rm.delete('old', ctx(USERS.alice, 2));
      await rm.create({ email: 'a@x', nick: 'new' }, { ...ctx(USERS.alice, 3), resourceId: 'new' });
      const before = await snapshot(rm, 'old');
      await expectError(expect, () => rm.restore('old', ctx(USERS.bob, 4)), UniqueConstraintError, { field: 'email', conflicting_resource_id: 'new' });
      expect(await snapshot(rm, 'old')).toEqual(before);
      await expectError(expect, () => rm.get('old'), ResourceIsDeletedError);
      // Once the value is free again, the restore goes through.
      await rm.update('new', { email: 'n@x', nick: 'new' }, ctx(USERS.alice, 5));
      expect((await rm.restore('old', ctx(USERS.bob, 6))).is_deleted).toBe(false);
    },
  },
  {
    name: 'unique: switching back to a revision whose value is taken is refused; the current revision stays',
    async run({ expect, engine }) {
      const rm = accounts(engine());
      await rm.create({ email: 'a@x', nick: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'a' });
      await rm.update('a', { email: 'a2@x', nick: 'a' }, ctx(USERS.alice, 2));
      await rm.create({ email: 'a@x', nick: 'b' }, { ...ctx(USERS.alice, 3), resourceId: 'b' });
      const before = await snapshot(rm, 'a');
      await expectError(expect, () => rm.switch('a', 'a:1', ctx(USERS.alice, 4)), UniqueConstraintError, { conflicting_resource_id: 'b' });
      expect(await snapshot(rm, 'a')).toEqual(before);
      expect((await rm.get('a')).info.revision_id).toBe('a:2');
    },
  },
  {
    name: 'unique: concurrent creates of one value have exactly one winner',
    requires: ['atomicUnique'],
    async run({ expect, engine }) {
      const rm = accounts(engine());
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => caught(() => rm.create({ email: 'race@x', nick: String(i) }, { ...ctx(USERS.alice, 1), resourceId: `r${i}` }))),
      );
      const failures = results.filter((r) => r instanceof UniqueConstraintError);
      expect(failures).toHaveLength(7);
      expect(await rm.count({ limit: 10, offset: 0, is_deleted: false })).toBe(1);
    },
  },
  {
    name: 'store: commit refuses a unique claim held by another live meta, atomically',
    requires: ['atomicUnique'],
    async run({ expect, storage }) {
      const store = storage();
      const claim = (id: string, email: unknown, overrides = {}) => ({
        revision: makeRevision(id, 1, '{}'),
        meta: makeMeta(id, 1, { indexed_data: { email }, ...overrides }),
        expect: { absent: true as const },
        unique: ['email'],
      });
      await store.commit(claim('u1', 'e'));
      await expectError(expect, () => store.commit(claim('u2', 'e')), UniqueConstraintError, { field: 'email', value: 'e', conflicting_resource_id: 'u1' });
      expect(await store.exists('u2')).toBe(false);
      expect(await store.listRevisions('u2')).toEqual([]);
      // Nulls claim nothing; a deleted meta claims nothing and holds nothing.
      await store.commit(claim('n1', null));
      await store.commit(claim('n2', null));
      await store.commit(claim('d1', 'e', { is_deleted: true }));
      const holder = (await store.getMeta('u1'))!;
      await store.commit({ meta: { ...holder, is_deleted: true }, expect: { current_revision_id: holder.current_revision_id } });
      await store.commit(claim('u3', 'e'));
      // The holder itself may re-claim its own value; a resource coming back to life may not take a held one.
      const u3 = (await store.getMeta('u3'))!;
      await store.commit({ meta: { ...u3, updated_time: at(9) }, expect: { current_revision_id: u3.current_revision_id }, unique: ['email'] });
      await expectError(
        expect,
        () => store.commit({ meta: { ...holder, is_deleted: false }, expect: { current_revision_id: holder.current_revision_id }, unique: ['email'] }),
        UniqueConstraintError,
        { conflicting_resource_id: 'u3' },
      );
      expect((await store.getMeta('u1'))!.is_deleted).toBe(true);
    },
  },
]);

// ---- references ------------------------------------------------------------------------

const NULLABLE_ID = { type: ['string', 'null'] };

/** guild ← member (cascade) ← badge (cascade); post.author set_null; note.about dangling; loan.member restrict; team.members list set_null. */
function refModels(engine: Engine) {
  const { spec } = engine;
  const guild = spec.addModel({ title: 'Guild', type: 'object', properties: { name: { type: 'string' } } }, { name: 'guild' });
  const member = spec.addModel(
    { title: 'Member', type: 'object', properties: { name: { type: 'string' }, guild: ref('guild', { type: 'string' }, { onDelete: 'cascade' }) } },
    { name: 'member' },
  );
  const badge = spec.addModel(
    { title: 'Badge', type: 'object', properties: { owner: ref('member', { type: 'string' }, { onDelete: 'cascade' }) } },
    { name: 'badge' },
  );
  const post = spec.addModel(
    { title: 'Post', type: 'object', properties: { author: ref('member', NULLABLE_ID, { onDelete: 'set_null' }), text: { type: 'string' } } },
    { name: 'post' },
  );
  const note = spec.addModel({ title: 'Note', type: 'object', properties: { about: ref('member', { type: 'string' }) } }, { name: 'note' });
  const loan = spec.addModel(
    { title: 'Loan', type: 'object', properties: { borrower: ref('member', { type: 'string' }, { onDelete: 'restrict' }) } },
    { name: 'loan' },
  );
  const team = spec.addModel(
    { title: 'Team', type: 'object', properties: { members: ref('member', { type: 'array', items: { type: 'string' } }, { onDelete: 'set_null' }) } },
    { name: 'team' },
  );
  return { guild, member, badge, post, note, loan, team };
}

/** Engine level: references between models and their on-delete policies. */
export const referenceCases = defineGroup('engine: references', [
  {
    name: 'refs: deleting a target cascades three levels, nulls set_null fields and leaves dangling refs',
    async run({ expect, engine }) {
      const m = refModels(engine());
      const c = (seconds: number, resourceId: string) => ({ ...ctx(USERS.alice, seconds), resourceId });
      await m.guild.create({ name: 'g' }, c(1, 'g1'));
      await m.member.create({ name: 'm', guild: 'g1' }, c(2, 'm1'));
      await m.member.create({ name: 'other', guild: 'g2' }, c(2, 'm2'));
      await m.badge.create({ owner: 'm1' }, c(3, 'b1'));
      await m.post.create({ author: 'm1', text: 'hi' }, c(4, 'p1'));
      await m.note.create({ about: 'm1' }, c(5, 'n1'));
      await m.team.create({ members: ['m2', 'm1'] }, c(6, 't1'));

      await m.guild.delete('g1', ctx(USERS.bob, 10));

      const member = await m.member.getMeta('m1', { includeDeleted: true });
      expect(member.is_deleted).toBe(true);
      // Cascaded and follow-up actions run as the deleting user at the deleting time.
      expect(member.updated_by).toBe(USERS.bob);
      expect(member.updated_time).toEqual(at(10));
      expect((await m.badge.getMeta('b1', { includeDeleted: true })).is_deleted).toBe(true);
      expect((await m.member.getMeta('m2')).is_deleted).toBe(false);

      const post = await m.post.get('p1');
      expect(post.data).toEqual({ author: null, text: 'hi' });
      expect(post.info.revision_id).toBe('p1:2');
      expect(post.info.created_by).toBe(USERS.bob);
      expect((await m.team.get('t1')).data).toEqual({ members: ['m2'] });
      const note = await m.note.get('n1');
      expect(note.data).toEqual({ about: 'm1' });
      expect(note.info.revision_id).toBe('n1:1');
    },
  },
  {
    name: 'refs: restrict refuses the delete while a live referrer exists, and writes nothing',
    async run({ expect, engine }) {
      const m = refModels(engine());
      await m.member.create({ name: 'm' }, { ...ctx(USERS.alice, 1), resourceId: 'm1' });
      await m.post.create({ author: 'm1', text: 'x' }, { ...ctx(USERS.alice, 1), resourceId: 'p1' });
      await m.loan.create({ borrower: 'm1' }, { ...ctx(USERS.alice, 2), resourceId: 'l1' });
      const before = await m.member.getMeta('m1');
      const error = await expectError(expect, () => m.member.delete('m1', ctx(USERS.bob, 3)), ReferenceRestrictError, { resource_id: 'm1' });
      expect(error.referrers).toEqual([{ source: 'loan', source_field: 'borrower', resource_ids: ['l1'], ref_type: 'resource_id', on_delete: 'restrict' }]);
      expect(await m.member.getMeta('m1')).toEqual(before);
      expect((await m.post.get('p1')).info.revision_id).toBe('p1:1');
      await m.loan.delete('l1', ctx(USERS.bob, 4));
      expect((await m.member.delete('m1', ctx(USERS.bob, 5))).is_deleted).toBe(true);
    },
  },
  {
    name: 'refs: permanently deleting a target triggers no referential action',
    async run({ expect, engine }) {
      const m = refModels(engine());
      await m.member.create({ name: 'm' }, { ...ctx(USERS.alice, 1), resourceId: 'm1' });
      await m.badge.create({ owner: 'm1' }, { ...ctx(USERS.alice, 2), resourceId: 'b1' });
      await m.post.create({ author: 'm1', text: 'x' }, { ...ctx(USERS.alice, 2), resourceId: 'p1' });
      await m.member.permanentlyDelete('m1', ctx(USERS.bob, 3));
      expect((await m.badge.getMeta('b1')).is_deleted).toBe(false);
      expect((await m.post.get('p1')).data).toEqual({ author: 'm1', text: 'x' });
    },
  },
  {
    name: 'refs: referrers are grouped per source field, live ones only, list refs by membership',
    async run({ expect, engine }) {
      const e = engine();
      const m = refModels(e);
      await m.member.create({ name: 'm' }, { ...ctx(USERS.alice, 1), resourceId: 'm1' });
      await m.post.create({ author: 'm1', text: 'x' }, { ...ctx(USERS.alice, 2), resourceId: 'p1' });
      await m.post.create({ author: 'm1', text: 'y' }, { ...ctx(USERS.alice, 2), resourceId: 'p2' });
      await m.post.create({ author: 'm1', text: 'z' }, { ...ctx(USERS.alice, 2), resourceId: 'p3' });
      await m.post.delete('p3', ctx(USERS.alice, 3));
      await m.team.create({ members: ['m0', 'm1'] }, { ...ctx(USERS.alice, 4), resourceId: 't1' });
      expect(await e.spec.findReferrers('member', 'm1')).toEqual([
        { source: 'post', source_field: 'author', ref_type: 'resource_id', on_delete: 'set_null', resource_ids: ['p1', 'p2'] },
        { source: 'team', source_field: 'members', ref_type: 'resource_id', on_delete: 'set_null', resource_ids: ['t1'] },
      ]);
    },
  },
]);

// ---- constraint checkers ---------------------------------------------------------------

/** A checker that rejects `name: 'bad'`, and from the `failAfter`-th call on rejects everything. */
function flakyChecker(failAfter = Infinity): IConstraintChecker & { calls: number } {
  return {
    calls: 0,
    check(data: unknown) {
      this.calls += 1;
      if ((data as { name?: string }).name === 'bad') throw new Error('bad name');
      if (this.calls >= failAfter) throw new Error('changed under us');
    },
  };
}

function checkedItems(engine: Engine, checker: IConstraintChecker): ResourceManagerOf {
  return engine.spec.addModel(
    { title: 'Checked', type: 'object', properties: { name: { type: 'string' } } },
    { name: 'checked', constraintCheckers: [checker] },
  );
}

/** Engine level: constraint checkers; a failing check leaves everything as before. */
export const constraintCases = defineGroup('engine: constraint checkers', [
  {
    name: 'constraints: a failing pre-check prevents any write',
    async run({ expect, engine }) {
      const rm = checkedItems(engine(), flakyChecker());
      expect(await caught(() => rm.create({ name: 'bad' }, { ...ctx(USERS.alice, 1), resourceId: 'x' }))).toBeInstanceOf(Error);
      expect(await rm.exists('x')).toBe(false);
      await rm.create({ name: 'ok' }, { ...ctx(USERS.alice, 1), resourceId: 'y' });
      const before = await snapshot(rm, 'y');
      expect(await caught(() => rm.update('y', { name: 'bad' }, ctx(USERS.alice, 2)))).toBeInstanceOf(Error);
      expect(await snapshot(rm, 'y')).toEqual(before);
    },
  },
  {
    name: 'constraints: a failing post-check on create leaves no resource behind',
    async run({ expect, engine }) {
      const rm = checkedItems(engine(), flakyChecker(2));
      expect(await caught(() => rm.create({ name: 'ok' }, { ...ctx(USERS.alice, 1), resourceId: 'x' }))).toBeInstanceOf(Error);
      expect(await rm.exists('x')).toBe(false);
      expect(await rm.count({ limit: 10, offset: 0 })).toBe(0);
    },
  },
  {
    name: 'constraints: failing post-checks on update, modify, switch and restore restore the previous state',
    async run({ expect, engine }) {
      let failing = false;
      // Fails only on its second call within an operation: the pre-check passes, the post-check fails.
      let calls = 0;
      const postOnly: IConstraintChecker = {
        check() {
          calls += 1;
          if (failing && calls % 2 === 0) throw new Error('post-check');
        },
      };
      const rm = checkedItems(engine(), postOnly);
      await rm.create({ name: 'a' }, { ...ctx(USERS.alice, 1), resourceId: 'u' });
      await rm.update('u', { name: 'b' }, ctx(USERS.alice, 2));
      await rm.create({ name: 'd' }, { ...ctx(USERS.alice, 3), resourceId: 'd', status: 'draft' });
      await rm.create({ name: 'r' }, { ...ctx(USERS.alice, 4), resourceId: 'r' });
      await rm.delete('r', ctx(USERS.alice, 5));
      const before = { u: await rm.get('u'), um: await rm.getMeta('u'), d: await rm.get('d'), dm: await rm.getMeta('d'), rm: await rm.getMeta('r', { includeDeleted: true }) };

      failing = true;
      calls = 0;
      expect(await caught(() => rm.update('u', { name: 'c' }, ctx(USERS.bob, 10)))).toBeInstanceOf(Error);
      expect(await rm.getMeta('u')).toEqual(before.um);
      expect(await rm.get('u')).toEqual(before.u);
      calls = 0;
      expect(await caught(() => rm.modify('d', { data: { name: 'e' } }, ctx(USERS.bob, 11)))).toBeInstanceOf(Error);
      expect(await rm.getMeta('d')).toEqual(before.dm);
      expect(await rm.get('d')).toEqual(before.d);
      calls = 0;
      expect(await caught(() => rm.switch('u', 'u:1', ctx(USERS.bob, 12)))).toBeInstanceOf(Error);
      expect(await rm.getMeta('u')).toEqual(before.um);
      calls = 0;
      expect(await caught(() => rm.restore('r', ctx(USERS.bob, 13)))).toBeInstanceOf(Error);
      expect(await rm.getMeta('r', { includeDeleted: true })).toEqual(before.rm);
    },
  },
]);
