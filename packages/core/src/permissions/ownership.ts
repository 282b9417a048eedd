import { ConfigurationError, PermissionResult, ResourceAction, type EventContext, type IPermissionChecker, type IStorage } from '@specstar/interfaces';
import { toActionSet, type ActionsInput } from '../event-builder';

/**
 * Allows the creator of a resource (meta `created_by`) the `allowedActions` (default `owner`:
 * read, patch, update, modify and the lifecycle actions); denies everyone else. Actions outside
 * the set and contexts without `resource_id` (create, search) are not_applicable.
 *
 * The meta is read from the manager's storage, unchecked and un-evented:
 * an evented getMeta would re-enter this very check when it guards the same manager.
 */
export class ResourceOwnershipChecker implements IPermissionChecker {
  readonly allowedActions: number;

  constructor(
    readonly resourceManager: { readonly storage: IStorage },
    allowedActions: ActionsInput = ResourceAction.owner,
  ) {
    if (typeof resourceManager !== 'object' || resourceManager === null || typeof resourceManager.storage?.getMeta !== 'function') {
      throw new ConfigurationError('ResourceOwnershipChecker: expected a ResourceManager');
    }
    this.allowedActions = toActionSet(allowedActions, 'ResourceOwnershipChecker: allowedActions');
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if ((ctx.action & this.allowedActions) === 0) return PermissionResult.not_applicable;
    const resourceId = ctx.resource_id;
    if (typeof resourceId !== 'string') return PermissionResult.not_applicable;
    try {
      const meta = await this.resourceManager.storage.getMeta(resourceId);
      return meta !== undefined && ctx.user !== undefined && meta.created_by === ctx.user ? PermissionResult.allow : PermissionResult.deny;
    } catch {
      return PermissionResult.deny;
    }
  }
}
