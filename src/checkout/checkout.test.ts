import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { formatScaleLabel, DEFAULT_SCALE_FORMATS } from '../catalog/scale-label';
import { importSkus } from '../catalog/index';
import { verifyAudit } from '../audit/index';
import { stockDifferences } from '../inventory/index';
import { decodeEscPosText } from './receipt-escpos';
import type { CartView } from './cart';

const EAN = {
  cola: withCheckDigit('690000000001'),
  chips: withCheckDigit('690000000002'),
  rice: withCheckDigit('690000000003'),
  milk: withCheckDigit('690000000004'),
  bread: withCheckDigit('690000000005'),
  breakfast: withCheckDigit('690000000006'),
};
const appleLabel = formatScaleLabel({ kind: 'weight', plu: '00101', grams: 1234, format: DEFAULT_SCALE_FORMATS[1]! });
const deliLabel = formatScaleLabel({ kind: 'price', plu: '00202', priceFen: 1888, format: DEFAULT_SCALE_FORMATS[0]! });

const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

describeEachDb('checkout: a till selling', (handle) => {
  let t: TestApp;
  let pinToken: string;
  let managerToken: string;
  const call = async (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? pinToken}` } });
  };
  const cartOf = (res: { json(): unknown }) => res.json() as CartView;

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'T-COLA', name: '可口可乐 330ml', categoryCode: 'C3003', priceFen: 350, costFen: 200, barcodes: [EAN.cola] },
      { ...piece, code: 'T-CHIPS', name: '乐事 薯片 原味 75g', categoryCode: 'C3001', priceFen: 800, costFen: 500, barcodes: [EAN.chips] },
      { ...piece, code: 'T-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'T-MILK', name: '蒙牛 纯牛奶 250ml', categoryCode: 'C3004', priceFen: 650, costFen: 450, barcodes: [EAN.milk] },
      { ...piece, code: 'T-BREAD', name: '全麦面包', categoryCode: 'C1006', priceFen: 900, costFen: 500, barcodes: [EAN.bread] },
      { ...piece, code: 'T-APPLE', name: '红富士苹果', unit: 'kg', categoryCode: 'C1001', priceFen: 1280, costFen: 800, plu: '00101', barcodes: [] },
      { ...piece, code: 'T-DELI', name: '卤味拼盘', categoryCode: 'C1005', priceFen: 0, costFen: 0, plu: '00202', barcodes: [] },
      { ...piece, code: 'T-BREAKFAST', name: '早餐组合', categoryCode: 'C9001', priceFen: 1990, costFen: 1400, barcodes: [EAN.breakfast], components: [{ skuCode: 'T-MILK', qty: 2 }, { skuCode: 'T-BREAD', qty: 1 }] },
    ]);
    const pin = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    pinToken = (pin.json() as { token: string }).token;
    managerToken = await t.login('manager');
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses to sell before the shift is open, then opens it with a float', async () => {
    const cart = cartOf(await call({ method: 'POST', url: '/api/v1/carts' }));
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } });
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: 5000 } });
    const refused = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(refused.json()).toMatchObject({ code: 'SHIFT_NOT_OPEN' });
    const opened = await call({ method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 20000 } });
    expect(opened.statusCode).toBe(201);
    const again = await call({ method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 100 } });
    expect(again.json()).toMatchObject({ code: 'SHIFT_ALREADY_OPEN' });
    // the same cart now completes: ¥49.90 paid with ¥50.00 (nothing to waive at the jiao), ¥0.10 change
    const sale = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(sale.statusCode).toBe(200);
    expect(sale.json()).toMatchObject({ receiptNo: 'S001-T01-20261130-0001', totalFen: 4990, paidFen: 4990, changeFen: 10 });
  });

  it('prices a full basket: promotions, weighed and label items, a bundle, split card and cash with 抹零', async () => {
    let cart = cartOf(await call({ method: 'POST', url: '/api/v1/carts' }));
    for (const code of [EAN.cola, EAN.cola, `${EAN.cola}\r\n`, EAN.chips, appleLabel, deliLabel, EAN.breakfast, EAN.rice]) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } });
      expect(res.statusCode, res.body).toBe(200);
      cart = cartOf(res);
    }
    expect(cart.lines.map((l) => [l.code, l.qty, l.listFen])).toEqual([
      ['T-COLA', 3, 1050],
      ['T-CHIPS', 1, 800],
      ['T-APPLE', 1234, 1580], // 1.234 kg × ¥12.80 = ¥15.7952 → ¥15.80
      ['T-DELI', 1, 1888],
      ['T-BREAKFAST', 1, 1990],
      ['T-RICE', 1, 4990],
    ]);
    expect(cart.subtotalFen).toBe(12298);
    // one cola free (350), chips 10 % (80), 满100减20 (2000) on the rest
    expect(cart.discountFen).toBe(2430);
    expect(cart.totalFen).toBe(9868);
    expect(cart.promotions.map((p) => [p.name, p.discountFen])).toEqual([
      ['饮料买二送一', 350],
      ['零食九折', 80],
      ['满100减20', 2000],
    ]);
    expect(cart.lines.reduce((s, l) => s + l.totalFen, 0)).toBe(9868);

    const overpay = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'card', amountFen: 9900 } });
    expect(overpay.json()).toMatchObject({ code: 'TENDER_EXCEEDS_DUE' });
    const declined = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'card', amountFen: 1251 } });
    expect(declined.json()).toMatchObject({ code: 'CARD_DECLINED' });
    const timeout = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'card', amountFen: 1291 } });
    expect(timeout.statusCode).toBe(504);
    expect(cartOf(await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` })).paidFen).toBe(0);

    cart = cartOf(await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'card', amountFen: 5000 } }));
    expect(cart.dueFen).toBe(4868);
    const notYet = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json()).toMatchObject({ code: 'CART_NOT_PAID', details: { dueFen: 4868 } });
    const locked = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } });
    expect(locked.json()).toMatchObject({ code: 'CART_HAS_PAYMENTS' });
    cart = cartOf(await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: 5000 } }));
    expect(cart).toMatchObject({ roundingFen: 8, paidFen: 9860, dueFen: 0, changeFen: 140 });

    const [first, second] = await Promise.all([
      call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` }),
      call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` }),
    ]);
    const sale = first.json() as { id: string; receiptNo: string; totalFen: number; lines: Array<{ name: string; totalFen: number; components: Array<{ revenueFen: number }> }>; tenders: Array<{ method: string; cardLast4: string | null }>; receiptUrl: string };
    expect(first.statusCode, first.body).toBe(200);
    expect(second.json()).toMatchObject({ id: sale.id });
    expect(sale).toMatchObject({ receiptNo: 'S001-T01-20261130-0002', totalFen: 9860, paidFen: 9860, changeFen: 140, roundingFen: 8 });
    expect(sale.tenders.map((x) => x.method)).toEqual(['card', 'cash']);
    expect(sale.tenders[0]?.cardLast4).toMatch(/^\d{4}$/);
    const bundle = sale.lines.find((l) => l.name === '早餐组合');
    expect(bundle?.components.reduce((s, c) => s + c.revenueFen, 0)).toBe(bundle?.totalFen);
    const count = await handle().db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('id', '=', sale.id).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);

    const scanAfter = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } });
    expect(scanAfter.json()).toMatchObject({ code: 'CART_COMPLETED' });

    // stock: the bundle moved its components, not itself
    const stock = await handle().db.selectFrom('stock_balances').innerJoin('skus', 'skus.id', 'stock_balances.sku_id').select(['skus.code', 'stock_balances.qty']).orderBy('skus.code').execute();
    expect(Object.fromEntries(stock.map((s) => [s.code, s.qty]))).toEqual({ 'T-APPLE': -1234, 'T-BREAD': -1, 'T-CHIPS': -1, 'T-COLA': -3, 'T-DELI': -1, 'T-MILK': -2, 'T-RICE': -2 });
    const store = await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
    expect(await stockDifferences(t.ctx, store.id)).toEqual([]);

    const outbox = await handle().db.selectFrom('outbox').select(['type', 'document_id']).where('document_id', '=', sale.id).execute();
    expect(outbox).toEqual([{ type: 'sale.completed', document_id: sale.id }]);
    expect(await verifyAudit(t.ctx)).toMatchObject({ intact: true });

    // the e-receipt opens without signing in, and the printer bytes decode to the same numbers
    const page = await t.tp.app.inject({ method: 'GET', url: sale.receiptUrl });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('S001-T01-20261130-0002');
    expect(page.body).toContain('¥98.60');
    const escpos = await call({ method: 'GET', url: `/api/v1/sales/${sale.id}/receipt?format=escpos58` });
    const text = decodeEscPosText(escpos.rawPayload);
    expect(text).toContain('98.60');
    expect(text).toContain('1.40');
    expect(text).toContain('早餐组合');
  });

  it('leaves the cart unchanged on a bad scan and says what is wrong', async () => {
    const cart = cartOf(await call({ method: 'POST', url: '/api/v1/carts' }));
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.chips } });
    const wrongDigit = EAN.rice.slice(0, 12) + String((Number(EAN.rice[12]) + 1) % 10);
    const cases: Array<[unknown, number, string]> = [
      [{ code: wrongDigit }, 422, 'BARCODE_CHECK_DIGIT'],
      [{ code: withCheckDigit('690999999999') }, 404, 'PRODUCT_NOT_FOUND'],
      [{ code: "' OR 1=1 --" }, 422, 'SCAN_CODE_INVALID'],
      [{ code: '134567890123456789' }, 422, 'PAYMENT_METHOD_UNAVAILABLE'],
      [{ code: '8800000000000013' }, 404, 'MEMBER_NOT_FOUND'],
      [{ code: 'T-APPLE' }, 422, 'WEIGHT_REQUIRED'],
      [{ code: EAN.cola, qty: 0 }, 400, 'VALIDATION_FAILED'],
      [{ code: EAN.cola, qty: -2 }, 400, 'VALIDATION_FAILED'],
      [{ code: 'x'.repeat(500) }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: payload as Record<string, unknown> });
      expect([res.statusCode, (res.json() as { code: string }).code], JSON.stringify(payload)).toEqual([status, code]);
    }
    const after = cartOf(await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` }));
    expect(after.lines.map((l) => [l.code, l.qty])).toEqual([['T-CHIPS', 1]]);
  });

  it('needs a manager for a price override, with a reason; a cashier may void', async () => {
    let cart = cartOf(await call({ method: 'POST', url: '/api/v1/carts' }));
    cart = cartOf(await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } }));
    const lineId = cart.lines[0]?.lineId ?? '';
    const refused = await call({ method: 'PATCH', url: `/api/v1/carts/${cart.id}/lines/${lineId}`, payload: { unitPriceFen: 3990, reason: '临期' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
    const noReason = await call({ token: managerToken, method: 'PATCH', url: `/api/v1/carts/${cart.id}/lines/${lineId}`, payload: { unitPriceFen: 3990 } });
    expect(noReason.json()).toMatchObject({ code: 'REASON_REQUIRED' });
    cart = cartOf(await call({ token: managerToken, method: 'PATCH', url: `/api/v1/carts/${cart.id}/lines/${lineId}`, payload: { unitPriceFen: 3990, reason: '包装破损' } }));
    expect(cart.totalFen).toBe(3990);
    cart = cartOf(await call({ method: 'PATCH', url: `/api/v1/carts/${cart.id}/lines/${lineId}`, payload: { qty: 2 } }));
    expect(cart.totalFen).toBe(7980);
    cart = cartOf(await call({ method: 'DELETE', url: `/api/v1/carts/${cart.id}/lines/${lineId}` }));
    expect(cart.lines).toEqual([]);
  });

  it('holds a cart and recalls it', async () => {
    let cart = cartOf(await call({ method: 'POST', url: '/api/v1/carts' }));
    cart = cartOf(await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.milk, qty: 3 } }));
    const held = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/hold`, payload: {} });
    expect(held.statusCode).toBe(200);
    expect((await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` })).statusCode).toBe(404);
    const list = (await call({ method: 'GET', url: '/api/v1/carts-held' })).json() as { held: Array<{ heldId: string; lines: number }> };
    expect(list.held).toContainEqual(expect.objectContaining({ heldId: cart.id, lines: 1 }));
    const back = cartOf(await call({ method: 'POST', url: `/api/v1/carts-held/${cart.id}/recall`, payload: {} }));
    expect(back.lines.map((l) => [l.code, l.qty])).toEqual([['T-MILK', 3]]);
    expect(back.totalFen).toBe(1950);
    const twice = await call({ method: 'POST', url: `/api/v1/carts-held/${cart.id}/recall`, payload: {} });
    expect(twice.statusCode).toBe(404);
  });

  it('closes the shift with a counted drawer and records the 短款', async () => {
    const current = (await call({ method: 'GET', url: '/api/v1/shifts/current' })).json() as { shift: { id: string } };
    const shiftId = current.shift.id;
    const out = await call({ method: 'POST', url: `/api/v1/shifts/${shiftId}/cash`, payload: { kind: 'out', amountFen: 10000, reason: '存银行' } });
    expect(out.json()).toMatchObject({ cash: { outFen: 10000 } });
    // float 200.00 + cash in sales (50.00 + 50.00) − change (0.10 + 1.40) − out 100.00 = 198.50
    const report = (await call({ method: 'GET', url: `/api/v1/shifts/${shiftId}/report` })).json() as { cash: { expectedFen: number }; sales: { count: number; netFen: number }; byMethod: unknown[] };
    expect(report.cash.expectedFen).toBe(19850);
    expect(report.sales).toMatchObject({ count: 2, netFen: 4990 + 9860 });
    expect(report.byMethod).toEqual([
      { method: 'card', count: 1, amountFen: 5000 },
      { method: 'cash', count: 2, amountFen: 4990 + 4860 },
    ]);
    // counted ¥198.40: one jiao short
    const closed = await call({ method: 'POST', url: `/api/v1/shifts/${shiftId}/close`, payload: { denominations: { '10000': 1, '5000': 1, '2000': 2, '500': 1, '100': 3, '10': 4 } } });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ countedFen: 19840, overShortFen: -10, shift: { status: 'closed', expectedFen: 19850 } });
    const again = await call({ method: 'POST', url: `/api/v1/shifts/${shiftId}/close`, payload: { countedFen: 1 } });
    expect(again.json()).toMatchObject({ code: 'SHIFT_CLOSED' });
  });
});
