import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import type { CartView } from '../checkout/cart';
import type { CashierRow } from './store-measures';

const EAN = [withCheckDigit('690000000301'), withCheckDigit('690000000302'), withCheckDigit('690000000303')];

describeEachDb('reports: a cashier’s scan speed', (handle) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(
      t.ctx,
      EAN.map((barcode, i) => ({ code: `SPEED-${i}`, name: `商品${i}`, unit: 'piece' as const, categoryCode: 'C3001', priceFen: 500, costFen: 300, plu: null, barcodes: [barcode], active: true, components: [] })),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('is the time from each scan to the next, over the cashier’s sales: 2 s and 4 s give 3.00 s', async () => {
    const cashier = await t.openTill();
    const call = (method: 'POST' | 'GET', url: string, payload?: object, token = cashier) => t.tp.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, payload });
    const cart = (await call('POST', '/carts', {})).json() as CartView;
    await call('POST', `/carts/${cart.id}/scan`, { code: EAN[0] });
    t.clock.advance(2_000);
    await call('POST', `/carts/${cart.id}/scan`, { code: EAN[1] });
    t.clock.advance(4_000);
    const scanned = (await call('POST', `/carts/${cart.id}/scan`, { code: EAN[2] })).json() as CartView;
    await call('POST', `/carts/${cart.id}/tenders`, { method: 'cash', amountFen: scanned.dueFen });
    expect((await call('POST', `/carts/${cart.id}/complete`)).statusCode).toBe(200);
    // A one-item sale has no gap between scans and changes nothing.
    const single = (await call('POST', '/carts', {})).json() as CartView;
    const one = (await call('POST', `/carts/${single.id}/scan`, { code: EAN[0] })).json() as CartView;
    await call('POST', `/carts/${single.id}/tenders`, { method: 'cash', amountFen: one.dueFen });
    expect((await call('POST', `/carts/${single.id}/complete`)).statusCode).toBe(200);

    const manager = await t.login('manager');
    const today = '2026-11-30';
    const res = await call('GET', `/reports/cashiers?from=${today}&to=${today}`, undefined, manager);
    expect(res.statusCode, res.body).toBe(200);
    const { rows } = res.json() as { rows: CashierRow[] };
    expect(rows).toEqual([expect.objectContaining({ username: 'cashier', transactions: 2, avgScanSeconds: '3.00' })]);
  });
});
