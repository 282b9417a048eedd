export { createApp, playerOf, type AppOptions, type RpgApp } from './app';
export { registerModels, GuildSchema, CharacterSchema, ItemSchema, CHARACTER_CLASSES, RARITIES } from './models';
export { seedDemoData, type SeededIds } from './seed';
export { startServer, exitOnSignals, type ServerOptions, type RunningServer } from './server';
