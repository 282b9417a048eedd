import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Type } from '@sinclair/typebox';
import { SpecStar, ValidationError } from '@specstar/core';

// The workspace's TypeScript (root devDependency), the same compiler the typecheck scripts run.
const tsc = path.resolve(__dirname, '..', '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

describe('typed models (TypeBox)', () => {
  it('infers the data type: the fixture with its @ts-expect-error lines typechecks', () => {
    // Each @ts-expect-error line fails the run if inference were `any` (unused directive) or wrong.
    const project = path.join(__dirname, 'types', 'tsconfig.json');
    // The compiler's own messages on failure (the fixture is read through @specstar/core's dist typings: build first).
    const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('a TypeBox schema is a model at run time: named by its title, validated, read back', async () => {
    const spec = new SpecStar();
    const Character = Type.Object({ name: Type.String(), level: Type.Number() }, { title: 'Character' });
    const characters = spec.addModel(Character);
    expect(spec.getResourceManager('character')).toBe(characters);
    expect(spec.getResourceManager(Character)).toBe(characters);
    const { resource_id } = await characters.create({ name: 'Ayla', level: 3 }, { user: 'alice' });
    const level: number = (await characters.get(resource_id)).data.level;
    expect(level).toBe(3);
    // @ts-expect-error level is a number: what this line checks is the run-time validation of untyped input
    await expect(characters.create({ name: 'Brom', level: 'high' }, { user: 'alice' })).rejects.toBeInstanceOf(ValidationError);
  });
});
