export { checkModelRetention, checkPruneRetention, type CheckedRetention, type RetentionPolicy } from './policy';
export { pruneRevisions, type KeptReason, type PruneOptions, type PruneResult, type RetentionSettings } from './prune';
export { DumpGuard } from './dump-guard';
export { pinnedRevisionIds } from './pins';
export { scheduleRetention, type RetentionSchedule, type RetentionScheduleOptions } from './schedule';
