// The node's outbox: every document a node creates is appended here in the same transaction,
// with a gapless per-node sequence, so sync can send it and HQ can apply it exactly once.
import { AppError } from './errors';
import { newId } from './ids';
import { takeFromSequence } from './sequence';
import type { Ctx } from './context';

export interface OutboxEvent {
  /** e.g. 'sale.completed', 'return.created' */
  type: string;
  documentId: string;
  payload: unknown;
}

export interface AppendedEvent {
  eventId: string;
  seq: number;
}

/**
 * Appends an event to this node's outbox. Must run inside the business transaction (`ctx.db`
 * is a transaction), so the event exists exactly when the document does.
 *
 * The per-node sequence is gapless (see takeFromSequence).
 *
 * @example await appendOutbox(ctx, { type: 'sale.completed', documentId: sale.id, payload: sale })
 */
export async function appendOutbox(ctx: Ctx, event: OutboxEvent): Promise<AppendedEvent> {
  const [appended] = await appendOutboxMany(ctx, [event]);
  if (!appended) throw new AppError('INTERNAL', 'appendOutbox appended nothing.');
  return appended;
}

/**
 * The store a document belongs to, from its event: a transfer's sending end for `transfer.sent`,
 * its receiving end for `transfer.received`, else the payload's `storeId` (none: chain-level).
 *
 * @example eventStoreId('sale.completed', sale) // sale.storeId
 */
export function eventStoreId(type: string, payload: unknown): string | undefined {
  const p = (payload ?? {}) as Record<string, unknown>;
  const id = type === 'transfer.sent' ? p.fromStoreId : type === 'transfer.received' ? p.toStoreId : p.storeId;
  return typeof id === 'string' ? id : undefined;
}

const nodeStores = new Map<string, string>();

/**
 * Binds a store node's outbox to its store. HQ refuses a pushed batch holding another store's
 * document, and every batch after it would wait behind that one: so a store node refuses such a
 * document before it is written (the business transaction rolls back, nothing half-written).
 */
export function bindOutboxToStore(nodeId: string, storeId: string): void {
  nodeStores.set(nodeId, storeId);
}

/** Appends several events with consecutive sequence numbers, in one statement. */
export async function appendOutboxMany(ctx: Ctx, events: readonly OutboxEvent[]): Promise<AppendedEvent[]> {
  if (!ctx.db.isTransaction) {
    throw new AppError('INTERNAL', 'appendOutbox must run inside the transaction that writes the document.');
  }
  if (events.length === 0) return [];
  const own = nodeStores.get(ctx.nodeId);
  const foreign = own === undefined ? undefined : events.find((e) => (eventStoreId(e.type, e.payload) ?? own) !== own);
  if (foreign) {
    throw new AppError('STORE_NODE_OTHER_STORE', `This store node keeps only its own store's documents; ${foreign.type} ${foreign.documentId} belongs to another store. Do it at that store's node or at HQ.`, { status: 403, details: { storeId: eventStoreId(foreign.type, foreign.payload) } });
  }
  const seqs = await takeFromSequence(ctx.db, `outbox:${ctx.nodeId}`, events.length);
  const now = ctx.clock.now().toISOString();
  const rows = events.map((event, i) => ({
    node_id: ctx.nodeId,
    seq: seqs[i] ?? 0,
    event_id: newId(),
    type: event.type,
    document_id: event.documentId,
    payload: JSON.stringify(event.payload),
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insertInto('outbox').values(rows.slice(i, i + 500)).execute();
  return rows.map((r) => ({ eventId: r.event_id, seq: r.seq }));
}
