import { ResourceConflictError, ResourceIDNotFoundError, RevisionMismatchError, type SpecStarError, type WriteExpectation } from '@specstar/interfaces';

/**
 * Why a write with `expect` may not go ahead against what is stored for `resourceId` now
 * (`stored` undefined when nothing is): the error every store throws, or undefined when it may.
 * For stores that compare in code; SQL stores decide the same in their statements.
 */
export function expectationRefusal(
  resourceId: string,
  stored: { current_revision_id: string } | undefined,
  expect: WriteExpectation,
): SpecStarError | undefined {
  if ('absent' in expect) return stored === undefined ? undefined : new ResourceConflictError(`Resource '${resourceId}' already exists`, resourceId);
  if (stored === undefined) return new ResourceIDNotFoundError(resourceId);
  if (stored.current_revision_id !== expect.current_revision_id) {
    return new RevisionMismatchError(resourceId, expect.current_revision_id, stored.current_revision_id);
  }
  return undefined;
}
