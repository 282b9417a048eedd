import type { ManagerJobStore } from './job-store';

/**
 * Core's delayed delivery for queues without their own (the simple queue): due times are
 * persisted on the job (`next_run_at`), so they survive a restart and are seen by every
 * consumer process. A scan finds due jobs; a timer per due time noted in this process makes
 * them run on time rather than at the next scan.
 */
export class DueScheduler {
  private running = false;
  private scan: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private ticking: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: ManagerJobStore,
    private readonly deliver: (resourceId: string) => Promise<void>,
    private readonly warn: (message: string, error?: unknown) => void,
  ) {}

  start(scanMs: number): void {
    if (this.running) return;
    this.running = true;
    this.scan = setInterval(() => void this.tick(), scanMs);
    this.scan.unref();
    void this.tick();
  }

  /** A due time set in this process: run the job then, not at the next scan. */
  note(dueAt: Date): void {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.tick();
    }, Math.max(0, dueAt.getTime() - Date.now()) + 2);
    timer.unref();
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.scan);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.ticking;
  }

  /** One pass over due jobs; a pass asked for while one runs follows it. */
  private tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.releaseDue().finally(() => {
      this.ticking = undefined;
      if (this.again && this.running) {
        this.again = false;
        void this.tick();
      }
    });
    return this.ticking;
  }

  private async releaseDue(): Promise<void> {
    try {
      for (const id of await this.store.dueIds(new Date(), 100)) {
        if (!this.running) return;
        if (await this.store.release(id)) await this.deliver(id);
      }
    } catch (error) {
      this.warn(`Jobs of '${this.store.resourceName}': releasing due jobs failed`, error);
    }
  }
}
