/**
 * The `celery` backend provider for the `mq` role:
 * `{ "type": "celery", "options": { "broker_url": "amqp://guest:guest@localhost:5672//" } }`.
 * Options: `broker_url`, `queue_prefix` (default `specstar.`), `max_retries` (3),
 * `retry_delay_seconds` (10). Options it does not use are ignored.
 */
import { BackendConfigError } from '@specstar/core/adapter';
import type { BackendProvider, BackendRole, ResolvedOptions } from '@specstar/interfaces';
import { CeleryMessageQueueFactory } from './factory';
import { CeleryOptionError, resolveSettings, type CeleryQueueOptions } from './options';

const TYPE = 'celery';
const ROLES: ReadonlyArray<BackendRole> = ['mq'];

const SNAKE: Partial<Record<keyof CeleryQueueOptions, string>> = {
  brokerUrl: 'broker_url',
  queuePrefix: 'queue_prefix',
  maxRetries: 'max_retries',
  retryDelaySeconds: 'retry_delay_seconds',
};

function optionsOf(options: ResolvedOptions): CeleryQueueOptions {
  return {
    brokerUrl: options['broker_url'] as string | undefined,
    queuePrefix: options['queue_prefix'] as string | undefined,
    maxRetries: options['max_retries'] as number | undefined,
    retryDelaySeconds: options['retry_delay_seconds'] as number | undefined,
  };
}

/** Runs `fn`, turning a bad option into a BackendConfigError that names it in the config's spelling. */
function asBackendError<R>(role: BackendRole | undefined, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof CeleryOptionError)) throw error;
    const option = SNAKE[error.option] ?? error.option;
    throw new BackendConfigError(`Option '${option}' of backend type 'celery' ${error.detail}`, { problem: 'invalid_field', provider: TYPE, option, role, cause: error });
  }
}

export const celeryBackendProvider: BackendProvider = Object.freeze({
  type: TYPE,
  roles: ROLES,

  buildMessageQueueFactory(options: ResolvedOptions) {
    return asBackendError('mq', () => new CeleryMessageQueueFactory(optionsOf(options)));
  },

  /** Checks the options; the broker itself is first contacted when a job is put or a consumer starts. */
  validate(role: BackendRole, options: ResolvedOptions): void {
    if (!ROLES.includes(role)) {
      throw new BackendConfigError(`Backend type 'celery' cannot serve role '${role}': it serves mq`, { problem: 'role_not_supported', provider: TYPE, role });
    }
    asBackendError(role, () => resolveSettings(optionsOf(options)));
  },
});
