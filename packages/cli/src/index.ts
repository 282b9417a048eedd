/** The `specstar` command, as a library: run it in-process or build on its program. */
export { buildProgram, main } from './program';
export { EXIT, CliError } from './errors';
export type { Output } from './output';
