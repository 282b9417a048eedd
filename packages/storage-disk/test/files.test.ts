import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { DirectorySync, createFileDurable, ensureDirectory, openDatabase, removeFileQuietly, writeFileDurable } from '../src/files';
import { BLOBS_DIR, assertSafeModelName, blobsDir, childPath, modelPaths, resolveRootdir } from '../src/paths';
import { bytes, listFiles, removeTempDirs, tempDir } from './helpers';

// The real functions behind mocks, so single tests can count calls or inject a failure. The
// sources import these through a namespace copy, so jest.spyOn on the module would not reach them.
jest.mock('node:fs/promises', () => {
  const real = jest.requireActual('node:fs/promises');
  return { ...real, open: jest.fn(real.open), rename: jest.fn(real.rename) };
});
const openMock = fsp.open as unknown as jest.Mock;
const renameMock = fsp.rename as unknown as jest.Mock;

beforeEach(() => {
  openMock.mockClear();
  renameMock.mockClear();
});

afterEach(() => {
  removeTempDirs();
});

/** Runs `work` and lists the syncs it issued, in order: `datasync <name>` / `sync <name>` relative to `dir` (`.` the directory, `temp` a temporary file). */
async function recordingSyncs(dir: string, work: () => Promise<void>): Promise<string[]> {
  const synced: string[] = [];
  const open = jest.requireActual('node:fs/promises').open as typeof fsp.open;
  openMock.mockImplementation(async (file: string, flags: string, mode?: number) => {
    const handle = await open(file, flags, mode);
    const relative = path.relative(dir, String(file)) || '.';
    const name = relative.startsWith('~') ? 'temp' : relative;
    const sync = handle.sync.bind(handle);
    const datasync = handle.datasync.bind(handle);
    handle.sync = async () => (synced.push(`sync ${name}`), sync());
    handle.datasync = async () => (synced.push(`datasync ${name}`), datasync());
    return handle;
  });
  try {
    await work();
  } finally {
    openMock.mockImplementation(open);
  }
  return synced;
}

describe('createFileDurable', () => {
  it('creates the file with its bytes and syncs the file and its directory', async () => {
    const dir = tempDir();
    const synced = await recordingSyncs(dir, () => createFileDurable(dir, 'a', bytes('hello'), new DirectorySync(dir)));
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('hello');
    expect(synced.sort()).toEqual(['datasync a', 'sync .']);
  });

  it('refuses a name that exists and leaves that file as it was', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a'), 'taken');
    await expect(createFileDurable(dir, 'a', bytes('intruder'), new DirectorySync(dir))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(listFiles(dir)).toEqual(['a']);
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('taken');
  });
});

