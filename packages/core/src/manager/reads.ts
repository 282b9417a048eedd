import {
  ResourceIDNotFoundError,
  RevisionIDNotFoundError,
  ValidationError,
  type Resource,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type RevisionInfo,
  type SearchedResource,
} from '@specstar/interfaces';
import { normalizeQuery, projectPartial, type QueryInput } from '../search';
import { nextCursorOf, pageRequest, readRevisionIdPage, revisionCursorCodec, type RevisionInfoPage, type RevisionPageOptions } from '../revision-paging';
import { ManagerBase } from './base';
import type { GetOptions, ListOptions, ReturnSection } from './types';

const RETURN_SECTIONS: ReadonlySet<string> = new Set(['data', 'info', 'meta']);
// Fetching the items of a page runs with bounded concurrency; order always follows the search.
const LIST_FETCH_CONCURRENCY = 16;

/** Checked reads, revision listings and search. */
export class ManagerReads<T = unknown> extends ManagerBase<T> {
  async exists(resourceId: string): Promise<boolean> {
    return this.storage.exists(resourceId);
  }

  async revisionExists(resourceId: string, revisionId: string): Promise<boolean> {
    const meta = await this.storage.getMeta(resourceId);
    if (!meta) return false;
    return this.storage.revisionExists(resourceId, revisionId, meta.schema_version);
  }

  async getMeta(resourceId: string, options: { includeDeleted?: boolean } = {}): Promise<ResourceMeta> {
    return this.getMetaWith(resourceId, options.includeDeleted ?? false, this.readContext('getMeta'));
  }

  /** The current revision, or the given one. Soft-deleted resources are not found unless includeDeleted. */
  get(resourceId: string, options: GetOptions = {}): Promise<Resource<T>> {
    try {
      return this.getWith(resourceId, options, this.readContext('get'));
    } catch (error) {
      // oxlint-disable-next-line typescript/prefer-promise-reject-errors -- rejects with the caught value unchanged.
      return Promise.reject(error);
    }
  }

  /** Any revision, deleted resources included (audit access). */
  async getResourceRevision(resourceId: string, revisionId: string, options: { schemaVersion?: string | null } = {}): Promise<Resource<T>> {
    return this.getRevisionWith(resourceId, revisionId, options.schemaVersion, this.readContext('getResourceRevision'));
  }

  /** The revision record only; the current one when no revision id is given (checked lookup). */
  async getRevisionInfo(resourceId: string, revisionId?: string): Promise<RevisionInfo> {
    if (revisionId === undefined) return this.currentInfo(await this.getMeta(resourceId));
    const version = await this.findRevisionSchemaVersion(resourceId, revisionId);
    const info = version === undefined ? undefined : await this.storage.getRevisionInfo(resourceId, revisionId, version);
    if (!info) {
      if (!(await this.storage.exists(resourceId))) throw new ResourceIDNotFoundError(resourceId);
      throw new RevisionIDNotFoundError(resourceId, revisionId);
    }
    return info;
  }

  /** Only the requested branches of a revision's data (the given data paths only). */
  async getPartial(resourceId: string, revisionId: string, paths: string[], options: { schemaVersion?: string | null } = {}): Promise<Record<string, unknown>> {
    const version = options.schemaVersion !== undefined ? options.schemaVersion : (await this.metaOrThrow(resourceId)).schema_version;
    const stored = await this.storage.getRevision(resourceId, revisionId, version);
    if (!stored) throw new RevisionIDNotFoundError(resourceId, revisionId);
    return projectPartial(this.decode(stored.data), paths);
  }

  /** Revision ids in store order (deleted resources included). */
  async listRevisionIds(resourceId: string): Promise<string[]> {
    return this.evented('list_revisions', this.readContext('listRevisions'), { resource_id: resourceId }, 'revisions', async () => {
      await this.metaOrThrow(resourceId);
      return this.storage.listRevisions(resourceId);
    });
  }

  /** Every revision record of the resource, in store order. */
  async listRevisions(resourceId: string): Promise<RevisionInfo[]> {
    const ids = await this.listRevisionIds(resourceId);
    const infos = await Promise.all(
      ids.map(async (revisionId) => {
        const version = await this.findRevisionSchemaVersion(resourceId, revisionId);
        return version === undefined ? undefined : this.storage.getRevisionInfo(resourceId, revisionId, version);
      }),
    );
    return infos.filter((info): info is RevisionInfo => info !== undefined);
  }

