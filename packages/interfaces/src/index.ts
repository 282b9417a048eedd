export * from './records';
export * from './search';
export * from './errors';
export * from './storage';
export * from './jobs';
export * from './mq';
export * from './backend';
export * from './handlers';