describe('writeFileDurable', () => {
  it('writes the bytes under the final name and leaves no temporary file', async () => {
    const dir = tempDir();
    await writeFileDurable(dir, 'a', bytes('hello'));
    expect(listFiles(dir)).toEqual(['a']);
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('hello');
  });

  it('replaces an existing file as a whole', async () => {
    const dir = tempDir();
    await writeFileDurable(dir, 'a', bytes('first version, longer'));
    await writeFileDurable(dir, 'a', bytes('second'));
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('second');
    expect(listFiles(dir)).toEqual(['a']);
  });

  it('flushes the file and then its directory', async () => {
    const dir = tempDir();
    const synced = await recordingSyncs(dir, () => writeFileDurable(dir, 'a', bytes('x')));
    expect(synced).toEqual(['datasync temp', 'sync .']);
  });

  it('leaves nothing behind when the write fails', async () => {
    const dir = tempDir();
    renameMock.mockRejectedValueOnce(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    await expect(writeFileDurable(dir, 'a', bytes('x'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(listFiles(dir)).toEqual([]);
  });
});

describe('DirectorySync', () => {
  it('shares one directory fsync among callers that arrive while another runs', async () => {
    const dir = tempDir();
    const sync = new DirectorySync(dir);
    const first = sync.sync();
    const waiting = Array.from({ length: 9 }, () => sync.sync());
    await Promise.all([first, ...waiting]);
    // One run for the first caller, one run after it for all nine that arrived meanwhile.
    expect(openMock).toHaveBeenCalledTimes(2);
    expect(new Set(waiting).size).toBe(1);
    expect(waiting[0]).not.toBe(first);
  });

  it('starts a new fsync for a caller that arrives after the previous one finished', async () => {
    const dir = tempDir();
    const sync = new DirectorySync(dir);
    await sync.sync();
    await sync.sync();
    expect(openMock).toHaveBeenCalledTimes(2);
  });

  it('reports a failed fsync to its callers and recovers for the next ones', async () => {
    const dir = path.join(tempDir(), 'missing');
    const sync = new DirectorySync(dir);
    await expect(sync.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    fs.mkdirSync(dir);
    await expect(sync.sync()).resolves.toBeUndefined();
  });
});

describe('small file helpers', () => {
  it('ensureDirectory creates nested directories and accepts existing ones', () => {
    const root = tempDir();
    const nested = path.join(root, 'a', 'b', 'c');
    ensureDirectory(nested);
    ensureDirectory(nested);
    expect(fs.statSync(nested).isDirectory()).toBe(true);
  });

  it('removeFileQuietly treats a missing file as removed', async () => {
    const dir = tempDir();
    await expect(removeFileQuietly(path.join(dir, 'nope'))).resolves.toBeUndefined();
    fs.writeFileSync(path.join(dir, 'yes'), 'data');
    await removeFileQuietly(path.join(dir, 'yes'));
    expect(listFiles(dir)).toEqual([]);
  });

  it('openDatabase sets WAL, synchronous FULL and a busy timeout', () => {
    const db = openDatabase(path.join(tempDir(), 'x.sqlite3'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('paths', () => {
  const HOSTILE_NAMES = ['', '.', '..', '../x', 'a/b', 'a\\b', '/etc', '/', 'a\0b', '_blobs', '-x', ' x', 'x'.repeat(201), 'é'];

  it.each(HOSTILE_NAMES)('model name %j is a ConfigurationError', (name) => {
    expect(() => assertSafeModelName(name)).toThrow(ConfigurationError);
    expect(() => modelPaths('/tmp/root', name)).toThrow(ConfigurationError);
  });

  it('non-string model names are a ConfigurationError', () => {
    for (const name of [undefined, null, 42, {}]) expect(() => assertSafeModelName(name)).toThrow(ConfigurationError);
  });

  it('a valid model name maps to one directory right under the rootdir', () => {
    expect(modelPaths('/srv/data', 'user-profile.v2_x')).toEqual({
      dir: '/srv/data/user-profile.v2_x',
      dbFile: '/srv/data/user-profile.v2_x/meta.sqlite3',
      dataDir: '/srv/data/user-profile.v2_x/data',
    });
    expect(blobsDir('/srv/data')).toBe(`/srv/data/${BLOBS_DIR}`);
  });

  it.each(['', '.', '..', '../x', 'a/b', '/abs', 'a\0b', `..${path.sep}..`])('childPath refuses %j', (name) => {
    expect(() => childPath('/srv/data', name, 'file_id')).toThrow(ValidationError);
    try {
      childPath('/srv/data', name, 'file_id');
    } catch (error) {
      expect((error as ValidationError).issues[0]?.path).toBe('/file_id');
    }
  });

  it('childPath accepts a plain name', () => {
    expect(childPath('/srv/data', 'a.b-c_d')).toBe('/srv/data/a.b-c_d');
  });

  it('rootdir must be a non-empty path without NUL; relative paths become absolute', () => {
    for (const bad of [undefined, '', '   ', 'a\0b', 42]) expect(() => resolveRootdir(bad)).toThrow(ConfigurationError);
    expect(resolveRootdir('./data')).toBe(path.resolve('data'));
  });
});
