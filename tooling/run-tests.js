#!/usr/bin/env node
// Runs every package's jest suite through turbo, then prints one closing line with the totals
// ("tests: N passed, N failed, N skipped") gathered from each package's jest JSON report.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const extra = process.argv.slice(2);
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSuites = [];
for (const dir of ['packages', 'examples', 'test-infra']) {
  const base = path.join(root, dir);
  if (!fs.existsSync(base)) continue;
  for (const name of fs.readdirSync(base)) {
    const report = path.join(base, name, '.jest-results.json');
    if (!fs.existsSync(report)) continue;
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    totals.passed += json.numPassedTests;
    totals.failed += json.numFailedTests;
    totals.skipped += json.numPendingTests + (json.numTodoTests ?? 0);
    // A suite that fails to load has no failed tests but is a failure all the same.
    for (const suite of json.testResults) if (suite.status === 'failed' && suite.assertionResults.length === 0) failedSuites.push(suite.name);
  }
}
totals.failed += failedSuites.length;
for (const suite of failedSuites) console.log(`suite failed to run: ${path.relative(root, suite)}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
const status = run.status ?? 1;
process.exit(status !== 0 ? status : totals.failed > 0 || totals.passed === 0 ? 1 : 0);
