/**
 * Long jobs and the AMQP heartbeat: handlers run off the connection's I/O path, so a 10 s job
 * under a 3 s heartbeat keeps its connection (invariant 46), and a CPU-bound handler in core's
 * worker-thread runner does not starve the heartbeat either.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { startWorkerProcess } from '@specstar/testkit';
import { AMQP_URL, deleteTestQueues, describeBroker, freshPrefix, sleep } from './broker';
import { engine } from './engine';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');

interface Connection {
  name: string;
  timeout: number;
  client_properties: Array<[string, string, unknown]>;
}

/** The broker's connections opened under `connectionName`: peer address and negotiated heartbeat. */
function connectionsNamed(connectionName: string): Array<{ name: string; timeout: number }> {
  const run = spawnSync('rabbitmqctl', ['-q', 'list_connections', 'name', 'timeout', 'client_properties', '--formatter', 'json'], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`rabbitmqctl list_connections failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as Connection[])
    .filter((connection) => connection.client_properties.some(([key, , value]) => key === 'connection_name' && value === connectionName))
    .map(({ name, timeout }) => ({ name, timeout }));
}

describeBroker('RabbitMQ heartbeats and long jobs', () => {
  afterAll(deleteTestQueues);

  it('a 10 s job under a 3 s AMQP heartbeat completes on the connection it started on', async () => {
    const connectionName = `specstar heartbeat test ${process.pid}`;
    const made = engine({ queuePrefix: freshPrefix(), amqpHeartbeatSeconds: 3, connectionName, handler: () => sleep(10_000) });
    try {
      await made.rm.startConsume();
      const id = await made.create();
      await made.waitFor(id, 'processing', (job) => job.data.status === 'processing');
      const during = connectionsNamed(connectionName);
      expect(during).toEqual([{ name: expect.any(String), timeout: 3 }]);
      const job = await made.waitFor(id, 'completed', (j) => j.data.status === 'completed', 30_000);
      expect(job.data.errmsg).toBeNull();
      expect(made.calls).toHaveLength(1);
      expect(connectionsNamed(connectionName)).toEqual(during);
      expect(made.warnings).toEqual([]);
    } finally {
      await made.close();
    }
  }, 60_000);

  it('a CPU-bound handler in the worker-thread runner (8 s of spinning, 2 s heartbeat) does not drop the connection', async () => {
    const args = { url: AMQP_URL, prefix: freshPrefix(), ms: 8000, heartbeat: 2 };
    const child = startWorkerProcess(path.join(__dirname, 'fixtures', 'cpu-consumer.ts'), [JSON.stringify(args)], { nodeArgs: ['-r', REGISTER] });
    const exit = await child.exit;
    if (exit.code !== 0) throw new Error(`consumer exited with ${exit.code}: ${exit.stderr}`);
    const report = Object.assign({}, ...child.lines) as { job: { status: string; errmsg: string | null }; runs: number; warnings: string[] };
    expect(report.job).toMatchObject({ status: 'completed', errmsg: null });
    // pending → processing → completed: one run, never redelivered.
    expect(report.runs).toBe(3);
    expect(report.warnings).toEqual([]);
  }, 90_000);
});
