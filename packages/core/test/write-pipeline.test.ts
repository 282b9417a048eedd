import { SpecStar } from '../src';
import type { CreatedResource } from '../src/manager';

const Note = { title: 'Note', type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const ctx = { user: 'alice', now: new Date('2025-01-01T00:00:00.000Z') };

describe('write pipeline extension points', () => {
  it('prepare-value steps run in order on creates and updates; the current meta is given on updates', async () => {
    const rm = new SpecStar().addModel<{ text: string }>(Note);
    const seen: Array<string | undefined> = [];
    rm.addPrepareValueStep((value, step) => {
      seen.push(step.current?.resource_id);
      return { text: `${(value as { text: string }).text}!` };
    });
    rm.addPrepareValueStep(async (value) => ({ text: `${(value as { text: string }).text}?` }));
    const info = await rm.create({ text: 'hi' }, ctx);
    expect((await rm.get(info.resource_id)).data).toEqual({ text: 'hi!?' });
    await rm.update(info.resource_id, { text: 'yo' }, ctx);
    expect((await rm.get(info.resource_id)).data).toEqual({ text: 'yo!?' });
    expect(seen).toEqual([undefined, info.resource_id]);
  });

  it('after-create hooks see the committed resource; a failing hook rejects the create', async () => {
    const rm = new SpecStar().addModel<{ text: string }>(Note);
    const created: CreatedResource[] = [];
    rm.addAfterCreateHook(async (c) => {
      expect(await rm.exists(c.info.resource_id)).toBe(true);
      created.push(c);
    });
    const info = await rm.create({ text: 'hi' }, ctx);
    expect(created.map((c) => [c.info, c.data, c.op.user])).toEqual([[info, { text: 'hi' }, 'alice']]);
    await rm.update(info.resource_id, { text: 'yo' }, ctx);
    expect(created).toHaveLength(1);
    rm.addAfterCreateHook(() => {
      throw new Error('queue down');
    });
    await expect(rm.create({ text: 'again' }, ctx)).rejects.toThrow('queue down');
  });
});
