/**
 * A RabbitMQ node of its own for the tests that stop a broker: started from the installed server
 * scripts with its data, logs, cookie and config in a temp directory, on free ports, so that
 * stop_app / start_app never touch the shared broker other suites use.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN_CANDIDATES = [process.env['SPECSTAR_RABBITMQ_BIN_DIR'], '/usr/lib/rabbitmq/bin', '/usr/local/lib/rabbitmq/bin', '/opt/rabbitmq/sbin'].filter((dir): dir is string => !!dir);

/** The directory holding rabbitmq-server and rabbitmqctl (the real scripts, not the su wrappers), if any. */
export function rabbitmqBinDir(): string | undefined {
  return BIN_CANDIDATES.find((dir) => fs.existsSync(path.join(dir, 'rabbitmq-server')) && fs.existsSync(path.join(dir, 'rabbitmqctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateBrokerOptions {
  /** Extra lines for rabbitmq.conf (e.g. `consumer_timeout = 3000`). */
  config?: string[];
}

/** Nodes started and not yet shut down: stopped when the process exits, whatever happened. */
const live = new Set<PrivateBroker>();
process.on('exit', () => {
  for (const broker of live) broker.shutdownNow();
});

export class PrivateBroker {
  private constructor(
    readonly url: string,
    private readonly node: string,
    private readonly dir: string,
    private readonly bin: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(options: PrivateBrokerOptions = {}): Promise<PrivateBroker> {
    const bin = rabbitmqBinDir();
    if (!bin) throw new Error(`rabbitmq-server not found (looked in ${BIN_CANDIDATES.join(', ')}; set SPECSTAR_RABBITMQ_BIN_DIR)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-rabbit-'));
    const port = await freePort();
    const distPort = await freePort();
    const node = `specstar-${process.pid}-${port}@localhost`;
    fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), [`listeners.tcp.local = 127.0.0.1:${port}`, ...(options.config ?? [])].join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
    fs.writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // The cookie lives in HOME: the node and rabbitmqctl below share this one.
      HOME: dir,
      RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_NODENAME: node,
      RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_PID_FILE: path.join(dir, 'pid'),
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
    const broker = new PrivateBroker(`amqp://guest:guest@127.0.0.1:${port}/`, node, dir, bin, env);
    live.add(broker);
    const started = spawnSync(path.join(bin, 'rabbitmq-server'), ['-detached'], { env, encoding: 'utf8', timeout: 60_000 });
    if (started.status !== 0) throw new Error(`rabbitmq-server -detached failed: ${started.stderr}`);
    try {
      broker.ctl(['wait', path.join(dir, 'pid'), '--timeout', '90'], 120_000);
    } catch (error) {
      await broker.shutdown();
      throw error;
    }
    return broker;
  }

  private ctl(args: string[], timeout = 60_000): string {
    const run = spawnSync(path.join(this.bin, 'rabbitmqctl'), ['-n', this.node, ...args], { env: this.env, encoding: 'utf8', timeout });
    if (run.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed (${run.status}): ${run.stderr || run.stdout}`);
    return run.stdout;
  }

  /** Stops the RabbitMQ application (connections drop, the port closes); the node stays up. */
  stopApp(): void {
    this.ctl(['stop_app']);
  }

  startApp(): void {
    this.ctl(['start_app']);
  }

  /** Stops the node and removes its directory; never throws. */
  shutdownNow(): void {
    if (!live.delete(this)) return;
    try {
      this.ctl(['stop', path.join(this.dir, 'pid')]);
    } catch {
      // Already down, or never fully up: the directory goes anyway.
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  shutdown(): Promise<void> {
    this.shutdownNow();
    return Promise.resolve();
  }

  /** Every node still running (for an afterAll that must leave none behind). */
  static shutdownAll(): void {
    for (const broker of live) broker.shutdownNow();
  }
}
