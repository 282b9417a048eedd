const { SpecStar, createDataCodec, dataHash, compileModel, extractIndexedData } = require('@specstar/core');
const { randomUUID } = require('crypto');
const schema = { title: 'C', type: 'object', properties: { name: {type:'string'}, level: {type:'integer', default: 1}, guild:{type:'string'}, tags:{type:'array', items:{type:'string'}}, stats:{type:'object', properties:{str:{type:'integer'},dex:{type:'integer'}}} }, required:['name'] };
const payload = (i) => ({ name: 'h' + i, level: i % 100, guild: 'g' + (i % 50), tags: ['a', 'b'], stats: { str: 1, dex: 2 } });
const N = 200000;
function t(label, fn) { for (let i = 0; i < 20000; i++) fn(i); const s = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(i); console.log(label.padEnd(28), (Number(process.hrtime.bigint() - s) / N).toFixed(0), 'ns'); }
const model = compileModel(schema); const codec = createDataCodec('json', schema);
t('payload()', (i) => payload(i));
t('prepare', (i) => model.prepare(payload(i)));
t('encode', (i) => codec.encode(payload(i)));
t('JSON.stringify+Buffer', (i) => Buffer.from(JSON.stringify(payload(i))));
const b = codec.encode(payload(1));
t('dataHash', () => dataHash(b));
t('randomUUID', () => randomUUID());
t('extractIndexed', (i) => extractIndexedData(payload(i), [{field_path:'level'},{field_path:'guild'}], model));
t('decode', () => codec.decode(b));
t('JSON.parse', () => JSON.parse(b.toString()));
(async () => {
  const rm = new SpecStar().addModel(schema, { indexedFields: ['level', 'guild'] });
  const ctx = { user: 'u', now: new Date(0) };
  let s = process.hrtime.bigint(); for (let i = 0; i < 100000; i++) await rm.create(payload(i), ctx); console.log('create', (Number(process.hrtime.bigint() - s) / 100000).toFixed(0), 'ns');
  const m = new Map(); s = process.hrtime.bigint(); for (let i = 0; i < 100000; i++) await (async () => { const x = Buffer.from(JSON.stringify(payload(i))); JSON.parse(x.toString()); m.set('k' + i, x); })(); console.log('raw create', (Number(process.hrtime.bigint() - s) / 100000).toFixed(0), 'ns');
})();
