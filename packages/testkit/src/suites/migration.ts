import { Schema, type ResourceManager, type SpecStar } from '@specstar/core';
import type { StoredRevision } from '@specstar/interfaces';
import { bytes, cond, makeInfo, makeMeta } from '../fixtures';
import { defineGroup } from '../types';

const PERSON_V1 = { type: 'object', properties: { name: { type: 'string' }, nick: { type: ['string', 'null'] } }, required: ['name'] };

/** `person` at v2, with a step from v1 that refuses the name 'Bad'. */
function personModel(spec: SpecStar): ResourceManager {
  const schema = new Schema(PERSON_V1, 'v2').step(
    'v1',
    (value) => {
      const person = value as { name: string };
      if (person.name === 'Bad') throw new Error('cannot migrate Bad');
      return { ...person, nick: person.name.toLowerCase() };
    },
    { source: PERSON_V1 },
  );
  return spec.addModel(schema, { name: 'person', indexedFields: ['name'] });
}

/** Stored as an older release of the app wrote them: every record at v1 ('Ada' with two revisions). */
async function seedV1(rm: ResourceManager): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, count] of [['Ada', 2], ['Bob', 1], ['Bad', 1]] as const) {
    const id = `person:${name.toLowerCase()}`;
    ids[name] = id;
    const revisions: StoredRevision[] = [];
    for (let n = 1; n <= count; n++) revisions.push({ info: makeInfo(id, n, { schema_version: 'v1' }), data: bytes(JSON.stringify({ name, nick: null })) });
    await rm.storage.saveRevisions(revisions);
    await rm.storage.saveMetas([makeMeta(id, count, { schema_version: 'v1', indexed_data: { name } })]);
  }
  return ids;
}

/** Bulk migration through the engine: it reads metas, searches and revision lists from the store under test. */
export const migrationCases = defineGroup('migration', [
  {
    name: 'migration: rm.migrateMany dry-runs, migrates a query, skips what is done and reports each failure without stopping',
    async run({ expect, engine }) {
      const { spec } = engine();
      const rm = personModel(spec);
      const ids = await seedV1(rm);
      const seen: Array<{ done: number; resources: number; status: string }> = [];
      const dry = await rm.migrateMany({ dryRun: true, onProgress: ({ done, resources, outcome }) => void seen.push({ done, resources, status: outcome.status }) });
      expect(dry).toEqual({ version: 'v2', dryRun: true, total: 3, success: 2, failed: 1, skipped: 0, errors: [{ resource_id: ids.Bad, revision_id: null, error: "Migration step from 'v1' to 'v2' failed: cannot migrate Bad" }] });
      expect(seen.map(({ done, resources }) => [done, resources])).toEqual([[1, 3], [2, 3], [3, 3]]);
      // A dry run writes nothing.
      for (const id of Object.values(ids)) expect((await rm.storage.getMeta(id))!.schema_version).toBe('v1');

      const good = await rm.migrateMany({ query: { conditions: [cond('name', 'ne', 'Bad')] } });
      expect(good).toMatchObject({ dryRun: false, total: 2, success: 2, failed: 0, skipped: 0 });
      expect((await rm.get(ids.Ada!)).data).toEqual({ name: 'Ada', nick: 'ada' });
      expect((await rm.storage.getMeta(ids.Ada!))!.schema_version).toBe('v2');

      // The re-run skips the two done, fails 'Bad' again and goes on; the older revision of 'Ada' migrates on request.
      const again = await rm.migrateMany();
      expect(again).toMatchObject({ total: 3, success: 0, failed: 1, skipped: 2 });
      const older = await rm.migrateMany({ resourceIds: [ids.Ada!], revisions: `${ids.Ada}:1` });
      expect(older).toMatchObject({ total: 1, success: 1 });
      expect(await rm.storage.listSchemaVersions(ids.Ada!, `${ids.Ada}:1`)).toEqual(['v1', 'v2']);
      const unknown = await rm.migrateMany({ resourceIds: ['person:nobody'] });
      expect(unknown).toMatchObject({ total: 1, failed: 1, errors: [{ resource_id: 'person:nobody' }] });
    },
  },
]);
