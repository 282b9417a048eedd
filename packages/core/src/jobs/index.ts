export { JobFacility, type JobFacilityOptions, type JobHandlerFactory, type StartConsumeOptions, type StopConsumingOptions } from './facility';
export { SimpleMessageQueue, SimpleMessageQueueFactory, type SimpleQueueOptions } from './simple-queue';
export { ManagerJobStore } from './job-store';
export { STALE_JOB_MESSAGE } from './recovery';
export { JOB_LOG_NAMESPACE, PYTHON_JOB_LOG_PREFIX, jobLogKey, getJobLog, putJobLog } from './log-documents';
export { threadJobHandler, type ThreadHandlerOptions } from './thread-handler';
