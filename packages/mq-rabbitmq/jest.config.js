// The broker restart tests stop a broker: they run on their own (jest.serial.config.js), never here.
const preset = require('../../tooling/jest.preset.js');

module.exports = { ...preset, testPathIgnorePatterns: ['/node_modules/', '/test/serial/'] };
