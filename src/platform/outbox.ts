// The node's outbox: every document a node creates is appended here in the same transaction,
// with a gapless per-node sequence, so sync can send it and HQ can apply it exactly once.
import { AppError } from './errors';
import { newId } from './ids';
import { nextInSequence } from './sequence';
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
 * The per-node sequence is gapless (see nextInSequence).
 *
 * @example await appendOutbox(ctx, { type: 'sale.completed', documentId: sale.id, payload: sale })
 */
export async function appendOutbox(ctx: Ctx, event: OutboxEvent): Promise<AppendedEvent> {
  if (!ctx.db.isTransaction) {
    throw new AppError('INTERNAL', 'appendOutbox must run inside the transaction that writes the document.');
  }
  const seq = await nextInSequence(ctx.db, `outbox:${ctx.nodeId}`);
  const eventId = newId();
  await ctx.db
    .insertInto('outbox')
    .values({
      node_id: ctx.nodeId,
      seq,
      event_id: eventId,
      type: event.type,
      document_id: event.documentId,
      payload: JSON.stringify(event.payload),
      created_at: ctx.clock.now().toISOString(),
    })
    .execute();
  return { eventId, seq };
}
