import { PermissionResult, type EventContext, type IPermissionChecker, type ResourceMeta, type RevisionInfo } from '@specstar/interfaces';
import type { ResourceManager, WriteContext } from '../manager';
import type { JsonSchema } from '../model';
import { InternalModel, defaultStorageFactory } from './internal-model';
import { defaultResult } from './policy';
import { RULE_PROPERTIES, checkerSettings, evaluateRules, ruleData, type PermissionRule, type PermissionRuleInput } from './rules';
import type { RuleCheckerOptions } from './types';

export const ACL_PERMISSION_MODEL = 'ACLPermission';

/** The internal rule model `ACLPermission{subject, object, action, order?, effect = allow}`. */
export const ACLPermissionSchema: JsonSchema = {
  title: ACL_PERMISSION_MODEL,
  type: 'object',
  properties: { ...RULE_PROPERTIES, effect: { ...RULE_PROPERTIES.effect, default: PermissionResult.allow } },
  required: ['subject', 'object', 'action'],
  additionalProperties: false,
};

/**
 * Access-control lists: rules stored as resources of the internal model
 * `ACLPermission`, which only the root user may edit. The root user is always allowed; other
 * users get what their rules for the model (or `'*'`) say, combined per the policy.
 */
export class ACLPermissionChecker implements IPermissionChecker {
  readonly policy: number;
  readonly rootUser: string;
  private readonly rules: InternalModel<PermissionRule>;

  constructor(options: RuleCheckerOptions = {}) {
    const { policy, rootUser } = checkerSettings(options, 'ACLPermissionChecker');
    this.policy = policy;
    this.rootUser = rootUser;
    this.rules = new InternalModel(ACL_PERMISSION_MODEL, ACLPermissionSchema, ['subject', 'object', 'action', 'order'], defaultStorageFactory(options.storageFactory), rootUser);
  }

  /** The manager of the rule model (guarded by RootOnly). */
  get resourceManager(): ResourceManager<PermissionRule> {
    return this.rules.resourceManager;
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if (ctx.user === this.rootUser) return PermissionResult.allow;
    // No user: no rule can match, only the policy default applies.
    if (ctx.user === undefined) return defaultResult(this.policy, false);
    return evaluateRules(this.rules, ctx.user, ctx, this.policy, false);
  }

  /** Stores a rule; `ctx.user` must be the root user. */
  async addRule(rule: PermissionRuleInput, ctx?: WriteContext): Promise<RevisionInfo> {
    return this.resourceManager.create(ruleData(rule), ctx);
  }

  /** Soft-deletes a rule; `ctx.user` must be the root user. */
  removeRule(ruleId: string, ctx?: WriteContext): Promise<ResourceMeta> {
    return this.resourceManager.delete(ruleId, ctx);
  }

  /** Closes the rule model's storage (the registry calls this from close()). */
  close(): Promise<void> {
    return this.rules.close();
  }
}
