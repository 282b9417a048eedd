export { CustomAction, type ScopeRunner } from './action';
export { ActionBook, type ActionHost } from './book';
export { ActionInput, type ActionInputField } from './input';
export { type ActionArtifact } from './payload';
export { pyTitle, cleanPath, defaultJobName, labelOf, pascalOf } from './naming';
export type {
  ActionAsyncMode,
  ActionContext,
  ActionInvokeOptions,
  ActionKind,
  ActionOutcome,
  ActionSummary,
  ActionUpdateMode,
  BackgroundTaskAccepted,
  CreateActionHandler,
  CreateActionOptions,
  UpdateActionHandler,
  UpdateActionOptions,
  UpdateTarget,
} from './types';
