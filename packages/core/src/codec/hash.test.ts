import { dataHash, xxh3Hex } from './hash';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('xxh3Hex', () => {
  it.each([
    ['', '99aa06d3014798d86001c324468d497f'],
    ['hello', 'b5e9c1ad071b3e7fc779cfaa5e523818'],
    ['{"name":"a","value":0}', 'e73ca6fe3485c41590cb4a96ecbb80d2'],
    ['{"name":"a","value":1,"when":"2025-01-01T00:00:00Z"}', 'b1b60c546b0a1c254f8d63154978dc77'],
  ])('hashes %j to the reference vector', (text, hex) => {
    expect(xxh3Hex(utf8(text))).toBe(hex);
  });

  it('keeps leading zeros so the digest is always 32 hex digits', () => {
    // Search a few inputs for one whose digest starts with a zero nibble.
    let found: string | undefined;
    for (let i = 0; i < 200 && found === undefined; i++) {
      const hex = xxh3Hex(utf8(String(i)));
      if (hex.startsWith('0')) found = hex;
    }
    expect(found).toMatch(/^0[0-9a-f]{31}$/);
  });

  it('hashes a Buffer view the same as the equivalent Uint8Array', () => {
    const backing = Buffer.from('xxhello');
    expect(xxh3Hex(backing.subarray(2))).toBe('b5e9c1ad071b3e7fc779cfaa5e523818');
  });
});

describe('dataHash', () => {
  it('prefixes the algorithm name', () => {
    expect(dataHash(utf8('{"name":"a","value":1,"when":"2025-01-01T00:00:00Z"}'))).toBe(
      'xxh3_128:b1b60c546b0a1c254f8d63154978dc77',
    );
    expect(dataHash(new Uint8Array())).toMatch(/^xxh3_128:[0-9a-f]{32}$/);
  });
});
