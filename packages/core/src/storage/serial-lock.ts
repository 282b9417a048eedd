/**
 * Runs async sections one at a time, in call order. Stores that hold a decision across an await
 * (a meta commit waiting for its payload to be stored) use it so a second section in the same
 * process cannot interleave.
 */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section);
    // The next section waits for this one to settle, whether it succeeded or not.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
