/**
 * The pool as the stores run statements on it, with the server's outages typed: every statement,
 * transaction and failed rollback that fails because the server does not answer (refused, reset,
 * shut down — also long after startup) rejects with PostgresUnavailableError (503 over HTTP),
 * naming host, database and the tables it was reading or writing. Any other error (a constraint,
 * a refused expectation, a serialization failure) passes through as it is. postgres.js
 * reconnects on the next statement, so the storage works again once the server is back.
 */
import { outageError, type PostgresTarget, type Sql } from './connection';
import type { Exec } from './meta-store';

/** What the stores need of a pool; `reserve` and `options` are the pool's own. */
export interface Runner extends Exec {
  begin<T>(section: (tx: Exec) => Promise<T>): Promise<T>;
  reserve: Sql['reserve'];
  readonly options: Sql['options'];
}

const READING = /^\s*(SELECT|EXPLAIN)\b/i;

/** `tables`: what the stores use, for messages (`the table x_meta`). */
export function guardPool(sql: Sql, target: PostgresTarget, tables: string): Runner {
  const typed = (error: unknown, doing: string): unknown => outageError(error, target, `${doing} ${tables}`) ?? error;
  const guard = (exec: Exec): Exec => ({
    unsafe: (query, parameters, options) =>
      Promise.resolve(exec.unsafe(query, parameters, options)).catch((error: unknown) => {
        throw typed(error, READING.test(query) ? 'reading' : 'writing');
      }),
  });
  return {
    ...guard(sql),
    begin<T>(section: (tx: Exec) => Promise<T>): Promise<T> {
      // What the section throws is already typed (its statements run on a guarded tx) or is not
      // ours to type: a payload store's own ECONNREFUSED inside a meta commit stays its own.
      const thrown = new WeakSet<object>();
      const run = async (tx: Exec): Promise<T> => {
        try {
          return await section(guard(tx));
        } catch (error) {
          if (typeof error === 'object' && error !== null) thrown.add(error);
          throw error;
        }
      };
      // BEGIN, COMMIT and a ROLLBACK on a dead connection fail here, outside the section.
      return (sql.begin(run) as Promise<T>).catch((error: unknown) => {
        throw typeof error === 'object' && error !== null && thrown.has(error) ? error : typed(error, 'writing');
      });
    },
    reserve: () => sql.reserve(),
    options: sql.options,
  };
}
