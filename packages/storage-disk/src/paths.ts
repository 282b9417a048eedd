/**
 * Where things live under a rootdir, and the checks that keep every path inside it.
 *
 * Only three kinds of names ever become path segments: model names (validated here), blob ids
 * (validated with core's assertValidFileId) and payload file names the store generates itself.
 * Resource ids, revision ids and uids never touch the filesystem.
 */
import * as path from 'node:path';
import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { assertValidModelName } from '@specstar/core/adapter';

/** Per-model SQLite file: the meta table and the revision index. */
export const MODEL_DB_FILE = 'meta.sqlite3';
/** Per-model directory of revision payload files. */
export const DATA_DIR = 'data';
/** Shared blob directory under the rootdir (model names cannot start with `_`). */
export const BLOBS_DIR = '_blobs';
/** Prefix of in-flight temporary files: outside every valid blob id and generated name. */
export const TEMP_PREFIX = '~';

// Directory names beyond this length hit NAME_MAX (255 bytes) on common filesystems.
const MAX_MODEL_NAME_LENGTH = 200;

/** The absolute rootdir; a ConfigurationError naming `rootdir` when it is not a usable path. */
export function resolveRootdir(rootdir: unknown): string {
  if (typeof rootdir !== 'string' || rootdir.trim() === '') {
    throw new ConfigurationError(`Disk storage needs option 'rootdir' (a directory path), got ${describe(rootdir)}`);
  }
  if (rootdir.includes('\0')) {
    throw new ConfigurationError(`Disk storage option 'rootdir' must not contain NUL characters`);
  }
  return path.resolve(rootdir);
}

/**
 * A model name that is safe as one directory name: core's model-name rules (letters, digits,
 * `_ . -`, starting with a letter or digit, so never `.`/`..` or a separator) and a length limit.
 */
export function assertSafeModelName(model: unknown): asserts model is string {
  assertValidModelName(model as string);
  if ((model as string).length > MAX_MODEL_NAME_LENGTH) {
    throw new ConfigurationError(`Model name is too long for a directory name (${(model as string).length} > ${MAX_MODEL_NAME_LENGTH} characters)`);
  }
}

/**
 * `dir/name`, refusing any name that is not exactly one plain segment inside `dir`. Callers
 * validate names before; this is the last line of defence against traversal.
 */
export function childPath(dir: string, name: string, field = 'name'): string {
  const resolved = path.resolve(dir, name);
  if (name === '' || name.includes('\0') || path.dirname(resolved) !== path.resolve(dir) || path.basename(resolved) !== name) {
    throw new ValidationError(`Refusing path segment ${JSON.stringify(name)}: it would leave ${dir}`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: 'not a plain file name' }],
    });
  }
  return resolved;
}

export interface ModelPaths {
  dir: string;
  dbFile: string;
  dataDir: string;
}

/** The directory, SQLite file and payload directory of one model under `rootdir` (absolute). */
export function modelPaths(rootdir: string, model: string): ModelPaths {
  assertSafeModelName(model);
  const dir = childPath(rootdir, model, 'model');
  return { dir, dbFile: path.join(dir, MODEL_DB_FILE), dataDir: path.join(dir, DATA_DIR) };
}

/** The shared blob directory of a rootdir. */
export function blobsDir(rootdir: string): string {
  return path.join(rootdir, BLOBS_DIR);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : typeof value;
}
