import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { verifyAudit } from '../audit/index';
import { createUser } from '../platform/auth/users';
import { onHand, stockDifferences } from '../inventory/index';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import type { ReturnView } from './service';
import type { ApprovalView } from './approvals';
import { configureWallets } from '../payments/index';
import { startDemoWallets } from '../sandbox/demo-wallets';

const EAN = {
  cola: withCheckDigit('690000000101'),
  rice: withCheckDigit('690000000103'),
  kettle: withCheckDigit('690000000104'),
  kettlePlus: withCheckDigit('690000000105'),
  fan: withCheckDigit('690000000106'),
  tv: withCheckDigit('690000000107'),
  lamp: withCheckDigit('690000000108'),
  breakfast: withCheckDigit('690000000109'),
};
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

describeEachDb('returns: against a receipt, under role limits, with approvals', (handle) => {
  let t: TestApp;
  let cashier: string;
  let manager: string;
  const call = async (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? cashier}` } });
  };

  /** Sells `codes` at T01 and pays with `tenders` (the last one covers the rest when it has no amount). */
  async function sell(codes: string[], tenders: Array<{ method: string; amountFen?: number; authCode?: string }> = [{ method: 'cash' }]): Promise<SaleView> {
    let cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    for (const code of codes) cart = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView;
    for (const tender of tenders) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: tender.method, amountFen: tender.amountFen ?? cart.dueFen, authCode: tender.authCode } });
      expect(res.statusCode, res.body).toBe(200);
      cart = res.json() as CartView;
    }
    const sale = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(sale.statusCode, sale.body).toBe(200);
    return sale.json() as SaleView;
  }

  const giveBack = (receiptNo: string, lines: Array<{ lineNo: number; qty: number }>, extra: Record<string, unknown> = {}, token?: string) =>
    call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo, lines, reasonCode: 'changed_mind', ...extra }, token });

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'R-COLA', name: '可口可乐 330ml', categoryCode: 'C3003', priceFen: 350, costFen: 200, barcodes: [EAN.cola] },
      { ...piece, code: 'R-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      // With 满100减20 these are paid ¥200.00 and ¥200.01: a cashier's limit and one fen over.
      { ...piece, code: 'R-KETTLE', name: '电水壶', categoryCode: 'C5001', priceFen: 22_000, costFen: 15_000, barcodes: [EAN.kettle] },
      { ...piece, code: 'R-KETTLE2', name: '电水壶 Plus', categoryCode: 'C5001', priceFen: 22_001, costFen: 15_000, barcodes: [EAN.kettlePlus] },
      { ...piece, code: 'R-FAN', name: '电风扇', categoryCode: 'C5001', priceFen: 21_000, costFen: 9_000, barcodes: [EAN.fan] },
      { ...piece, code: 'R-TV', name: '电视机', categoryCode: 'C5001', priceFen: 250_000, costFen: 200_000, barcodes: [EAN.tv] },
      { ...piece, code: 'R-LAMP', name: '台灯', categoryCode: 'C5001', priceFen: 1_251, costFen: 800, barcodes: [EAN.lamp] },
      { ...piece, code: 'R-MILK', name: '纯牛奶 250ml', categoryCode: 'C3004', priceFen: 650, costFen: 450, barcodes: [] },
      { ...piece, code: 'R-BREAD', name: '全麦面包', categoryCode: 'C1006', priceFen: 900, costFen: 500, barcodes: [] },
      { ...piece, code: 'R-BREAKFAST', name: '早餐组合', categoryCode: 'C9001', priceFen: 1_990, costFen: 1_400, barcodes: [EAN.breakfast], components: [{ skuCode: 'R-MILK', qty: 2 }, { skuCode: 'R-BREAD', qty: 1 }] },
    ]);
    cashier = await t.openTill('cashier', 'T01');
    manager = await t.login('manager');
  });
  afterAll(async () => {
    await t.close();
  });

  it('buy 2 get 1 free, returned one can at a time: ¥0.00, then ¥3.50, then ¥3.50; stock comes back; a fourth is refused', async () => {
    const skuId = (await t.ctx.db.selectFrom('skus').select('id').where('code', '=', 'R-COLA').executeTakeFirstOrThrow()).id;
    const before = (await onHand(t.ctx, (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id, [skuId])).get(skuId) ?? 0;
    const sale = await sell([EAN.cola, EAN.cola, EAN.cola]);
    expect(sale.totalFen).toBe(700);
    const refunds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }]);
      expect(res.statusCode, res.body).toBe(201);
      const view = res.json() as ReturnView;
      expect(view.status).toBe('completed');
      refunds.push(view.refundFen);
    }
    expect(refunds).toEqual([0, 350, 350]);
    const fourth = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }]);
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json()).toMatchObject({ code: 'RETURN_QTY_EXCEEDS', details: { sold: 3, returned: 3, remaining: 0 } });
    const storeId = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    expect((await onHand(t.ctx, storeId, [skuId])).get(skuId)).toBe(before);
    expect(await stockDifferences(t.ctx, storeId)).toEqual([]);
    const receipt = (await call({ method: 'GET', url: `/api/v1/returns/receipt/${sale.receiptNo}` })).json() as { lines: Array<{ remaining: number; returned: number }>; refundedFen: number };
    expect(receipt).toMatchObject({ refundedFen: 700, lines: [{ returned: 3, remaining: 0 }] });
  });

  it('a card and cash sale goes back to the card first, the rest from the drawer (shift report shows it)', async () => {
    const sale = await sell([EAN.rice], [{ method: 'card', amountFen: 3000 }, { method: 'cash', amountFen: 1990 }]);
    const res = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], { reasonCode: 'defective' });
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json() as ReturnView;
    expect(view.refundFen).toBe(4990);
    expect(view.refunds.map((r) => [r.method, r.amountFen, r.status])).toEqual([
      ['card', 3000, 'succeeded'],
      ['cash', 1990, 'succeeded'],
    ]);
    expect(view.lines[0]).toMatchObject({ restock: 'damaged', refundFen: 4990 });
    const { shift } = (await call({ method: 'GET', url: '/api/v1/shifts/current' })).json() as { shift: { id: string } };
    const report = (await call({ method: 'GET', url: `/api/v1/shifts/${shift.id}/report` })).json() as { cash: { refundsFen: number } };
    expect(report.cash.refundsFen).toBe(700 + 1990);
  });

  it('a cashier gives back ¥200.00 alone; ¥200.01 stops with APPROVAL_REQUIRED naming the store manager', async () => {
    const atLimit = await sell([EAN.kettle]);
    expect(atLimit.totalFen).toBe(20_000);
    const ok = await giveBack(atLimit.receiptNo, [{ lineNo: 1, qty: 1 }]);
    expect(ok.statusCode, ok.body).toBe(201);
    // By card: cash would waive the last fen (抹零).
    const over = await sell([EAN.kettlePlus], [{ method: 'card' }]);
    expect(over.totalFen).toBe(20_001);
    const refused = await giveBack(over.receiptNo, [{ lineNo: 1, qty: 1 }]);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'APPROVAL_REQUIRED', details: { requiredRole: 'store_manager', refundFen: 20_001 } });
  });

  it('approval at the till: not by the cashier herself, not by another cashier; the manager’s PIN covers this one return once', async () => {
    // Three fans, one at a time: each gives back ¥210.00 (满100减20 still holds on what is kept).
    const sale = await sell([EAN.fan, EAN.fan, EAN.fan], [{ method: 'card' }]);
    const request = { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' };
    const quote = (await call({ method: 'POST', url: '/api/v1/returns/quote', payload: request })).json() as { refundFen: number; decision: { ok: boolean; requiredRole: string } };
    expect(quote).toMatchObject({ refundFen: 21_000, decision: { ok: false, requiredRole: 'store_manager' } });
    const self = await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'cashier', pin: '1234' } } });
    expect(self.json()).toMatchObject({ code: 'SELF_APPROVAL' });
    const peer = await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'cashier2', pin: '1234' } } });
    expect(peer.json()).toMatchObject({ code: 'APPROVER_ROLE_TOO_LOW', details: { requiredRole: 'store_manager' } });
    const wrongPin = await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'manager', pin: '9999' } } });
    expect(wrongPin.statusCode).toBe(401);
    const granted = await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'manager', pin: '1234' } } });
    expect(granted.statusCode, granted.body).toBe(201);
    const approval = granted.json() as ApprovalView;
    expect(approval).toMatchObject({ status: 'approved', amountFen: quote.refundFen, requiredRole: 'store_manager', requester: { method: 'pin' }, approver: { method: 'pin@till' } });

    const done = await call({ method: 'POST', url: '/api/v1/returns', payload: { ...request, approvalId: approval.id } });
    expect(done.statusCode, done.body).toBe(201);
    expect(done.json()).toMatchObject({ status: 'completed', refundFen: quote.refundFen, approvalId: approval.id });
    // The second fan is the very same request; the approval is spent.
    const reused = await call({ method: 'POST', url: '/api/v1/returns', payload: { ...request, approvalId: approval.id } });
    expect(reused.json()).toMatchObject({ code: 'APPROVAL_USED' });
  });

  it('remote approval: the till asks, the manager approves in the back office, the till completes', async () => {
    const sale = await sell([EAN.tv]);
    const request = { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'not_as_described' };
    const asked = (await call({ method: 'POST', url: '/api/v1/approvals', payload: { return: request, reason: '屏幕有坏点' } })).json() as ApprovalView;
    expect(asked).toMatchObject({ status: 'pending', requiredRole: 'regional_manager', amountFen: sale.totalFen });
    // A store manager is below what a ¥2,480 refund needs.
    const inbox = (await call({ method: 'GET', url: '/api/v1/approvals?status=pending', token: manager })).json() as { approvals: ApprovalView[] };
    expect(inbox.approvals.map((a) => a.id)).toContain(asked.id);
    const tooLow = await call({ method: 'POST', url: `/api/v1/approvals/${asked.id}/decision`, payload: { approve: true }, token: manager });
    expect(tooLow.json()).toMatchObject({ code: 'APPROVER_ROLE_TOO_LOW', details: { requiredRole: 'regional_manager' } });
    const regional = await t.login('regional');
    const decided = await call({ method: 'POST', url: `/api/v1/approvals/${asked.id}/decision`, payload: { approve: true, note: '同意' }, token: regional });
    expect(decided.statusCode, decided.body).toBe(200);
    const polled = (await call({ method: 'GET', url: `/api/v1/approvals/${asked.id}` })).json() as ApprovalView;
    expect(polled).toMatchObject({ status: 'approved', approver: { method: 'password@back-office' }, note: '同意' });
    const done = await call({ method: 'POST', url: '/api/v1/returns', payload: { ...request, approvalId: asked.id } });
    expect(done.statusCode, done.body).toBe(201);
    expect((done.json() as ReturnView).refundFen).toBe(sale.totalFen);
  });

  it('an expired approval is refused and the return is not taken', async () => {
    const sale = await sell([EAN.kettlePlus], [{ method: 'card' }]);
    const request = { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' };
    const approval = (await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'manager', pin: '1234' } } })).json() as ApprovalView;
    t.clock.advance(5 * 60_000 + 1);
    const late = await call({ method: 'POST', url: '/api/v1/returns', payload: { ...request, approvalId: approval.id } });
    expect(late.json()).toMatchObject({ code: 'APPROVAL_EXPIRED' });
    const receipt = (await call({ method: 'GET', url: `/api/v1/returns/receipt/${sale.receiptNo}` })).json() as { lines: Array<{ remaining: number }> };
    expect(receipt.lines[0]?.remaining).toBe(1);
  });

  it('a card refund the terminal declines leaves the return refund_failed: nothing restocked, no cash out', async () => {
    const sale = await sell([EAN.lamp, EAN.lamp], [{ method: 'card' }]);
    expect(sale.totalFen).toBe(2502);
    const res = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }]);
    expect(res.statusCode).toBe(201);
    const view = res.json() as ReturnView;
    expect(view).toMatchObject({ status: 'refund_failed', refundFen: 1251, refunds: [{ method: 'card', amountFen: 1251, status: 'failed', errorCode: 'CARD_51' }] });
    const moves = await t.ctx.db.selectFrom('stock_moves').select('id').where('doc_id', '=', view.id).execute();
    expect(moves).toHaveLength(0);
    // The quantity stays reserved: the other lamp can still go, this one cannot be returned twice.
    const again = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 2 }]);
    expect(again.json()).toMatchObject({ code: 'RETURN_QTY_EXCEEDS' });
    const retried = await call({ method: 'POST', url: `/api/v1/returns/${view.id}/retry?store=S001` });
    expect(retried.json()).toMatchObject({ status: 'refund_failed' });
  });

  it('a split WeChat/cash sale: the refund goes to WeChat first, to the fen, then the drawer', async () => {
    const wallets = await startDemoWallets({ clock: t.clock, timeoutMs: 2_000 });
    configureWallets('*', { ...wallets.settings, wait: async (ms) => t.clock.advance(ms) });
    try {
      const sale = await sell([EAN.rice, EAN.rice], [{ method: 'cash', amountFen: 3_980 }, { method: 'wechat', amountFen: 6_000, authCode: '134567890123456700' }]);
      expect(sale.totalFen).toBe(9_980);
      const wx = sale.tenders.find((x) => x.method === 'wechat');
      const first = (await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }])).json() as ReturnView;
      expect(first.refunds.map((r) => [r.method, r.amountFen, r.status])).toEqual([['wechat', 4_990, 'succeeded']]);
      const second = (await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }])).json() as ReturnView;
      expect(second.refunds.map((r) => [r.method, r.amountFen, r.status])).toEqual([
        ['wechat', 1_010, 'succeeded'],
        ['cash', 3_980, 'succeeded'],
      ]);
      // The provider holds both refunds against the one order: ¥60.00 back in all.
      const order = wallets.wechat.orders.get(wx?.merchantOrderNo ?? '');
      expect(order?.refunds?.map((r) => r.refundFee)).toEqual([4_990, 1_010]);
    } finally {
      await wallets.close();
    }
  });

  it('a bundle comes back as its components: two milks and a bread on the shelf', async () => {
    const sale = await sell([EAN.breakfast, EAN.breakfast]);
    const res = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }]);
    expect(res.statusCode, res.body).toBe(201);
    const moves = await t.ctx.db
      .selectFrom('stock_moves')
      .innerJoin('skus', 'skus.id', 'stock_moves.sku_id')
      .select(['skus.code as code', 'stock_moves.qty as qty', 'stock_moves.kind as kind'])
      .where('stock_moves.doc_id', '=', (res.json() as ReturnView).id)
      .orderBy('skus.code')
      .execute();
    expect(moves).toEqual([
      { code: 'R-BREAD', qty: 1, kind: 'return' },
      { code: 'R-MILK', qty: 2, kind: 'return' },
    ]);
  });

  it('two tills returning the last piece at once: one succeeds, the other is refused', async () => {
    const sale = await sell([EAN.rice]);
    const [a, b] = await Promise.all([giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], {}, cashier), giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], {}, cashier)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
  });

  it('the same Idempotency-Key twice is one return', async () => {
    const sale = await sell([EAN.cola]);
    const headers = { 'idempotency-key': 'till-T01-ret-42' };
    const first = await call({ method: 'POST', url: '/api/v1/returns', headers, payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'wrong_item' } });
    const second = await call({ method: 'POST', url: '/api/v1/returns', headers, payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'wrong_item' } });
    expect(first.statusCode).toBe(201);
    expect((second.json() as ReturnView).id).toBe((first.json() as ReturnView).id);
  });

  it('bad input is refused with the field to fix', async () => {
    expect((await giveBack('NOT A RECEIPT', [{ lineNo: 1, qty: 1 }])).json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'receiptNo' } });
    expect((await giveBack('S001-T01-20261130-9999', [{ lineNo: 1, qty: 1 }])).json()).toMatchObject({ code: 'RECEIPT_NOT_FOUND' });
    const sale = await sell([EAN.cola]);
    expect((await giveBack(sale.receiptNo, [{ lineNo: 1, qty: -1 }])).json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'qty' } });
    expect((await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], { reasonCode: "x'; DROP TABLE returns;--" })).statusCode).toBe(400);
  });

  it('without a receipt: cash only, always a manager’s approval', async () => {
    const request = { lines: [{ code: EAN.cola, qty: 2 }], reasonCode: 'changed_mind' };
    const refused = await call({ method: 'POST', url: '/api/v1/returns', payload: request });
    expect(refused.json()).toMatchObject({ code: 'APPROVAL_REQUIRED', details: { requiredRole: 'store_manager', needs: ['no_receipt'], refundFen: 700 } });
    const approval = (await call({ method: 'POST', url: '/api/v1/approvals/at-till', payload: { return: request, approver: { username: 'manager', pin: '1234' } } })).json() as ApprovalView;
    const done = await call({ method: 'POST', url: '/api/v1/returns', payload: { ...request, approvalId: approval.id } });
    expect(done.statusCode, done.body).toBe(201);
    expect(done.json()).toMatchObject({ receiptNo: null, refundFen: 700, refunds: [{ method: 'cash', amountFen: 700, status: 'succeeded' }] });
  });

  it('the policy: a store manager cannot raise limits, the regional manager can; a wrong field is named', async () => {
    const policy = (await call({ method: 'GET', url: '/api/v1/stores/S001/return-policy', token: manager })).json() as { limits: { cashier: { perReturnFen: number } } };
    expect(policy.limits.cashier.perReturnFen).toBe(20_000);
    const raised = { ...policy, limits: { ...policy.limits, cashier: { perReturnFen: 50_000, perShiftFen: 100_000 } } };
    expect((await call({ method: 'PUT', url: '/api/v1/stores/S001/return-policy', payload: raised, token: manager })).statusCode).toBe(403);
    const regional = await t.login('regional');
    const bad = await call({ method: 'PUT', url: '/api/v1/stores/S001/return-policy', payload: { ...raised, windowDays: -1 }, token: regional });
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'windowDays' } });
    const saved = await call({ method: 'PUT', url: '/api/v1/stores/S001/return-policy', payload: raised, token: regional });
    expect(saved.statusCode, saved.body).toBe(200);
    const sale = await sell([EAN.kettlePlus], [{ method: 'card' }]);
    expect((await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }])).statusCode).toBe(201);
  });

  it('every step is in the audit chain, which still verifies', async () => {
    const actions = (await t.ctx.db.selectFrom('audit_log').select('action').where('doc_type', 'in', ['return', 'approval']).execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['return.started', 'return.completed', 'return.refund_failed', 'approval.granted', 'approval.requested']));
    const completed = await t.ctx.db.selectFrom('audit_log').select('data').where('action', '=', 'return.completed').orderBy('seq').executeTakeFirstOrThrow();
    expect(JSON.parse(completed.data)).toMatchObject({ byVat: [expect.objectContaining({ rate: expect.any(String), grossFen: expect.any(Number) })], tenders: expect.any(Array) });
    // Every sale and return carries the node's running grand total, which adds up record by record.
    const moving = (await t.ctx.db.selectFrom('audit_log').select(['action', 'data']).orderBy('seq').execute())
      .map((r) => ({ action: r.action, data: JSON.parse(r.data) as { amountFen?: number; grandTotalFen?: number; byVat?: unknown[] } }))
      .filter((r) => r.data.grandTotalFen !== undefined);
    expect(moving.length).toBeGreaterThan(20);
    let running = 0;
    for (const r of moving) {
      running += r.data.amountFen ?? 0;
      expect(r.data.grandTotalFen).toBe(running);
      if (r.action === 'sale.completed') expect(r.data.byVat?.length).toBeGreaterThan(0);
    }
    const sold = await t.ctx.db.selectFrom('sales').select((eb) => eb.fn.sum<number>('total_fen').as('fen')).executeTakeFirstOrThrow();
    const refunded = await t.ctx.db.selectFrom('returns').select((eb) => eb.fn.sum<number>('refund_fen').as('fen')).where('status', '=', 'completed').executeTakeFirstOrThrow();
    expect(running).toBe(Number(sold.fen) - Number(refunded.fen));
    expect(await verifyAudit(t.ctx)).toMatchObject({ intact: true });
  });

  it('a receipt from another store is refused unless that store’s policy takes them', async () => {
    const sale = await sell([EAN.cola]);
    const s2 = await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow();
    await createUser(t.ctx, { username: 'cashier-s2', password: 'demo-pass-1', pin: '2468', grants: [{ role: 'cashier', scopeKind: 'store', scopeRef: s2.id }] });
    const pin = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S002', terminalCode: 'T01', username: 'cashier-s2', pin: '2468' } });
    const s2Token = (pin.json() as { token: string }).token;
    expect((await call({ method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 0 }, token: s2Token })).statusCode).toBe(201);
    const refused = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], {}, s2Token);
    expect(refused.json()).toMatchObject({ code: 'RECEIPT_OTHER_STORE' });
    const admin = await t.login('admin');
    const policy = (await call({ method: 'GET', url: '/api/v1/stores/S002/return-policy', token: admin })).json() as Record<string, unknown>;
    expect((await call({ method: 'PUT', url: '/api/v1/stores/S002/return-policy', payload: { ...policy, otherStoreReceipts: true }, token: admin })).statusCode).toBe(200);
    const taken = await giveBack(sale.receiptNo, [{ lineNo: 1, qty: 1 }], {}, s2Token);
    expect(taken.statusCode, taken.body).toBe(201);
    // The cola comes back into S002's stock, and the cash out of S002's drawer.
    const move = await t.ctx.db.selectFrom('stock_moves').select(['store_id', 'qty']).where('doc_id', '=', (taken.json() as ReturnView).id).executeTakeFirstOrThrow();
    expect(move).toEqual({ store_id: s2.id, qty: 1 });
  });
});
