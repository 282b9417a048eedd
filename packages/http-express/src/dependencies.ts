/**
 * Request identity and clock: a replaceable provider with `getUser(req)` and
 * `getNow(req)`. Without one, writes act as the model's (or registry's) defaultUser when one is
 * configured, else as `anonymous`, at the model's defaultNow when configured, else now.
 */
import type { Request } from 'express';
import type { ResourceManager, WriteContext } from '@specstar/core';
import { ConfigurationError } from '@specstar/interfaces';
import type { DependencyProvider } from './options';

export const ANONYMOUS = 'anonymous';

/** Realm-independent (jest and vm contexts have their own Date). */
function isValidDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]' && !Number.isNaN((value as Date).getTime());
}

/** Whether the model (or its registry) configures a default user / clock of its own. */
function managerDefaults(rm: ResourceManager): { user: boolean; now: boolean } {
  return { user: rm.hasDefaultUser, now: rm.hasDefaultNow };
}

export type ContextResolver = (req: Request, rm: ResourceManager) => Promise<WriteContext>;

/** Which of user and clock the involved models supply themselves. */
interface Defaults {
  user: boolean;
  now: boolean;
}

/** The provider's user, asked once per request: reads scope it and writes stamp it. */
const askedUsers = new WeakMap<Request, Promise<string>>();

function providedUser(getUser: DependencyProvider['getUser'], req: Request): Promise<string> {
  let asked = askedUsers.get(req);
  if (asked === undefined) {
    asked = Promise.resolve(getUser(req)).then((user) => {
      if (typeof user !== 'string' || user === '') {
        throw new ConfigurationError(`dependencyProvider.getUser must return a non-empty string, got ${JSON.stringify(user)}`);
      }
      return user;
    });
    askedUsers.set(req, asked);
  }
  return asked;
}

/** The caller: the provider's user, else undefined where the models supply a default user, else anonymous. */
async function resolveUser(provider: Partial<DependencyProvider> | undefined, req: Request, defaultUser: boolean): Promise<string | undefined> {
  if (provider?.getUser) return providedUser(provider.getUser, req);
  return defaultUser ? undefined : ANONYMOUS;
}

async function resolveContext(provider: Partial<DependencyProvider> | undefined, req: Request, defaults: Defaults): Promise<WriteContext> {
  const context: WriteContext = {};
  const user = await resolveUser(provider, req, defaults.user);
  if (user !== undefined) context.user = user;
  if (provider?.getNow) {
    const now = await provider.getNow(req);
    if (!isValidDate(now)) throw new ConfigurationError('dependencyProvider.getNow must return a valid Date');
    context.now = now;
  } else if (!defaults.now) {
    context.now = new Date();
  }
  return context;
}

export type CallerResolver = (req: Request, rm: ResourceManager) => Promise<string | undefined>;

/** Builds the per-request resolver of who is calling (the scope reads are permission-checked in). */
export function callerResolver(provider: Partial<DependencyProvider> | undefined): CallerResolver {
  return (req, rm) => resolveUser(provider, req, rm.hasDefaultUser);
}

/** Builds the per-request resolver of who and when for writes. */
export function contextResolver(provider: Partial<DependencyProvider> | undefined): ContextResolver {
  return (req, rm) => resolveContext(provider, req, managerDefaults(rm));
}

/**
 * Who and when for operations over several models (global backup import/export): the
 * provider's values, else the defaults every model has, else anonymous / the wall clock.
 */
export function sharedContext(provider: Partial<DependencyProvider> | undefined, req: Request, managers: Iterable<ResourceManager>): Promise<WriteContext> {
  const defaults: Defaults = { user: true, now: true };
  for (const rm of managers) {
    const own = managerDefaults(rm);
    defaults.user &&= own.user;
    defaults.now &&= own.now;
  }
  return resolveContext(provider, req, defaults);
}

/** The clock for qb time helpers (today(), last_n_days(), …): the provider's, else the QB clock. */
export async function queryClock(provider: Partial<DependencyProvider> | undefined, req: Request): Promise<Date | undefined> {
  if (!provider?.getNow) return undefined;
  const now = await provider.getNow(req);
  if (!isValidDate(now)) throw new ConfigurationError('dependencyProvider.getNow must return a valid Date');
  return now;
}
