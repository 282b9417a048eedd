// `pnpm test` here: the integration suites (jest.config.js) and http-express's route suites on
// the production composition (jest.production-http.config.js), in one run and one JSON report.
// testTimeout is a global option: the projects' own (the preset's 120 s) does not apply under
// `projects`, and jest's 5 s default is too short for real servers on a loaded machine.
module.exports = {
  testTimeout: require('../../tooling/jest.preset.js').testTimeout,
  projects: ['<rootDir>/jest.config.js', '<rootDir>/jest.production-http.config.js'],
};
