// insertSales writes what loadSale reads back, on both databases (PostgreSQL: one array a column),
// text with quotes, commas, braces and backslashes and empty or missing values included.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { newId } from '../platform/ids';
import type { CartView } from './cart';
import { insertSales, loadSale, type SaleRecord } from './sale-repo';

const EAN = withCheckDigit('690000000301');
const AWKWARD = '他说 "好", {1,2} \\ NULL \'x\'';

describeEachDb('sale rows: insertSales and loadSale', (handle) => {
  let t: TestApp;
  let template: SaleRecord;

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'R-TEA', name: AWKWARD, unit: 'piece', categoryCode: 'C3004', priceFen: 350, costFen: 120, plu: null, barcodes: [EAN], active: true, components: [] }]);
    const token = await t.openTill();
    const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty: 2 } });
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: 1000 } });
    const sale = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).json() as { id: string };
    const store = await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
    const loaded = await loadSale(handle().db, { storeId: store.id, id: sale.id });
    if (!loaded) throw new Error('the completed sale is not there');
    template = loaded;
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads back 600 sales written in one call exactly as given', async () => {
    const line = template.lines[0];
    if (!line) throw new Error('the sale has no line');
    const sales: SaleRecord[] = Array.from({ length: 600 }, (_x, i) => {
      const id = newId();
      return {
        ...template,
        id,
        receiptNo: `${template.receiptNo}-${i}`,
        receiptToken: `${id}-t`,
        idempotencyKey: id,
        totalFen: 700 + i,
        lines: [
          { ...line, name: AWKWARD, promotions: [{ promotionId: 'p1', name: AWKWARD, kind: 'percent', savingFen: 5 }] as unknown as typeof line.promotions },
          { ...line, lineNo: 2, name: '', giftPoints: 300, components: [{ skuId: line.skuId, qty: 2, revenueFen: 350 }] },
        ],
        tenders: [{ ...template.tenders[0], id: newId(), method: 'card', reference: AWKWARD, cardLast4: '0042', authCode: null } as SaleRecord['tenders'][number]],
        promotions: [{ promotionId: `promo-${i % 3}`, name: AWKWARD, savingFen: i }],
      };
    });
    await handle().db.transaction().execute((tx) => insertSales(tx, sales));
    for (const s of [sales[0], sales[499], sales[500], sales[599]]) {
      if (!s) throw new Error('missing sale');
      expect(await loadSale(handle().db, { storeId: s.storeId, id: s.id })).toEqual({ ...s, points: undefined });
    }
    const sums = await handle().db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('fen')]).where('receipt_no', 'like', `${template.receiptNo}-%`).executeTakeFirstOrThrow();
    expect([Number(sums.n), Number(sums.fen)]).toEqual([600, 600 * 700 + (599 * 600) / 2]);
  });
});
