// Shared jest preset: TypeScript through @swc/jest (CJS), workspace packages resolved to
// their sources so tests never depend on a previous build.
const path = require('node:path');

const packagesDir = path.resolve(__dirname, '..', 'packages');

// The AWS SDK warns once per process that its 2027 releases need Node 22 (the S3 adapter README
// says which versions are pinned and why); in test output that notice only hides real warnings.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  // A guard against hangs, not a speed check: every package's suite shares two cores when turbo
  // runs them in parallel (brokers, PostgreSQL, S3 and child processes included), and the fuzz,
  // archive and server tests do thousands of requests; under that load 30 s was too tight.
  testTimeout: 120_000,
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  moduleNameMapper: {
    // test-infra packages (@specstar/test-s3, …) are plain JavaScript: node resolves them.
    '^@specstar/(?!test-)([a-z0-9-]+)$': `${packagesDir}/$1/src/index.ts`,
    // package subpath entries (`@specstar/core/adapter`) → `src/<subpath>.ts`
    '^@specstar/([a-z0-9-]+)/([a-z0-9-]+)$': `${packagesDir}/$1/src/$2.ts`,
  },
};
