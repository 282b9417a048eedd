/**
 * The `disk` backend provider: `{ "type": "disk", "options": { "rootdir": "./data" } }` for the
 * meta, resource and blob roles. When meta and resource both resolve to it with the same
 * options, core asks for buildStorage and gets one DiskStorage per model (atomic commits).
 * Options it does not use (defaults meant for other providers) are ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendConfigError } from '@specstar/core/adapter';
import type { BackendProvider, BackendRole, ResolvedOptions } from '@specstar/interfaces';
import { DiskBlobStore } from './blob-store';
import { DiskMetaStore, DiskStorage, type DiskStorageOptions } from './storage';
import { ensureDirectory, tempName } from './files';
import { blobsDir, resolveRootdir } from './paths';
import { DiskResourceStore } from './disk-resource-store';

const TYPE = 'disk';
const ROLES: ReadonlyArray<BackendRole> = ['meta', 'resource', 'blob'];
const ENCODINGS = new Set(['json', 'msgpack']);

function optionError(message: string, option: string, role: BackendRole | undefined, missing: boolean, cause?: unknown): BackendConfigError {
  return new BackendConfigError(message, { problem: missing ? 'missing_option' : 'invalid_field', provider: TYPE, option, role, cause });
}

/** The absolute rootdir; BackendConfigError naming `rootdir` when it is missing or not a path. */
function rootdirOf(options: ResolvedOptions, role?: BackendRole): string {
  const rootdir = options['rootdir'];
  if (rootdir === undefined || rootdir === null || rootdir === '') {
    throw optionError(`Backend type 'disk' needs the option 'rootdir' (the directory that holds the data)`, 'rootdir', role, true);
  }
  if (typeof rootdir !== 'string' || rootdir.trim() === '' || rootdir.includes('\0')) {
    throw optionError(`Option 'rootdir' of backend type 'disk' must be a directory path, got ${JSON.stringify(rootdir)}`, 'rootdir', role, false);
  }
  return resolveRootdir(rootdir);
}

function storageOptions(options: ResolvedOptions, role?: BackendRole): DiskStorageOptions {
  const out: DiskStorageOptions = {};
  const encoding = options['encoding'];
  if (encoding !== undefined) {
    if (typeof encoding !== 'string' || !ENCODINGS.has(encoding)) {
      throw optionError(`Option 'encoding' of backend type 'disk' must be 'json' or 'msgpack', got ${JSON.stringify(encoding)}`, 'encoding', role, false);
    }
    out.encoding = encoding as DiskStorageOptions['encoding'];
  }
  out.cacheBytes = byteCount(options, 'cache_bytes', role);
  out.inlineBytes = byteCount(options, 'inline_bytes', role);
  return out;
}

function byteCount(options: ResolvedOptions, name: string, role: BackendRole | undefined): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw optionError(`Option '${name}' of backend type 'disk' must be a non-negative integer, got ${JSON.stringify(value)}`, name, role, false);
  }
  return value;
}

export const diskBackendProvider: BackendProvider = Object.freeze({
  type: TYPE,
  roles: ROLES,

  buildStorage(model: string, options: ResolvedOptions) {
    return new DiskStorage(rootdirOf(options, 'meta'), model, storageOptions(options, 'meta'));
  },

  buildMetaStore(model: string, options: ResolvedOptions) {
    storageOptions(options, 'meta');
    return new DiskMetaStore(rootdirOf(options, 'meta'), model);
  },

  buildResourceStore(model: string, options: ResolvedOptions) {
    const { cacheBytes, inlineBytes } = storageOptions(options, 'resource');
    return new DiskResourceStore(rootdirOf(options, 'resource'), model, { cacheBytes, inlineBytes });
  },

  buildBlobStore(options: ResolvedOptions) {
    return new DiskBlobStore(blobsDir(rootdirOf(options, 'blob')));
  },

  /** Checks the options, creates the rootdir when missing and proves it is a writable directory. */
  validate(role: BackendRole, options: ResolvedOptions): void {
    if (!ROLES.includes(role)) {
      throw new BackendConfigError(`Backend type 'disk' cannot serve role '${role}': it serves ${ROLES.join(', ')}`, {
        problem: 'role_not_supported',
        provider: TYPE,
        role,
      });
    }
    const rootdir = rootdirOf(options, role);
    storageOptions(options, role);
    try {
      ensureDirectory(rootdir);
    } catch (error) {
      throw optionError(`Option 'rootdir' of backend type 'disk' (${rootdir}) cannot be created: ${(error as Error).message}`, 'rootdir', role, false, error);
    }
    if (!fs.statSync(rootdir).isDirectory()) {
      throw optionError(`Option 'rootdir' of backend type 'disk' (${rootdir}) is not a directory`, 'rootdir', role, false);
    }
    // A real write, not access(W_OK): that also catches read-only mounts.
    const probe = path.join(rootdir, tempName());
    try {
      fs.writeFileSync(probe, '', { flag: 'wx' });
    } catch (error) {
      throw optionError(`Option 'rootdir' of backend type 'disk' (${rootdir}) is not writable: ${(error as Error).message}`, 'rootdir', role, false, error);
    } finally {
      fs.rmSync(probe, { force: true });
    }
  },
});
