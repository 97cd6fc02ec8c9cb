// Ledger and cached balances always agree: random sequences of receipts, transfers (received or
// still in transit), counts and sales through the real API, checked against a model and against
// the ledger recomputed; and two tills selling the last pieces of one SKU at the same moment.
import type { InjectOptions } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import type { CartView } from '../checkout/cart';
import { onHand, verifyStock } from './index';

const SKUS = [
  { code: 'P-COLA', barcode: withCheckDigit('690000000801'), categoryCode: 'C3003' },
  { code: 'P-CHIPS', barcode: withCheckDigit('690000000802'), categoryCode: 'C3001' },
  { code: 'P-RICE', barcode: withCheckDigit('690000000803'), categoryCode: 'C2001' },
] as const;
const STORES = ['S001', 'S002'] as const;

type Op =
  | { kind: 'receipt'; store: number; sku: number; qty: number; costFen: number }
  | { kind: 'transfer'; from: number; sku: number; qty: number; received: number | null }
  | { kind: 'count'; store: number; sku: number; counted: number }
  | { kind: 'sale'; sku: number; qty: number };

const store = fc.integer({ min: 0, max: 1 });
const sku = fc.integer({ min: 0, max: SKUS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('receipt' as const), store, sku, qty: fc.integer({ min: 1, max: 30 }), costFen: fc.integer({ min: 1, max: 999 }) }),
  fc.record({ kind: fc.constant('transfer' as const), from: store, sku, qty: fc.integer({ min: 1, max: 10 }), received: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }) }),
  fc.record({ kind: fc.constant('count' as const), store, sku, counted: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('sale' as const), sku, qty: fc.integer({ min: 1, max: 5 }) }),
);

describeEachDb('inventory ledger: balances always equal the moves', (handle, kind) => {
  let t: TestApp;
  let admin: string;
  let tills: string[];
  const storeIds: string[] = [];
  const skuIds: string[] = [];

  const ok = async <T>(method: InjectOptions['method'], url: string, payload?: unknown, token = admin): Promise<T> => {
    const res = await t.tp.app.inject({ method, url: `/api/v1${url}`, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json() as T;
  };
  const cartOf = async (till: string, barcode: string, qty: number) => {
    let cart = await ok<CartView>('POST', '/carts', {}, till);
    cart = await ok<CartView>('POST', `/carts/${cart.id}/scan`, { code: barcode, qty }, till);
    return ok<CartView>('POST', `/carts/${cart.id}/tenders`, { method: 'cash', amountFen: cart.dueFen }, till);
  };
  const balances = async () => {
    const out: number[][] = [];
    for (const s of storeIds) {
      const m = await onHand(t.ctx, s, skuIds);
      out.push(skuIds.map((id) => m.get(id) ?? 0));
    }
    return out;
  };

  async function apply(o: Op, model: number[][]): Promise<void> {
    const s = SKUS[o.sku] as (typeof SKUS)[number];
    const add = (store: number, delta: number) => ((model[store] as number[])[o.sku] = ((model[store] as number[])[o.sku] ?? 0) + delta);
    switch (o.kind) {
      case 'receipt': {
        const where = STORES[o.store];
        const po = await ok<{ id: string }>('POST', '/purchase-orders', { store: where, supplierCode: 'PSUP', lines: [{ code: s.barcode, qty: o.qty, unitCostFen: o.costFen }] });
        await ok('POST', `/purchase-orders/${po.id}/send?store=${where}`);
        await ok('POST', `/purchase-orders/${po.id}/receive?store=${where}`, { lines: [{ code: s.barcode, qty: o.qty }] });
        add(o.store, o.qty);
        return;
      }
      case 'transfer': {
        const to = 1 - o.from;
        const tr = await ok<{ id: string }>('POST', '/transfers', { from: STORES[o.from], to: STORES[to], lines: [{ code: s.barcode, qty: o.qty }] });
        add(o.from, -o.qty);
        if (o.received !== null) {
          await ok('POST', `/transfers/${tr.id}/receive?store=${STORES[to]}`, { lines: [{ code: s.barcode, qty: o.received }] });
          add(to, o.received);
        }
        return;
      }
      case 'count': {
        const where = STORES[o.store];
        const c = await ok<{ id: string }>('POST', '/stock-counts', { store: where, scope: 'category', categoryCode: s.categoryCode });
        await ok('POST', `/stock-counts/${c.id}/entries?store=${where}`, { code: s.barcode, qty: o.counted });
        await ok('POST', `/stock-counts/${c.id}/submit?store=${where}`);
        await ok('POST', `/stock-counts/${c.id}/approve?store=${where}`);
        (model[o.store] as number[])[o.sku] = o.counted;
        return;
      }
      case 'sale': {
        const cart = await cartOf(tills[0] as string, s.barcode, o.qty);
        await ok('POST', `/carts/${cart.id}/complete`, undefined, tills[0]);
        add(0, -o.qty);
      }
    }
  }

  beforeAll(async () => {
    t = await startTestApp(handle(), { stores: 2, products: 0 });
    await importSkus(
      t.ctx,
      SKUS.map((s) => ({ code: s.code, name: s.code, unit: 'piece' as const, categoryCode: s.categoryCode, priceFen: 500, costFen: 300, plu: null, barcodes: [s.barcode], active: true, components: [] })),
    );
    for (const code of STORES) storeIds.push((await t.ctx.db.selectFrom('stores').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id);
    for (const s of SKUS) skuIds.push((await t.ctx.db.selectFrom('skus').select('id').where('code', '=', s.code).executeTakeFirstOrThrow()).id);
    admin = await t.login('admin');
    tills = [await t.openTill('cashier', 'T01'), await t.openTill('cashier2', 'T02')];
    await ok('POST', '/suppliers', { code: 'PSUP', name: 'Property supplier' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('after any sequence of receipts, transfers, counts and sales, every balance is the sum of its moves and what the model expects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        const model = await balances();
        for (const o of ops) await apply(o, model);
        expect(await balances()).toEqual(model);
        expect((await verifyStock(t.ctx)).differences).toEqual([]);
      }),
      { numRuns: kind === 'postgres' ? 12 : 20 },
    );
  }, 120_000);

  it('two tills sell the last two pieces of one SKU at the same moment: both sales land, stock goes to 0, the ledger agrees', async () => {
    const cola = SKUS[0];
    // Brings S001's cola to exactly 2 with a count.
    await apply({ kind: 'count', store: 0, sku: 0, counted: 2 }, await balances());
    const carts = await Promise.all(tills.map((till) => cartOf(till, cola.barcode, 1)));
    const done = await Promise.all(carts.map((cart, i) => t.tp.app.inject({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete`, headers: { authorization: `Bearer ${tills[i]}` } })));
    expect(done.map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await balances())[0]?.[0]).toBe(0);
    expect((await verifyStock(t.ctx)).differences).toEqual([]);
    // Selling below zero is allowed (the shelf is the truth); the ledger still agrees.
    const third = await cartOf(tills[0] as string, cola.barcode, 1);
    await ok('POST', `/carts/${third.id}/complete`, undefined, tills[0]);
    expect((await balances())[0]?.[0]).toBe(-1);
    expect((await verifyStock(t.ctx)).differences).toEqual([]);
  });
});
