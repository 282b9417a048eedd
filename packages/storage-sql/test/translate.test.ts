import { QueryError, type DataSearchCondition, type DataSearchOperator, type ResourceMetaSearchQuery } from '@specstar/interfaces';
import { compileQuery } from '@specstar/core/adapter';
import { PostgresDialect, SqliteDialect, pendingEvaluationCount, translateCount, translateSearch } from '../src';

// The translator without a database: what each dialect hands its store. Row-level results are
// proven against the evaluator by the adapters' differential tests (storage-disk, storage-postgres).

const cond = (field_path: string, operator: DataSearchOperator, value: unknown): DataSearchCondition => ({
  type: 'DataSearchCondition',
  field_path,
  operator,
  value,
  transform: null,
});
const page = (conditions: DataSearchCondition[]): ResourceMetaSearchQuery => ({ conditions, limit: 10, offset: 0 });

describe('translateSearch', () => {
  it('binds every value: operands never enter the SQL text', () => {
    const query = page([cond('name', 'eq', "x'; DROP TABLE meta; --"), cond('resource_id', 'starts_with', 'g-')]);
    for (const dialect of [new SqliteDialect(), new PostgresDialect()]) {
      const sql = translateSearch(query, dialect);
      expect(sql.where).not.toContain('DROP');
      expect(sql.where).not.toContain('g-');
      expect(sql.exact).toBe(true);
    }
  });

  it('refuses a malformed query with the evaluator’s own QueryError, before binding anything', () => {
    const query = page([cond('level', 'bogus' as DataSearchOperator, 1)]);
    const expected = (() => {
      try {
        compileQuery(query);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(expected).toBeInstanceOf(QueryError);
    expect(() => translateSearch(query, new SqliteDialect())).toThrow((expected as Error).message);
    expect(() => translateCount(query, new PostgresDialect())).toThrow((expected as Error).message);
  });

  it('a regex is exact on SQLite (evaluated inside SQL) and a superset finished in code on PostgreSQL', () => {
    const query = page([cond('name', 'regex', '^a.*z$')]);
    const sqlite = translateSearch(query, new SqliteDialect());
    expect(sqlite.exact).toBe(true);
    expect(sqlite.where).toContain('specstar_eval(');
    expect(pendingEvaluationCount()).toBe(1);
    sqlite.dialect.release();
    expect(pendingEvaluationCount()).toBe(0);

    const postgres = translateSearch(query, new PostgresDialect());
    expect(postgres.exact).toBe(false);
    expect(postgres.orderBy).toBe(''); // sorted by the evaluator after it filters
  });

  it('PostgreSQL numbers its placeholders in order of appearance, keeping only the values used', () => {
    const sql = translateSearch(page([cond('level', 'gt', 3), cond('name', 'eq', 'n1')]), new PostgresDialect());
    const { text, values } = sql.dialect.params.finalize(`SELECT m.record FROM meta m WHERE ${sql.where} ORDER BY ${sql.orderBy}`);
    const numbers = [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...numbers)).toBe(values.length);
    expect(new Set(numbers).size).toBe(values.length);
  });

  it('SQLite refuses a query over its bound-value limit and frees what it registered', () => {
    const many = Array.from({ length: 17_000 }, (_, i) => cond('name', 'starts_with', `n${i}`)); // two values each, and an evaluator handle
    expect(() => translateSearch(page(many), new SqliteDialect())).toThrow(/too large/);
    expect(pendingEvaluationCount()).toBe(0);
  });

  it('counts ignore sorts and paging', () => {
    const query: ResourceMetaSearchQuery = { ...page([cond('level', 'eq', 1)]), sorts: [{ type: 'data', field_path: 'level', direction: '-' }], limit: 3, offset: 4 };
    for (const dialect of [new SqliteDialect(), new PostgresDialect()]) {
      const sql = translateCount(query, dialect);
      expect({ orderBy: sql.orderBy, limit: sql.limit, offset: sql.offset }).toEqual({ orderBy: '', limit: 0, offset: 0 });
    }
  });
});
