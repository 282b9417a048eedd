// The tests that stop a broker (on a private node): `pnpm test:broker-restart`, run alone in CI.
const preset = require('../../tooling/jest.preset.js');

module.exports = { ...preset, testMatch: ['**/test/serial/**/*.test.ts'] };
