export { SpecStar, spec, type SpecStarOptions, type AddModelOptions, type IndexedFieldSpec } from './registry';
export {
  ResourceManager,
  type WriteContext,
  type CreateOptions,
  type UpdateOptions,
  type ModifyInput,
  type PatchOptions,
  type GetOptions,
  type ListOptions,
  type ReturnSection,
  type DeleteIntegrity,
} from './manager';
export { type ScopeValues } from './context';
export { runEvented } from './events';
export { checkResourceId } from './ids';
export { infoRecord, metaRecord } from './records';
export * from './search';
export * from './model';
export * from './codec';
export * from './schema';
export * from './storage';
export * from './backend';
export { applyJsonPatch, applyMergePatch } from './patch';
export { UniqueConstraintChecker, type ConstraintCheckerSpec } from './constraints';
export { RefExistenceChecker, type Relationship, type ReferrerGroup } from './integrity';
export * from './permissions';
export { on, EventHandlerBuilder, PhaseActionHandler, toActionSet, type EventHandlerFn, type ActionsInput } from './event-builder';
export * from './archive';
