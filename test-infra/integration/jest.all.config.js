// `pnpm test` here: the integration suites (jest.config.js) and http-express's route suites on
// the production composition (jest.production-http.config.js), in one run and one JSON report.
module.exports = { projects: ['<rootDir>/jest.config.js', '<rootDir>/jest.production-http.config.js'] };
