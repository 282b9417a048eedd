/*
 * Revision lists order by created_time and break ties by the revision counter (`:n`), so several
 * revisions written within one millisecond (a job's state changes) keep their exact order.
 */
import type { RevisionInfo } from '@specstar/interfaces';
import { compareRevisionsByCreation, revisionCounter } from '../src';
import { T0, T1, itemRegistry } from './fixtures';

const info = (revision_id: string, created_time: Date): RevisionInfo => ({ revision_id, created_time }) as RevisionInfo;
const ids = (infos: RevisionInfo[]): string[] => infos.map((i) => i.revision_id);

describe('revision order', () => {
  it('revisionCounter reads the numeric suffix after the last colon', () => {
    expect(revisionCounter('item:abc:12')).toBe(12);
    expect(revisionCounter('x:1')).toBe(1);
    expect(revisionCounter('x:v2')).toBeNaN();
    expect(revisionCounter('plain')).toBeNaN();
    expect(revisionCounter('x:')).toBeNaN();
  });

  it('twelve revisions in one millisecond sort by counter (numerically), both ways', async () => {
    const { rm } = itemRegistry();
    const { resource_id: id } = await rm.create({ name: 'v1', value: 1 }, { user: 'alice', now: T0 });
    for (let n = 2; n <= 12; n++) await rm.update(id, { name: `v${n}`, value: n }, { user: 'alice', now: T0 });
    const listed = await rm.listRevisions(id);
    // Shuffled input: the order must come from the comparator, not from the store.
    const shuffled = [...listed].reverse().sort((a, b) => (a.uid < b.uid ? -1 : 1));
    const expected = Array.from({ length: 12 }, (_, i) => `${id}:${i + 1}`);
    expect(ids([...shuffled].sort(compareRevisionsByCreation))).toEqual(expected);
    expect(ids([...shuffled].sort((a, b) => -compareRevisionsByCreation(a, b)))).toEqual([...expected].reverse());
  });

  it('time decides first; ids without a counter come after those with one, by text', () => {
    const sorted = [info('r:9', T1), info('r:b', T0), info('r:10', T0), info('r:a', T0), info('r:2', T0)].sort(compareRevisionsByCreation);
    expect(ids(sorted)).toEqual(['r:2', 'r:10', 'r:a', 'r:b', 'r:9']);
  });
});
