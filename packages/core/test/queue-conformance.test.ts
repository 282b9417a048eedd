import { MemoryStorageFactory, SimpleMessageQueueFactory } from '@specstar/core';
import { queueConformanceSuite } from '@specstar/testkit';

// The queue conformance suite: the simple queue on memory storage (the suite shares one storage
// between the engines of a case, so two consumers in this process meet on it).
queueConformanceSuite(
  { describe, it, expect },
  {
    name: 'simple on memory',
    createStorageFactory: () => new MemoryStorageFactory(),
    createQueueFactory: ({ maxRetries }) => new SimpleMessageQueueFactory({ maxRetries, pollInterval: 0.05 }),
    capabilities: { pop: true, crossProcessClaim: true },
  },
);
