// Gapless counters inside the caller's transaction (outbox seq, audit seq).
import { AppError } from './errors';
import type { Db } from './db/index';

/**
 * The next value of the named counter, 1 for a new one. Must run inside a transaction: the
 * upsert's row lock serialises concurrent writers on PostgreSQL, and a rollback gives the number
 * back, so the sequence has no gaps.
 *
 * @example const seq = await nextInSequence(tx, `outbox:${nodeId}`)
 */
export async function nextInSequence(db: Db, name: string): Promise<number> {
  if (!db.isTransaction) throw new AppError('INTERNAL', `Sequence ${name} must advance inside the transaction that uses it.`);
  const row = await db
    .insertInto('sequences')
    .values({ name, last_value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ last_value: eb('sequences.last_value', '+', 1) })))
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return row.last_value;
}
