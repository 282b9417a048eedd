/**
 * How the tests find RabbitMQ: the broker on 127.0.0.1:5672 with guest/guest (override with
 * SPECSTAR_AMQP_URL). Every test file uses queue prefixes of its own and deletes its queues
 * afterwards; nothing here stops the broker.
 *
 * When the broker is down: with CI=true the file fails loudly (test-infra/services.sh check should
 * have started it); otherwise its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';

export const AMQP_URL = process.env['SPECSTAR_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672/';

/** A synchronous probe: jest must know at collection time whether to register the tests. */
function probe(url: string): string | undefined {
  const script = `require('amqplib').connect(${JSON.stringify(url)}).then((c)=>c.close()).then(()=>process.exit(0),(e)=>{console.error(e.code||e.message);process.exit(1)})`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000, cwd: __dirname });
  return result.status === 0 ? undefined : result.stderr.trim().split('\n').pop() || 'no answer';
}

const problem = probe(AMQP_URL);
if (problem !== undefined) {
  const message = `RabbitMQ is not reachable at ${AMQP_URL.replace(/:[^:@/]*@/, ':***@')} (${problem})`;
  if (process.env['CI'] === 'true') throw new Error(`${message}. CI=true: integration tests never skip — run test-infra/services.sh check to start it.`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED @specstar/mq-rabbitmq broker tests: ${message}. Start it (test-infra/services.sh check) to run them.`);
}

/** `describe` when the broker is up, `describe.skip` otherwise. */
export const describeBroker: jest.Describe = problem === undefined ? describe : describe.skip;

/** A prefix root unique to this test file; freshPrefix() adds a case number. */
const ROOT = `specstar-test-${process.pid}-${randomBytes(3).toString('hex')}-`;
let counter = 0;
export function freshPrefix(): string {
  counter += 1;
  return `${ROOT}${counter}:`;
}

/** A plain amqplib connection for looking at queues from outside the adapter. */
export class RawBroker {
  private constructor(
    readonly model: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async open(url = AMQP_URL): Promise<RawBroker> {
    const model = await connect(url);
    model.on('error', () => undefined);
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    return new RawBroker(model, channel);
  }

  /** Takes up to `max` messages off a queue (acked), oldest first. */
  async drain(queue: string, max = 100): Promise<GetMessage[]> {
    const out: GetMessage[] = [];
    while (out.length < max) {
      const message = await this.channel.get(queue, { noAck: true });
      if (message === false) break;
      out.push(message);
    }
    return out;
  }

  async count(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Publishes raw bytes to a queue the way another client might. */
  publish(queue: string, body: string | Buffer, headers?: Record<string, unknown>): void {
    this.channel.sendToQueue(queue, typeof body === 'string' ? Buffer.from(body) : body, { persistent: true, ...(headers && { headers }) });
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }
}

export interface ListedQueue {
  name: string;
  durable: boolean;
  arguments: Array<[string, string, unknown]>;
  messages: number;
}

/** The broker's own view of queues whose name starts with `prefix` (rabbitmqctl), with typed arguments. */
export function listQueues(prefix: string): ListedQueue[] {
  const run = spawnSync('rabbitmqctl', ['-q', 'list_queues', 'name', 'durable', 'arguments', 'messages', '--formatter', 'json'], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`rabbitmqctl list_queues failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as ListedQueue[]).filter((queue) => queue.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
}

/** Deletes every queue this file declared (all start with its prefix root). */
export async function deleteTestQueues(): Promise<void> {
  if (problem !== undefined) return;
  const raw = await RawBroker.open();
  try {
    for (const queue of listQueues(ROOT)) await raw.channel.deleteQueue(queue.name);
  } finally {
    await raw.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probeFn` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(what: string, probeFn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probeFn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
