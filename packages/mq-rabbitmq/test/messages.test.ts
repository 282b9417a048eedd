import { decodeBody, retryCountOf } from '../src';
import { failureHeaders } from '../src/messages';

describe('job messages (jobs-and-actions §4.2)', () => {
  it('reads a bare UTF-8 id, and says why a body is no job id', () => {
    expect(decodeBody(Buffer.from('task:5f0c'))).toEqual({ id: 'task:5f0c' });
    expect(decodeBody(Buffer.from('jöb-ü'))).toEqual({ id: 'jöb-ü' });
    expect(decodeBody(Buffer.alloc(0))).toEqual({ problem: 'the message body is empty' });
    expect(decodeBody(Buffer.from([0xff, 0xfe, 0x00]))).toEqual({ problem: 'the message body is not UTF-8 text' });
    expect(decodeBody(Buffer.from('{"id": 1}\n'))).toMatchObject({ problem: expect.stringContaining('is not a job id') });
    expect(decodeBody(Buffer.alloc(5000, 'a'))).toMatchObject({ problem: expect.stringContaining('too long') });
  });

  it('takes x-retry-count as a number or a string of digits; anything else counts 0', () => {
    expect(retryCountOf(undefined)).toBe(0);
    expect(retryCountOf({})).toBe(0);
    expect(retryCountOf({ 'x-retry-count': 2 })).toBe(2);
    expect(retryCountOf({ 'x-retry-count': '3' })).toBe(3);
    expect(retryCountOf({ 'x-retry-count': Buffer.from('4') })).toBe(4);
    expect(retryCountOf({ 'x-retry-count': 5n })).toBe(5);
    for (const junk of [-1, 1.5, 'two', '', null, {}, Number.NaN]) expect(retryCountOf({ 'x-retry-count': junk })).toBe(0);
  });

  it('writes x-retry-count as an int and the first 500 characters of the error', () => {
    const long = `${'é'.repeat(499)}🙂tail`;
    const headers = failureHeaders(2, long);
    expect(headers['x-retry-count']).toEqual({ '!': 'int', value: 2 });
    expect(Array.from(headers['x-last-error'] as string)).toHaveLength(500);
    expect((headers['x-last-error'] as string).endsWith('🙂')).toBe(true);
  });
});
