/**
 * Python Celery for the interop tests: Debian's python3-celery, run with /usr/bin/python3 (the
 * python3 first on PATH may be another interpreter that does not see Debian's packages).
 * Missing: the tests are skipped with the reason printed; with CI=true the file fails instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { brokerAvailable } from './broker';

export const PYTHON = process.env['SPECSTAR_CELERY_PYTHON'] ?? '/usr/bin/python3';
const FIXTURES = path.join(__dirname, 'fixtures');

function probe(): { version?: string; problem?: string } {
  const result = spawnSync(PYTHON, ['-c', 'import celery; print(celery.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) return { problem: `${PYTHON} cannot run (${result.error.message})` };
  if (result.status !== 0) return { problem: `${PYTHON} cannot import celery (${result.stderr.trim().split('\n').pop() ?? 'no output'})` };
  return { version: result.stdout.trim() };
}

const found = probe();
if (found.problem !== undefined) {
  const message = `Python Celery is missing: ${found.problem}. Install python3-celery (apt-get install python3-celery)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}. CI=true: interop tests never skip — test-infra/services.sh check installs it.`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED @specstar/mq-celery Python interop tests: ${message}.`);
}

export const celeryVersion = found.version;
export const describePythonCelery: jest.Describe = brokerAvailable && found.problem === undefined ? describe : describe.skip;

export interface PythonWorker {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a Python Celery worker on `queue` that records each task it runs to `recordFile`; resolves once it is ready. */
export async function startPythonWorker(queue: string, recordFile: string, brokerUrl: string): Promise<PythonWorker> {
  const args = ['-m', 'celery', '-A', 'celery_app', 'worker', '-Q', queue, '--concurrency=1', '--pool=solo', '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel=INFO', '-n', `interop-${process.pid}-${Date.now()}@%h`];
  const env = { ...process.env, SPECSTAR_CELERY_QUEUE: queue, SPECSTAR_CELERY_RECORD: recordFile, SPECSTAR_CELERY_BROKER: brokerUrl, PYTHONDONTWRITEBYTECODE: '1' };
  const child = spawn(PYTHON, args, { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Python Celery worker did not get ready in 60 s:\n${text}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (/ ready\.?\s*$/m.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Python Celery worker exited with code ${String(code)}:\n${text}`));
    });
  });
  return {
    child,
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** `app.send_task(task, args, queue=queue, countdown=…)` from Python; resolves with the task id and the eta Celery wrote. */
export function pythonSendTask(brokerUrl: string, queue: string, args: unknown[], countdown?: number): { id: string; eta: string | null } {
  const script = [
    'import json, os, sys',
    'from celery import Celery',
    'from celery.signals import before_task_publish',
    'sent = {}',
    'before_task_publish.connect(lambda headers=None, **_: sent.update(eta=headers.get("eta")), weak=False)',
    'app = Celery("specstar_send", broker=os.environ["SPECSTAR_CELERY_BROKER"])',
    'queue = os.environ["SPECSTAR_CELERY_QUEUE"]',
    'options = json.loads(sys.argv[1])',
    'result = app.send_task(queue + ".process_job", args=options["args"], queue=queue, countdown=options.get("countdown"))',
    'print(json.dumps({"id": result.id, "eta": sent.get("eta")}))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script, JSON.stringify({ args, countdown })], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SPECSTAR_CELERY_QUEUE: queue, SPECSTAR_CELERY_BROKER: brokerUrl },
  });
  if (result.status !== 0) throw new Error(`send_task failed (${String(result.status)}):\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { id: string; eta: string | null };
}
