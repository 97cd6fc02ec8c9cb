// Reads tables, primary keys and foreign keys from either dialect, and checks the Citus rule:
// a store-scoped table (one with store_id) has store_id in its primary key and in every foreign
// key to another store-scoped table.
import { sql } from 'kysely';
import type { DbHandle } from './index';

export interface TableInfo {
  name: string;
  columns: string[];
  primaryKey: string[];
  foreignKeys: Array<{ columns: string[]; refTable: string; refColumns: string[] }>;
}

export async function introspect(handle: DbHandle): Promise<TableInfo[]> {
  return handle.kind === 'sqlite' ? introspectSqlite(handle) : introspectPostgres(handle);
}

async function introspectSqlite(handle: DbHandle): Promise<TableInfo[]> {
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(handle.db);
  const out: TableInfo[] = [];
  for (const { name } of tables.rows) {
    const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${name})`.execute(handle.db);
    const fks = await sql<{ id: number; seq: number; table: string; from: string; to: string }>`select id, seq, "table", "from", "to" from pragma_foreign_key_list(${name}) order by id, seq`.execute(handle.db);
    const byId = new Map<number, TableInfo['foreignKeys'][number]>();
    for (const fk of fks.rows) {
      const entry = byId.get(fk.id) ?? { columns: [], refTable: fk.table, refColumns: [] };
      entry.columns.push(fk.from);
      entry.refColumns.push(fk.to);
      byId.set(fk.id, entry);
    }
    out.push({
      name,
      columns: cols.rows.map((c) => c.name),
      primaryKey: cols.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      foreignKeys: [...byId.values()],
    });
  }
  return out;
}

async function introspectPostgres(handle: DbHandle): Promise<TableInfo[]> {
  const cols = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and table_name not like 'kysely_%'
    order by table_name, ordinal_position`.execute(handle.db);
  const cons = await sql<{ table_name: string; contype: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null }>`
    select c.conrelid::regclass::text as table_name, c.contype,
      array(select a.attname from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i)::text[] as columns,
      c.confrelid::regclass::text as ref_table,
      array(select a.attname from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i)::text[] as ref_columns
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = current_schema() and c.contype in ('p', 'f')`.execute(handle.db);
  const tables = new Map<string, TableInfo>();
  for (const c of cols.rows) {
    const t = tables.get(c.table_name) ?? { name: c.table_name, columns: [], primaryKey: [], foreignKeys: [] };
    t.columns.push(c.column_name);
    tables.set(c.table_name, t);
  }
  for (const c of cons.rows) {
    const t = tables.get(c.table_name);
    if (!t) continue;
    if (c.contype === 'p') t.primaryKey = c.columns;
    else t.foreignKeys.push({ columns: c.columns, refTable: c.ref_table ?? '', refColumns: c.ref_columns ?? [] });
  }
  return [...tables.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Every breach of the store-scoping rule, as sentences; empty when the schema obeys it. */
export function storeScopeViolations(tables: readonly TableInfo[]): string[] {
  const scoped = new Set(tables.filter((t) => t.columns.includes('store_id')).map((t) => t.name));
  const problems: string[] = [];
  for (const t of tables) {
    if (!scoped.has(t.name)) continue;
    if (!t.primaryKey.includes('store_id')) problems.push(`${t.name}: primary key (${t.primaryKey.join(', ')}) lacks store_id`);
    for (const fk of t.foreignKeys) {
      if (!scoped.has(fk.refTable)) continue;
      const i = fk.columns.indexOf('store_id');
      if (i < 0 || fk.refColumns[i] !== 'store_id') {
        problems.push(`${t.name}: foreign key (${fk.columns.join(', ')}) → ${fk.refTable} lacks store_id`);
      }
    }
  }
  return problems;
}
