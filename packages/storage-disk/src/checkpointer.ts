/**
 * WAL checkpoints off the event loop. A checkpoint syncs the WAL, copies its pages into the
 * database file and syncs that file: run by SQLite's auto-checkpoint inside a COMMIT, it held a
 * group-commit connection's event loop for 5-40 ms every few hundred writes. So that connection
 * turns auto-checkpoint off and asks this worker thread, which owns a second connection to the
 * same file, for a PASSIVE checkpoint (it never waits for, nor blocks, readers or writers) once
 * enough writes went in since the last one.
 *
 * The worker is evaluated from source (not a file next to this one) so it runs the same whether
 * this module is compiled or loaded as TypeScript; it loads the same better-sqlite3 as we do.
 */
import { Worker } from 'node:worker_threads';

/**
 * A checkpoint is asked for after this many writes or batches (SQLite's own default is 1000 WAL
 * pages; a batch appends a few pages, plus a few per write it holds).
 */
const WRITES_PER_CHECKPOINT = 256;
const BATCHES_PER_CHECKPOINT = 64;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ done: true });
  } catch (error) {
    // Busy or failing: the next request tries again, and SQLite checkpoints on the last close anyway.
    parentPort.postMessage({ done: true, error: String(error) });
  }
});
`;

export class Checkpointer {
  private worker: Worker | undefined;
  private running = false;
  private writes = 0;
  private batches = 0;
  private closed = false;

  constructor(private readonly file: string) {}

  /** Counts a committed batch; past a threshold, asks for a checkpoint unless one is running. */
  committed(writes: number): void {
    this.writes += writes;
    this.batches++;
    if ((this.writes < WRITES_PER_CHECKPOINT && this.batches < BATCHES_PER_CHECKPOINT) || this.running || this.closed) return;
    this.writes = 0;
    this.batches = 0;
    this.running = true;
    this.start().postMessage('checkpoint');
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver: require.resolve('better-sqlite3') } });
    worker.unref(); // a process with nothing else to do may exit; SQLite checkpoints on close
    worker.on('message', () => (this.running = false));
    worker.on('error', () => {
      // Lost the worker: the next request starts another.
      this.worker = undefined;
      this.running = false;
    });
    this.worker = worker;
    return worker;
  }

  /** Closes the worker's connection first, so the owner's close is the last one (it checkpoints and removes the WAL). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      // Referenced again while it closes: an unreferenced worker would let the process end
      // with this close() still pending.
      worker.ref();
      worker.postMessage('close');
    });
  }
}
