import type { SpecStar } from '@specstar/core';
import { RARITIES } from './models';

const POWER: Record<(typeof RARITIES)[number], number> = { common: 5, rare: 15, epic: 30, legendary: 60 };

interface Character {
  name: string;
  titles: string[];
}

/**
 * One custom action of each mode:
 * - `POST /item/forge` (sync): forges an item whose power follows its rarity; answers its RevisionInfo.
 * - `POST /character/{id}/train` (job): queues a `train-job`; a consumer adds the title later.
 * - `POST /guild/charter` (background): answers 202 at once, founds the guild after the response.
 */
export function registerActions(spec: SpecStar): void {
  spec.createAction('item', {
    input: {
      type: 'object',
      properties: { name: { type: 'string', minLength: 1, maxLength: 80 }, rarity: { type: 'string', enum: [...RARITIES], default: 'common' } },
      required: ['name'],
    },
  })(async function forge(input: { name: string; rarity: (typeof RARITIES)[number] }) {
    return { name: input.name, rarity: input.rarity, power: POWER[input.rarity] };
  });

  spec.updateAction('character', {
    asyncMode: 'job',
    input: { type: 'object', properties: { skill: { type: 'string', minLength: 1, maxLength: 40 } }, required: ['skill'] },
  })(async function train({ existing }: { existing: unknown }, input: { skill: string }, ctx) {
    const hero = existing as Character;
    ctx.job?.info(`${hero.name} trains ${input.skill}`);
    return { ...hero, titles: [...hero.titles, `Trained in ${input.skill}`] };
  });

  spec.createAction('guild', {
    path: 'charter',
    asyncMode: 'background',
    input: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 80 }, motto: { type: 'string', maxLength: 200 } }, required: ['name'] },
  })(async function charter(input: { name: string; motto?: string }) {
    return { name: input.name, ...(input.motto !== undefined && { motto: input.motto }) };
  });
}
