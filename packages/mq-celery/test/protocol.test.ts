/**
 * The Celery message protocol v2 (JSON) as Python Celery 5 writes and reads it. The Python side
 * of the same facts is checked against the real Celery in python-interop.test.ts.
 */
import type { Message } from 'amqplib';
import { STOP_MARKER, decodeTask, encodeTask, newTask, taskNameOf } from '../src/protocol';
import { parseIsoInstant, pythonIsoUtc, pythonRepr } from '../src/python-repr';

const QUEUE = 'specstar.email-jobs';

/** A delivery as amqplib hands it over. */
function delivery(body: unknown, headers: Record<string, unknown> | undefined, properties: Partial<Message['properties']> = {}): Message {
  const content = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    content,
    fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: QUEUE },
    properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers, ...properties } as Message['properties'],
  };
}

/** Headers of a message Python's send_task wrote (captured from Celery 5.2.6), for `args`. */
function pythonHeaders(args: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    lang: 'py',
    task: `${QUEUE}.process_job`,
    id: 'c94ff3c4-dd1a-428a-a2b3-716ca2693c82',
    shadow: null,
    eta: null,
    expires: null,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [null, null],
    root_id: 'c94ff3c4-dd1a-428a-a2b3-716ca2693c82',
    parent_id: null,
    argsrepr: pythonRepr(args),
    kwargsrepr: '{}',
    origin: 'gen2513@vm',
    ignore_result: false,
    ...extra,
  };
}

const EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };

describe('encodeTask', () => {
  it('a first delivery: task {queue}.process_job, args [id], every protocol v2 header, JSON properties, persistent', () => {
    const task = { ...newTask('email-jobs:1'), taskId: 'tid', rootId: 'tid' };
    const { content, options } = encodeTask(QUEUE, task);
    expect(JSON.parse(content.toString('utf8'))).toEqual([['email-jobs:1'], {}, EMBED]);
    expect(options).toEqual({
      headers: {
        lang: 'js',
        task: 'specstar.email-jobs.process_job',
        id: 'tid',
        shadow: null,
        eta: null,
        expires: null,
        group: null,
        group_index: null,
        retries: 0,
        timelimit: [null, null],
        root_id: 'tid',
        parent_id: null,
        argsrepr: "['email-jobs:1']",
        kwargsrepr: '{}',
        origin: expect.stringMatching(/^node\d+@.+$/),
        ignore_result: false,
      },
      correlationId: 'tid',
      replyTo: '',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
    });
  });

  it('a retry: the same task id, args [id, n] and retries n, eta as Python writes an aware UTC datetime', () => {
    const eta = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const { content, options } = encodeTask(QUEUE, { taskId: 'tid', rootId: 'root', parentId: 'parent', jobId: 'email-jobs:1', retryCount: 2, eta });
    expect(JSON.parse(content.toString('utf8'))).toEqual([['email-jobs:1', 2], {}, EMBED]);
    expect(options.headers).toMatchObject({ id: 'tid', root_id: 'root', parent_id: 'parent', retries: 2, eta: '2026-01-02T03:04:05.678000+00:00', argsrepr: "['email-jobs:1', 2]" });
    expect(options.correlationId).toBe('tid');
  });

  it('new tasks get distinct uuid ids and are their own root', () => {
    const [a, b] = [newTask('x'), newTask('x')];
    expect(a.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.taskId).not.toBe(b.taskId);
    expect([a.rootId, a.parentId, a.retryCount, a.eta]).toEqual([a.taskId, null, 0, null]);
  });

  it('the task name is the queue name plus .process_job, the resource name as is', () => {
    expect(taskNameOf('specstar.TestJob')).toBe('specstar.TestJob.process_job');
  });
});

