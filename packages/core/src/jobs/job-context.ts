import { debuglog } from 'node:util';
import type { Job, JobContext, Resource, RevisionInfo } from '@specstar/interfaces';

// `NODE_DEBUG=specstar.job` shows every job log line with its resource id.
const jobLogger = debuglog('specstar.job');

/**
 * One execution's context: views of the claimed job, its log buffer (flushed by the runner),
 * the artifact and the abort signal. A fresh one per attempt, so each attempt's log replaces
 * the previous one.
 */
export class ExecutionContext<T = unknown, D = unknown> implements JobContext<T, D> {
  private readonly lines: string[] = [];
  private flushedLength = -1;
  readonly controller = new AbortController();

  constructor(
    readonly resource: Resource<Job<T, D>>,
    private readonly beat: () => Promise<void>,
  ) {}

  get resourceId(): string {
    return this.resource.info.resource_id;
  }

  get revisionInfo(): RevisionInfo {
    return this.resource.info;
  }

  get data(): Job<T, D> {
    return this.resource.data;
  }

  get payload(): T {
    return this.resource.data.payload;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  log(message: string, level: string = 'INFO'): void {
    const text = String(message);
    this.lines.push(`${new Date().toISOString()} [${level}] ${text}`);
    jobLogger('[%s] %s %s', this.resourceId, level, text);
  }

  debug(message: string): void {
    this.log(message, 'DEBUG');
  }

  info(message: string): void {
    this.log(message, 'INFO');
  }

  warning(message: string): void {
    this.log(message, 'WARNING');
  }

  error(message: string): void {
    this.log(message, 'ERROR');
  }

  setArtifact(value: D): void {
    this.resource.data.artifact = value;
  }

  heartbeat(): Promise<void> {
    return this.beat();
  }

  getLogText(): string {
    return this.lines.join('\n');
  }

  /** The log text when it changed since the last call, else null (nothing to flush). */
  takeUnflushed(): string | null {
    if (this.lines.length === 0 || this.lines.length === this.flushedLength) return null;
    this.flushedLength = this.lines.length;
    return this.getLogText();
  }
}
