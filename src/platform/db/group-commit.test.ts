import { expect, it } from 'vitest';
import { describeEachDb } from '../testing/databases';
import { nextInSequence } from '../sequence';
import { inGroupCommit } from './group-commit';

describeEachDb('group commit', (handle) => {
  it('commits acts that arrive together, undoing only the one that fails, with no gap in sequences', async () => {
    const db = handle().db;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        inGroupCommit(db, async (tx) => {
          const seq = await nextInSequence(tx, 'group-test');
          await tx.insertInto('settings').values({ key: `group-${i}`, value: String(seq) }).execute();
          if (i === 3) throw new Error('act 3 fails after writing');
          return seq;
        }),
      ),
    );
    expect(results[3]).toEqual({ status: 'rejected', reason: new Error('act 3 fails after writing') });
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
        await inGroupCommit(tx, (inner) => inner.insertInto('settings').values({ key: 'nested', value: '1' }).execute());
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    expect(await db.selectFrom('settings').select('key').where('key', '=', 'nested').executeTakeFirst()).toBeUndefined();
  });
});
