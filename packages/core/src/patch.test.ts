import { PatchError, ValidationError } from '@specstar/interfaces';
import { applyJsonPatch, applyMergePatch } from './patch';

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PatchError);
    return error as PatchError;
  }
  throw new Error('expected a PatchError');
}

describe('applyJsonPatch', () => {
  const doc = () => ({ name: 'a', value: 1, tags: ['x', 'y'], nested: { deep: { n: 1 } } });

  it('applies every RFC 6902 operation in order', () => {
    const result = applyJsonPatch(doc(), [
      { op: 'add', path: '/tags/-', value: 'z' },
      { op: 'add', path: '/tags/0', value: 'w' },
      { op: 'remove', path: '/value' },
      { op: 'replace', path: '/name', value: 'b' },
      { op: 'copy', from: '/nested/deep', path: '/copied' },
      { op: 'move', from: '/nested/deep/n', path: '/moved' },
      { op: 'test', path: '/name', value: 'b' },
    ]);
    expect(result).toEqual({ name: 'b', tags: ['w', 'x', 'y', 'z'], nested: { deep: {} }, copied: { n: 1 }, moved: 1 });
  });

  it('replaces the whole document with a root replace', () => {
    expect(applyJsonPatch(doc(), [{ op: 'replace', path: '', value: { name: 'r' } }])).toEqual({ name: 'r' });
  });

  it('never mutates the document or the operations', () => {
    const original = doc();
    const ops = [
      { op: 'add', path: '/nested/deep/m', value: { list: [1] } },
      { op: 'remove', path: '/tags/0' },
    ];
    const snapshot = structuredClone({ original, ops });
    const result = applyJsonPatch(original, ops) as { nested: { deep: { m: { list: number[] } } } };
    expect({ original, ops }).toEqual(snapshot);
    // The inserted value is a copy, not the operation's object.
    result.nested.deep.m.list.push(2);
    expect(ops[0]).toEqual({ op: 'add', path: '/nested/deep/m', value: { list: [1] } });
  });

  it('keeps bytes as Uint8Array, also through copy', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const result = applyJsonPatch({ file: { data: bytes } }, [{ op: 'copy', from: '/file', path: '/again' }]) as {
      file: { data: Uint8Array };
      again: { data: Uint8Array };
    };
    expect(result.again.data).toBeInstanceOf(Uint8Array);
    expect([...result.again.data]).toEqual([1, 2, 3]);
    expect(result.again.data).not.toBe(result.file.data);
    expect(result.file.data).not.toBe(bytes);
  });

  it('rejects a patch that is not an array', () => {
    const error = patchError(() => applyJsonPatch(doc(), { op: 'add', path: '/a', value: 1 }));
    expect(error.operation_index).toBeUndefined();
    expect(error.kind).toBe('input');
    expect(error).toBeInstanceOf(ValidationError);
  });

  it.each([
    ['not an object', 'oops'],
    ['an unknown op', { op: 'increment', path: '/value' }],
    ["fast-json-patch's internal _get op", { op: '_get', path: '/value', value: 1 }],
    ['an inherited property name as op', { op: 'constructor', path: '/value' }],
    ['a missing path', { op: 'remove' }],
    ['a path without a leading slash', { op: 'remove', path: 'value' }],
    ['add without value', { op: 'add', path: '/x' }],
    ['replace without value', { op: 'replace', path: '/name' }],
    ['test without value', { op: 'test', path: '/name' }],
    ['move without from', { op: 'move', path: '/x' }],
    ['copy without from', { op: 'copy', path: '/x' }],
    ['a path that does not exist (remove)', { op: 'remove', path: '/missing' }],
    ['a path that does not exist (replace)', { op: 'replace', path: '/missing', value: 1 }],
    ['a parent that does not exist (add)', { op: 'add', path: '/missing/child', value: 1 }],
    ['a path through a string', { op: 'add', path: '/name/child', value: 1 }],
    ['an array index past the end', { op: 'add', path: '/tags/5', value: 'q' }],
    ['an array index that is not a number', { op: 'add', path: '/tags/first', value: 'q' }],
    ['a remove past the end of an array', { op: 'remove', path: '/tags/2' }],
    ['a from that does not exist (move)', { op: 'move', from: '/missing', path: '/x' }],
    ['a from that does not exist (copy)', { op: 'copy', from: '/missing/deeper', path: '/x' }],
    ['a move into its own child', { op: 'move', from: '/nested', path: '/nested/deep/inner' }],
    ['a failed test', { op: 'test', path: '/name', value: 'other' }],
    ['a test of a missing path', { op: 'test', path: '/missing', value: 1 }],
    ['a __proto__ segment', { op: 'add', path: '/__proto__/polluted', value: true }],
    ['a constructor segment', { op: 'add', path: '/constructor/prototype/polluted', value: true }],
    ['a prototype segment', { op: 'replace', path: '/nested/prototype', value: 1 }],
    ['a __proto__ segment in from', { op: 'copy', from: '/__proto__', path: '/x' }],
  ])('rejects %s with the index of the failing operation', (_label, bad) => {
    const ops = [{ op: 'replace', path: '/value', value: 2 }, bad];
    const original = doc();
    const error = patchError(() => applyJsonPatch(original, ops));
    expect(error.operation_index).toBe(1);
    expect(original).toEqual(doc());
  });

  it('names the op and path of the failing operation', () => {
    const error = patchError(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/missing' }]));
    expect(error.message).toContain('remove');
    expect(error.message).toContain('/missing');
  });

  it('does not pollute Object.prototype', () => {
    patchError(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports an operation on a null document as a PatchError', () => {
    expect(patchError(() => applyJsonPatch(null, [{ op: 'add', path: '/a', value: 1 }])).operation_index).toBe(0);
  });
});

describe('applyMergePatch', () => {
  it('merges objects, deletes keys set to null and replaces arrays (RFC 7386)', () => {
    const result = applyMergePatch(
      { name: 'a', value: 1, tags: ['x'], nested: { keep: 1, drop: 2 } },
      { value: null, tags: ['y'], nested: { drop: null, add: 3 }, extra: { n: 1 } },
    );
    expect(result).toEqual({ name: 'a', tags: ['y'], nested: { keep: 1, add: 3 }, extra: { n: 1 } });
  });

  it('replaces the document with a non-object patch', () => {
    expect(applyMergePatch({ a: 1 }, ['x'])).toEqual(['x']);
    expect(applyMergePatch({ a: 1 }, 'text')).toBe('text');
  });

  it('never mutates the document or the patch', () => {
    const document = { nested: { a: 1 }, list: [1] };
    const patch = { nested: { b: { c: 1 } }, list: [2] };
    const result = applyMergePatch(document, patch) as { nested: { b: { c: number } }; list: number[] };
    expect(document).toEqual({ nested: { a: 1 }, list: [1] });
    result.nested.b.c = 9;
    result.list.push(3);
    expect(patch).toEqual({ nested: { b: { c: 1 } }, list: [2] });
  });

  it('treats bytes in the patch as a value, not as an object to merge into', () => {
    const result = applyMergePatch({ file: { data: new Uint8Array([9, 9, 9, 9]), size: 4 } }, { file: { data: new Uint8Array([1, 2]), size: 2 } }) as {
      file: { data: Uint8Array; size: number };
    };
    expect(result.file.data).toBeInstanceOf(Uint8Array);
    expect([...result.file.data]).toEqual([1, 2]);
    expect(result.file.size).toBe(2);
  });

  it('keeps untouched bytes of the document as Uint8Array', () => {
    const result = applyMergePatch({ data: new Uint8Array([5]), n: 1 }, { n: 2 }) as { data: Uint8Array; n: number };
    expect(result.data).toBeInstanceOf(Uint8Array);
    expect([...result.data]).toEqual([5]);
  });

  it('ignores keys whose value is undefined (UNSET)', () => {
    expect(applyMergePatch({ a: 1, b: 2 }, { a: undefined, b: 3 })).toEqual({ a: 1, b: 3 });
  });

  it.each([
    ['__proto__', JSON.parse('{"__proto__": {"polluted": true}}')],
    ['constructor', { constructor: { prototype: { polluted: true } } }],
    ['prototype (nested)', { nested: { prototype: 1 } }],
  ])('rejects a %s key', (_label, patch) => {
    patchError(() => applyMergePatch({ nested: {} }, patch));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['a function', { f: () => 1 }],
    ['a class instance', { m: new Map() }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: [Infinity] }],
  ])('rejects %s as not a JSON value', (_label, patch) => {
    patchError(() => applyMergePatch({ a: 1 }, patch));
  });

  it('names the offending key path', () => {
    expect(patchError(() => applyMergePatch({}, { a: { b: () => 1 } })).message).toContain('/a/b');
  });
});
