import { expect, it } from 'vitest';
import { describeEachDb } from '../testing/databases';
import { takeFromSequence } from '../sequence';
import { inBatchCommit, type BatchWriter } from './group-commit';

describeEachDb('group commit', (handle) => {
  const writer: BatchWriter<number, number> = {
    async write(tx, items) {
      const seqs = await takeFromSequence(tx, 'group-test', items.length);
      await tx.insertInto('settings').values(items.map((i, k) => ({ key: `group-${i}`, value: String(seqs[k]) }))).execute();
      if (items.includes(3)) throw new Error('item 3 is refused');
      return seqs;
    },
  };

  it('writes items that arrive together in one batch, failing only the bad one, with no gap in sequences', async () => {
    const db = handle().db;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => inBatchCommit(db, writer, i)));
    expect(results[3]).toEqual({ status: 'rejected', reason: new Error('item 3 is refused') });
    const values = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
    expect(values.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'group-%').execute();
    expect(rows).toHaveLength(9);
    expect(rows.some((r) => r.key === 'group-3')).toBe(false);
  });

  it('runs inside a caller transaction without opening another', async () => {
    const db = handle().db;
    await expect(
      db.transaction().execute(async (tx) => {
        await inBatchCommit(tx, writer, 42);
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    expect(await db.selectFrom('settings').select('key').where('key', '=', 'group-42').executeTakeFirst()).toBeUndefined();
  });
});
