#!/usr/bin/env node
// Writes the case-name lists of README.md from the suites themselves (CASE_GROUPS, the meta-store
// suite's names, QUEUE_CASE_GROUPS and the queue fault cases), between the `<!-- NAME:start -->` /
// `<!-- NAME:end -->` markers, so the README never drifts from the code. `--check` writes nothing
// and exits 1 when the README is stale; src/readme-cases.test.ts runs the same check in `pnpm test`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const README = path.join(__dirname, '..', 'README.md');

function nameList(names) {
  return names.map((name) => `- \`${name}\``).join('\n');
}

/** A case line, with the capabilities it is gated on. */
function caseLine(def) {
  const gate = def.requires?.length ? ` — requires ${def.requires.join(' + ')}` : '';
  return `- \`${def.name}\`${gate}`;
}

/** One `###` heading per describe block, in registration order. */
function groupedList(groups) {
  return groups.map((group) => `### ${group.title}\n\n${group.cases.map(caseLine).join('\n')}`).join('\n\n');
}

function fill(readme, marker, body) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block`);
  return `${readme.slice(0, from + start.length)}\n\n${body}\n\n${readme.slice(to)}`;
}

/** The README text with every generated block rewritten from `kit` (the testkit's exports). */
function render(readme, kit) {
  let text = fill(readme, 'case-list', groupedList(kit.CASE_GROUPS));
  text = fill(text, 'meta-store-case-list', nameList(kit.META_STORE_CASE_NAMES));
  text = fill(text, 'queue-case-list', groupedList(kit.QUEUE_CASE_GROUPS));
  text = fill(text, 'queue-fault-case-list', nameList(kit.QUEUE_FAULT_CASE_NAMES));
  return text;
}

module.exports = { README, render };

if (require.main === module) {
  // The sources, not dist/: the list is right without a build.
  require('../../../tooling/register-ts.js');
  const kit = require('../src/index.ts');
  const current = fs.readFileSync(README, 'utf8');
  const next = render(current, kit);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('packages/testkit/README.md case lists are stale: run `pnpm --filter @specstar/testkit run docs:cases`');
      process.exit(1);
    }
  } else if (next !== current) {
    fs.writeFileSync(README, next);
    console.log('packages/testkit/README.md: case lists rewritten');
  } else {
    console.log('packages/testkit/README.md: case lists up to date');
  }
}
