import type { EventContext, IStorageFactory, PermissionResult } from '@specstar/interfaces';
import type { PermissionPolicy, PermissionPolicyName } from './policy';

/** A permission decision function (conditions, action handlers). */
export type PermissionFn = (ctx: EventContext) => PermissionResult | Promise<PermissionResult>;

/** Options of the rule-based checkers (ACL, RBAC). */
export interface RuleCheckerOptions {
  /** Default `strict` (deny_overrides | default_deny). */
  policy?: PermissionPolicy | PermissionPolicyName;
  /** Where the rule model is stored; default a fresh MemoryStorageFactory. */
  storageFactory?: IStorageFactory;
  /** The user every check allows and the only one who may edit rules; default `root`. */
  rootUser?: string;
}
