// Transfers between store nodes: HQ hands each store node, by change number, the transfers
// addressed to its store and the news that one it sent was received; the node keeps them beside its
// own documents without pushing them again (no outbox), and never takes one back into transit.
import type { Selectable } from 'kysely';
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import type { Db, Tx } from '../platform/db/index';
import type { TransferLinesTable, TransfersTable } from '../platform/db/schema';
import { changesAfter, numberChanges } from './changes';
import { decodeCursor, encodeCursor, PULLED_TABLES, upsertRows } from './pull';

export interface InboundTransfer {
  transfer: Selectable<TransfersTable>;
  lines: Array<Selectable<TransferLinesTable>>;
}

export interface InboundPage {
  /** Transfers to the store (in transit or received) and received transfers from it, as HQ has them now. */
  transfers: InboundTransfer[];
  /** Where the next read starts (opaque): the store keeps it, even after the last page. */
  next: string;
  /** Whether another page waits now. */
  more: boolean;
}

/**
 * One page of the transfers store `storeId` has to learn of, changed at HQ after `cursor` (from
 * the first change without one): those addressed to it, in whatever state, and those it sent that
 * were received. Other stores' transfers are read past, never returned.
 *
 * @example let page = await readInboundPage(ctx, node.storeId, undefined, 500); while (page.more) page = await readInboundPage(ctx, node.storeId, page.next, 500);
 */
export async function readInboundPage(ctx: Ctx, storeId: string, cursor: string | undefined, limit: number): Promise<InboundPage> {
  // Numbering first: the numbers visible now are a prefix, so nothing at or below `head` comes later.
  const head = await numberChanges(ctx.db, PULLED_TABLES.map((t) => t.table));
  const from = cursor ? decodeCursor(cursor) : { c: 0 };
  if (!('c' in from)) throw new AppError('BAD_REQUEST', 'The inbound cursor is not one HQ gave out; start again without a cursor.');
  const marks = await changesAfter(ctx.db, from.c, limit, 'transfers');
  const more = marks.length === limit;
  const last = marks[marks.length - 1]?.changeNo ?? from.c;
  // Past the last page the cursor moves to the head, so the next read skips the master data's changes.
  const next = more ? last : Math.max(last, head);
  const ids = [...new Set(marks.map((m) => String(m.key[1])))];
  return { transfers: ids.length ? await transfersFor(ctx.db, storeId, ids) : [], next: encodeCursor({ c: next }), more };
}

async function transfersFor(db: Db, storeId: string, ids: string[]): Promise<InboundTransfer[]> {
  const headers = await db
    .selectFrom('transfers')
    .selectAll()
    .where('id', 'in', ids)
    .where((eb) => eb.or([eb('to_store_id', '=', storeId), eb.and([eb('store_id', '=', storeId), eb('status', '=', 'received')])]))
    .orderBy('sent_at')
    .orderBy('id')
    .execute();
  if (headers.length === 0) return [];
  const lines = await db
    .selectFrom('transfer_lines')
    .selectAll()
    .where('transfer_id', 'in', headers.map((h) => h.id))
    .orderBy('transfer_id')
    .orderBy('line_no')
    .execute();
  return headers.map((transfer) => ({ transfer, lines: lines.filter((l) => l.store_id === transfer.store_id && l.transfer_id === transfer.id) }));
}

/**
 * Applies one inbound page at store node `storeId` in one transaction with `persist` (its cursor):
 * a transfer it lacks is added as HQ has it; one it has in transit takes HQ's received state and
 * quantities; one it has received already stays as it is (so it can never be received twice, nor
 * go back in transit). Nothing enters the outbox. Returns the transfers added or updated.
 */
export async function applyInboundPage(db: Db, storeId: string, page: InboundPage, persist: (tx: Tx) => Promise<void>): Promise<number> {
  const foreign = page.transfers.find(({ transfer: t }) => t.to_store_id !== storeId && t.store_id !== storeId);
  if (foreign) throw new AppError('SYNC_WRONG_STORE', `HQ sent transfer ${foreign.transfer.transfer_no}, which neither comes from nor goes to this store: nothing from the page was applied.`, { status: 502 });
  return db.transaction().execute(async (tx) => {
    const ids = page.transfers.map((d) => d.transfer.id);
    const known = new Set(ids.length ? (await tx.selectFrom('transfers').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
    const added = page.transfers.filter((d) => !known.has(d.transfer.id));
    await upsertRows(tx, 'transfers', ['store_id', 'id'], added.map((d) => d.transfer), 'keep');
    await upsertRows(tx, 'transfer_lines', ['store_id', 'transfer_id', 'line_no'], added.flatMap((d) => d.lines), 'keep');
    let updated = 0;
    for (const { transfer: t, lines } of page.transfers.filter((d) => known.has(d.transfer.id) && d.transfer.status === 'received')) {
      const claimed = await tx.updateTable('transfers').set({ status: t.status, received_by: t.received_by, received_at: t.received_at }).where('store_id', '=', t.store_id).where('id', '=', t.id).where('status', '=', 'in_transit').executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      for (const l of lines) await tx.updateTable('transfer_lines').set({ qty_received: l.qty_received }).where('store_id', '=', l.store_id).where('transfer_id', '=', l.transfer_id).where('line_no', '=', l.line_no).execute();
      updated += 1;
    }
    await persist(tx);
    return added.length + updated;
  });
}

/**
 * A store node's inbound read, page by page from where the last one stopped; each page is applied
 * together with the cursor after it. `get` makes the signed call to HQ. Returns the transfers added or updated.
 */
export async function pullInbound(ctx: Ctx, storeId: string, pageSize: number, get: (path: string) => Promise<InboundPage>): Promise<number> {
  const state = await ctx.db.selectFrom('sync_state').select('inbound_cursor').where('node_id', '=', ctx.nodeId).executeTakeFirstOrThrow();
  let cursor = state.inbound_cursor;
  let applied = 0;
  for (let more = true; more; ) {
    const page = await get(`/api/v1/sync/inbound?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
    applied += await applyInboundPage(ctx.db, storeId, page, async (tx) => {
      await tx.updateTable('sync_state').set({ inbound_cursor: page.next }).where('node_id', '=', ctx.nodeId).execute();
    });
    cursor = page.next;
    more = page.more;
  }
  return applied;
}
