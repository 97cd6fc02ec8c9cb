// Master data HQ owns, pulled by store nodes in pages behind an opaque cursor: a node's first pull
// reads each table in key order, later ones only the rows changed since (changes.ts); a store
// applies a page and keeps the cursor in one transaction. A store node never edits these rows
// itself (prices included): the next pull overwrites any local change with HQ's.
import { sql } from 'kysely';
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import type { Db, Tx } from '../platform/db/index';
import { changesAfter, numberChanges } from './changes';

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
  // Coupons bought with points are usable at every store of the chain.
  { table: 'member_coupons', key: ['id'] },
  { table: 'settings', key: ['key'] },
];

/**
 * Chain-wide settings a store takes from HQ (never node-local ones such as node_id). Store price
 * overrides are not master data: they live in store_price_overrides, which is never pulled, so a
 * pull cannot overwrite one; HQ's policy on them and its revocations come as these settings.
 */
const PULLED_SETTINGS = ['checkout:%', 'members:%', 'returns:policy%', 'catalog:price-override%'];

const pulledSetting = (key: unknown) => typeof key === 'string' && PULLED_SETTINGS.some((p) => key.startsWith(p.slice(0, -1)));

export interface PulledTable {
  table: string;
  /** Rows to insert or update, as HQ has them now. */
  rows: Array<Record<string, unknown>>;
  /** Keys (values in the table's key order) of rows HQ no longer has. */
  deleted: unknown[][];
}

export interface PullPage {
  /** Parents' tables first. */
  tables: PulledTable[];
  /** Where the next pull starts (opaque): the store keeps it, even after the last page. */
  next: string;
  /** Whether another page waits now. */
  more: boolean;
  /** The HQ change number this page brings the store to (0 while its first full read runs). */
  changeNo: number;
  /** HQ's latest change number. */
  headChangeNo: number;
}

/** A first read of every table in key order (then the changes made since it began), or changes after `c`. */
type Cursor = { scan: { t: number; after: unknown[] | null }; from: number } | { c: number };

/** The opaque text of a cursor (the inbound feed's too: `{ c }`, a change number). */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<{ c: number; from: number; scan: { t: number; after: unknown[] | null } }>;
    if (Number.isSafeInteger(c.c) && (c.c ?? -1) >= 0) return { c: c.c as number };
    const s = c.scan;
    if (s && Number.isInteger(s.t) && s.t >= 0 && s.t < PULLED_TABLES.length && (s.after === null || Array.isArray(s.after)) && Number.isSafeInteger(c.from)) return { scan: s, from: c.from as number };
  } catch {
    // falls through to the refusal below
  }
  throw new AppError('BAD_REQUEST', 'The pull cursor is not one HQ gave out; start again without a cursor.');
}

const tableOrder = () => PULLED_TABLES.map((t) => t.table);
const keyOf = (spec: (typeof PULLED_TABLES)[number], row: Record<string, unknown>) => JSON.stringify(spec.key.map((k) => row[k]));

/**
 * One page of HQ's master data after `cursor`. Without a cursor (a node's first pull) every table
 * is read in key order, then the changes made since that read began; with one, only the rows
 * changed after it (deleted ones by key), at most `limit` per page, in change order.
 *
 * @example let page = await readPullPage(ctx, undefined, 1000); while (page.more) page = await readPullPage(ctx, page.next, 1000);
 */
export async function readPullPage(ctx: Ctx, cursor: string | undefined, limit: number): Promise<PullPage> {
  // Numbering first: what this page reads is then a prefix of every change committed so far.
  const headChangeNo = await numberChanges(ctx.db, tableOrder());
  const c: Cursor = cursor ? decodeCursor(cursor) : { scan: { t: 0, after: null }, from: headChangeNo };
  return 'c' in c ? readChanges(ctx, c.c, limit, headChangeNo) : readScan(ctx, c, limit, headChangeNo);
}

