import { NoRetry, ResourceIDNotFoundError, jobSchema, type Job, type JobContext, type JsonSchema, type Resource, type SpecStar } from '@specstar/core';

/**
 * A quest is a background job: a character goes out for some hours (a fraction of a second
 * each, so the demo is quick), the job logs each hour, and on return the character gains
 * levels. The job's history, errors, retries and log are all visible over HTTP.
 */
export interface QuestPayload {
  character: string;
  hours: number;
}

export interface QuestReward {
  xp: number;
  level: number;
}

export const QuestSchema: JsonSchema = {
  ...jobSchema(
    {
      type: 'object',
      properties: {
        character: { type: 'string', minLength: 1, description: 'The id of the character who goes.' },
        hours: { type: 'integer', minimum: 1, maximum: 24 },
      },
      required: ['character', 'hours'],
    },
    { type: 'object', properties: { xp: { type: 'integer' }, level: { type: 'integer' } }, required: ['xp', 'level'] },
  ),
  title: 'Quest',
  description: 'A character away on a quest: a job that logs its progress and levels the character up.',
};

/** How long one quest hour takes, in milliseconds (RPG_QUEST_HOUR_MS, default 100). */
export function questHourMs(): number {
  const raw = Number(process.env.RPG_QUEST_HOUR_MS ?? 100);
  return Number.isFinite(raw) && raw >= 0 ? raw : 100;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** The quest handler: 10 xp per hour, a level per 20 xp; the character is updated as the player who sent it. */
export function questHandler(spec: SpecStar) {
  return async (job: Resource<Job<QuestPayload, QuestReward>>, ctx: JobContext<QuestPayload, QuestReward>): Promise<void> => {
    const { character, hours } = job.data.payload;
    const characters = spec.getResourceManager<{ name: string; level: number }>('character');
    let hero;
    try {
      hero = await characters.get(character);
    } catch (error) {
      // Retrying cannot make a missing character appear.
      if (error instanceof ResourceIDNotFoundError) throw new NoRetry(`No character '${character}'`);
      throw error;
    }
    for (let hour = 1; hour <= hours; hour++) {
      await sleep(questHourMs(), ctx.signal);
      ctx.info(`hour ${hour}/${hours}: ${hero.data.name} explores`);
    }
    const xp = hours * 10;
    const level = Math.min(100, hero.data.level + Math.floor(xp / 20));
    await characters.update(character, { ...hero.data, level }, { user: job.info.created_by });
    ctx.info(`${hero.data.name} returns with ${xp} xp, now level ${level}`);
    ctx.setArtifact({ xp, level });
  };
}
