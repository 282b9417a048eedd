/**
 * @specstar/mq-rabbitmq: SpecStar job queues on RabbitMQ, with the topology and message format of
 * Python SpecStar (one broker can serve both), confirmed publishes and automatic reconnection.
 */
export { RabbitMQMessageQueueFactory } from './factory';
export { RabbitMQMessageQueue } from './queue';
export { rabbitmqBackendProvider, optionsFromConfig } from './provider';
export { DEFAULT_AMQP_URL, DEFAULT_QUEUE_PREFIX, type RabbitMQQueueOptions, type QueueSettings } from './options';
export { BrokerAccessError, BrokerUnavailableError, QueueArgumentMismatchError } from './errors';
export { RabbitMQOptionError, parseAmqpUrl, redactUrlText, type AmqpEndpoint } from './endpoint';
export { queueNames, snakeCase, ttlQueueArguments, type QueueNames } from './names';
export { LAST_ERROR_HEADER, RETRY_COUNT_HEADER, decodeBody, retryCountOf } from './messages';
