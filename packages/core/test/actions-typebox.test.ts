// Actions whose `input` is a TypeBox schema: validated like a JSON Schema (a ValidationError
// naming the field, which HTTP maps to 422; nothing written or queued) and the handler gets the
// payload typed as Static<typeof Input>, defaults applied.
import { Type, type Static } from '@sinclair/typebox';
import { ValidationError, type Job } from '@specstar/interfaces';
import type { CustomAction, SpecStar } from '../src';
import { rejection } from './catch-error';
import { T0, queuedRegistries } from './fixtures';

const Article = Type.Object({ title: Type.String(), words: Type.Integer({ default: 0 }), tags: Type.Array(Type.String(), { default: [] }) });
const DraftInput = Type.Object({
  title: Type.String({ minLength: 1 }),
  words: Type.Integer({ minimum: 1, default: 3 }),
  tags: Type.Optional(Type.Array(Type.String())),
});
type Draft = Static<typeof DraftInput>;
const asker = { user: 'alice', now: T0 };

const registry = queuedRegistries((spec) => spec.addModel(Article, { name: 'article' }));

const last = (spec: SpecStar): CustomAction => spec.actions[spec.actions.length - 1] as CustomAction;

const issuesOf = async (action: CustomAction, input: unknown): Promise<ValidationError['issues']> => {
  const error = await rejection(action.invoke(input, asker));
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
};

describe('actions with a TypeBox input', () => {
  it('sync: bad input names the field and runs nothing; good input reaches the handler typed, with defaults', async () => {
    const spec = registry();
    const seen: Draft[] = [];
    spec.createAction<Draft>('article', { input: DraftInput })(async function draft(input) {
      seen.push(input);
      // Typed: `words` is a number and `tags` an optional string array.
      return { title: input.title.toUpperCase(), words: input.words * 2, tags: input.tags ?? [] };
    });
    const action = last(spec);
    expect(await issuesOf(action, { words: 2 })).toEqual([expect.objectContaining({ path: '/title' })]);
    expect(await issuesOf(action, { title: 'x', words: 'many' })).toEqual([expect.objectContaining({ path: '/words', message: 'must be integer' })]);
    expect(await issuesOf(action, { title: '', tags: [1] })).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/title' }), expect.objectContaining({ path: '/tags/0' })]));
    expect(seen).toEqual([]);
    expect(await spec.getResourceManager('article').count()).toBe(0);

    const outcome = await action.invoke({ title: 'tides', tags: ['sea'] }, asker);
    expect(seen).toEqual([{ title: 'tides', words: 3, tags: ['sea'] }]);
    const { resource_id } = outcome.body as { resource_id: string };
    expect((await spec.getResourceManager('article').get(resource_id)).data).toEqual({ title: 'TIDES', words: 6, tags: ['sea'] });
  });

  it('job mode: bad input queues nothing; the job carries the validated payload to the handler', async () => {
    const spec = registry();
    const seen: Draft[] = [];
    spec.createAction<Draft>('article', { asyncMode: 'job', input: DraftInput })(async function write_draft(input) {
      seen.push(input);
      return { title: input.title, words: input.words };
    });
    const jobs = spec.getResourceManager<Job<Draft>>('write-draft-job');
    expect(await issuesOf(last(spec), { title: 'x', words: 0 })).toEqual([expect.objectContaining({ path: '/words' })]);
    expect(await jobs.count()).toBe(0);

    const outcome = await last(spec).invoke({ title: 'tides' }, asker);
    const id = (outcome.body as { job_resource_id: string }).job_resource_id;
    expect((await jobs.get(id)).data.payload).toEqual({ title: 'tides', words: 3 });
    await spec.getResourceManager('article').startConsume({ customCreation: 'all' });
    for (let tries = 0; (await jobs.get(id)).data.status !== 'completed'; tries++) {
      if (tries > 1000) throw new Error('the job did not complete');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen).toEqual([{ title: 'tides', words: 3 }]);
  });
});
