// Bulk inserts on PostgreSQL as one array per column: `insert … select * from unnest(…)` is a
// statement of a few parameters however many rows, where a multi-row VALUES list has rows ×
// columns parameters that the server parses and plans every time (and a 65,535 limit).
import { PostgresAdapter, sql } from 'kysely';
import type { Database, Db } from './index';

/** A column's values, in row order; `int8` values are numbers (a null is allowed in either type). */
export interface ColumnValues {
  name: string;
  type: 'text' | 'int8';
  values: readonly unknown[];
}

/** Whether `db` (or a transaction of it) is on PostgreSQL. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Inserts the rows the columns hold into `table`, on PostgreSQL, in one statement.
 *
 * @example await insertColumns(db, 'sales', [{ name: 'id', type: 'text', values: ids }, { name: 'total_fen', type: 'int8', values: totals }])
 */
export async function insertColumns(db: Db, table: keyof Database & string, columns: readonly ColumnValues[]): Promise<void> {
  const arrays = columns.map((c) => sql`${c.values}::${sql.raw(c.type)}[]`);
  await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c.name)))}) select * from unnest(${sql.join(arrays)})`.execute(db);
}
