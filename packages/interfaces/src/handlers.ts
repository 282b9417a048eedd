import type { ResourceMeta } from './records';

/** Evented actions as bit flags; a set of actions is the OR of its members. */
export const ResourceAction = {
  create: 1,
  get: 2,
  get_resource_revision: 4,
  list_revisions: 8,
  get_meta: 16,
  search_resources: 32,
  update: 64,
  patch: 128,
  switch: 256,
  delete: 512,
  permanently_delete: 1024,
  restore: 2048,
  dump: 4096,
  load: 8192,
  migrate: 16384,
  modify: 32768,
  // composites
  create_or_update: 1 | 64 | 32768,
  read: 2 | 4 | 8 | 16,
  read_list: 32,
  write: 1 | 64 | 128 | 32768,
  lifecycle: 256 | 512 | 1024 | 2048,
  backup: 4096 | 8192 | 16384,
  full: 65535,
  owner: 2 | 4 | 8 | 16 | 128 | 64 | 32768 | 256 | 512 | 1024 | 2048,
} as const;
export type ResourceActionName = keyof typeof ResourceAction;
/** One action flag or an OR-ed set of them. */
export type ResourceActionSet = number;

/** Names of the sixteen single actions, in flag order. */
export const SINGLE_ACTIONS = [
  'create',
  'get',
  'get_resource_revision',
  'list_revisions',
  'get_meta',
  'search_resources',
  'update',
  'patch',
  'switch',
  'delete',
  'permanently_delete',
  'restore',
  'dump',
  'load',
  'migrate',
  'modify',
] as const;
export type SingleActionName = (typeof SINGLE_ACTIONS)[number];

export type EventPhase = 'before' | 'after' | 'on_success' | 'on_failure';

/**
 * The context an event handler receives. `context_type` is `<Phase><Action>`, e.g.
 * `OnSuccessCreate`. Action-specific fields (resource_id, data, info, meta, …) are present
 * only for the actions that have them.
 */
export interface EventContext {
  context_type: string;
  phase: EventPhase;
  action: number;
  action_name: SingleActionName;
  user?: string;
  now?: Date;
  resource_name: string;
  error?: string;
  stack_trace?: string | null;
  [field: string]: unknown;
}

export interface IEventHandler {
  isSupported(ctx: EventContext): boolean;
  handleEvent(ctx: EventContext): void | Promise<void>;
}

export const PermissionResult = { allow: 'allow', deny: 'deny', not_applicable: 'not_applicable' } as const;
export type PermissionResult = (typeof PermissionResult)[keyof typeof PermissionResult];

export interface IPermissionChecker {
  checkPermission(ctx: EventContext): PermissionResult | Promise<PermissionResult>;
}

export interface IConstraintChecker {
  /** Throw to reject. */
  check(data: unknown, options?: { excludeResourceId?: string | null }): void | Promise<void>;
  /** Whether a change from `current` to `next` can affect this checker (default: true). */
  dataRelevantChanged?(current: unknown, next: unknown): boolean;
}

export interface IValidator {
  /** Throw to reject. */
  validate(data: unknown): void | Promise<void>;
}

/** A model validator: a function that throws to reject, or an IValidator. */
export type Validator = ((data: unknown) => void | Promise<void>) | IValidator;

/** Legacy single-function migration (wrapped by Schema.fromLegacy). */
export interface IMigration<T = unknown> {
  readonly schema_version: string | null;
  migrate(data: Uint8Array, storedVersion: string | null): T | Promise<T>;
}

/** Re-exported for handler authors who only need the meta shape. */
export type { ResourceMeta };
