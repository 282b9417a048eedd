import { ValidationError } from '@specstar/interfaces';
import { checkResourceId, newUuid, PrefixedUuids } from './ids';
import { catchError } from '../test/catch-error';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newUuid', () => {
  it('mints RFC 4122 version-4 UUIDs in lowercase, none repeated across entropy batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newUuid();
      expect(id).toMatch(UUID4);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });
});

describe('PrefixedUuids', () => {
  it('puts the prefix in front of a fresh UUID every time', () => {
    const ids = new PrefixedUuids('character:');
    const a = ids.next();
    const b = ids.next();
    expect(a).not.toBe(b);
    for (const id of [a, b]) {
      expect(id.startsWith('character:')).toBe(true);
      expect(id.slice('character:'.length)).toMatch(UUID4);
    }
  });

  it.each(['café:', '角色:', '🐉:'])('keeps a prefix beyond ASCII intact (%s)', (prefix) => {
    const id = new PrefixedUuids(prefix).next();
    expect(id.startsWith(prefix)).toBe(true);
    expect(id.slice(prefix.length)).toMatch(UUID4);
  });
});

describe('checkResourceId', () => {
  it.each([['a/b'], ['a\\b'], ['tab\there'], [''], ['   '], ['x'.repeat(513)]])('refuses %j, naming resource_id', (id) => {
    const error = catchError(() => checkResourceId(id));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('resource_id');
  });
});
