import { MemoryStorageFactory, SimpleMessageQueueFactory } from '@specstar/core';
import type { TestApi } from '../types';
import { planQueueSuite, QUEUE_CASE_GROUPS, QUEUE_CASE_NAMES, QUEUE_FAULT_CASE_NAMES, queueConformanceSuite, type QueueCaseDef, type QueueCaseName } from './index';

const base = {
  name: 'x',
  createStorageFactory: () => new MemoryStorageFactory(),
  createQueueFactory: () => new SimpleMessageQueueFactory(),
};

const cases = QUEUE_CASE_GROUPS.flatMap((group) => group.cases as readonly QueueCaseDef<QueueCaseName>[]);
const gated = cases.filter((def) => (def.requires ?? []).length > 0);

describe('queue case catalogue', () => {
  it('has unique, non-empty names in every group, fault cases included', () => {
    expect(new Set(QUEUE_CASE_NAMES).size).toBe(QUEUE_CASE_NAMES.length);
    for (const group of QUEUE_CASE_GROUPS) expect(group.cases.length).toBeGreaterThan(0);
    expect(new Set([...QUEUE_CASE_NAMES, ...QUEUE_FAULT_CASE_NAMES]).size).toBe(QUEUE_CASE_NAMES.length + QUEUE_FAULT_CASE_NAMES.length);
  });
});

describe('planQueueSuite', () => {
  it('runs every case when every gate is declared', () => {
    const plan = planQueueSuite({ ...base, capabilities: { pop: true, crossProcessClaim: true, delayedDelivery: true, crossProcessDelivery: true } });
    expect(plan).toEqual({ run: [...QUEUE_CASE_NAMES], skipped: [], unknownSkips: [] });
  });

  it('skips gated cases without their capability and declared names, with the reason', () => {
    const skip: QueueCaseName[] = ['retry: NoRetry fails at once with retries 1 and its message'];
    const plan = planQueueSuite({ ...base, capabilities: {}, skip });
    expect(plan.skipped).toEqual(
      QUEUE_CASE_NAMES.filter((name) => skip.includes(name) || gated.some((def) => def.name === name)).map((name) => ({
        name,
        reason: skip.includes(name) ? 'declared unsupported by the queue' : expect.stringMatching(/^needs capability /),
      })),
    );
    expect(plan.skipped.length).toBe(gated.length + 1);
  });

  it('reports names in skip that are not cases', () => {
    expect(planQueueSuite({ ...base, skip: ['no such case' as QueueCaseName] }).unknownSkips).toEqual(['no such case']);
  });
});

describe('queueConformanceSuite registration', () => {
  it('registers every case, gated ones as skipped with the reason', () => {
    const registered: string[] = [];
    const stack: string[] = [];
    const it = ((name: string) => void registered.push([...stack, name].join(' > '))) as TestApi['it'];
    it.skip = (name: string) => void registered.push(`skip: ${[...stack, name].join(' > ')}`);
    const api: TestApi = {
      describe(name, fn) {
        stack.push(name);
        fn();
        stack.pop();
      },
      it,
      expect,
    };
    queueConformanceSuite(api, { ...base, capabilities: { pop: true } });
    expect(registered).toHaveLength(QUEUE_CASE_NAMES.length + 1);
    expect(registered.filter((path) => path.startsWith('skip: ')).every((path) => path.includes('(skipped: needs capability crossProcessClaim)'))).toBe(true);
    expect(registered.filter((path) => path.startsWith('skip: '))).toHaveLength(gated.filter((def) => def.requires?.includes('crossProcessClaim')).length);
  });
});
