const { SpecStar } = require('@specstar/core');
const schema = { title: 'C', type: 'object', properties: { name: {type:'string'}, level: {type:'integer', default: 1}, guild:{type:'string'}, tags:{type:'array', items:{type:'string'}}, stats:{type:'object', properties:{str:{type:'integer'},dex:{type:'integer'}}} }, required:['name'] };
const payload = (i) => ({ name: 'h' + i, level: i % 100, guild: 'g' + (i % 50), tags: ['a', 'b'], stats: { str: 1, dex: 2 } });
(async () => {
  const rm = new SpecStar().addModel(schema, { indexedFields: ['level', 'guild'] });
  const ctx = { user: 'u', now: new Date(0) };
  for (let i = 0; i < 200000; i++) await rm.create(payload(i), ctx);
})();
