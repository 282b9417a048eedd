/**
 * Celery's task message, protocol v2 with the JSON serializer, as Python Celery 5 sends and
 * reads it: headers (`task`, `id`, `eta`, `retries`, …), properties (`correlation_id`,
 * `reply_to`, content type and encoding, persistent delivery) and the body
 * `[args, kwargs, embed]`. The SpecStar task is `{queue}.process_job(resource_id, retry_count=0)`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Message, Options } from 'amqplib';
import { parseIsoInstant, pythonIsoUtc, pythonRepr } from './python-repr';

/** What upstream's stop_consuming() publishes to wake a worker; workers ignore it. */
export const STOP_MARKER = '__CELERY_STOP_WORKER__';

/** The task every job message of `queue` names. */
export const taskNameOf = (queue: string): string => `${queue}.process_job`;

/** A job message to publish. */
export interface OutgoingTask {
  /** The Celery task id (a retry keeps the id of the attempt it follows). */
  taskId: string;
  rootId: string;
  parentId: string | null;
  jobId: string;
  /** Failures so far: sent as the second positional argument and as the `retries` header; 0 sends `[jobId]` alone. */
  retryCount: number;
  /** Run no earlier than this (`eta` header); null runs now. */
  eta: Date | null;
}

/** A job message as received. */
export interface IncomingTask {
  taskId: string;
  rootId: string;
  parentId: string | null;
  jobId: string;
  retryCount: number;
  eta: Date | null;
  expires: Date | null;
}

export type Decoded =
  | { readonly kind: 'task'; readonly task: IncomingTask }
  /** The stop marker: acknowledged, nothing runs. */
  | { readonly kind: 'stop' }
  /** Not a job message this queue can run; `reason` says why (for the warning). */
  | { readonly kind: 'invalid'; readonly reason: string };

const ORIGIN = `node${process.pid}@${hostname()}`;

/** A new task for a job: fresh id, its own root. */
export function newTask(jobId: string, eta: Date | null = null, retryCount = 0): OutgoingTask {
  const taskId = randomUUID();
  return { taskId, rootId: taskId, parentId: null, jobId, retryCount, eta };
}

/** The content and AMQP properties of a task message. */
export function encodeTask(queue: string, task: OutgoingTask): { content: Buffer; options: Options.Publish } {
  const args: unknown[] = task.retryCount > 0 ? [task.jobId, task.retryCount] : [task.jobId];
  const kwargs = {};
  const embed = { callbacks: null, errbacks: null, chain: null, chord: null };
  const headers = {
    lang: 'js',
    task: taskNameOf(queue),
    id: task.taskId,
    shadow: null,
    eta: task.eta === null ? null : pythonIsoUtc(task.eta),
    expires: null,
    group: null,
    group_index: null,
    retries: task.retryCount,
    timelimit: [null, null],
    root_id: task.rootId,
    parent_id: task.parentId,
    argsrepr: pythonRepr(args),
    kwargsrepr: pythonRepr(kwargs),
    origin: ORIGIN,
    ignore_result: false,
  };
  return {
    content: Buffer.from(JSON.stringify([args, kwargs, embed]), 'utf8'),
    options: {
      headers,
      correlationId: task.taskId,
      replyTo: '',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const invalid = (reason: string): Decoded => ({ kind: 'invalid', reason });
const MAX_JOB_ID_LENGTH = 1024;

/** The fields of a v2 message (headers + body) or a v1 message (everything in the body). */
function fieldsOf(message: Message): { fields: Record<string, unknown>; args: unknown; kwargs: unknown } | string {
  const { contentType, contentEncoding } = message.properties;
  if (contentType !== undefined && contentType !== 'application/json') {
    return `its content type is '${String(contentType)}', and only Celery's JSON serializer (application/json) is understood`;
  }
  if (contentEncoding !== undefined && !/^utf-?8$/i.test(String(contentEncoding))) return `its content encoding is '${String(contentEncoding)}', not utf-8`;
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return `its body is not JSON (${message.content.length} bytes)`;
  }
  const headers = message.properties.headers ?? {};
  if (typeof headers['task'] === 'string') {
    if (!Array.isArray(body) || body.length < 2) return 'its body is not the protocol v2 [args, kwargs, embed] triple';
    return { fields: headers, args: body[0], kwargs: body[1] };
  }
  if (isRecord(body) && typeof body['task'] === 'string') return { fields: body, args: body['args'], kwargs: body['kwargs'] };
  return 'it names no task (neither a protocol v2 task header nor a protocol v1 body)';
}

function instant(fields: Record<string, unknown>, name: string): Date | null | string {
  const value = fields[name];
  if (value === null || value === undefined) return null;
  const parsed = typeof value === 'string' ? parseIsoInstant(value) : null;
  return parsed ?? `its '${name}' is not an ISO-8601 time: ${JSON.stringify(value)}`;
}

/** Reads a delivery of `queue`: a job task, the stop marker, or why it is neither. */
export function decodeTask(queue: string, message: Message): Decoded {
  const parsed = fieldsOf(message);
  if (typeof parsed === 'string') return invalid(parsed);
  const { fields, args, kwargs } = parsed;
  const expected = taskNameOf(queue);
  if (fields['task'] !== expected) return invalid(`it is task ${JSON.stringify(fields['task'])}, not this queue's '${expected}'`);
  if (!Array.isArray(args)) return invalid('its args are not a list');
  const named = isRecord(kwargs) ? kwargs : {};
  const jobId = args[0] ?? named['resource_id'];
  if (jobId === STOP_MARKER) return { kind: 'stop' };
  if (typeof jobId !== 'string' || jobId === '' || jobId.length > MAX_JOB_ID_LENGTH) return invalid(`its first argument is not a job id: ${JSON.stringify(jobId)?.slice(0, 100)}`);
  const retryCount = args[1] ?? named['retry_count'] ?? fields['retries'] ?? 0;
  if (typeof retryCount !== 'number' || !Number.isInteger(retryCount) || retryCount < 0) {
    return invalid(`its retry count is not a non-negative integer: ${JSON.stringify(retryCount)}`);
  }
  const eta = instant(fields, 'eta');
  if (typeof eta === 'string') return invalid(eta);
  const expires = instant(fields, 'expires');
  if (typeof expires === 'string') return invalid(expires);
  const taskId = typeof fields['id'] === 'string' && fields['id'] !== '' ? fields['id'] : randomUUID();
  const rootId = typeof fields['root_id'] === 'string' && fields['root_id'] !== '' ? fields['root_id'] : taskId;
  const parentId = typeof fields['parent_id'] === 'string' ? fields['parent_id'] : null;
  return { kind: 'task', task: { taskId, rootId, parentId, jobId, retryCount, eta, expires } };
}
