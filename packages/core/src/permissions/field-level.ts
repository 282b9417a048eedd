import { isDeepStrictEqual } from 'node:util';
import { ConfigurationError, PermissionResult, ResourceAction, type EventContext, type IPermissionChecker, type IStorage } from '@specstar/interfaces';

export interface FieldLevelOptions {
  /** user → top-level fields that user may write; `'*'` allows every field. */
  allowedFieldsByUser?: Record<string, readonly string[]>;
  /** role → top-level fields; a user gets the fields of every role `getUserRoles` returns. */
  allowedFieldsByRole?: Record<string, readonly string[]>;
  getUserRoles?: (user: string) => readonly string[] | Promise<readonly string[]>;
  /**
   * The guarded manager. When given, update/modify count only the fields whose value differs
   * from the current revision (read un-evented), so a patch of one field — which updates with
   * the whole patched document — needs only that field. Without it every key of the data counts.
   */
  resourceManager?: { readonly storage: IStorage; decodeData(bytes: Uint8Array): unknown };
}

const WRITE_ACTIONS = ResourceAction.update | ResourceAction.patch | ResourceAction.modify;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The top-level field a JSON pointer addresses; `''` for the document root. */
function topField(pointer: unknown): string | undefined {
  if (typeof pointer !== 'string') return undefined;
  if (pointer === '') return '';
  const first = pointer.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Fields an RFC 6902 list touches (`path`, and `from` of move/copy); a merge patch's keys. */
function patchFields(patch: unknown): string[] | undefined {
  if (isRecord(patch)) return Object.keys(patch);
  if (!Array.isArray(patch)) return undefined;
  const fields = new Set<string>();
  for (const op of patch) {
    if (!isRecord(op)) continue;
    if (op.op === 'test') continue; // a test changes nothing
    const path = topField(op.path);
    if (path !== undefined) fields.add(path);
    if (op.op === 'move') {
      const from = topField(op.from);
      if (from !== undefined) fields.add(from);
    }
  }
  return [...fields];
}

/**
 * Limits which top-level fields a user may write. Only update, patch and
 * modify are judged (modify too, so in-place edits cannot bypass the limit): no fields →
 * not_applicable; every field allowed for the user (or one of its roles) → allow; else deny.
 * A root-level patch (`path: ""`) touches the field `''`, which only `'*'` allows.
 */
export class FieldLevelPermissionChecker implements IPermissionChecker {
  private readonly byUser: Record<string, readonly string[]>;
  private readonly byRole: Record<string, readonly string[]>;

  constructor(private readonly options: FieldLevelOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('FieldLevelPermissionChecker: options must be an object');
    this.byUser = options.allowedFieldsByUser ?? {};
    this.byRole = options.allowedFieldsByRole ?? {};
    for (const [where, map] of [['allowedFieldsByUser', this.byUser], ['allowedFieldsByRole', this.byRole]] as const) {
      if (!isRecord(map)) throw new ConfigurationError(`FieldLevelPermissionChecker: ${where} must be an object of name → field list`);
      for (const [name, fields] of Object.entries(map)) {
        if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')) {
          throw new ConfigurationError(`FieldLevelPermissionChecker: ${where}['${name}'] must be a list of field names`);
        }
      }
    }
    if (options.getUserRoles !== undefined && typeof options.getUserRoles !== 'function') {
      throw new ConfigurationError('FieldLevelPermissionChecker: getUserRoles must be a function');
    }
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if ((ctx.action & WRITE_ACTIONS) === 0) return PermissionResult.not_applicable;
    const fields = await this.touchedFields(ctx);
    if (fields === undefined || fields.length === 0) return PermissionResult.not_applicable;
    if (ctx.user === undefined) return PermissionResult.deny;
    const allowed = await this.allowedFor(ctx.user);
    if (allowed.has('*')) return PermissionResult.allow;
    return fields.every((f) => allowed.has(f)) ? PermissionResult.allow : PermissionResult.deny;
  }

  private async allowedFor(user: string): Promise<Set<string>> {
    const allowed = new Set<string>(Object.prototype.hasOwnProperty.call(this.byUser, user) ? this.byUser[user] : []);
    const roles = this.options.getUserRoles ? await this.options.getUserRoles(user) : [];
    for (const role of roles) {
      if (Object.prototype.hasOwnProperty.call(this.byRole, role)) for (const f of this.byRole[role] ?? []) allowed.add(f);
    }
    return allowed;
  }

  private async touchedFields(ctx: EventContext): Promise<string[] | undefined> {
    if (ctx.action === ResourceAction.patch) return patchFields(ctx.patch_data);
    const data = ctx.data;
    // modify also takes an RFC 6902 list as data.
    if (Array.isArray(data)) return patchFields(data);
    if (!isRecord(data)) return undefined;
    const current = await this.currentData(ctx.resource_id);
    if (current === undefined) return Object.keys(data);
    const keys = new Set([...Object.keys(data), ...Object.keys(current)]);
    return [...keys].filter((k) => !isDeepStrictEqual(data[k], current[k]));
  }

  /** The current data, un-evented; undefined when there is no manager or nothing to compare to. */
  private async currentData(resourceId: unknown): Promise<Record<string, unknown> | undefined> {
    const rm = this.options.resourceManager;
    if (!rm || typeof resourceId !== 'string') return undefined;
    const meta = await rm.storage.getMeta(resourceId);
    if (!meta) return undefined;
    const stored = await rm.storage.getRevision(resourceId, meta.current_revision_id, meta.schema_version);
    if (!stored) return undefined;
    const value = rm.decodeData(stored.data);
    return isRecord(value) ? value : undefined;
  }
}
