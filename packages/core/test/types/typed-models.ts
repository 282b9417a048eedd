// Type-level fixture (checked by test/typed-models.test.ts with tsc): what addModel infers.
import { Type } from '@sinclair/typebox';
import { SpecStar, type ResourceManager } from '@specstar/core';

interface Guild {
  name: string;
}

export async function typedModels(spec: SpecStar): Promise<unknown[]> {
  const Character = Type.Object({ name: Type.String(), level: Type.Number(), title: Type.Optional(Type.String()) }, { title: 'Character' });
  const characters = spec.addModel(Character);
  const { resource_id } = await characters.create({ name: 'Ayla', level: 3 });
  const level: number = (await characters.get(resource_id)).data.level;
  const title: string | undefined = (await characters.get(resource_id)).data.title;
  const again: number = (await spec.getResourceManager(Character).get(resource_id)).data.level;   // looked up by schema
  // @ts-expect-error level is a number, not a string
  const wrong: string = (await characters.get(resource_id)).data.level;
  // Writes take the schema's fields, each optional (defaults fill the rest; required fields are checked at run time).
  await characters.update(resource_id, { name: 'Ayla', level: 4 });
  await characters.createOrUpdate('character:ayla', { level: 5 });
  // @ts-expect-error level is a number, not a string
  await characters.create({ name: 'Bo', level: 'three' });
  // @ts-expect-error a misspelt field
  await characters.update(resource_id, { name: 'Ayla', levle: 4 });
  const manager: ResourceManager = characters;   // still a ResourceManager wherever one is expected

  // Plain JSON Schema: unknown data unless the type is given as the type parameter.
  const notes = spec.addModel({ title: 'Note', type: 'object', properties: { text: { type: 'string' } } });
  const note = (await notes.get('some-id')).data;
  // @ts-expect-error unknown data has no properties to read
  const text: unknown = note.text;
  const guilds = spec.addModel<Guild>({ title: 'Guild', type: 'object', properties: { name: { type: 'string' } } });
  const name: string = (await guilds.get('some-id')).data.name;
  return [level, title, again, wrong, text, name, manager];
}
