// The model and payloads every benchmark uses, so their figures describe the same workload.
'use strict';

const CharacterSchema = {
  title: 'Character',
  type: 'object',
  properties: {
    name: { type: 'string' },
    level: { type: 'integer', default: 1 },
    guild: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    stats: { type: 'object', properties: { str: { type: 'integer' }, dex: { type: 'integer' } } },
  },
  required: ['name'],
};

/** A character payload; `bump` shifts the level so an update really changes the data. */
const payload = (i, bump = 0) => ({
  name: `hero-${i}`,
  level: (i + bump) % 100,
  guild: `guild-${i % 50}`,
  tags: ['warrior', i % 2 ? 'odd' : 'even'],
  stats: { str: i % 20, dex: i % 17 },
});

const searchId = (i) => `character:${String(i).padStart(8, '0')}`;

/**
 * Resources [start, end) of the search benchmarks, as the metas our side bulk-saves and the
 * rows the raw side inserts (id, level and the JSON record it returns), so both hold the same.
 */
function searchBatch(start, end, now) {
  const metas = [];
  const rows = [];
  for (let i = start; i < end; i++) {
    const { level, guild } = payload(i);
    const id = searchId(i);
    metas.push({
      current_revision_id: `${id}:1`,
      resource_id: id,
      schema_version: null,
      total_revision_count: 1,
      created_time: now,
      updated_time: now,
      created_by: 'bench',
      updated_by: 'bench',
      is_deleted: false,
      indexed_data: { level, guild },
    });
    rows.push({ i, id, level, record: JSON.stringify({ id, level, guild }) });
  }
  return { metas, rows };
}

module.exports = { CharacterSchema, payload, searchBatch };
