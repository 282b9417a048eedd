export { PermissionPolicy, toPolicy, type PermissionPolicyName } from './policy';
export type { PermissionFn, RuleCheckerOptions } from './types';
export { permissionHandler, PermissionEventHandler } from './handler';
export { AllowAll, RootOnly, CompositePermissionChecker, ConditionalPermissionChecker, ActionBasedPermissionChecker } from './simple';
export { ResourceOwnershipChecker } from './ownership';
export { FieldLevelPermissionChecker, type FieldLevelOptions } from './field-level';
export { type PermissionRule, type PermissionRuleInput } from './rules';
export { ACLPermissionChecker, ACLPermissionSchema, ACL_PERMISSION_MODEL } from './acl';
export {
  RBACPermissionChecker,
  RBACPermissionSchema,
  RBAC_PERMISSION_MODEL,
  type RBACPermission,
  type RBACPermissionEntry,
  type RoleMembership,
  type RoleMembershipInput,
} from './rbac';
