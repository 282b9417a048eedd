#!/usr/bin/env node
// The install smoke test: what a user gets from the registry, without publishing. Packs every
// package with `pnpm pack` (which rewrites workspace: ranges to versions), checks each tarball
// (LICENSE, entry points, no workspace: ranges, README links and source maps that resolve
// inside it), installs the tarballs with npm into a fresh project in the OS temp dir (outside the
// repo, so nothing resolves through the workspace) and runs smoke-app.js there. Needs
// `pnpm build` first. SMOKE_KEEP=1 keeps the temp dir.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const started = Date.now();
const seconds = (from) => `${((Date.now() - from) / 1000).toFixed(1)}s`;

/** Stops the run; the temp dir is still removed (process.exit would skip the cleanup). */
function fail(message) {
  throw new Error(message);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  return result.stdout;
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Every publishable package of the workspace. */
function workspacePackages() {
  const dir = path.join(root, 'packages');
  return fs
    .readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((pkgDir) => fs.existsSync(path.join(pkgDir, 'package.json')))
    .map((pkgDir) => ({ dir: pkgDir, manifest: readJson(path.join(pkgDir, 'package.json')) }))
    .filter((pkg) => pkg.manifest.private !== true);
}

/** Relative link targets of a markdown text: `[text](target)`, without anchors or URLs. */
function relativeLinks(markdown) {
  const targets = [];
  for (const match of markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1].split('#')[0];
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    targets.push(target);
  }
  return targets;
}

/** Problems with one packed tarball, as sentences. */
function checkTarball(tarball, manifest) {
  const files = new Set(
    run('tar', ['-tzf', tarball])
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.replace(/^package\//, '')),
  );
  const read = (file) => run('tar', ['-xzOf', tarball, `package/${file}`]);
  const problems = [];
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!files.has(required)) problems.push(`has no ${required}`);
  }
  const packed = JSON.parse(read('package.json'));
  if (JSON.stringify(packed).includes('workspace:')) problems.push('still has workspace: ranges');
  for (const field of ['license', 'engines', 'keywords']) {
    if (packed[field] === undefined) problems.push(`has no "${field}" in package.json`);
  }
  const entries = [packed.main, packed.types];
  for (const target of Object.values(packed.exports ?? {})) entries.push(...Object.values(target));
  for (const entry of entries.filter(Boolean)) {
    if (!files.has(path.posix.normalize(entry))) problems.push(`lacks its entry point ${entry}`);
  }
  for (const markdown of [...files].filter((file) => file.endsWith('.md'))) {
    for (const link of relativeLinks(read(markdown))) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(markdown), link)).replace(/\/$/, '');
      const isDir = [...files].some((file) => file.startsWith(`${target}/`));
      if (!files.has(target) && !isDir) problems.push(`${markdown} links ${link}, which is not in the tarball`);
    }
  }
  for (const map of [...files].filter((file) => file.endsWith('.map'))) {
    const { sources = [], sourceRoot = '' } = JSON.parse(read(map));
    for (const source of sources) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), sourceRoot, source));
      if (!files.has(target)) problems.push(`${map} points at ${source}, which is not in the tarball`);
    }
  }
  return problems.map((problem) => `${manifest.name}: ${problem}`);
}

/**
 * better-sqlite3 compiles from source here (no prebuilt download). When the workspace already
 * built the same version, its addon is copied in; otherwise npm rebuilds it in the project.
 */
function provideSqliteAddon(appDir) {
  const installed = path.join(appDir, 'node_modules', 'better-sqlite3');
  if (!fs.existsSync(installed)) return 'not installed';
  const { version } = readJson(path.join(installed, 'package.json'));
  const built = path.join(root, 'node_modules', '.pnpm', `better-sqlite3@${version}`, 'node_modules', 'better-sqlite3', 'build', 'Release');
  const addon = path.join(built, 'better_sqlite3.node');
  if (fs.existsSync(addon)) {
    fs.mkdirSync(path.join(installed, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(addon, path.join(installed, 'build', 'Release', 'better_sqlite3.node'));
    return `addon ${version} from the workspace build`;
  }
  run('npm', ['rebuild', 'better-sqlite3', '--foreground-scripts'], { cwd: appDir, stdio: 'inherit' });
  return `addon ${version} compiled`;
}

function main() {
  const packages = workspacePackages();
  for (const pkg of packages) {
    for (const entry of [pkg.manifest.main, pkg.manifest.types].filter(Boolean)) {
      if (!fs.existsSync(path.join(pkg.dir, entry))) fail(`${pkg.manifest.name} has no ${entry}: run pnpm build first`);
    }
  }

  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-smoke-'));
  const tarDir = path.join(temp, 'tarballs');
  const appDir = path.join(temp, 'app');
  fs.mkdirSync(tarDir);
  fs.mkdirSync(appDir);
  try {
    let step = Date.now();
    const tarballs = [];
    const problems = [];
    for (const pkg of packages) {
      const before = new Set(fs.readdirSync(tarDir));
      run('pnpm', ['pack', '--pack-destination', tarDir], { cwd: pkg.dir });
      const made = fs.readdirSync(tarDir).filter((file) => !before.has(file) && file.endsWith('.tgz'));
      if (made.length !== 1) fail(`pnpm pack of ${pkg.manifest.name} made ${made.length} tarballs`);
      const tarball = path.join(tarDir, made[0]);
      tarballs.push(tarball);
      problems.push(...checkTarball(tarball, pkg.manifest));
    }
    if (problems.length > 0) fail(`tarball problems:\n  ${problems.join('\n  ')}`);
    console.log(`smoke: packed and checked ${tarballs.length} packages in ${seconds(step)}`);

    // The express the repo tests with; the app installs it next to the tarballs, as a user would.
    const httpExpress = packages.find((pkg) => pkg.manifest.name === '@specstar/http-express');
    const expressVersion = httpExpress?.manifest.devDependencies?.express ?? '5';
    step = Date.now();
    fs.writeFileSync(path.join(appDir, 'package.json'), `${JSON.stringify({ name: 'specstar-smoke', version: '0.0.0', private: true }, null, 2)}\n`);
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs, `express@${expressVersion}`], {
      cwd: appDir,
      stdio: 'inherit',
    });
    const sqlite = provideSqliteAddon(appDir);
    console.log(`smoke: npm installed the tarballs and express@${expressVersion} in ${seconds(step)} (better-sqlite3: ${sqlite})`);

    step = Date.now();
    fs.copyFileSync(path.join(__dirname, 'smoke-app.js'), path.join(appDir, 'smoke-app.js'));
    run('node', ['smoke-app.js', ...packages.map((pkg) => pkg.manifest.name)], { cwd: appDir, stdio: 'inherit', timeout: 120_000 });
    console.log(`smoke: the app ran in ${seconds(step)}`);
    console.log(`smoke: passed in ${seconds(started)} (${temp})`);
  } finally {
    if (process.env.SMOKE_KEEP !== '1') fs.rmSync(temp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
