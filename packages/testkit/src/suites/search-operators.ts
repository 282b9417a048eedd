import { cond, len } from '../fixtures';
import { searchGroup } from '../search-dataset';

const where = (...conditions: ReturnType<typeof cond>[]) => ({ conditions });

/**
 * Store level: every search operator on the dataset of search-dataset.ts
 * (present values of every type, present nulls in r4, missing keys in r5–r7).
 */
export const searchOperatorCases = searchGroup('store: search operators', [
  // eq / ne: strict, type-aware, deep for lists and maps
  { name: 'search-op: eq string', query: where(cond('name', 'eq', 'Alice')), ids: ['r1'] },
  { name: 'search-op: ne string (null and missing are unknown)', query: where(cond('name', 'ne', 'Alice')), ids: ['r2', 'r3', 'r4', 'r7'] },
  { name: 'search-op: eq number is type-aware', query: where(cond('age', 'eq', 30)), ids: ['r1'] },
  { name: 'search-op: ne number is type-aware', query: where(cond('age', 'ne', 30)), ids: ['r2', 'r3', 'r7'] },
  { name: 'search-op: eq float', query: where(cond('score', 'eq', 1.5)), ids: ['r1'] },
  { name: 'search-op: eq true', query: where(cond('active', 'eq', true)), ids: ['r1', 'r3'] },
  { name: 'search-op: eq false', query: where(cond('active', 'eq', false)), ids: ['r2'] },
  { name: 'search-op: ne true', query: where(cond('active', 'ne', true)), ids: ['r2'] },
  { name: 'search-op: eq list is ordered deep equality', query: where(cond('tags', 'eq', ['red', 'blue'])), ids: ['r1'] },
  { name: 'search-op: eq list in another order', query: where(cond('tags', 'eq', ['blue', 'red'])), ids: [] },
  { name: 'search-op: eq empty list', query: where(cond('tags', 'eq', [])), ids: ['r2'] },
  { name: 'search-op: ne list', query: where(cond('tags', 'ne', ['red', 'blue'])), ids: ['r2', 'r3', 'r7'] },
  { name: 'search-op: eq map', query: where(cond('attrs', 'eq', { a: 1, b: 2 })), ids: ['r1'] },
  { name: 'search-op: eq map ignores key order', query: where(cond('attrs', 'eq', { b: 2, a: 1 })), ids: ['r1'] },
  { name: 'search-op: eq map subset does not match', query: where(cond('attrs', 'eq', { a: 1 })), ids: [] },
  { name: 'search-op: eq empty map', query: where(cond('attrs', 'eq', {})), ids: ['r2'] },
  { name: 'search-op: eq iso datetime string', query: where(cond('when', 'eq', '2025-03-01T10:00:00.001Z')), ids: ['r3'] },

  // ordering comparisons: numbers numerically, strings by code point, incomparable → unknown
  { name: 'search-op: gt number', query: where(cond('rank', 'gt', 9)), ids: ['r1', 'r3'] },
  { name: 'search-op: gte number', query: where(cond('rank', 'gte', 9)), ids: ['r1', 'r2', 'r3'] },
  { name: 'search-op: lt number', query: where(cond('rank', 'lt', 10)), ids: ['r2', 'r7'] },
  { name: 'search-op: lte number', query: where(cond('rank', 'lte', 10)), ids: ['r1', 'r2', 'r7'] },
  { name: 'search-op: gt negative float', query: where(cond('score', 'gt', -2)), ids: ['r1', 'r3'] },
  { name: 'search-op: gt number skips string values', query: where(cond('age', 'gt', 25)), ids: ['r1', 'r3'] },
  { name: 'search-op: lt string skips number values', query: where(cond('age', 'lt', '31')), ids: ['r7'] },
  { name: 'search-op: gt string is code-point order', query: where(cond('name', 'gt', 'B')), ids: ['r2', 'r3'] },
  { name: 'search-op: lt string includes empty string', query: where(cond('name', 'lt', 'B')), ids: ['r1', 'r4'] },
  { name: 'search-op: gt iso datetime', query: where(cond('when', 'gt', '2025-01-01T00:00:00.000Z')), ids: ['r1', 'r3'] },
  { name: 'search-op: lte iso datetime (millisecond precision)', query: where(cond('when', 'lte', '2025-03-01T10:00:00.000Z')), ids: ['r1', 'r2'] },

  // contains: list membership, integer bit test, otherwise substring of the text form
  { name: 'search-op: contains on a list is membership', query: where(cond('tags', 'contains', 'blue')), ids: ['r1', 'r3'] },
  { name: 'search-op: contains on list and string values', query: where(cond('tags', 'contains', 'red')), ids: ['r1', 'r7'] },
  { name: 'search-op: contains on a list is not substring', query: where(cond('tags', 'contains', 're')), ids: ['r7'] },
  { name: 'search-op: contains substring', query: where(cond('name', 'contains', 'lic')), ids: ['r1', 'r3'] },
  { name: 'search-op: contains is case-sensitive', query: where(cond('name', 'contains', 'Al')), ids: ['r1'] },
  { name: 'search-op: contains on a number uses its text form', query: where(cond('name', 'contains', '4')), ids: ['r7'] },
  { name: 'search-op: contains treats % and _ literally', query: where(cond('code', 'contains', '%_')), ids: ['r4'] },
  { name: 'search-op: contains underscore', query: where(cond('code', 'contains', '_')), ids: ['r4'] },
  { name: 'search-op: contains digit', query: where(cond('code', 'contains', '0')), ids: ['r1', 'r2', 'r3', 'r4', 'r7'] },
  { name: 'search-op: contains integer operand on integers is a bit test', query: where(cond('flags', 'contains', 2)), ids: ['r2', 'r3'] },

  // starts_with / ends_with: case-sensitive, literal
  { name: 'search-op: starts_with', query: where(cond('name', 'starts_with', 'Al')), ids: ['r1'] },
  { name: 'search-op: starts_with is case-sensitive', query: where(cond('name', 'starts_with', 'al')), ids: ['r3'] },
  { name: 'search-op: starts_with on a number', query: where(cond('name', 'starts_with', '4')), ids: ['r7'] },
  { name: 'search-op: starts_with treats % literally', query: where(cond('code', 'starts_with', '50%')), ids: ['r4'] },
  { name: 'search-op: starts_with % is not a wildcard', query: where(cond('code', 'starts_with', 'A%')), ids: [] },
  { name: 'search-op: starts_with _ is not a wildcard', query: where(cond('code', 'starts_with', '5_')), ids: [] },
  { name: 'search-op: ends_with', query: where(cond('name', 'ends_with', 'smith')), ids: ['r3'] },
  { name: 'search-op: ends_with is case-sensitive', query: where(cond('name', 'ends_with', 'SMITH')), ids: [] },
  { name: 'search-op: ends_with literal underscore', query: where(cond('code', 'ends_with', '_off')), ids: ['r4'] },
  { name: 'search-op: ends_with % is not a wildcard', query: where(cond('code', 'ends_with', '%off')), ids: [] },
  { name: 'search-op: ends_with on numbers uses their text form', query: where(cond('age', 'ends_with', '0')), ids: ['r1', 'r7'] },

  // in / not_in
  { name: 'search-op: in list', query: where(cond('age', 'in', [25, 41])), ids: ['r2', 'r3'] },
  { name: 'search-op: in is type-aware', query: where(cond('age', 'in', [30])), ids: ['r1'] },
  { name: 'search-op: in strings', query: where(cond('name', 'in', ['Alice', 'Bob'])), ids: ['r1', 'r2'] },
  { name: 'search-op: in with map elements', query: where(cond('attrs', 'in', [{ a: 3 }])), ids: ['r3'] },
  { name: 'search-op: in empty list', query: where(cond('age', 'in', [])), ids: [] },
  { name: 'search-op: in with a non-list operand never matches', query: where(cond('age', 'in', 30)), ids: [] },
  { name: 'search-op: in with null element does not match null', query: where(cond('age', 'in', [null])), ids: [] },
  { name: 'search-op: not_in list', query: where(cond('age', 'not_in', [25, 41])), ids: ['r1', 'r7'] },
  { name: 'search-op: not_in empty list', query: where(cond('age', 'not_in', [])), ids: ['r1', 'r2', 'r3', 'r7'] },
  { name: 'search-op: not_in with a non-list operand', query: where(cond('age', 'not_in', 30)), ids: ['r1', 'r2', 'r3', 'r7'] },

  // is_null / exists / isna
  { name: 'search-op: is_null true', query: where(cond('note', 'is_null', true)), ids: ['r1', 'r4'] },
  { name: 'search-op: is_null false', query: where(cond('note', 'is_null', false)), ids: ['r2', 'r3'] },
  { name: 'search-op: is_null true on a missing key', query: where(cond('nope', 'is_null', true)), ids: [] },
  { name: 'search-op: is_null false on a missing key', query: where(cond('nope', 'is_null', false)), ids: [] },
  { name: 'search-op: exists true (null counts as present)', query: where(cond('note', 'exists', true)), ids: ['r1', 'r2', 'r3', 'r4'] },
  { name: 'search-op: exists false', query: where(cond('note', 'exists', false)), ids: ['r5', 'r6', 'r7'] },
  { name: 'search-op: isna true', query: where(cond('note', 'isna', true)), ids: ['r1', 'r4', 'r5', 'r6', 'r7'] },
  { name: 'search-op: isna false', query: where(cond('note', 'isna', false)), ids: ['r2', 'r3'] },

  // regex: unanchored search, (?i), text form of numbers
  { name: 'search-op: regex anchored start', query: where(cond('name', 'regex', '^A')), ids: ['r1'] },
  { name: 'search-op: regex (?i) flag', query: where(cond('name', 'regex', '(?i)^alice')), ids: ['r1', 'r3'] },
  { name: 'search-op: regex is an unanchored search', query: where(cond('name', 'regex', 'ice')), ids: ['r1', 'r3'] },
  { name: 'search-op: regex is case-sensitive', query: where(cond('name', 'regex', 'bob')), ids: [] },
  { name: 'search-op: regex on a number uses its text form', query: where(cond('name', 'regex', '^\\d+$')), ids: ['r7'] },
  { name: 'search-op: regex character classes and counts', query: where(cond('code', 'regex', '^[A-Z]-\\d{3}$')), ids: ['r1', 'r2'] },

  // transform len
  { name: 'search-op: len of a string', query: where(len('name', 'eq', 5)), ids: ['r1'] },
  { name: 'search-op: len gt', query: where(len('name', 'gt', 3)), ids: ['r1', 'r3'] },
  { name: 'search-op: len of an empty string', query: where(len('name', 'eq', 0)), ids: ['r4'] },
  { name: 'search-op: len of a list', query: where(len('tags', 'eq', 2)), ids: ['r1'] },
  { name: 'search-op: len of lists and a string', query: where(len('tags', 'gte', 1)), ids: ['r1', 'r3', 'r7'] },
  { name: 'search-op: len of a map', query: where(len('attrs', 'eq', 2)), ids: ['r1'] },
  { name: 'search-op: len of an empty map', query: where(len('attrs', 'eq', 0)), ids: ['r2'] },
  { name: 'search-op: len lt on maps', query: where(len('attrs', 'lt', 2)), ids: ['r2', 'r3'] },
  { name: 'search-op: len of a number never matches', query: where(len('rank', 'gte', 0)), ids: [] },
  { name: 'search-op: len of a numeric-looking string', query: where(len('age', 'gt', 0)), ids: ['r7'] },
]);
