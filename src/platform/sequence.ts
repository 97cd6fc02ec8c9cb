// Gapless counters inside the caller's transaction (outbox seq, audit seq).
import { AppError } from './errors';
import type { Db } from './db/index';

/**
 * The next `count` values of the named counter (starting at 1), in order, in one statement. Must
 * run inside a transaction: the upsert's row lock serialises concurrent writers on PostgreSQL,
 * and a rollback gives the numbers back, so the sequence has no gaps.
 *
 * @example const [seq] = await takeFromSequence(tx, `outbox:${nodeId}`, 1)
 */
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
