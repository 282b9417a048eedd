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

module.exports = { CharacterSchema, payload };
