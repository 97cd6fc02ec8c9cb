// Group commit: business acts that arrive while a durable commit is in progress wait and then
// share the next one. Each act runs in its own savepoint, so one act's failure undoes only its
// own writes; each caller is answered only after the commit that holds its writes is durable.
import { sql } from 'kysely';
import type { Db, Tx } from './index';

interface Job {
  run: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  jobs: Job[];
  draining: boolean;
}

const MAX_BATCH = 64;
const queues = new WeakMap<Db, Queue>();

/**
 * Runs `fn` in a transaction shared with other acts queued at the same time on `db`.
 *
 * @example const sale = await inGroupCommit(ctx.db, (tx) => writeSale({ ...ctx, db: tx }))
 */
export function inGroupCommit<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // Inside a caller's transaction the caller decides when to commit.
  if (db.isTransaction) return fn(db as Tx);
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = { jobs: [], draining: false }));
  const q = queue;
  return new Promise<T>((resolve, reject) => {
    q.jobs.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
    if (!q.draining) void drain(db, q);
  });
}

async function drain(db: Db, queue: Queue): Promise<void> {
  queue.draining = true;
  try {
    while (queue.jobs.length > 0) {
      const batch = queue.jobs.splice(0, MAX_BATCH);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      try {
        await db.transaction().execute(async (tx) => {
          for (const job of batch) {
            await sql`savepoint act`.execute(tx);
            try {
              outcomes.push({ ok: true, value: await job.run(tx) });
              await sql`release savepoint act`.execute(tx);
            } catch (error) {
              await sql`rollback to savepoint act`.execute(tx);
              await sql`release savepoint act`.execute(tx);
              outcomes.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        // The commit itself failed: nothing of the batch is durable.
        batch.forEach((job) => job.reject(error));
        continue;
      }
      batch.forEach((job, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) job.resolve(outcome.value);
        else job.reject(outcome?.error);
      });
    }
  } finally {
    queue.draining = false;
  }
}
