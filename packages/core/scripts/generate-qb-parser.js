#!/usr/bin/env node
// Generates the qb parser (src/search/qb-lang/parser.generated.ts) from grammar.peggy, so apps
// neither ship peggy nor pay for generating the parser on their first qb query.
// The output is checked in: jest runs from sources on a fresh clone without a build.
//   node scripts/generate-qb-parser.js          writes the file when it differs
//   node scripts/generate-qb-parser.js --check  exits 1 when the checked-in file is stale
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, '..', 'src', 'search', 'qb-lang');
const GRAMMAR = path.join(DIR, 'grammar.peggy');
const OUTPUT = path.join(DIR, 'parser.generated.ts');

/** The parser module's text for the grammar as it is now. */
function generatedSource() {
  const peggy = require('peggy');
  // No packrat cache: the grammar factors its shared prefixes, and memo tables cost more than they save.
  const source = peggy.generate(fs.readFileSync(GRAMMAR, 'utf8'), { output: 'source', format: 'es', cache: false });
  return `// @ts-nocheck\n// Generated from grammar.peggy by scripts/generate-qb-parser.js; do not edit.\n${source}`;
}

function main() {
  const wanted = generatedSource();
  const current = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : undefined;
  if (process.argv.includes('--check')) {
    if (current !== wanted) {
      console.error(`${path.relative(process.cwd(), OUTPUT)} is stale: run node scripts/generate-qb-parser.js`);
      process.exit(1);
    }
    return;
  }
  if (current !== wanted) fs.writeFileSync(OUTPUT, wanted);
}

if (require.main === module) main();
module.exports = { generatedSource, OUTPUT };
