/**
 * @specstar/mq-celery: a SpecStar job queue that speaks Celery's message protocol v2 (JSON) on an
 * AMQP broker, so Node consumers and Python Celery workers or producers share its queues.
 */
export { CeleryMessageQueueFactory } from './factory';
export { CeleryMessageQueue } from './queue';
export { celeryBackendProvider } from './provider';
export { CeleryBrokerError, type BrokerProblem } from './errors';
export { CeleryOptionError, type CeleryQueueOptions } from './options';
export { DEFAULT_BROKER_URL } from './broker-url';
export { STOP_MARKER, taskNameOf } from './protocol';
