export { createApp, playerOf, type AppOptions, type RpgApp } from './app';
export { registerModels, startJobs, GuildSchema, CharacterSchema, ItemSchema, CHARACTER_CLASSES, RARITIES } from './models';
export { QuestSchema, questHandler, type QuestPayload, type QuestReward } from './quests';
export { registerActions } from './actions';
export { seedDemoData, type SeededIds } from './seed';
export { startServer, exitOnSignals, type ServerOptions, type RunningServer } from './server';
