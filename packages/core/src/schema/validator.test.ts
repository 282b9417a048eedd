import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { runValidator } from './validator';
import { rejection } from '../../test/catch-error';


describe('runValidator', () => {
  it('does nothing without a validator', async () => {
    await expect(runValidator(undefined, { a: 1 })).resolves.toBeUndefined();
  });

  it('passes the data to a function validator and an IValidator', async () => {
    const seen: unknown[] = [];
    const data = { name: 'a' };
    await runValidator((value) => void seen.push(value), data);
    await runValidator({ validate: async (value) => void seen.push(value) }, data);
    expect(seen).toEqual([data, data]);
    expect(seen[0]).toBe(data);
  });

  it('binds an IValidator method to its object', async () => {
    class MinValue {
      constructor(private readonly min: number) {}
      validate(data: unknown): void {
        if ((data as { value: number }).value < this.min) throw new Error('too small');
      }
    }
    await expect(runValidator(new MinValue(5), { value: 6 })).resolves.toBeUndefined();
    await expect(runValidator(new MinValue(5), { value: 1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('passes a thrown ValidationError through unchanged', async () => {
    const original = new ValidationError('bad name', { kind: 'type', issues: [{ path: '/name', message: 'bad' }] });
    const error = await rejection(
      runValidator(() => {
        throw original;
      }, {}),
    );
    expect(error).toBe(original);
  });

  it('wraps any other throw as a custom ValidationError with the original message and cause', async () => {
    const original = new RangeError('value must be positive');
    const error = (await rejection(
      runValidator(async () => {
        throw original;
      }, {}),
    )) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.kind).toBe('custom');
    expect(error.message).toBe('value must be positive');
    expect(error.cause).toBe(original);
  });

  it('wraps a thrown non-Error value', async () => {
    const error = (await rejection(
      runValidator(() => {
        throw 'nope';
      }, {}),
    )) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('nope');
    expect(error.cause).toBe('nope');
  });

  it('treats a validator returning false as a rejection', async () => {
    const reject = (() => false) as unknown as (data: unknown) => void;
    const error = (await rejection(runValidator(reject, {}))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.kind).toBe('custom');
    const asyncReject = { validate: (async () => false) as unknown as (data: unknown) => Promise<void> };
    await expect(runValidator(asyncReject, {})).rejects.toBeInstanceOf(ValidationError);
  });

  it('accepts validators returning other values', async () => {
    const truthy = (() => true) as unknown as (data: unknown) => void;
    await expect(runValidator(truthy, {})).resolves.toBeUndefined();
  });

  it('rejects something that is not a validator with a ConfigurationError', async () => {
    await expect(runValidator({} as never, {})).rejects.toBeInstanceOf(ConfigurationError);
  });
});
