import { ConfigurationError, PermissionDeniedError, PermissionResult, type EventContext, type IEventHandler, type IPermissionChecker } from '@specstar/interfaces';

/**
 * Wraps a checker as the handler a manager runs: every action, phase
 * `before`; any result other than `allow` (not_applicable included) throws
 * PermissionDeniedError naming the user, the action and the resource.
 */
export class PermissionEventHandler implements IEventHandler {
  constructor(readonly checker: IPermissionChecker) {}

  isSupported(ctx: EventContext): boolean {
    return ctx.phase === 'before';
  }

  async handleEvent(ctx: EventContext): Promise<void> {
    const result = await this.checker.checkPermission(ctx);
    if (result === PermissionResult.allow) return;
    const who = ctx.user === undefined ? 'An anonymous user' : `User '${ctx.user}'`;
    const details: { user?: string; action: string; resource_name: string } = { action: ctx.action_name, resource_name: ctx.resource_name };
    if (ctx.user !== undefined) details.user = ctx.user;
    throw new PermissionDeniedError(`${who} may not ${ctx.action_name} on '${ctx.resource_name}'`, details);
  }
}

export function permissionHandler(checker: IPermissionChecker): IEventHandler {
  if (typeof checker !== 'object' || checker === null || typeof checker.checkPermission !== 'function') {
    throw new ConfigurationError('permissionHandler: the checker must have a checkPermission(ctx) method');
  }
  return new PermissionEventHandler(checker);
}
