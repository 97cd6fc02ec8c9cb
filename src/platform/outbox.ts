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

/** Appends several events with consecutive sequence numbers, in one statement. */
export async function appendOutboxMany(ctx: Ctx, events: readonly OutboxEvent[]): Promise<AppendedEvent[]> {
  if (!ctx.db.isTransaction) {
    throw new AppError('INTERNAL', 'appendOutbox must run inside the transaction that writes the document.');
  }
  if (events.length === 0) return [];
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
