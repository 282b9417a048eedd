// http-express's route suites again, on the seeds' recommended production composition (metas in
// PostgreSQL, revision payloads on disk, blobs on S3) instead of memory. They run from here
// because this package may depend on every adapter; http-express may not (storage-postgres's
// tests depend on it). Each registry the suites build gets its own namespace: see
// test/production-http/composition.ts.
const path = require('node:path');
const preset = require('../../tooling/jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'http-express routes on PostgreSQL + disk + S3',
  roots: [path.resolve(__dirname, '../../packages/http-express/test')],
  testMatch: ['**/routes-*.test.ts'],
  globalSetup: '<rootDir>/test/production-http/global-setup.ts',
  globalTeardown: '<rootDir>/test/production-http/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/production-http/setup.ts'],
};