async function readScan(ctx: Ctx, c: Extract<Cursor, { scan: unknown }>, limit: number, headChangeNo: number): Promise<PullPage> {
  const spec = PULLED_TABLES[c.scan.t] as (typeof PULLED_TABLES)[number];
  const keys = sql.join(spec.key.map((k) => sql.ref(k)));
  const after = c.scan.after && c.scan.after.length === spec.key.length ? sql`and (${keys}) > (${sql.join(c.scan.after.map((v) => sql`${v}`))})` : sql``;
  const only = spec.table === 'settings' ? sql`and (${sql.join(PULLED_SETTINGS.map((p) => sql`key like ${p}`), sql` or `)})` : sql``;
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)} where 1 = 1 ${after} ${only} order by ${keys} limit ${limit}`.execute(ctx.db);
  const last = rows[rows.length - 1];
  const next: Cursor =
    rows.length === limit && last ? { scan: { t: c.scan.t, after: spec.key.map((k) => last[k]) }, from: c.from } : c.scan.t + 1 < PULLED_TABLES.length ? { scan: { t: c.scan.t + 1, after: null }, from: c.from } : { c: c.from };
  // The last scan page still says "more": the changes made while the scan ran come next.
  return { tables: [{ table: spec.table, rows, deleted: [] }], next: encodeCursor(next), more: true, changeNo: 0, headChangeNo };
}

async function readChanges(ctx: Ctx, afterNo: number, limit: number, headChangeNo: number): Promise<PullPage> {
  const entries = await changesAfter(ctx.db, afterNo, limit);
  const tables: PulledTable[] = [];
  for (const spec of PULLED_TABLES) {
    const wanted = entries.filter((e) => e.table === spec.table && e.key.length === spec.key.length && (spec.table !== 'settings' || pulledSetting(e.key[0])));
    if (wanted.length === 0) continue;
    const rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < wanted.length; i += 1000) {
      const tuples = wanted.slice(i, i + 1000).map((e) => sql`(${sql.join(e.key.map((v) => sql`${v}`))})`);
      const { rows: found } = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)} where (${sql.join(spec.key.map((k) => sql.ref(k)))}) in (${sql.join(tuples)})`.execute(ctx.db);
      rows.push(...found);
    }
    const present = new Set(rows.map((r) => keyOf(spec, r)));
    tables.push({ table: spec.table, rows, deleted: wanted.map((e) => e.key).filter((k) => !present.has(JSON.stringify(k))) });
  }
  const changeNo = entries[entries.length - 1]?.changeNo ?? afterNo;
  return { tables, next: encodeCursor({ c: changeNo }), more: entries.length === limit, changeNo, headChangeNo };
}

/**
 * Applies one pulled page at a store node in one transaction: upserts parents first, deletes
 * children first, then `persist` (the cursor), so a pull cut off between pages resumes after the
 * last page applied, never skipping one.
 */
export async function applyPullPage(db: Db, kind: 'sqlite' | 'postgres', page: PullPage, persist?: (tx: Tx) => Promise<void>): Promise<void> {
  const specs = page.tables.map((t) => {
    const spec = PULLED_TABLES.find((s) => s.table === t.table);
    if (!spec) throw new AppError('BAD_REQUEST', `HQ sent rows of ${t.table}, which is not master data.`);
    return { spec, ...t };
  });
  await db.transaction().execute(async (tx) => {
    // A category's parent may sit later in the page: foreign keys are checked at commit.
    if (kind === 'sqlite') await sql`pragma defer_foreign_keys = on`.execute(tx);
    for (const { spec, rows } of specs) await upsertRows(tx, spec.table, spec.key, rows);
    for (const { spec, deleted } of [...specs].reverse()) {
      for (let i = 0; i < deleted.length; i += 1000) {
        const tuples = deleted.slice(i, i + 1000).map((k) => sql`(${sql.join(k.map((v) => sql`${v}`))})`);
        await sql`delete from ${sql.table(spec.table)} where (${sql.join(spec.key.map((k) => sql.ref(k)))}) in (${sql.join(tuples)})`.execute(tx);
      }
    }
    await persist?.(tx);
  });
}

/**
 * Writes rows as another node had them: inserted, or (`update`) overwriting the row with the same
 * key, or (`keep`) leaving it as it is. Every row carries the same columns.
 *
 * @example await upsertRows(tx, 'transfers', ['store_id', 'id'], [row], 'keep')
 */
export async function upsertRows(db: Db | Tx, table: string, key: readonly string[], rows: ReadonlyArray<Record<string, unknown>>, existing: 'update' | 'keep' = 'update'): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const updates = existing === 'update' ? columns.filter((c) => !key.includes(c)) : [];
  const per = Math.max(1, Math.floor(5000 / columns.length));
  const set = updates.length ? sql`do update set ${sql.join(updates.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}` : sql`do nothing`;
  for (let i = 0; i < rows.length; i += per) {
    const values = rows.slice(i, i + per).map((r) => sql`(${sql.join(columns.map((c) => sql`${r[c] ?? null}`))})`);
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(values)} on conflict (${sql.join(key.map((k) => sql.ref(k)))}) ${set}`.execute(db);
  }
}
