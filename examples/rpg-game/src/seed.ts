import type { SpecStar } from '@specstar/core';

export interface SeededIds {
  guilds: string[];
  characters: string[];
  items: string[];
}

/**
 * A little demo data: two guilds, four characters (three in guilds), two published items and
 * one draft. Written as user `seed`, so it is easy to tell apart from what you create.
 */
export async function seedDemoData(spec: SpecStar): Promise<SeededIds> {
  const ctx = { user: 'seed' };
  const guilds = spec.getResourceManager('guild');
  const characters = spec.getResourceManager('character');
  const items = spec.getResourceManager('item');

  const watch = await guilds.create({ name: 'Night Watch', motto: 'We hold the wall', founded: '2024-03-01T00:00:00Z' }, ctx);
  const guildIds = [watch.resource_id, (await guilds.create({ name: 'Silver Hand', motto: 'Mend and defend' }, ctx)).resource_id];

  const characterIds: string[] = [];
  for (const [name, cls, level, guild] of [
    ['Aria', 'mage', 12, guildIds[0]],
    ['Borin', 'warrior', 7, guildIds[0]],
    ['Cass', 'rogue', 3, guildIds[1]],
    ['Dell', 'cleric', 1, null],
  ] as const) {
    characterIds.push((await characters.create({ name, class: cls, level, guild }, ctx)).resource_id);
  }

  const itemIds: string[] = [];
  for (const [name, rarity, power, owner, status] of [
    ['Frostbrand', 'epic', 40, characterIds[0], 'stable'],
    ['Oak Shield', 'common', 5, characterIds[1], 'stable'],
    ['Unfinished Crown', 'legendary', 90, null, 'draft'],
  ] as const) {
    itemIds.push((await items.create({ name, rarity, power, owner }, { ...ctx, status })).resource_id);
  }
  return { guilds: guildIds, characters: characterIds, items: itemIds };
}
