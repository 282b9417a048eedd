/**
 * The `rabbitmq` backend provider for the `mq` role:
 *
 *   { "mq": { "type": "rabbitmq", "options": { "amqp_url": "amqp://user:pass@host:5672/", "max_retries": 3 } } }
 *
 * Options are the configuration reference's (amqp_url, queue_prefix, max_retries,
 * retry_delay_seconds, amqp_heartbeat_seconds) plus wait_for_broker_seconds,
 * reconnect_max_delay_seconds and connection_name. Options meant for other providers are ignored.
 * validate() checks the values and never contacts the broker, so an app starts without it.
 */
import { BackendConfigError } from '@specstar/core/adapter';
import type { BackendProvider, BackendRole, ResolvedOptions } from '@specstar/interfaces';
import { RabbitMQOptionError } from './endpoint';
import { RabbitMQMessageQueueFactory } from './factory';
import { OPTION_NAMES, resolveOptions, type RabbitMQQueueOptions } from './options';

const TYPE = 'rabbitmq';

/** The factory options read from a backend config's snake_case options. */
export function optionsFromConfig(options: ResolvedOptions): RabbitMQQueueOptions {
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(OPTION_NAMES)) {
    if (camel === 'onWarning') continue;
    const value = options[snake];
    if (value !== undefined && value !== null) out[camel] = value;
  }
  return out;
}

function configError(error: unknown, role: BackendRole): unknown {
  if (!(error instanceof RabbitMQOptionError)) return error;
  return new BackendConfigError(`Provider '${TYPE}': ${error.message}`, { problem: 'invalid_field', provider: TYPE, option: error.option, role, cause: error });
}

export const rabbitmqBackendProvider: BackendProvider = Object.freeze({
  type: TYPE,
  roles: ['mq'] as const,

  buildMessageQueueFactory(options: ResolvedOptions) {
    try {
      return new RabbitMQMessageQueueFactory(optionsFromConfig(options));
    } catch (error) {
      throw configError(error, 'mq');
    }
  },

  validate(role: BackendRole, options: ResolvedOptions): void {
    if (role !== 'mq') {
      throw new BackendConfigError(`Backend type '${TYPE}' cannot serve role '${role}': it serves mq`, { problem: 'role_not_supported', provider: TYPE, role });
    }
    try {
      resolveOptions(optionsFromConfig(options));
    } catch (error) {
      throw configError(error, role);
    }
  },
});