describe('decodeTask', () => {
  it('reads what Python send_task writes: args, retries, eta with microseconds and offset', () => {
    const message = delivery([['email-jobs:1', 2], {}, EMBED], pythonHeaders(['email-jobs:1', 2], { retries: 2, eta: '2026-12-07T22:56:49.991127+00:00' }));
    expect(decodeTask(QUEUE, message)).toEqual({
      kind: 'task',
      task: {
        taskId: 'c94ff3c4-dd1a-428a-a2b3-716ca2693c82',
        rootId: 'c94ff3c4-dd1a-428a-a2b3-716ca2693c82',
        parentId: null,
        jobId: 'email-jobs:1',
        retryCount: 2,
        eta: new Date('2026-12-07T22:56:49.991Z'),
        expires: null,
      },
    });
  });

  it('round-trips what encodeTask writes', () => {
    const eta = new Date(Date.UTC(2026, 5, 1, 12, 0, 0, 5));
    const sent = { taskId: 'tid', rootId: 'root', parentId: 'p', jobId: 'email-jobs:7', retryCount: 3, eta };
    const { content, options } = encodeTask(QUEUE, sent);
    expect(decodeTask(QUEUE, delivery(content, options.headers as Record<string, unknown>))).toEqual({ kind: 'task', task: { ...sent, expires: null } });
  });

  it('the retry count: the second arg first, then kwargs retry_count, then the retries header, else 0', () => {
    const read = (args: unknown[], kwargs: Record<string, unknown>, retries: number) => {
      const decoded = decodeTask(QUEUE, delivery([args, kwargs, EMBED], pythonHeaders(args, { retries })));
      return decoded.kind === 'task' ? [decoded.task.jobId, decoded.task.retryCount] : decoded;
    };
    expect(read(['j:1', 2], {}, 5)).toEqual(['j:1', 2]);
    expect(read([], { resource_id: 'j:2', retry_count: 1 }, 5)).toEqual(['j:2', 1]);
    expect(read(['j:3'], {}, 4)).toEqual(['j:3', 4]);
    expect(read(['j:4'], {}, 0)).toEqual(['j:4', 0]);
  });

  it('protocol v1 (everything in the body) is read too', () => {
    const body = { task: `${QUEUE}.process_job`, id: 'v1-id', args: ['j:1', 1], kwargs: {}, retries: 1, eta: '2026-01-01T00:00:00' };
    const decoded = decodeTask(QUEUE, delivery(body, {}));
    expect(decoded).toEqual({ kind: 'task', task: { taskId: 'v1-id', rootId: 'v1-id', parentId: null, jobId: 'j:1', retryCount: 1, eta: new Date('2026-01-01T00:00:00Z'), expires: null } });
  });

  it('the stop marker is recognised (and then acknowledged without running anything)', () => {
    expect(decodeTask(QUEUE, delivery([[STOP_MARKER], {}, EMBED], pythonHeaders([STOP_MARKER])))).toEqual({ kind: 'stop' });
  });

  it.each([
    ['a body that is not JSON', delivery('not json', pythonHeaders(['x'])), /not JSON/],
    ['a pickled task', delivery(Buffer.from([0x80, 0x04]), pythonHeaders(['x']), { contentType: 'application/x-python-serialize' }), /application\/x-python-serialize/],
    ['another encoding', delivery([['x'], {}, EMBED], pythonHeaders(['x']), { contentEncoding: 'binary' }), /encoding/],
    ['another task', delivery([['x'], {}, EMBED], pythonHeaders(['x'], { task: 'tasks.add' })), /tasks\.add/],
    ['no task at all', delivery({ hello: 'world' }, {}), /names no task/],
    ['a body that is not a v2 triple', delivery({ args: ['x'] }, pythonHeaders(['x'])), /\[args, kwargs, embed\]/],
    ['args that are not a list', delivery([{ id: 'x' }, {}, EMBED], pythonHeaders([])), /args are not a list/],
    ['no job id', delivery([[], {}, EMBED], pythonHeaders([])), /not a job id/],
    ['a job id that is not a string', delivery([[42], {}, EMBED], pythonHeaders([42])), /not a job id: 42/],
    ['a negative retry count', delivery([['x', -1], {}, EMBED], pythonHeaders(['x', -1])), /retry count/],
    ['an eta that is no time', delivery([['x'], {}, EMBED], pythonHeaders(['x'], { eta: 'tomorrow' })), /'eta' is not an ISO-8601 time/],
  ])('refuses %s, saying why', (_what, message, reason) => {
    const decoded = decodeTask(QUEUE, message);
    expect(decoded.kind).toBe('invalid');
    expect(decoded.kind === 'invalid' && decoded.reason).toMatch(reason);
  });
});

describe('Python renderings', () => {
  it('repr of args as Python prints them', () => {
    expect(pythonRepr(['job:1', 2])).toBe("['job:1', 2]");
    expect(pythonRepr([])).toBe('[]');
    expect(pythonRepr({})).toBe('{}');
    expect(pythonRepr({ a: [true, false, null, 1.5] })).toBe("{'a': [True, False, None, 1.5]}");
    expect(pythonRepr(["it's"])).toBe('["it\'s"]');
    expect(pythonRepr(['a\\b\n\u0001'])).toBe("['a\\\\b\\n\\x01']");
    expect(pythonRepr(['x'.repeat(2000)])).toHaveLength(1024);
  });

  it('isoformat of aware UTC instants, and parsing of the forms Celery writes', () => {
    expect(pythonIsoUtc(new Date(Date.UTC(2026, 11, 7, 22, 56, 49, 991)))).toBe('2026-12-07T22:56:49.991000+00:00');
    expect(pythonIsoUtc(new Date(Date.UTC(2026, 11, 7, 22, 56, 49)))).toBe('2026-12-07T22:56:49+00:00');
    const at = Date.UTC(2026, 11, 7, 22, 56, 49, 991);
    for (const text of ['2026-12-07T22:56:49.991127+00:00', '2026-12-07T22:56:49.991Z', '2026-12-07T22:56:49.991127', '2026-12-07 22:56:49.991127', '2026-12-08T00:56:49.991+02:00', '2026-12-08T00:56:49.991+0200']) {
      expect({ text, at: parseIsoInstant(text)?.getTime() }).toEqual({ text, at });
    }
    for (const text of ['tomorrow', '2026-13-45T99:00:00', '']) expect(parseIsoInstant(text)).toBeNull();
  });
});
