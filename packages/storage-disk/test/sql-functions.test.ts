import Database from 'better-sqlite3';
import { compareBySorts, sortKey } from '@specstar/core/adapter';
import type { ResourceMeta } from '@specstar/interfaces';
import { jsonKeyPath, quoteIdentifier, sqlString } from '@specstar/storage-sql';

describe('sortKey', () => {
  // Every pair of values must order by key bytes exactly as the evaluator's data sort orders them.
  const values: unknown[] = [
    null,
    false,
    true,
    -1e21,
    -2.5,
    -1,
    0,
    -0,
    0.1,
    1,
    2,
    10,
    1e21,
    '',
    'a',
    'a\u0000',
    'a\u0001',
    'ab',
    'b',
    'é',
    '\uffff',
    '😀',
    [],
    [null],
    [false],
    [0],
    [1],
    [1, 2],
    [1, [2]],
    [[1]],
    [[]],
    ['a'],
    ['a', null],
    ['a\u0000'],
    ['ab'],
    [{ x: 1 }],
    [{ x: 1 }, 1],
    {},
    { a: 1 },
    { a: 1, b: 2 },
    { b: 0 },
    { '10': 1, '9': 2 },
  ];
  const compare = compareBySorts([{ type: 'data', field_path: 'v', direction: '+' }]);
  const metaOf = (v: unknown): ResourceMeta => ({ resource_id: 'same', indexed_data: { v } }) as unknown as ResourceMeta;

  it.each(values.map((a) => [JSON.stringify(a) ?? String(a), a]))('orders %s against every other value like compareBySorts', (_label, a) => {
    const mismatches: string[] = [];
    for (const b of values) {
      const expected = Math.sign(compare(metaOf(a), metaOf(b)));
      const actual = Math.sign(Buffer.compare(sortKey(a), sortKey(b)));
      if (expected !== actual) mismatches.push(`${JSON.stringify(b)}: expected ${expected}, key gives ${actual}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('identifiers', () => {
  it('quotes identifiers and string literals by doubling quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(sqlString("it's")).toBe("'it''s'");
  });

  it.each([['plain'], ['q"k'], ['back\\slash'], ['ctl\u0001\u001f'], ['dot.ted[0]'], ['$'], ["apo'strophe"], ['😀'], ['lone\ud800'], [''], ['\\"']])(
    'jsonKeyPath(%j) addresses exactly that key',
    (key) => {
      const db = new Database(':memory:');
      try {
        const doc = JSON.stringify({ [key]: 'hit', [`${key}x`]: 'other', x: 'other' });
        const got = db.prepare('SELECT json_extract(jsonb(?), ?) AS v').get(doc, jsonKeyPath(key));
        expect(got).toEqual({ v: 'hit' });
        // oxlint-disable-next-line no-control-regex -- the NUL is what the path must not hold
        expect(jsonKeyPath(key)).not.toMatch(/\u0000/);
      } finally {
        db.close();
      }
    },
  );
});
