import { compareStrings } from './evaluator';

describe('compareStrings orders by code point (as SQL byte order does)', () => {
  it('agrees with code unit order for ordinary text', () => {
    const words = ['b', 'a', 'ab', 'B', '', 'é', 'z', 'item:2', 'item:10'];
    expect([...words].sort(compareStrings)).toEqual([...words].sort());
  });

  it('puts astral characters (surrogate pairs) after U+E000–U+FFFF', () => {
    // UTF-16 code units would put '\u{1F600}' (D83D DE00) before '\uFFFD'.
    expect(compareStrings('\uFFFD', '\u{1F600}')).toBeLessThan(0);
    expect(compareStrings('x\u{1F600}', 'x\uE000')).toBeGreaterThan(0);
    expect(compareStrings('\u{1F600}a', '\u{1F600}b')).toBeLessThan(0);
    expect(compareStrings('same', 'same')).toBe(0);
  });
});
