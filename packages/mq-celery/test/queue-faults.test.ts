/**
 * The Celery queue across processes on one disk store and one broker queue: two consumer
 * processes run every job exactly once (each message goes to one consumer, acknowledged when it
 * starts); a consumer killed mid-job does not get the job back (Celery's early ack: at-most-once)
 * and the job ends failed by stale recovery (invariant 43); a fresh claim survives another
 * process's recovery pass.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { queueFaultSuite } from '@specstar/testkit';
import { AMQP_URL, brokerAvailable, deleteQueues, freshPrefix } from './broker';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const MODEL = 'queue-job'; // the testkit's fault job model

if (brokerAvailable) {
  queueFaultSuite(
    { describe, it, expect },
    {
      name: 'celery on disk',
      workerScript: path.join(__dirname, 'fixtures', 'queue-worker.ts'),
      nodeArgs: ['-r', REGISTER],
      createStore: () => JSON.stringify({ root: fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-celery-fault-')), prefix: freshPrefix(), brokerUrl: AMQP_URL }),
      disposeStore: async (text) => {
        const { root, prefix } = JSON.parse(text) as { root: string; prefix: string };
        fs.rmSync(root, { recursive: true, force: true });
        await deleteQueues([`${prefix}${MODEL}`]);
      },
    },
  );
} else {
  it.skip('queue faults: celery on disk (RabbitMQ not reachable)', () => undefined);
}
