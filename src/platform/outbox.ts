// The node's outbox: every document a node creates is appended here in the same transaction,
// with a gapless per-node sequence, so sync can send it and HQ can apply it exactly once.
import { AppError } from './errors';
import { newId } from './ids';
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
 * The sequence comes from `UPDATE outbox_heads … RETURNING`: the row lock serialises concurrent
 * writers on PostgreSQL, and a rolled-back transaction gives its number back, so there are
 * no gaps.
 *
 * @example await appendOutbox(ctx, { type: 'sale.completed', documentId: sale.id, payload: sale })
 */
export async function appendOutbox(ctx: Ctx, event: OutboxEvent): Promise<AppendedEvent> {
  if (!ctx.db.isTransaction) {
    throw new AppError('INTERNAL', 'appendOutbox must run inside the transaction that writes the document.');
  }
  const db = ctx.db;
  await db
    .insertInto('outbox_heads')
    .values({ node_id: ctx.nodeId, last_seq: 0 })
    .onConflict((oc) => oc.column('node_id').doNothing())
    .execute();
  const head = await db
    .updateTable('outbox_heads')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('node_id', '=', ctx.nodeId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const eventId = newId();
  await db
    .insertInto('outbox')
    .values({
      node_id: ctx.nodeId,
      seq: head.last_seq,
      event_id: eventId,
      type: event.type,
      document_id: event.documentId,
      payload: JSON.stringify(event.payload),
      created_at: ctx.clock.now().toISOString(),
    })
    .execute();
  return { eventId, seq: head.last_seq };
}
