// HQ's change log for the incremental pull. Triggers (migration 0020) mark each written row of a
// pulled table with a null change number; numbering happens here, in one serialised step, so the
// numbers that are visible always form a prefix: a store that read up to N never misses a row
// committed later with a number at or below N.
import { sql, SqliteAdapter } from 'kysely';
import { takeFromSequence } from '../platform/sequence';
import type { Db } from '../platform/db/index';

const SEQUENCE = 'sync:changes';
const CHUNK = 5000;

export interface ChangeEntry {
  table: string;
  /** The row's primary-key values, in the table's key order. */
  key: unknown[];
  changeNo: number;
}

function isSqlite(db: Db): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** HQ's latest numbered change (0 before any). */
export async function headChangeNo(db: Db): Promise<number> {
  const row = await db.selectFrom('sequences').select('last_value').where('name', '=', SEQUENCE).executeTakeFirst();
  return row?.last_value ?? 0;
}

/**
 * Numbers every marked row, parents' tables first (in `tableOrder`), and returns the latest
 * number. Runs in its own transaction: the sequence row's lock is held to commit, so two
 * numberings never interleave; rows a writer holds are skipped (they are marked again when it
 * commits and numbered next time), so numbering never waits on, or deadlocks with, a writer.
 *
 * @example const head = await numberChanges(ctx.db, PULLED_TABLES.map((t) => t.table))
 */
export async function numberChanges(db: Db, tableOrder: readonly string[]): Promise<number> {
  const rank = sql<number>`case table_name ${sql.join(tableOrder.map((t, i) => sql`when ${sql.lit(t)} then ${sql.lit(i)}`), sql` `)} else ${sql.lit(tableOrder.length)} end`;
  return db.transaction().execute(async (tx) => {
    for (;;) {
      let pending = tx.selectFrom('sync_changes').select(['table_name', 'row_key']).where('change_no', 'is', null).orderBy(rank).orderBy('row_key').limit(CHUNK);
      if (!isSqlite(db)) pending = pending.forUpdate().skipLocked();
      const rows = await pending.execute();
      if (rows.length === 0) break;
      const numbers = await takeFromSequence(tx, SEQUENCE, rows.length);
      const values = rows.map((r, i) => sql`(${r.table_name}, ${r.row_key}, cast(${numbers[i]} as bigint))`);
      await sql`with v(t, k, n) as (values ${sql.join(values)}) update sync_changes set change_no = v.n from v where sync_changes.table_name = v.t and sync_changes.row_key = v.k`.execute(tx);
      if (rows.length < CHUNK) break;
    }
    return headChangeNo(tx);
  });
}

/** The next `limit` changes after `afterNo` (of `table` only, when given), in change order. */
export async function changesAfter(db: Db, afterNo: number, limit: number, table?: string): Promise<ChangeEntry[]> {
  let q = db.selectFrom('sync_changes').select(['table_name', 'row_key', 'change_no']).where('change_no', '>', afterNo);
  if (table) q = q.where('table_name', '=', table);
  const rows = await q.orderBy('change_no').limit(limit).execute();
  return rows.map((r) => ({ table: r.table_name, key: JSON.parse(r.row_key) as unknown[], changeNo: Number(r.change_no) }));
}

/** How many rows changed after `afterNo` (what a node at that number has still to pull). */
export async function changesBehind(db: Db, afterNo: number): Promise<number> {
  const row = await db.selectFrom('sync_changes').select((eb) => eb.fn.countAll<number>().as('n')).where('change_no', '>', afterNo).executeTakeFirstOrThrow();
  return Number(row.n);
}
