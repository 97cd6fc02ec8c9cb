// Master data HQ owns, pulled by store nodes in pages: HQ reads each table in key order behind an
// opaque cursor; a store upserts a page in one transaction. A store node never edits these rows
// itself (prices included): the next pull overwrites any local change with HQ's.
import { sql } from 'kysely';
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import type { Db } from '../platform/db/index';

/** HQ-owned tables, parents before children, with their primary keys. */
export const PULLED_TABLES: ReadonlyArray<{ table: string; key: readonly string[] }> = [
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
  // Personal data stays sealed as HQ sealed it; a store reads it only with the chain's key ring.
  { table: 'members', key: ['id'] },
  { table: 'settings', key: ['key'] },
];

/** Chain-wide settings a store takes from HQ (never node-local ones such as node_id). */
const PULLED_SETTINGS = ['checkout:%', 'members:%', 'returns:policy%'];

export interface PullPage {
  table: string;
  rows: Array<Record<string, unknown>>;
  /** Where the next page starts; null when every table has been read. */
  next: string | null;
}

interface Cursor {
  t: number;
  after: unknown[] | null;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor {
  if (!text) return { t: 0, after: null };
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (Number.isInteger(c.t) && c.t >= 0 && c.t < PULLED_TABLES.length && (c.after === null || Array.isArray(c.after))) return c;
  } catch {
    // falls through to the refusal below
  }
  throw new AppError('BAD_REQUEST', 'The pull cursor is not one HQ gave out; start again without a cursor.');
}

/**
 * One page of HQ's master data from `cursor` (none = the start), at most `limit` rows of one table.
 *
 * @example let page = await readPullPage(ctx, undefined, 1000); while (page.next) page = await readPullPage(ctx, page.next, 1000);
 */
export async function readPullPage(ctx: Ctx, cursor: string | undefined, limit: number): Promise<PullPage> {
  const c = decodeCursor(cursor);
  const spec = PULLED_TABLES[c.t] as (typeof PULLED_TABLES)[number];
  const keys = sql.join(spec.key.map((k) => sql.ref(k)));
  const after = c.after && c.after.length === spec.key.length ? sql`and (${keys}) > (${sql.join(c.after.map((v) => sql`${v}`))})` : sql``;
  const only = spec.table === 'settings' ? sql`and (${sql.join(PULLED_SETTINGS.map((p) => sql`key like ${p}`), sql` or `)})` : sql``;
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)} where 1 = 1 ${after} ${only} order by ${keys} limit ${limit}`.execute(ctx.db);
  const last = rows[rows.length - 1];
  const next = rows.length === limit && last ? encodeCursor({ t: c.t, after: spec.key.map((k) => last[k]) }) : c.t + 1 < PULLED_TABLES.length ? encodeCursor({ t: c.t + 1, after: null }) : null;
  return { table: spec.table, rows, next };
}

/** Upserts one pulled page at a store node, in one transaction. */
export async function applyPullPage(db: Db, kind: 'sqlite' | 'postgres', page: PullPage): Promise<void> {
  const spec = PULLED_TABLES.find((s) => s.table === page.table);
  if (!spec) throw new AppError('BAD_REQUEST', `HQ sent rows of ${page.table}, which is not master data.`);
  const first = page.rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const updates = columns.filter((c) => !spec.key.includes(c));
  const per = Math.max(1, Math.floor(5000 / columns.length));
  await db.transaction().execute(async (tx) => {
    // A category's parent may sit on a later page: foreign keys are checked at commit.
    if (kind === 'sqlite') await sql`pragma defer_foreign_keys = on`.execute(tx);
    for (let i = 0; i < page.rows.length; i += per) {
      const values = page.rows.slice(i, i + per).map((r) => sql`(${sql.join(columns.map((c) => sql`${r[c] ?? null}`))})`);
      const set = updates.length ? sql`do update set ${sql.join(updates.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}` : sql`do nothing`;
      await sql`insert into ${sql.table(page.table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(values)} on conflict (${sql.join(spec.key.map((k) => sql.ref(k)))}) ${set}`.execute(tx);
    }
  });
}
