import type { IMessageQueueFactory } from './mq';
import type { IBlobStore, IMetaStore, IResourceStore, IStorage } from './storage';

export type BackendRole = 'meta' | 'resource' | 'blob' | 'mq';

export interface BackendDefaults {
  encoding?: 'json' | 'msgpack';
  table_prefix?: string;
  blob_prefix?: string;
  upload_method?: 'proxy' | 'single_put';
  presigned_url_expiry?: number;
}

export interface ConnectionProfile {
  type: string;
  options?: Record<string, unknown>;
  enabled?: boolean;
  tags?: string[];
}

export interface BackendBinding {
  /** Name of a connection profile. */
  use?: string | null;
  /** Inline provider type. */
  type?: string | null;
  options?: Record<string, unknown>;
  required?: boolean;
}

export interface BackendConfigInput {
  version?: 1;
  defaults?: BackendDefaults;
  connections?: Record<string, ConnectionProfile>;
  meta?: BackendBinding;
  resource?: BackendBinding;
  blob?: BackendBinding;
  mq?: BackendBinding | null;
}

/** Options handed to a provider after connection, binding and defaults are merged. */
export type ResolvedOptions = Readonly<Record<string, unknown>>;

/** A storage or queue provider usable by `type` in a backend config. */
export interface BackendProvider {
  readonly type: string;
  readonly roles: ReadonlyArray<BackendRole>;
  /**
   * The whole storage of a model, when the meta and resource roles both resolve to this provider
   * with the same options; lets a provider commit meta and revision in one transaction. Without
   * it core composes buildMetaStore and buildResourceStore with SimpleStorage.
   */
  buildStorage?(model: string, options: ResolvedOptions): IStorage;
  buildMetaStore?(model: string, options: ResolvedOptions): IMetaStore;
  buildResourceStore?(model: string, options: ResolvedOptions): IResourceStore;
  buildBlobStore?(options: ResolvedOptions): IBlobStore;
  buildMessageQueueFactory?(options: ResolvedOptions): IMessageQueueFactory;
  /** Check options and connectivity at startup; throw ConfigurationError naming the problem. */
  validate?(role: BackendRole, options: ResolvedOptions): void | Promise<void>;
  /** Release what the provider opened (pools, files) when the registry closes. */
  close?(): Promise<void>;
}
