import { parseQb } from './qb-parser';

describe('parseQb reuses parsed expressions safely', () => {
  it('gives the same query for the same text, and errors are not cached as successes', () => {
    const text = "(QB['age'] > 18) & QB['name'].icontains('al')";
    expect(parseQb(text).build()).toEqual(parseQb(text).build());
    expect(() => parseQb("QB['age'] >")).toThrow();
    expect(() => parseQb("QB['age'] >")).toThrow();
  });

  it('re-evaluates time helpers against each call’s clock', () => {
    const text = "QB.created_time().today(0)";
    const first = parseQb(text, { now: new Date('2025-01-01T12:00:00.000Z') }).build();
    const second = parseQb(text, { now: new Date('2025-03-04T12:00:00.000Z') }).build();
    expect(JSON.stringify(first)).toContain('2025-01-01T00:00:00.000Z');
    expect(JSON.stringify(second)).toContain('2025-03-04T00:00:00.000Z');
  });
});
