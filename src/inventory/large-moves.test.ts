// One act that writes thousands of stock moves (a full count, a pushed batch of baskets) is
// written in pieces under each database's limit on bound values, with balances that add up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { newId } from '../platform/ids';
import { onHand, recordStockMoves, verifyStock, type StockMoveInput } from './index';

describeEachDb('inventory: thousands of moves in one transaction', (handle) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 3000 });
  });
  afterAll(() => t?.close());

  it('records 9,000 moves over 3,000 SKUs in one act: each balance is its three moves, the ledger agrees', async () => {
    const store = await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
    const skus = (await t.ctx.db.selectFrom('skus').select('id').orderBy('id').limit(3000).execute()).map((s) => s.id);
    expect(skus).toHaveLength(3000);
    const before = await onHand(t.ctx, store.id, skus);
    const docId = newId();
    const moves: StockMoveInput[] = [5, -2, 1].flatMap((qty) => skus.map((skuId) => ({ storeId: store.id, skuId, qty, kind: 'count' as const, docType: 'count', docId, costFen: 100, businessDate: '2026-11-30' })));
    await t.ctx.db.transaction().execute((tx) => recordStockMoves({ ...t.ctx, db: tx }, moves));
    const after = await onHand(t.ctx, store.id, skus);
    expect(skus.filter((id) => (after.get(id) ?? 0) - (before.get(id) ?? 0) !== 4)).toEqual([]);
    const written = await t.ctx.db.selectFrom('stock_moves').select((eb) => eb.fn.countAll<number>().as('n')).where('doc_id', '=', docId).executeTakeFirstOrThrow();
    expect(Number(written.n)).toBe(9000);
    expect((await verifyStock(t.ctx, [store.id])).differences).toEqual([]);
  });
});
