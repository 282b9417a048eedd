import Database from 'better-sqlite3';
import { isWellFormedText, runSearchDifferential } from '@specstar/testkit';
import { SqliteMetaStore } from '../src/meta-store';

// Differential test: random metas × random queries, the SQL push-down (searchSync / countSync)
// against core's normative evaluator; the generator and comparison live in @specstar/testkit.

// More rounds or another seed for a deeper run: SPECSTAR_DIFF_ROUNDS=2000 SPECSTAR_DIFF_SEED=7.
const ROUNDS = Number(process.env['SPECSTAR_DIFF_ROUNDS'] ?? 40);
const SEED = Number(process.env['SPECSTAR_DIFF_SEED'] ?? 1000);
const QUERIES_PER_ROUND = 150;

describe('SqliteMetaStore search matches the normative evaluator', () => {
  it(`on ${ROUNDS} random datasets × ${QUERIES_PER_ROUND} random queries`, async () => {
    await runSearchDifferential({
      expect,
      rounds: ROUNDS,
      seed: SEED,
      queriesPerRound: QUERIES_PER_ROUND,
      // SQLite keeps NUL, but turns an unpaired surrogate into U+FFFD in what SQL compares and sorts.
      storableText: isWellFormedText,
      openStore: () => {
        const db = new Database(':memory:');
        const store = new SqliteMetaStore(db);
        return {
          putMany: (metas) => store.putMany(metas),
          values: () => store.values(),
          search: (query) => store.searchSync(query),
          count: (query) => store.countSync(query),
          close: () => db.close(),
        };
      },
    });
  });
});
