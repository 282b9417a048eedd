import { PermissionResult, ValidationError, type EventContext, type IPermissionChecker, type ResourceMeta, type RevisionInfo } from '@specstar/interfaces';
import type { ResourceManager, WriteContext } from '../manager';
import type { JsonSchema } from '../model';
import { InternalModel, defaultStorageFactory } from './internal-model';
import { defaultResult } from './policy';
import { RULE_PROPERTIES, byOrder, checkerSettings, evaluateRules, ruleData, type PermissionRule, type PermissionRuleInput } from './rules';
import type { RuleCheckerOptions } from './types';

export const RBAC_PERMISSION_MODEL = 'RBACPermission';

/** A rule of one principal (user or group); the union tag is `type`. */
export interface RBACPermissionEntry extends PermissionRule {
  type: 'RBACPermissionEntry';
}

/** `subject` (a user or a group) is a member of `group`. */
export interface RoleMembership {
  type: 'RoleMembership';
  subject: string;
  group: string;
  order?: number;
}

export type RBACPermission = RBACPermissionEntry | RoleMembership;

/** The internal model: a tagged union on `type` of RBACPermissionEntry and RoleMembership. */
export const RBACPermissionSchema: JsonSchema = {
  title: RBAC_PERMISSION_MODEL,
  oneOf: [
    {
      type: 'object',
      properties: { type: { const: 'RBACPermissionEntry' }, ...RULE_PROPERTIES },
      required: ['type', 'subject', 'object', 'action'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { type: { const: 'RoleMembership' }, subject: { type: 'string', minLength: 1 }, group: { type: 'string', minLength: 1 }, order: { type: 'integer' } },
      required: ['type', 'subject', 'group'],
      additionalProperties: false,
    },
  ],
};

/** Input of addMembership. */
export interface RoleMembershipInput {
  subject: string;
  group: string;
  order?: number;
}

/**
 * Role-based access control. Principals are users and groups; a
 * RoleMembership makes its subject inherit the rules of the group (transitively). The check walks
 * depth first from the user: each principal's own rules (the ACL check) decide when they match,
 * so a rule on the user beats its groups' rules; otherwise its groups are visited, lowest
 * `order` first. Each principal is visited once, so membership cycles terminate.
 * Reaching the root user as a group allows.
 */
export class RBACPermissionChecker implements IPermissionChecker {
  readonly policy: number;
  readonly rootUser: string;
  private readonly entries: InternalModel<RBACPermission>;

  constructor(options: RuleCheckerOptions = {}) {
    const { policy, rootUser } = checkerSettings(options, 'RBACPermissionChecker');
    this.policy = policy;
    this.rootUser = rootUser;
    this.entries = new InternalModel(
      RBAC_PERMISSION_MODEL,
      RBACPermissionSchema,
      ['type', 'subject', 'object', 'action', 'group', 'order'],
      defaultStorageFactory(options.storageFactory),
      rootUser,
    );
  }

  /** The manager of the RBAC model (guarded by RootOnly). */
  get resourceManager(): ResourceManager<RBACPermission> {
    return this.entries.resourceManager;
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if (ctx.user === this.rootUser) return PermissionResult.allow;
    if (ctx.user === undefined) return defaultResult(this.policy, false);
    const rules = this.entries as unknown as InternalModel<PermissionRule>;
    const stack = [ctx.user];
    const visited = new Set<string>();
    while (stack.length > 0) {
      const principal = stack.pop() as string;
      if (visited.has(principal)) continue;
      visited.add(principal);
      if (principal === this.rootUser) return PermissionResult.allow;
      const result = await evaluateRules(rules, principal, ctx, this.policy, true, { type: 'RBACPermissionEntry' });
      if (result !== PermissionResult.not_applicable) return result;
      const memberships = (await this.entries.find({ type: 'RoleMembership', subject: principal })).sort(byOrder);
      // Pushed in reverse so the lowest order is visited first.
      for (let i = memberships.length - 1; i >= 0; i--) {
        const data = memberships[i]?.data;
        if (data?.type === 'RoleMembership' && !visited.has(data.group)) stack.push(data.group);
      }
    }
    return defaultResult(this.policy, false);
  }

  /** Stores a rule for a user or group; `ctx.user` must be the root user. */
  async addRule(rule: PermissionRuleInput, ctx?: WriteContext): Promise<RevisionInfo> {
    return this.resourceManager.create({ type: 'RBACPermissionEntry', ...ruleData(rule) }, ctx);
  }

  /** Makes `subject` a member of `group`; `ctx.user` must be the root user. */
  async addMembership(membership: RoleMembershipInput, ctx?: WriteContext): Promise<RevisionInfo> {
    if (typeof membership !== 'object' || membership === null) {
      throw new ValidationError('A membership must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
    }
    const data: RoleMembership = { type: 'RoleMembership', subject: membership.subject, group: membership.group };
    if (membership.order !== undefined) data.order = membership.order;
    return this.resourceManager.create(data, ctx);
  }

  /** Soft-deletes a rule or membership; `ctx.user` must be the root user. */
  remove(entryId: string, ctx?: WriteContext): Promise<ResourceMeta> {
    return this.resourceManager.delete(entryId, ctx);
  }

  /** Closes the RBAC model's storage (the registry calls this from close()). */
  close(): Promise<void> {
    return this.entries.close();
  }
}
