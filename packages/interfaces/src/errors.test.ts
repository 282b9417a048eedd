import {
  ResourceIDNotFoundError,
  ResourceNotFoundError,
  RevisionIDNotFoundError,
  SpecStarError,
  UniqueConstraintError,
  ResourceConflictError,
  ValidationError,
  QueryError,
  ResourceAction,
} from './index';

describe('error classes', () => {
  it('keep the family tree, a stable code and their payload', () => {
    const e = new RevisionIDNotFoundError('item:1', 'item:1:9');
    expect(e).toBeInstanceOf(ResourceNotFoundError);
    expect(e).toBeInstanceOf(SpecStarError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RevisionIDNotFoundError');
    expect([e.code, e.resource_id, e.revision_id]).toEqual(['revision_id_not_found', 'item:1', 'item:1:9']);
    expect(new ResourceIDNotFoundError('x').code).toBe('resource_id_not_found');
    const u = new UniqueConstraintError('email', 'a@b', 'user:1');
    expect(u).toBeInstanceOf(ResourceConflictError);
    expect([u.field, u.value, u.conflicting_resource_id]).toEqual(['email', 'a@b', 'user:1']);
    const q = new QueryError('bad', { offset: 3, line: 1, column: 4 });
    expect(q).toBeInstanceOf(ValidationError);
    expect(q.kind).toBe('input');
  });

  it('composite actions are the OR of their members', () => {
    expect(ResourceAction.create_or_update).toBe(32833);
    expect(ResourceAction.read).toBe(30);
    expect(ResourceAction.write).toBe(32961);
    expect(ResourceAction.lifecycle).toBe(3840);
    expect(ResourceAction.backup).toBe(28672);
    expect(ResourceAction.owner).toBe(36830);
  });
});
