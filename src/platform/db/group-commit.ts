// Group commit: acts of one kind that arrive while a durable commit is in progress are written
// together, by their writer, in the next transaction, so several tills finishing at once share
// one commit and one statement per table. If that transaction fails, each act is retried alone,
// so a bad act fails only itself; each caller is answered only after the commit holding its
// writes is durable.
import type { Db, Tx } from './index';

export interface BatchWriter<I, R> {
  /** Writes all items in the given transaction; returns one result per item, in order. */
  write(tx: Tx, items: I[]): Promise<R[]>;
}

interface Job<I> {
  item: I;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Queue<I> {
  jobs: Job<I>[];
  draining: boolean;
}

const MAX_BATCH = 64;
const queues = new WeakMap<Db, Map<BatchWriter<unknown, unknown>, Queue<unknown>>>();

/**
 * Writes `item` with `writer`, batched with the items other callers submit meanwhile.
 *
 * @example const sale = await inBatchCommit(ctx.db, saleWriter, plan)
 */
export function inBatchCommit<I, R>(db: Db, writer: BatchWriter<I, R>, item: I): Promise<R> {
  // Inside a caller's transaction the caller decides when to commit.
  if (db.isTransaction) return writer.write(db as Tx, [item]).then((r) => r[0] as R);
  let byWriter = queues.get(db);
  if (!byWriter) queues.set(db, (byWriter = new Map()));
  let queue = byWriter.get(writer as BatchWriter<unknown, unknown>) as Queue<I> | undefined;
  if (!queue) byWriter.set(writer as BatchWriter<unknown, unknown>, (queue = { jobs: [], draining: false }) as Queue<unknown>);
  const q = queue;
  return new Promise<R>((resolve, reject) => {
    q.jobs.push({ item, resolve: resolve as (value: unknown) => void, reject });
    if (!q.draining) void drain(db, writer, q);
  });
}

async function drain<I, R>(db: Db, writer: BatchWriter<I, R>, queue: Queue<I>): Promise<void> {
  queue.draining = true;
  try {
    while (queue.jobs.length > 0) {
      const batch = queue.jobs.splice(0, MAX_BATCH);
      try {
        const results = await db.transaction().execute((tx) => writer.write(tx, batch.map((j) => j.item)));
        batch.forEach((job, i) => job.resolve(results[i]));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // One act spoiled the batch: write each alone so only that one fails.
        for (const job of batch) {
          try {
            const [result] = await db.transaction().execute((tx) => writer.write(tx, [job.item]));
            job.resolve(result);
          } catch (single) {
            job.reject(single);
          }
        }
      }
    }
  } finally {
    queue.draining = false;
  }
}
