#!/usr/bin/env node
// `pnpm lint` of every package: oxlint with the shared config, type-aware (oxlint-tsgolint is
// built on typescript-go, so it works with TypeScript 7, which has no JS API for typescript-eslint).
// Paths default to the package's src, test and scripts folders; any warning fails the run.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
// Arguments starting with `-` go to oxlint as they are (`--fix`, `--format=unix`); the rest are paths.
const args = process.argv.slice(2);
const options = args.filter((arg) => arg.startsWith('-'));
const given = args.filter((arg) => !arg.startsWith('-'));
const targets = given.length > 0 ? given : ['src', 'test', 'scripts'].filter((dir) => fs.existsSync(dir));

const oxlint = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'oxlint.cmd' : 'oxlint');
const run = spawnSync(
  oxlint,
  [
    '--type-aware',
    '--deny-warnings',
    '-c',
    path.join(__dirname, 'oxlintrc.json'),
    // Generated code is checked by the generator's tests, not linted.
    '--ignore-pattern',
    '**/*.generated.ts',
    ...options,
    ...targets,
  ],
  { stdio: 'inherit', env: { ...process.env, PATH: `${path.dirname(oxlint)}${path.delimiter}${process.env.PATH ?? ''}` } },
);
if (run.error) throw run.error;
process.exit(run.status ?? 1);
