import { RevisionStatus, type DataSearchCondition, type IStorageFactory, type ResourceMeta } from '@specstar/interfaces';
import { createDataCodec } from '../codec';
import { ResourceManager } from '../manager';
import { compileModel, normaliseIndexedFields, type JsonSchema } from '../model';
import { MemoryStorageFactory } from '../storage';
import { permissionHandler } from './handler';
import { RootOnly } from './simple';

/** A stored rule or membership: its meta and its current data. */
export interface StoredEntry<T> {
  meta: ResourceMeta;
  data: T;
}

// Rules are read in pages; a page bounds memory, not the number of rules.
const PAGE = 500;

/**
 * The internal model of a rule-based checker (`ACLPermission`, `RBACPermission`): a manager
 * built directly from the checker's storage factory, guarded by RootOnly so only root edits
 * rules through it. The checker itself reads the rules un-evented from the manager's storage,
 * so a check never needs permission to run.
 */
export class InternalModel<T> {
  private manager: ResourceManager<T> | undefined;

  constructor(
    readonly name: string,
    private readonly schema: JsonSchema,
    private readonly indexedFields: string[],
    private readonly storageFactory: IStorageFactory,
    private readonly rootUser: string,
  ) {}

  /** Built on first use, so a checker that is never consulted creates no tables or files. */
  get resourceManager(): ResourceManager<T> {
    this.manager ??= new ResourceManager<T>({
      name: this.name,
      model: compileModel(this.schema),
      codec: createDataCodec('json', this.schema),
      storage: this.storageFactory.build(this.name),
      indexedFields: normaliseIndexedFields(this.indexedFields),
      defaultStatus: RevisionStatus.stable,
      strictOperationContext: false,
      eventHandlers: [permissionHandler(new RootOnly(this.rootUser))],
    });
    return this.manager;
  }

  /** Every live entry whose indexed fields equal the given values (exact match). */
  async find(equals: Record<string, string | null>): Promise<StoredEntry<T>[]> {
    const rm = this.resourceManager;
    const conditions: DataSearchCondition[] = Object.entries(equals).map(([field_path, value]) => ({
      type: 'DataSearchCondition',
      field_path,
      operator: 'eq',
      value,
      transform: null,
    }));
    const found: StoredEntry<T>[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const metas = await rm.storage.search(rm.query({ is_deleted: false, conditions, limit: PAGE, offset }));
      const entries = await Promise.all(
        metas.map(async (meta) => {
          const stored = await rm.storage.getRevision(meta.resource_id, meta.current_revision_id, meta.schema_version);
          return stored ? { meta, data: rm.decodeData(stored.data) } : undefined;
        }),
      );
      for (const entry of entries) if (entry) found.push(entry);
      if (metas.length < PAGE) return found;
    }
  }

  async close(): Promise<void> {
    await this.manager?.storage.close();
  }
}

export function defaultStorageFactory(factory: IStorageFactory | undefined): IStorageFactory {
  return factory ?? new MemoryStorageFactory();
}
