import type { RevisionInfo } from '@specstar/interfaces';
import type { ResourceManager } from './manager';
import type { CreateOptions, UpdateOptions } from './manager/types';
import type { WriteData } from './model/typed-schema';

/**
 * The manager of a model added from a typed schema (TypeBox): reads give the schema's data type,
 * and writes take it, so a misspelt field or a wrong value type is a compile error. Each field is
 * optional in a write — the schema's defaults fill what is left out, and required fields are
 * checked at run time as for every model. It is a ResourceManager in every other respect.
 */
export interface TypedResourceManager<T> extends ResourceManager<T> {
  create(data: WriteData<T>, options?: CreateOptions): Promise<RevisionInfo>;
  update(resourceId: string, data: WriteData<T>, options?: UpdateOptions): Promise<RevisionInfo>;
  createOrUpdate(resourceId: string, data: WriteData<T>, options?: CreateOptions): Promise<RevisionInfo>;
}
