import { ConfigurationError, PermissionResult, ResourceAction, ValidationError, type EventContext } from '@specstar/interfaces';
import { toActionSet, type ActionsInput } from '../event-builder';
import type { JsonSchema } from '../model';
import type { InternalModel, StoredEntry } from './internal-model';
import { PermissionPolicy, defaultResult, toPolicy } from './policy';
import type { RuleCheckerOptions } from './types';

/** A permission rule as stored: `subject` may do `action` (a flag set) on `object` with `effect`. */
export interface PermissionRule {
  subject: string;
  /** A model name, or `'*'` for every model. */
  object: string | null;
  action: number;
  order?: number;
  /** Default allow. */
  effect?: PermissionResult;
}

/** A rule as the convenience methods accept it: actions may be names or lists. */
export interface PermissionRuleInput extends Omit<PermissionRule, 'action'> {
  action: ActionsInput;
}

/** JSON Schema properties shared by ACLPermission and RBACPermissionEntry. */
export const RULE_PROPERTIES: Record<string, JsonSchema> = {
  subject: { type: 'string', minLength: 1 },
  object: { type: ['string', 'null'] },
  action: { type: 'integer', minimum: 1, maximum: ResourceAction.full },
  order: { type: 'integer' },
  effect: { enum: [PermissionResult.allow, PermissionResult.deny, PermissionResult.not_applicable] },
};

/** Resolved checker settings; invalid ones are ConfigurationErrors. */
export function checkerSettings(options: RuleCheckerOptions, where: string): { policy: number; rootUser: string } {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError(`${where}: options must be an object`);
  const rootUser = options.rootUser ?? 'root';
  if (typeof rootUser !== 'string' || rootUser === '') throw new ConfigurationError(`${where}: rootUser must be a non-empty string`);
  return { policy: toPolicy(options.policy), rootUser };
}

/** Rule data from convenience input: action names become flags; a missing effect is allow. */
export function ruleData(rule: PermissionRuleInput): PermissionRule {
  if (typeof rule !== 'object' || rule === null) {
    throw new ValidationError('A permission rule must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
  }
  const data: PermissionRule = {
    subject: rule.subject,
    object: rule.object,
    action: toActionSet(rule.action, 'action', true),
    effect: rule.effect ?? PermissionResult.allow,
  };
  if (rule.order !== undefined) data.order = rule.order;
  return data;
}

/** Order ascending (unset last), then the most recently updated first. */
export function byOrder(a: StoredEntry<{ order?: number }>, b: StoredEntry<{ order?: number }>): number {
  const oa = a.data.order ?? Number.POSITIVE_INFINITY;
  const ob = b.data.order ?? Number.POSITIVE_INFINITY;
  if (oa !== ob) return oa < ob ? -1 : 1;
  return b.meta.updated_time.getTime() - a.meta.updated_time.getTime();
}

/**
 * The ACL check of one principal: for the model itself, then `'*'`, the
 * rules of `principal` whose action set holds the context's action, by order. Under
 * deny_overrides a deny decides at once, under allow_overrides an allow does; otherwise after
 * both objects any deny → deny, any allow → allow, else the policy default (not_applicable
 * while more checks follow). The effect is read from the rule data (not the rule's id or
 * name) and the action set is matched here, not in the store.
 */
export async function evaluateRules(
  model: InternalModel<PermissionRule>,
  principal: string,
  ctx: EventContext,
  policy: number,
  moreChecksFollow: boolean,
  extraMatch: Record<string, string> = {},
): Promise<PermissionResult> {
  const effects: PermissionResult[] = [];
  const objects = ctx.resource_name === '*' ? ['*'] : [ctx.resource_name, '*'];
  for (const object of objects) {
    const entries = await model.find({ ...extraMatch, subject: principal, object });
    const rules = entries.filter((e) => typeof e.data.action === 'number' && (e.data.action & ctx.action) === ctx.action && ctx.action !== 0).sort(byOrder);
    for (const { data } of rules) {
      const effect = data.effect ?? PermissionResult.allow;
      if (effect === PermissionResult.deny && policy & PermissionPolicy.deny_overrides) return PermissionResult.deny;
      if (effect === PermissionResult.allow && policy & PermissionPolicy.allow_overrides) return PermissionResult.allow;
      effects.push(effect);
    }
  }
  if (effects.includes(PermissionResult.deny)) return PermissionResult.deny;
  if (effects.includes(PermissionResult.allow)) return PermissionResult.allow;
  return defaultResult(policy, moreChecksFollow);
}
