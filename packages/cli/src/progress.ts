import { SingleBar } from 'cli-progress';

/** Seconds between plain progress lines when stdout is not a terminal. */
const LINE_INTERVAL_MS = 2000;

/** Progress of one unit of work (a model's dump, an archive's load): a bar on a TTY, plain lines otherwise, nothing with --json. */
export interface Progress {
  start(label: string, total: number, unit: string): void;
  update(value: number): void;
  stop(): void;
}

class Silent implements Progress {
  start(): void {}
  update(): void {}
  stop(): void {}
}

class Bar implements Progress {
  private bar: SingleBar | undefined;
  start(label: string, total: number, unit: string): void {
    this.bar = new SingleBar({
      format: `${label} |{bar}| {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stdout,
      hideCursor: true,
    });
    this.bar.start(Math.max(total, 1), 0, { rate: '0' });
  }
  private startedAt = Date.now();
  update(value: number): void {
    if (!this.bar) return;
    if (value > this.bar.getTotal()) this.bar.setTotal(value);
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.bar.update(value, { rate: seconds > 0 ? (value / seconds).toFixed(0) : '0' });
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

class Lines implements Progress {
  private label = '';
  private unit = '';
  private total = 0;
  private value = 0;
  private startedAt = 0;
  private lastLine = 0;
  start(label: string, total: number, unit: string): void {
    Object.assign(this, { label, total, unit, value: 0, startedAt: Date.now(), lastLine: Date.now() });
  }
  update(value: number): void {
    this.value = value;
    if (Date.now() - this.lastLine >= LINE_INTERVAL_MS) this.print();
  }
  stop(): void {
    if (this.startedAt > 0) this.print();
    this.startedAt = 0;
  }
  private print(): void {
    this.lastLine = Date.now();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? this.value / seconds : 0;
    const eta = rate > 0 && this.total > this.value ? ` ETA ${Math.ceil((this.total - this.value) / rate)}s` : '';
    process.stdout.write(`${this.label}: ${this.value}/${this.total} ${this.unit} (${rate.toFixed(0)}/s)${eta}\n`);
  }
}

export function progressFor(json: boolean): Progress {
  if (json) return new Silent();
  return process.stdout.isTTY ? new Bar() : new Lines();
}
