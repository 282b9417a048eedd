export { Schema } from './schema';
export type { MigrationEdge, MigrationFn, StepOptions } from './schema';
export { runValidator } from './validator';
