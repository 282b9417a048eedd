/**
 * A throwaway CommonJS TypeScript project holding the snippets: the workspace packages and the few
 * third-party packages the READMEs import are linked into its node_modules, as an install would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// What the READMEs import besides @specstar/*, and the types a user installs with them.
const THIRD_PARTY = ['express', '@types/express', 'cors', '@types/cors', '@types/node', '@types/jest', '@sinclair/typebox', 'helmet', 'better-sqlite3', '@types/better-sqlite3'];

// A default `tsc --init` project switched to CommonJS output (package.json without "type": "module").
export const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node', 'jest'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

function link(nodeModules: string, name: string, target: string): void {
  const at = path.join(nodeModules, name);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at, 'dir');
}

/** The package in the workspace's pnpm store (one version of each is installed). */
function storeDirectory(repoRoot: string, name: string): string {
  const store = path.join(repoRoot, 'node_modules', '.pnpm');
  const prefix = `${name.replace('/', '+')}@`;
  const entry = fs.readdirSync(store).find((candidate) => candidate.startsWith(prefix));
  if (entry === undefined) throw new Error(`${name} is not installed in the workspace`);
  return path.join(store, entry, 'node_modules', name);
}

// Preloaded into each run: a snippet that starts a server (`app.listen(8000)`) gets a free port
// instead, so runs never collide with each other or with whatever else listens on this machine.
const ANY_PORT_PRELOAD = `const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number') args[0] = 0;
  return listen.apply(this, args);
};
`;

export const PRELOAD_FILE = 'any-port.js';

export function createProject(repoRoot: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-readme-snippets-'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'commonjs' }));
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  fs.writeFileSync(path.join(root, PRELOAD_FILE), ANY_PORT_PRELOAD);
  const nodeModules = path.join(root, 'node_modules');
  for (const group of ['packages', 'examples']) {
    for (const entry of fs.readdirSync(path.join(repoRoot, group))) {
      const manifest = path.join(repoRoot, group, entry, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string };
      link(nodeModules, name, path.join(repoRoot, group, entry));
    }
  }
  for (const name of THIRD_PARTY) link(nodeModules, name, storeDirectory(repoRoot, name));
  return root;
}
