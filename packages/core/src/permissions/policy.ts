import { ConfigurationError, PermissionResult } from '@specstar/interfaces';

/**
 * How ACL/RBAC combine matching rules. Bit flags:
 * `deny_overrides` — a matching deny rule decides at once; `allow_overrides` — a matching allow
 * rule decides at once; `default_allow` / `default_deny` — the answer when no rule decides.
 */
export const PermissionPolicy = {
  deny_overrides: 1,
  allow_overrides: 2,
  default_allow: 4,
  default_deny: 8,
  strict: 1 | 8,
  permissive: 2 | 4,
} as const;
export type PermissionPolicyName = keyof typeof PermissionPolicy;
/** An OR-ed set of PermissionPolicy flags. */
export type PermissionPolicy = number;

const ALL_POLICY_BITS = 15;

/** A policy as flags or a name (`'strict'`, `'permissive'`, …); anything else is a ConfigurationError. */
export function toPolicy(policy: PermissionPolicy | PermissionPolicyName | undefined): number {
  if (policy === undefined) return PermissionPolicy.strict;
  if (typeof policy === 'string' && Object.prototype.hasOwnProperty.call(PermissionPolicy, policy)) return PermissionPolicy[policy];
  if (typeof policy === 'number' && Number.isInteger(policy) && policy >= 0 && (policy & ~ALL_POLICY_BITS) === 0) return policy;
  throw new ConfigurationError(`policy must be PermissionPolicy flags or one of ${Object.keys(PermissionPolicy).join(', ')}, got ${JSON.stringify(policy)}`);
}

/** The answer when no rule decided: not_applicable while more checks follow, else the policy default (deny when unset). */
export function defaultResult(policy: number, moreChecksFollow: boolean): PermissionResult {
  if (moreChecksFollow) return PermissionResult.not_applicable;
  if (policy & PermissionPolicy.default_allow) return PermissionResult.allow;
  return PermissionResult.deny;
}
