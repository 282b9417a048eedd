/**
 * The registry's count of dumps in flight. A dump reads each resource's revision list and then
 * every revision on it; prune keeps (reason `dump_running`) whatever it would remove while any
 * dump of the registry is running, so an archive never misses a revision it has listed.
 */
export class DumpGuard {
  private inFlight = 0;

  get running(): boolean {
    return this.inFlight > 0;
  }

  /** Counts `dump` as in flight until it settles. */
  async around<R>(dump: () => Promise<R>): Promise<R> {
    this.inFlight++;
    try {
      return await dump();
    } finally {
      this.inFlight--;
    }
  }
}
