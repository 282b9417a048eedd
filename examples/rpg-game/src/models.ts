import { displayName, ref, unique, type JsonSchema, type SpecStar } from '@specstar/core';
import { registerActions } from './actions';
import { QuestSchema, questHandler } from './quests';

/**
 * The game's three models. Each shows one SpecStar feature on top of plain JSON Schema:
 * - Guild: a unique name (the marker is declared now; enforcement arrives with a later release).
 * - Character: indexed `level`/`class`, and `guild`, a reference to a guild resource.
 * - Item: created as drafts (edited in place), then published with `change_status=stable`.
 */

export const CHARACTER_CLASSES = ['warrior', 'mage', 'rogue', 'cleric'] as const;
export const RARITIES = ['common', 'rare', 'epic', 'legendary'] as const;

export const GuildSchema: JsonSchema = {
  title: 'Guild',
  description: 'A band of characters. Guild names are unique.',
  type: 'object',
  properties: {
    name: displayName(unique({ type: 'string', minLength: 1, maxLength: 80 })),
    motto: { type: 'string', maxLength: 200 },
    founded: { type: 'string', format: 'date-time' },
  },
  required: ['name'],
};

export const CharacterSchema: JsonSchema = {
  title: 'Character',
  description: 'A player character. Level and class are searchable; guild points at a guild resource.',
  type: 'object',
  properties: {
    name: displayName({ type: 'string', minLength: 1, maxLength: 80 }),
    class: { type: 'string', enum: [...CHARACTER_CLASSES] },
    level: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
    hp: { type: 'integer', minimum: 0, default: 100 },
    // Leaving a guild is `null`; `set_null` is what a guild's deletion will do once ref policies land.
    guild: ref('guild', { type: ['string', 'null'], default: null }, { onDelete: 'set_null' }),
    titles: { type: 'array', items: { type: 'string' }, default: [] },
  },
  required: ['name', 'class'],
};

export const ItemSchema: JsonSchema = {
  title: 'Item',
  description: 'Loot. New items are drafts a game designer edits in place, then publishes as stable.',
  type: 'object',
  properties: {
    name: displayName({ type: 'string', minLength: 1, maxLength: 80 }),
    rarity: { type: 'string', enum: [...RARITIES], default: 'common' },
    power: { type: 'integer', minimum: 0, default: 0 },
    owner: ref('character', { type: ['string', 'null'], default: null }),
    tags: { type: 'array', items: { type: 'string' }, default: [] },
  },
  required: ['name'],
};

/**
 * Registers guild, character and item (in that order: refs point backwards), the quest job
 * model and the custom actions.
 */
export function registerModels(spec: SpecStar): void {
  spec.addModel(GuildSchema, { indexedFields: ['founded'] });
  spec.addModel(CharacterSchema, { indexedFields: ['level', 'class'] });
  spec.addModel(ItemSchema, { indexedFields: ['rarity', 'power'], defaultStatus: 'draft' });
  spec.addModel(QuestSchema, { jobHandler: questHandler(spec) });
  registerActions(spec);
}

/**
 * Starts the job consumers in this process: quests, and the jobs of the character's job-mode
 * action (`train-job`). `spec.close()` stops them; in-flight jobs finish first.
 */
export async function startJobs(spec: SpecStar): Promise<void> {
  await spec.getResourceManager('quest').startConsume();
  await spec.getResourceManager('character').startConsume({ customUpdate: 'all' });
}
