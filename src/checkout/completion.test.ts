import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { formatScaleLabel } from '../catalog/scale-label';
import { verifyAudit } from '../audit/index';
import { stockDifferences } from '../inventory/index';
import type { CartView } from './cart';

const EAN = withCheckDigit('690000000201');

describeEachDb('sale completion under load', (handle) => {
  let t: TestApp;
  let token: string;
  const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  const paidCart = async (qty: number): Promise<CartView> => {
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } });
    return (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: 100_000 } })).json() as CartView;
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [
      { code: 'L-WATER', name: '纯牛奶 250ml', unit: 'piece', categoryCode: 'C3004', priceFen: 200, costFen: 90, plu: null, barcodes: [EAN], active: true, components: [] },
      { code: 'L-PORK', name: '五花肉', unit: 'kg', categoryCode: 'C1003', priceFen: 3200, costFen: 2400, plu: '00777', barcodes: [], active: true, components: [] },
    ]);
    token = await t.openTill();
  });
  afterAll(async () => {
    await t.close();
  });

  it('completes twenty sales finishing at once with consecutive receipt numbers and every row written', async () => {
    const carts = await Promise.all(Array.from({ length: 20 }, (_, i) => paidCart(1 + (i % 3))));
    const sales = (await Promise.all(carts.map((c) => call({ method: 'POST', url: `/api/v1/carts/${c.id}/complete` })))).map((r) => r.json() as { receiptNo: string; totalFen: number; changeFen: number });
    const seqs = sales.map((s) => Number(s.receiptNo.split('-').pop())).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const units = carts.reduce((s, c) => s + (c.lines[0]?.qty ?? 0), 0);
    expect(sales.reduce((s, x) => s + x.totalFen, 0)).toBe(units * 200);
    const store = await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
    const balance = await handle().db.selectFrom('stock_balances').select('qty').where('store_id', '=', store.id).executeTakeFirstOrThrow();
    expect(balance.qty).toBe(-units);
    expect(await stockDifferences(t.ctx, store.id)).toEqual([]);
    const outbox = await handle().db.selectFrom('outbox').select('seq').where('type', '=', 'sale.completed').orderBy('seq').execute();
    expect(outbox).toHaveLength(20);
    expect(await verifyAudit(t.ctx)).toMatchObject({ intact: true });
    const cash = await handle().db.selectFrom('cash_movements').select((eb) => eb.fn.sum<number>('amount_fen').as('total')).where('kind', 'in', ['sale', 'change']).executeTakeFirstOrThrow();
    expect(Number(cash.total)).toBe(units * 200);
  });

  it('gives the first sale again when another cart is completed with the same Idempotency-Key', async () => {
    const [a, b] = [await paidCart(1), await paidCart(2)];
    const first = (await call({ method: 'POST', url: `/api/v1/carts/${a.id}/complete`, headers: { 'idempotency-key': 'till-T01-retry-7' } })).json() as { id: string };
    const again = await call({ method: 'POST', url: `/api/v1/carts/${b.id}/complete`, headers: { 'idempotency-key': 'till-T01-retry-7' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.id });
    const count = await handle().db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('idempotency_key', '=', 'till-T01-retry-7').executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('fails only the sale whose till has no open shift when a batch mixes tills', async () => {
    const other = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T02', username: 'cashier2', pin: '1234' } });
    const token2 = (other.json() as { token: string }).token;
    const cart2 = (await t.tp.app.inject({ method: 'POST', url: '/api/v1/carts', headers: { authorization: `Bearer ${token2}` } })).json() as CartView;
    await t.tp.app.inject({ method: 'POST', url: `/api/v1/carts/${cart2.id}/scan`, headers: { authorization: `Bearer ${token2}` }, payload: { code: EAN } });
    await t.tp.app.inject({ method: 'POST', url: `/api/v1/carts/${cart2.id}/tenders`, headers: { authorization: `Bearer ${token2}` }, payload: { method: 'cash', amountFen: 200 } });
    const ok = await paidCart(1);
    const [good, bad] = await Promise.all([
      call({ method: 'POST', url: `/api/v1/carts/${ok.id}/complete` }),
      t.tp.app.inject({ method: 'POST', url: `/api/v1/carts/${cart2.id}/complete`, headers: { authorization: `Bearer ${token2}` } }),
    ]);
    expect(good.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ code: 'SHIFT_NOT_OPEN' });
  });

  it('reads scale labels in the store\'s own format once a manager sets it, and only a manager may', async () => {
    const format = { prefix: '27', kind: 'weight' as const, pluDigits: 5, valueDigits: 5 };
    const label = formatScaleLabel({ kind: 'weight', plu: '00777', grams: 500, format });
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    const before = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: label } });
    expect(before.json()).toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
    const current = (await call({ method: 'GET', url: '/api/v1/stores/S001/checkout-settings' })).json() as { cashRounding: string; scan: { scaleFormats: unknown[] } };
    expect(current.cashRounding).toBe('jiao');
    const settings = { ...current, scan: { ...current.scan, scaleFormats: [...current.scan.scaleFormats, format] } };
    const refused = await call({ method: 'PUT', url: '/api/v1/stores/S001/checkout-settings', payload: settings });
    expect(refused.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
    const manager = await t.login('manager');
    const saved = await t.tp.app.inject({ method: 'PUT', url: '/api/v1/stores/S001/checkout-settings', headers: { authorization: `Bearer ${manager}` }, payload: settings });
    expect(saved.statusCode, saved.body).toBe(200);
    const after = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: label } })).json() as CartView;
    expect(after.lines[0]).toMatchObject({ code: 'L-PORK', qty: 500, listFen: 1600 });
  });
});