  /**
   * One page of revision records in store (write) order, newest first by default. Pass
   * `nextCursor` back as `cursor` for the next page; a page boundary survives concurrent writes.
   * Reads only the page when the storage pages itself. A cursor that was altered, belongs to
   * another resource or was issued under another secret is a QueryError naming `cursor`.
   */
  async listRevisionsPage(resourceId: string, options: RevisionPageOptions = {}): Promise<RevisionInfoPage> {
    const codec = revisionCursorCodec(this.settings.revisionCursorSecret);
    const request = pageRequest(resourceId, options, codec);
    const page = await this.evented('list_revisions', this.readContext('listRevisions'), { resource_id: resourceId }, 'revisions', async () => {
      await this.metaOrThrow(resourceId);
      return readRevisionIdPage(this.storage, resourceId, request);
    });
    const infos = await Promise.all(
      page.items.map(async ({ revisionId }) => {
        const version = await this.findRevisionSchemaVersion(resourceId, revisionId);
        return version === undefined ? undefined : this.storage.getRevisionInfo(resourceId, revisionId, version);
      }),
    );
    return { revisions: infos.filter((info): info is RevisionInfo => info !== undefined), nextCursor: nextCursorOf(page, resourceId, request.order, codec) };
  }

  // ---- search --------------------------------------------------------------------------

  /** Turns a builder or a wire-form query object into a checked query. */
  query(input?: QueryInput): ResourceMetaSearchQuery {
    return normalizeQuery(input, { dateTimeFields: this.model.dateTimePaths, defaultLimit: this.settings.defaultQueryLimit });
  }

  async searchResources(input?: QueryInput): Promise<ResourceMeta[]> {
    const query = this.query(input);
    return this.evented('search_resources', this.readContext('searchResources'), { query }, 'results', () => this.storage.search(query));
  }

  /** Number of matches, ignoring limit and offset. Not evented, not permission-checked. */
  async count(input?: QueryInput): Promise<number> {
    return this.storage.count(this.query(input));
  }

  /**
   * Search, then fetch the requested sections of each match. Items whose fetch fails are
   * dropped; order follows the search.
   */
  async listResources(input?: QueryInput, options: ListOptions = {}): Promise<SearchedResource<T>[]> {
    const returns = new Set<string>(options.returns ?? ['data', 'info', 'meta']);
    for (const r of returns) {
      if (!RETURN_SECTIONS.has(r)) {
        throw new ValidationError(`returns may only hold data, info and meta; got '${r}'`, { kind: 'input', issues: [{ path: 'returns', message: `unknown section '${r}'` }] });
      }
    }
    const partials: Record<ReturnSection, string[]> = { data: [], info: [], meta: [] };
    for (const raw of options.partial ?? []) {
      const path = raw.startsWith('/') ? raw.slice(1) : raw;
      const slash = path.indexOf('/');
      const head = slash < 0 ? path : path.slice(0, slash);
      if ((head === 'meta' || head === 'info' || head === 'data') && slash > 0) partials[head].push(path.slice(slash + 1));
      else partials.data.push(path);
    }
    const metas = await this.searchResources(input);
    const op = this.readContext('listResources');
    const fetchOne = async (meta: ResourceMeta): Promise<SearchedResource<T> | undefined> => {
      try {
        const item: SearchedResource<T> = {};
        let info: RevisionInfo | undefined;
        if (returns.has('data')) {
          if (partials.data.length > 0) {
            item.data = await this.getPartial(meta.resource_id, meta.current_revision_id, partials.data, { schemaVersion: meta.schema_version });
          } else {
            const resource = await this.getWith(meta.resource_id, { revisionId: meta.current_revision_id, schemaVersion: meta.schema_version }, op);
            item.data = resource.data;
            info = resource.info;
          }
        }
        if (returns.has('info')) {
          info ??= await this.storage.getRevisionInfo(meta.resource_id, meta.current_revision_id, meta.schema_version);
          if (!info) return undefined;
          item.info = partials.info.length > 0 ? projectPartial(info, partials.info) : info;
        }
        if (returns.has('meta')) item.meta = partials.meta.length > 0 ? projectPartial(meta, partials.meta) : meta;
        return item;
      } catch {
        return undefined;
      }
    };
    // oxlint-disable-next-line unicorn/no-new-array -- preallocated on the hot path; filled index by index below.
    const results: (SearchedResource<T> | undefined)[] = new Array(metas.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < metas.length) {
        const i = next++;
        results[i] = await fetchOne(metas[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_FETCH_CONCURRENCY, metas.length) }, worker));
    return results.filter((r): r is SearchedResource<T> => r !== undefined);
  }
}
