// Incremental pull: every write to a table HQ hands to its stores (insert, update, delete) marks
// the row's key in `sync_changes`, by database triggers on SQLite and PostgreSQL alike, so no
// writer can forget it. Marked rows are numbered later, in one serialised step (src/sync/changes.ts).
import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

/** The tables pulled by store nodes when this migration was written, with their primary keys. */
const TRACKED: ReadonlyArray<{ table: string; key: readonly string[] }> = [
  { table: 'regions', key: ['id'] },
  { table: 'stores', key: ['id'] },
  { table: 'terminals', key: ['store_id', 'id'] },
  { table: 'users', key: ['id'] },
  { table: 'user_roles', key: ['user_id', 'role', 'scope_kind', 'scope_ref'] },
  { table: 'categories', key: ['id'] },
  { table: 'skus', key: ['id'] },
  { table: 'sku_barcodes', key: ['barcode'] },
  { table: 'bundle_components', key: ['bundle_id', 'component_id'] },
  { table: 'store_prices', key: ['store_id', 'sku_id'] },
  { table: 'promotions', key: ['id'] },
  { table: 'members', key: ['id'] },
  { table: 'settings', key: ['key'] },
];

/**
 * Creates the triggers that mark each written row of `table` in sync_changes (a later migration
 * adding a pulled table calls this too). A row's key is a JSON array of its key columns; an
 * update that changes the key marks the old key as well (it is gone at HQ), a delete marks it.
 *
 * @example await trackChanges(db, 'skus', ['id'])
 */
export async function trackChanges(db: Kysely<unknown>, table: string, key: readonly string[]): Promise<void> {
  const isSqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const mark = (row: 'new' | 'old') =>
    isSqlite
      ? `insert into sync_changes (table_name, row_key, change_no) values ('${table}', json_array(${key.map((k) => `${row}."${k}"`).join(', ')}), null) on conflict (table_name, row_key) do update set change_no = null;`
      : `insert into sync_changes (table_name, row_key, change_no) values ('${table}', jsonb_build_array(${key.map((k) => `${row.toUpperCase()}."${k}"`).join(', ')})::text, null) on conflict (table_name, row_key) do update set change_no = null;`;
  const keyChanged = key.map((k) => (isSqlite ? `old."${k}" is not new."${k}"` : `OLD."${k}" is distinct from NEW."${k}"`)).join(' or ');
  if (isSqlite) {
    await sql.raw(`create trigger ${table}_changes_ins after insert on ${table} begin ${mark('new')} end`).execute(db);
    await sql.raw(`create trigger ${table}_changes_upd after update on ${table} begin ${mark('new')} end`).execute(db);
    await sql.raw(`create trigger ${table}_changes_rekey after update on ${table} when ${keyChanged} begin ${mark('old')} end`).execute(db);
    await sql.raw(`create trigger ${table}_changes_del after delete on ${table} begin ${mark('old')} end`).execute(db);
    return;
  }
  await sql
    .raw(
      `create or replace function ${table}_changes() returns trigger language plpgsql as $$
begin
  if TG_OP = 'DELETE' or (TG_OP = 'UPDATE' and (${keyChanged})) then ${mark('old')} end if;
  if TG_OP <> 'DELETE' then ${mark('new')} end if;
  return null;
end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger ${table}_changes after insert or update or delete on ${table} for each row execute function ${table}_changes()`).execute(db);
}

/** Rows already in `table` count as changed once, so a node's first incremental read sees them. */
export async function markExistingRows(db: Kysely<unknown>, table: string, key: readonly string[]): Promise<void> {
  const isSqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const cols = key.map((k) => `"${k}"`).join(', ');
  await sql.raw(`insert into sync_changes (table_name, row_key, change_no) select '${table}', ${isSqlite ? `json_array(${cols})` : `jsonb_build_array(${cols})::text`}, null from ${table}`).execute(db);
}

/** Drops the triggers trackChanges made on `table`. */
export async function untrackChanges(db: Kysely<unknown>, table: string): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) for (const t of ['ins', 'upd', 'rekey', 'del']) await sql.raw(`drop trigger if exists ${table}_changes_${t}`).execute(db);
  else await sql.raw(`drop function if exists ${table}_changes() cascade`).execute(db);
}

export const syncChanges0020: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per key ever written: change_no is null until numbered, and set back to null by the
    // next write, so the log holds each row once, at its latest change.
    await db.schema
      .createTable('sync_changes')
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .addColumn('change_no', 'bigint')
      .addPrimaryKeyConstraint('sync_changes_pk', ['table_name', 'row_key'])
      .execute();
    await db.schema.createIndex('sync_changes_no_idx').on('sync_changes').column('change_no').execute();
    for (const { table, key } of TRACKED) {
      await trackChanges(db, table, key);
      await markExistingRows(db, table, key);
    }
    // HQ: the last change number each node applied (how far behind it is).
    await db.schema.alterTable('sync_nodes').addColumn('pulled_change_no', 'bigint').execute();
    // Store node: where its next pull starts (HQ's opaque cursor) and the change numbers it reached.
    await db.schema.alterTable('sync_state').addColumn('pull_cursor', 'text').execute();
    await db.schema.alterTable('sync_state').addColumn('pulled_change_no', 'bigint').execute();
    await db.schema.alterTable('sync_state').addColumn('hq_change_no', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const { table } of TRACKED) await untrackChanges(db, table);
    for (const c of ['hq_change_no', 'pulled_change_no', 'pull_cursor']) await db.schema.alterTable('sync_state').dropColumn(c).execute();
    await db.schema.alterTable('sync_nodes').dropColumn('pulled_change_no').execute();
    await db.schema.dropTable('sync_changes').execute();
  },
};
