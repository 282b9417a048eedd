/**
 * How the tests find RabbitMQ: 127.0.0.1:5672 as guest/guest (override with SPECSTAR_AMQP_URL).
 * Each test uses its own queue prefix and deletes its queues and exchanges afterwards.
 *
 * When the broker is down: with CI=true the file fails loudly (test-infra/services.sh check
 * should have started it); otherwise its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';

export const AMQP_URL = process.env['SPECSTAR_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** A synchronous TCP probe: jest needs to know at collection time whether to register tests. */
function probe(): string | undefined {
  const { hostname, port } = new URL(AMQP_URL);
  const script = `const s=require('node:net').connect(${Number(port || 5672)},${JSON.stringify(hostname)});s.setTimeout(2000);` +
    `s.on('connect',()=>process.exit(0));s.on('timeout',()=>{console.error('timeout');process.exit(1)});s.on('error',(e)=>{console.error(e.code||e.message);process.exit(1)});`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? undefined : result.stderr.trim() || 'no answer';
}

const problem = probe();
if (problem !== undefined) {
  const message = `RabbitMQ is not reachable at ${new URL(AMQP_URL).host} (${problem})`;
  if (process.env['CI'] === 'true') throw new Error(`${message}. CI=true: integration tests never skip — run test-infra/services.sh check to start it.`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED @specstar/mq-celery broker tests: ${message}. Start it (test-infra/services.sh check with CI=true starts it) to run them.`);
}

export const brokerAvailable = problem === undefined;
/** `describe` when the broker is up, `describe.skip` otherwise. */
export const describeBroker: jest.Describe = brokerAvailable ? describe : describe.skip;

/** A queue prefix no other test uses: `t<random>.`. */
export function freshPrefix(): string {
  return `specstar-test-${randomBytes(4).toString('hex')}.`;
}

/** Runs `fn` on a throw-away channel of its own connection. */
export async function withChannel<R>(fn: (channel: amqp.Channel) => Promise<R>): Promise<R> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await fn(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Publishes raw messages to a queue (default exchange) and waits for the broker's confirms. */
export async function publishRaw(queue: string, messages: Array<{ content: Buffer; options: amqp.Options.Publish }>): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const message of messages) channel.sendToQueue(queue, message.content, message.options);
    await channel.waitForConfirms();
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes queues and their same-named exchanges (each on its own channel: a failure closes a channel). */
export async function deleteQueues(names: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  connection.on('error', () => undefined);
  try {
    for (const name of names) {
      for (const kind of ['queue', 'exchange'] as const) {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        await (kind === 'queue' ? channel.deleteQueue(name) : channel.deleteExchange(name)).catch(() => undefined);
        await channel.close().catch(() => undefined);
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Messages waiting in a queue (0 when it does not exist). */
export async function messageCount(queue: string): Promise<number> {
  return withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount).catch(() => 0);
}

/** Collects the text of warnings queues report (core emits them as process warnings) instead of printing them. */
export function watchWarnings(): string[] {
  const seen: string[] = [];
  jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => {
    seen.push(typeof warning === 'string' ? warning : warning.message);
  });
  return seen;
}
