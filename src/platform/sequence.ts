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
  return (await takeFromSequence(db, name, 1))[0] ?? 0;
}

/** The next `count` values of the named counter, in order, taken in one statement. */
export async function takeFromSequence(db: Db, name: string, count: number): Promise<number[]> {
  if (!db.isTransaction) throw new AppError('INTERNAL', `Sequence ${name} must advance inside the transaction that uses it.`);
  const row = await db
    .insertInto('sequences')
    .values({ name, last_value: count })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ last_value: eb('sequences.last_value', '+', count) })))
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return Array.from({ length: count }, (_, i) => row.last_value - count + 1 + i);
}
