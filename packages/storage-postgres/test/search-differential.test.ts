import { isWellFormedText, runSearchDifferential } from '@specstar/testkit';
import { PostgresMetaStore, parseDsn, tableNames, type Sql } from '../src';
import { openPool } from '../src/connection';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

// Differential test: random metas × random queries, the PostgreSQL push-down against core's
// normative evaluator; the generator and comparison live in @specstar/testkit.

// More rounds or another seed for a deeper run: SPECSTAR_DIFF_ROUNDS=500 SPECSTAR_DIFF_SEED=7.
const ROUNDS = Number(process.env['SPECSTAR_DIFF_ROUNDS'] ?? 20);
const SEED = Number(process.env['SPECSTAR_DIFF_SEED'] ?? 1000);
const QUERIES_PER_ROUND = 120;

let db: TestDatabase;
let sql: Sql;

describePg('PostgresMetaStore search matches the normative evaluator', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = openPool({ dsn: db.dsn, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it(`on ${ROUNDS} random datasets × ${QUERIES_PER_ROUND} random queries`, async () => {
    await runSearchDifferential({
      expect,
      rounds: ROUNDS,
      seed: SEED,
      queriesPerRound: QUERIES_PER_ROUND,
      // PostgreSQL refuses NUL and unpaired surrogates in stored text; operands may still hold them.
      storableText: (text) => isWellFormedText(text) && !text.includes('\u0000'),
      // A driver error never matches the evaluator; its message says what SQL went wrong.
      keepMessage: (error) => error.constructor.name === 'PostgresError',
      openStore: (round) => new PostgresMetaStore(sql, { target: parseDsn(db.dsn), names: tableNames(`d${round}_`, 'item') }),
    });
  }, 120_000);
});
