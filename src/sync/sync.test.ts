// Store → HQ sync in-process: HQ (on each database) listens on loopback, a store node on its own
// SQLite pulls master data, sells through the real checkout, and pushes its outbox.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { describeEachDb, openTestDatabase } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { createTillpoint, type Tillpoint } from '../app';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logging';
import type { DbHandle } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { generateKeyRing, memberKeysFrom } from '../members/index';
import type { CartView } from '../checkout/cart';
import type { SaleRecord, SaleView } from '../checkout/index';
import { applyBatch, type PushBody } from './apply';
import { configureSyncKey, type NodeCredential } from './keys';
import { verifySyncRequest } from './nodes';
import { signedHeaders } from './signing';
import { StoreSync } from './store-sync';
import { AppError } from '../platform/errors';
import { writeSetting } from '../platform/db/index';
import { membersConfig, saveMembersConfig } from '../members/index';
import { newId } from '../platform/ids';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describeEachDb('sync: store node pushes to HQ exactly once', (hqHandle) => {
  let hq: TestApp;
  let hqUrl: string;
  let store: Tillpoint;
  let storeHandle: DbHandle;
  let storeCtx: Ctx;
  let sync: StoreSync;
  let credential: NodeCredential;
  let token: string;
  const syncKey = randomBytes(32);

  const storeCall = (opts: InjectOptions) => store.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  async function sell(codes: string[]): Promise<SaleView> {
    let cart = (await storeCall({ method: 'POST', url: '/api/v1/carts', payload: {} })).json() as CartView;
    for (const code of codes) cart = (await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView;
    const paid = await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: cart.dueFen } });
    expect(paid.statusCode, paid.body).toBeLessThan(300);
    const done = await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(done.statusCode, done.body).toBeLessThan(300);
    return done.json() as SaleView;
  }
  const count = async (table: 'sales' | 'stock_moves' | 'shifts' | 'sync_received') => Number((await hq.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  async function events(fromSeq = 1): Promise<PushBody> {
    const rows = await storeCtx.db.selectFrom('outbox').selectAll().where('node_id', '=', storeCtx.nodeId).where('seq', '>=', fromSeq).orderBy('seq').execute();
    return { outboxNodeId: storeCtx.nodeId, events: rows.map((r) => ({ seq: r.seq, eventId: r.event_id, type: r.type, documentId: r.document_id, createdAt: r.created_at, payload: JSON.parse(r.payload) as unknown })) };
  }
  /** Queues `copies` in the store's outbox as `sale.completed` events, after every seq the store or HQ has used; returns the seq before them. */
  async function queueSales(copies: readonly SaleRecord[]): Promise<number> {
    const seqName = `outbox:${storeCtx.nodeId}`;
    // Earlier tests sent HQ events under seqs the store never used: the copies follow both.
    const start = Math.max((await storeCtx.db.selectFrom('sequences').select('last_value').where('name', '=', seqName).executeTakeFirstOrThrow()).last_value, (await node()).lastSeq);
    await storeCtx.db.transaction().execute(async (tx) => {
      for (let i = 0; i < copies.length; i += 50) {
        await tx
          .insertInto('outbox')
          .values(copies.slice(i, i + 50).map((b, k) => ({ node_id: storeCtx.nodeId, seq: start + i + k + 1, event_id: newId(), type: 'sale.completed', document_id: b.id, payload: JSON.stringify(b), created_at: b.createdAt })))
          .execute();
      }
      await tx.updateTable('sequences').set({ last_value: start + copies.length }).where('name', '=', seqName).execute();
    });
    return start;
  }
  /** A sale sold at the till and pushed, as its outbox event carries it. */
  async function soldAndPushed(): Promise<SaleRecord> {
    const [code] = await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').limit(1).execute();
    const sold = await sell([code?.barcode ?? '']);
    await sync.drain();
    return JSON.parse((await storeCtx.db.selectFrom('outbox').select('payload').where('document_id', '=', sold.id).executeTakeFirstOrThrow()).payload) as SaleRecord;
  }
  async function node() {
    const row = await hq.ctx.db.selectFrom('sync_nodes').selectAll().where('id', '=', credential.nodeId).executeTakeFirstOrThrow();
    return { id: row.id, storeId: row.store_id, outboxNodeId: row.outbox_node_id, lastSeq: row.last_seq };
  }

  beforeAll(async () => {
    hq = await startTestApp(hqHandle(), { products: 30 });
    configureSyncKey(hq.tp.nodeId, syncKey);
    await hq.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hq.tp.app.server.address();
    hqUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const admin = await hq.login('admin');
    const registered = await hq.tp.app.inject({ method: 'POST', url: '/api/v1/sync/nodes', headers: { authorization: `Bearer ${admin}` }, payload: { storeCode: 'S001' } });
    expect(registered.statusCode, registered.body).toBe(201);
    credential = registered.json() as NodeCredential;

    storeHandle = await openTestDatabase('sqlite');
    store = await createTillpoint({ config: loadConfig({ role: 'store', logLevel: 'silent' }, {}), clock: hq.clock, log: createLogger('silent'), handle: storeHandle, auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });
    storeCtx = { actor: null, db: storeHandle.db, clock: hq.clock, nodeId: store.nodeId, log: createLogger('silent') };
    sync = new StoreSync(storeCtx, { hqUrl, credential, dbKind: 'sqlite', batchSize: 3 });
    expect(await sync.pull(7)).toBeGreaterThan(30);
    const pin = await store.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    expect(pin.statusCode, pin.body).toBe(200);
    token = (pin.json() as { token: string }).token;
    const shift = await storeCall({ method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 10_000 } });
    expect(shift.statusCode, shift.body).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await storeHandle?.close();
    await hq?.close();
  });

  it('pulls the master data, then pushes sales: at HQ once each, with stock and cash', async () => {
    const barcodes = await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').limit(3).execute();
    const codes = barcodes.map((b) => b.barcode);
    const sold: SaleView[] = [];
    for (let i = 0; i < 5; i++) sold.push(await sell(codes.slice(0, 1 + (i % 3))));
    const status = (await storeCall({ method: 'GET', url: '/api/v1/sync/status' })).json() as { queuedEvents: number; oldestUnsyncedAt: string | null };
    expect(status.queuedEvents).toBe(6); // the shift and five sales
    expect(await sync.drain()).toBe(6);
    const after = (await storeCall({ method: 'GET', url: '/api/v1/sync/status' })).json() as { queuedEvents: number; ackedSeq: number; hqReachable: boolean };
    expect(after).toMatchObject({ queuedEvents: 0, ackedSeq: 6, hqReachable: true });
    const atHq = await hq.ctx.db.selectFrom('sales').select(['id', 'total_fen']).orderBy('id').execute();
    expect(atHq).toEqual(sold.map((s) => ({ id: s.id, total_fen: s.totalFen })).sort((a, b) => (a.id < b.id ? -1 : 1)));
    const storeMoves = await storeCtx.db.selectFrom('stock_moves').select(['sku_id', 'qty']).orderBy('sku_id').orderBy('qty').execute();
    const hqMoves = await hq.ctx.db.selectFrom('stock_moves').select(['sku_id', 'qty']).orderBy('sku_id').orderBy('qty').execute();
    expect(hqMoves).toEqual(storeMoves);
    const cash = await hq.ctx.db.selectFrom('cash_movements').select((eb) => eb.fn.sum<number>('amount_fen').as('fen')).executeTakeFirstOrThrow();
    expect(Number(cash.fen)).toBe(10_000 + sold.reduce((s, x) => s + x.totalFen, 0));
  });

  it('skips a duplicate batch and reordered events; a retry creates no second sale or stock move', async () => {
    const before = [await count('sales'), await count('stock_moves'), await count('sync_received')];
    const batch = await events();
    const ack = await applyBatch(hq.ctx, await node(), { ...batch, events: [...batch.events].reverse() });
    expect(ack).toEqual({ ackedSeq: 6, applied: 0, skipped: 6 });
    expect([await count('sales'), await count('stock_moves'), await count('sync_received')]).toEqual(before);
    // A new sale pushed inside a batch that repeats old events, out of order: only the new one applies.
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    const again = await events(5);
    expect(await applyBatch(hq.ctx, await node(), { ...again, events: [...again.events].reverse() })).toEqual({ ackedSeq: 7, applied: 1, skipped: 2 });
    expect(await count('sales')).toBe((before[0] ?? 0) + 1);
    await sync.drain();
    expect((await sync.status()).ackedSeq).toBe(7);
  });

  it('refuses a gap, naming the expected seq, and applies nothing', async () => {
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    const batch = await events(9);
    const err = await refusal(applyBatch(hq.ctx, await node(), batch));
    expect(err.code).toBe('SYNC_GAP');
    expect(err.details).toEqual({ expectedSeq: 8 });
    expect(await count('sales')).toBe(6);
    // The store's pusher resends from HQ's expected seq.
    expect(await sync.drain()).toBe(2);
    expect(await count('sales')).toBe(8);
  });

  it("refuses another store's documents: nothing from the batch is applied", async () => {
    const other = await hq.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow();
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    const batch = await events(10);
    const forged = batch.events.map((e, i) => (i === 1 ? { ...e, payload: { ...(e.payload as SaleRecord), storeId: other.id } } : e));
    const err = await refusal(applyBatch(hq.ctx, await node(), { ...batch, events: forged }));
    expect(err.code).toBe('SYNC_WRONG_STORE');
    expect(await count('sales')).toBe(8);
    expect((await node()).lastSeq).toBe(9);
  });

  it('refuses a tampered batch, a replayed request, a stale timestamp and an unknown node', async () => {
    const path = '/api/v1/sync/push';
    const body = JSON.stringify(await events(10));
    const secret = Buffer.from(credential.secret, 'base64url');
    const post = (headers: Record<string, string>, payload: string) => hq.tp.app.inject({ method: 'POST', url: path, headers: { ...headers, 'content-type': 'application/json' }, payload });
    const now = hq.clock.now().getTime();
    const headers = signedHeaders(credential.nodeId, secret, { method: 'POST', path, body }, now);
    const tampered = await post(headers, body.replace(/"totalFen":(\d+)/, (_, n: string) => `"totalFen":${Number(n) + 100}`));
    expect(tampered.statusCode).toBe(401);
    expect(tampered.json()).toMatchObject({ code: 'SYNC_SIGNATURE_INVALID' });
    const ok = await post(headers, body);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ ackedSeq: 11, applied: 2, skipped: 0 });
    expect((await post(headers, body)).json()).toMatchObject({ code: 'SYNC_REPLAYED' });
    const stale = await post(signedHeaders(credential.nodeId, secret, { method: 'POST', path, body }, now - 2 * 3_600_000), body);
    expect(stale.json()).toMatchObject({ code: 'SYNC_REPLAYED', details: { skewMs: -7_200_000 } });
    const stranger = await post(signedHeaders('0190aaaa-0000-7000-8000-000000000000', secret, { method: 'POST', path, body }, now), body);
    expect(stranger.json()).toMatchObject({ code: 'SYNC_NODE_UNKNOWN' });
    expect(await count('sales')).toBe(10);
    const storeSales = await storeCtx.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('fen')]).executeTakeFirstOrThrow();
    const hqSales = await hq.ctx.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('fen')]).executeTakeFirstOrThrow();
    expect([Number(hqSales.n), Number(hqSales.fen)]).toEqual([Number(storeSales.n), Number(storeSales.fen)]);
  });

  it('a store node two hours off signs by HQ\'s clock after the first refusal (ordering stays by seq)', async () => {
    const skewed = new StoreSync({ ...storeCtx, clock: { now: () => new Date(hq.clock.now().getTime() + 2 * 3_600_000) } }, { hqUrl, credential, dbKind: 'sqlite' });
    await sell([(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').executeTakeFirstOrThrow()).barcode]);
    // It resends 10 and 11 (it never heard HQ acknowledge them): HQ skips those, applies 12.
    expect(await skewed.drain()).toBe(3);
    expect((await skewed.status()).clockSkewMs).toBe(2 * 3_600_000);
    expect((await node()).lastSeq).toBe(12);
    const flagged = await hq.ctx.db.selectFrom('sync_nodes').select('clock_skew_ms').where('id', '=', credential.nodeId).executeTakeFirstOrThrow();
    expect(flagged.clock_skew_ms).toBe(2 * 3_600_000);
  });

  it('pushes a return: at HQ with its lines, refunds, stock back and the drawer’s refund, once', async () => {
    const [sale] = await hq.ctx.db.selectFrom('sales').select(['receipt_no', 'total_fen']).orderBy('created_at').limit(1).execute();
    const back = await storeCall({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale?.receipt_no, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    const returned = back.json() as { id: string; refundFen: number };
    expect(await sync.drain()).toBe(1);
    const atHq = await hq.ctx.db.selectFrom('returns').select(['id', 'refund_fen', 'status']).execute();
    expect(atHq).toEqual([{ id: returned.id, refund_fen: returned.refundFen, status: 'completed' }]);
    expect(await hq.ctx.db.selectFrom('return_lines').select('qty').where('return_id', '=', returned.id).execute()).toEqual([{ qty: 1 }]);
    const storeMoves = await storeCtx.db.selectFrom('stock_moves').select(['sku_id', 'qty', 'kind']).orderBy('sku_id').orderBy('qty').orderBy('kind').execute();
    const hqMoves = await hq.ctx.db.selectFrom('stock_moves').select(['sku_id', 'qty', 'kind']).orderBy('sku_id').orderBy('qty').orderBy('kind').execute();
    expect(hqMoves).toEqual(storeMoves);
    const refund = await hq.ctx.db.selectFrom('cash_movements').select('amount_fen').where('doc_id', '=', returned.id).execute();
    expect(refund).toEqual([{ amount_fen: -returned.refundFen }]);
  });

  it('a member registered at the store reaches HQ sealed, and their sale’s points follow', async () => {
    const registered = await storeCall({ method: 'POST', url: '/api/v1/members', payload: { phone: '13722223333', consentVersion: 'v1', consentAccepted: true } });
    expect(registered.statusCode, registered.body).toBe(201);
    const { id, cardNo } = registered.json() as { id: string; cardNo: string };
    const barcode = (await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').executeTakeFirstOrThrow()).barcode;
    const sale = await sell([cardNo, barcode]);
    expect(await sync.drain()).toBe(2);
    const atStore = await storeCtx.db.selectFrom('members').select(['phone_sealed', 'phone_index', 'points_balance']).where('id', '=', id).executeTakeFirstOrThrow();
    const atHq = await hq.ctx.db.selectFrom('members').select(['phone_sealed', 'phone_index', 'points_balance']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(atHq).toEqual(atStore);
    expect(atHq.points_balance).toBe(Math.floor(sale.totalFen / 100));
  });

  it('a coupon bought with points at the store reaches HQ once (points out), its use follows, and the store pulls it back unchanged', async () => {
    await saveMembersConfig(hq.ctx, { ...(await membersConfig(hq.ctx)), couponOffers: [{ id: 'C10', name: '¥10 优惠券', points: 500, valueFen: 1000, minSpendFen: 0, validDays: 30 }] });
    await sync.pull();
    const registered = await storeCall({ method: 'POST', url: '/api/v1/members', payload: { phone: '13722224444', consentVersion: 'v1', consentAccepted: true } });
    expect(registered.statusCode, registered.body).toBe(201);
    const { id, cardNo } = registered.json() as { id: string; cardNo: string };
    await sync.drain();
    for (const db of [storeCtx.db, hq.ctx.db]) await db.updateTable('members').set({ points_balance: 800 }).where('id', '=', id).execute();
    const bought = await storeCall({ method: 'POST', url: `/api/v1/members/${id}/coupons`, payload: { offerId: 'C10' } });
    expect(bought.statusCode, bought.body).toBe(201);
    const coupon = bought.json() as { id: string; code: string };
    const balance = async (db: Ctx['db']) => (await db.selectFrom('members').select('points_balance').where('id', '=', id).executeTakeFirstOrThrow()).points_balance;
    const status = async (db: Ctx['db']) => (await db.selectFrom('member_coupons').select('status').where('id', '=', coupon.id).executeTakeFirst())?.status;
    expect(await sync.drain()).toBe(1);
    expect([await balance(storeCtx.db), await balance(hq.ctx.db)]).toEqual([300, 300]);
    expect(await status(hq.ctx.db)).toBe('issued');
    // The same batch again (a retry after a lost answer): nothing booked twice.
    const again = await events();
    expect(await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: again.events.filter((e) => e.type === 'member.coupon_issued') })).toMatchObject({ applied: 0 });
    expect(await balance(hq.ctx.db)).toBe(300);

    // The coupon used in a sale at the store is used at HQ too.
    const barcode = (await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').executeTakeFirstOrThrow()).barcode;
    let cart = (await storeCall({ method: 'POST', url: '/api/v1/carts', payload: {} })).json() as CartView;
    for (const code of [cardNo, barcode, barcode]) cart = (await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView;
    const applied = await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/coupon`, payload: { code: coupon.code } });
    expect(applied.statusCode, applied.body).toBe(200);
    cart = applied.json() as CartView;
    await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: cart.dueFen } });
    const done = await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(done.statusCode, done.body).toBe(200);
    expect(await sync.drain()).toBe(1);
    expect([await status(storeCtx.db), await status(hq.ctx.db)]).toEqual(['used', 'used']);
    const sale = done.json() as SaleView;
    expect(await balance(hq.ctx.db)).toBe(300 + (sale.points?.earned ?? 0));
    await sync.pull();
    expect(await status(storeCtx.db)).toBe('used');
  });

  it('goods received at the store reach HQ as stock deltas', async () => {
    const login = await store.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager', password: 'demo' } });
    expect(login.statusCode, login.body).toBe(200);
    const manager = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    const call = async (method: 'POST' | 'GET', url: string, payload?: unknown) => {
      const res = await store.app.inject({ method, url: `/api/v1${url}`, headers: manager, payload: payload as object });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as { id: string };
    };
    const barcode = (await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').executeTakeFirstOrThrow()).barcode;
    await call('POST', '/suppliers', { code: 'SYNC-SUP', name: '同步供应商' });
    const po = await call('POST', '/purchase-orders', { store: 'S001', supplierCode: 'SYNC-SUP', lines: [{ code: barcode, qty: 12, unitCostFen: 100 }] });
    await call('POST', `/purchase-orders/${po.id}/send?store=S001`);
    await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: barcode, qty: 12 }] });
    expect(await sync.drain()).toBeGreaterThanOrEqual(1);
    const balances = async (db: Ctx['db']) => db.selectFrom('stock_balances').select(['sku_id', 'qty']).orderBy('sku_id').execute();
    expect(await balances(hq.ctx.db)).toEqual(await balances(storeCtx.db));
    // The documents too: the order as received, the receipt, and the store's moving-average cost.
    const order = async (db: Ctx['db']) => db.selectFrom('purchase_orders').select(['id', 'status', 'received_at']).where('id', '=', po.id).execute();
    expect(await order(hq.ctx.db)).toEqual([{ id: po.id, status: 'received', received_at: expect.any(String) }]);
    expect(await order(hq.ctx.db)).toEqual(await order(storeCtx.db));
    expect(await hq.ctx.db.selectFrom('purchase_order_lines').select(['qty_ordered', 'qty_received']).where('po_id', '=', po.id).execute()).toEqual([{ qty_ordered: 12, qty_received: 12 }]);
    expect(await hq.ctx.db.selectFrom('goods_receipts').select('po_id').execute()).toEqual([{ po_id: po.id }]);
    const costs = async (db: Ctx['db']) => db.selectFrom('stock_costs').select(['sku_id', 'avg_cost_fen']).orderBy('sku_id').execute();
    expect((await costs(hq.ctx.db)).length).toBe(1);
    expect(await costs(hq.ctx.db)).toEqual(await costs(storeCtx.db));
  });

  it('an approved stock count reaches HQ with its lines and its adjustment moves', async () => {
    const login = await store.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager', password: 'demo' } });
    const manager = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    const call = async <T,>(url: string, payload?: unknown) => {
      const res = await store.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: manager, payload: payload as object });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as T;
    };
    const barcode = (await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').executeTakeFirstOrThrow()).barcode;
    const count = await call<{ id: string }>('/stock-counts', { store: 'S001', scope: 'full' });
    await call(`/stock-counts/${count.id}/entries?store=S001`, { code: barcode, qty: 4 });
    await call(`/stock-counts/${count.id}/submit?store=S001`);
    const report = await call<{ lines: Array<{ difference: number }> }>(`/stock-counts/${count.id}/approve?store=S001`);
    expect(await sync.drain()).toBe(1);
    const atHq = await hq.ctx.db.selectFrom('stock_counts').select(['id', 'status', 'approved_at']).execute();
    expect(atHq).toEqual([{ id: count.id, status: 'approved', approved_at: expect.any(String) }]);
    const lines = async (db: Ctx['db']) => db.selectFrom('stock_count_lines').select(['sku_id', 'expected_qty', 'counted_qty', 'variance_fen']).where('count_id', '=', count.id).orderBy('sku_id').execute();
    expect((await lines(hq.ctx.db)).length).toBe(report.lines.length);
    expect(await lines(hq.ctx.db)).toEqual(await lines(storeCtx.db));
    const moves = await hq.ctx.db.selectFrom('stock_moves').select('qty').where('doc_id', '=', count.id).execute();
    expect(moves.length).toBe(report.lines.filter((l) => l.difference !== 0).length);
    const balances = async (db: Ctx['db']) => db.selectFrom('stock_balances').select(['sku_id', 'qty']).orderBy('sku_id').execute();
    expect(await balances(hq.ctx.db)).toEqual(await balances(storeCtx.db));
    expect((await balances(hq.ctx.db)).find((b) => b.qty !== 0 && b.qty !== 4)).toBeUndefined();
  });

  it("a member's return claws back the points at HQ as at the store", async () => {
    const sale = await hq.ctx.db.selectFrom('sales').select(['receipt_no', 'member_id']).where('member_id', 'is not', null).executeTakeFirstOrThrow();
    const memberId = sale.member_id as string;
    const before = await hq.ctx.db.selectFrom('members').select('points_balance').where('id', '=', memberId).executeTakeFirstOrThrow();
    const back = await storeCall({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receipt_no, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    const { id } = back.json() as { id: string };
    expect(await sync.drain()).toBe(1);
    const ledger = async (db: Ctx['db']) => db.selectFrom('member_points').select(['kind', 'points']).where('doc_id', '=', id).execute();
    const clawback = await ledger(hq.ctx.db);
    expect(clawback).toEqual(await ledger(storeCtx.db));
    expect(clawback).toEqual([{ kind: 'clawback', points: expect.any(Number) }]);
    const balance = async (db: Ctx['db']) => (await db.selectFrom('members').select('points_balance').where('id', '=', memberId).executeTakeFirstOrThrow()).points_balance;
    expect(await balance(hq.ctx.db)).toBe(before.points_balance + (clawback[0]?.points ?? 0));
    expect(await balance(hq.ctx.db)).toBe(await balance(storeCtx.db));
  });

  it('returns, receipts and counts sent again under new seqs, in reverse: no second return, move, points entry or receipt', async () => {
    const tables = ['returns', 'return_lines', 'return_refunds', 'stock_moves', 'member_points', 'cash_movements', 'goods_receipts', 'stock_count_lines'] as const;
    const counts = async () => Promise.all(tables.map(async (t) => Number((await hq.ctx.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)));
    const before = await counts();
    const documents = (await events()).events.filter((e) => e.type !== 'sale.completed' && e.type.includes('.') && !e.type.startsWith('shift') && !e.type.startsWith('member'));
    expect(documents.map((e) => e.type).sort()).toEqual(['goods_receipt.created', 'return.completed', 'return.completed', 'stock_count.approved']);
    const base = (await node()).lastSeq;
    const replayed = documents.reverse().map((e, i) => ({ ...e, seq: base + 1 + i, eventId: `${e.eventId}-again` }));
    expect(await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: replayed })).toEqual({ ackedSeq: base + replayed.length, applied: 0, skipped: replayed.length });
    expect(await counts()).toEqual(before);
  });

  it('books offline points in ledger order; a balance gone negative is kept and flagged', async () => {
    const memberId = '0190bbbb-0000-7000-8000-000000000001';
    const at = hq.clock.now().toISOString();
    await hq.ctx.db
      .insertInto('members')
      .values({ id: memberId, card_no: 'M000000001', phone_index: null, phone_sealed: null, name_sealed: null, birthday_sealed: null, tier_code: 'regular', tier_since: at, points_balance: 300, registered_store: credential.storeId, consent_version: '1', consent_sha256: 'x', consent_at: at, status: 'active', created_at: at, updated_at: at })
      .execute();
    // Two offline sales of the same member, fabricated after whatever HQ has applied so far.
    const base = (await node()).lastSeq;
    const last = (await events(1)).events.filter((e) => e.type === 'sale.completed').at(-1);
    if (!last) throw new Error('no sale to copy');
    const sale = last.payload as SaleRecord;
    const copy = (n: number, redeemed: number): PushBody['events'][number] => {
      const id = `0190cccc-0000-7000-8000-00000000000${n}`;
      return { ...last, seq: base + n, eventId: id, documentId: id, payload: { ...sale, id, receiptNo: `${sale.receiptNo}-X${n}`, receiptToken: `tok-${n}`, idempotencyKey: `idem-${n}`, tenders: [], memberId, points: { memberId, earned: 10, redeemed, balance: 0, tier: { code: 'regular', name: '' }, upgraded: false } } };
    };
    const ack = await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: [copy(1, 200), copy(2, 200)] });
    expect(ack).toEqual({ ackedSeq: base + 2, applied: 2, skipped: 0 });
    const member = await hq.ctx.db.selectFrom('members').select('points_balance').where('id', '=', memberId).executeTakeFirstOrThrow();
    expect(member.points_balance).toBe(300 - 200 + 10 - 200 + 10);
    const entries = await hq.ctx.db.selectFrom('member_points').select(['kind', 'points']).where('member_id', '=', memberId).orderBy('created_at').orderBy('id').execute();
    expect(entries).toEqual([{ kind: 'redeem', points: -200 }, { kind: 'earn', points: 10 }, { kind: 'redeem', points: -200 }, { kind: 'earn', points: 10 }]);
    const flagged = await hq.ctx.db.selectFrom('sync_exceptions').select(['code', 'doc_id']).execute();
    expect(flagged).toEqual([{ code: 'POINTS_NEGATIVE', doc_id: '0190cccc-0000-7000-8000-000000000002' }]);
  });

  it("a member's WeChat binding made at a store reaches HQ sealed (the pull would drop it otherwise); anonymising clears it", async () => {
    const member = await hq.ctx.db.selectFrom('members').select('id').where('status', '=', 'active').orderBy('id').executeTakeFirstOrThrow();
    const base = (await node()).lastSeq;
    const at = hq.clock.now().toISOString();
    const bound = { seq: base + 1, eventId: `${member.id}-w`, type: 'member.wechat_bound', documentId: `${member.id}:wechat:idx-1`, createdAt: at, payload: { memberId: member.id, openidSealed: 'sealed-openid', openidIndex: 'idx-1', at } };
    expect(await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: [bound] })).toMatchObject({ applied: 1 });
    const openid = async () => hq.ctx.db.selectFrom('members').select(['wechat_openid_sealed', 'wechat_openid_index']).where('id', '=', member.id).executeTakeFirstOrThrow();
    expect(await openid()).toEqual({ wechat_openid_sealed: 'sealed-openid', wechat_openid_index: 'idx-1' });
    const gone = { ...bound, seq: base + 2, eventId: `${member.id}-a`, type: 'member.anonymised', documentId: `${member.id}:anonymised`, payload: { memberId: member.id, at } };
    await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: [gone] });
    expect(await openid()).toEqual({ wechat_openid_sealed: null, wechat_openid_index: null });
  });


  it("applies a push whose stock moves pass both databases' limits on bound values: 400 baskets of 14 lines", async () => {
    const template = await soldAndPushed();
    const line = template.lines[0];
    if (!line) throw new Error('the sale has no line');
    // 5,600 moves of 12 values: past SQLite's 32,766 and PostgreSQL's 65,535 in one statement.
    const baskets = Array.from({ length: 400 }, (_x, i) => {
      const id = newId();
      return { ...template, id, receiptNo: `${template.receiptNo}-B${i}`, receiptToken: `${id}-t`, idempotencyKey: id, tenders: template.tenders.map((t) => ({ ...t, id: newId() })), lines: Array.from({ length: 14 }, (_y, k) => ({ ...line, lineNo: k + 1 })) };
    });
    const start = await queueSales(baskets);
    const onHand = async () => (await hq.ctx.db.selectFrom('stock_balances').select('qty').where('store_id', '=', template.storeId).where('sku_id', '=', line.skuId).executeTakeFirstOrThrow()).qty;
    const before = await onHand();
    expect(await applyBatch(hq.ctx, await node(), await events(start + 1))).toEqual({ ackedSeq: start + 400, applied: 400, skipped: 0 });
    await storeCtx.db.updateTable('sync_state').set({ acked_seq: start + 400 }).where('node_id', '=', storeCtx.nodeId).execute();
    expect(await onHand()).toBe(before - 400 * 14 * line.qty);
    const moves = await hq.ctx.db.selectFrom('stock_moves').select((eb) => eb.fn.countAll<number>().as('n')).where('doc_id', 'in', baskets.map((b) => b.id)).executeTakeFirstOrThrow();
    expect(Number(moves.n)).toBe(5600);
  });

  it("a push read in slices arrives whole and in seq order, and leaves the till's commits durable", async () => {
    const template = await soldAndPushed();
    const copies = Array.from({ length: 130 }, (_x, i) => {
      const id = newId();
      return { ...template, id, receiptNo: `${template.receiptNo}-P${i}`, receiptToken: `${id}-t`, idempotencyKey: id, tenders: template.tenders.map((t) => ({ ...t, id: newId() })) };
    });
    const start = await queueSales(copies);
    // 120 a push: slices of 50, 50 and 20, then the last 10.
    const pusher = new StoreSync(storeCtx, { hqUrl, credential, dbKind: 'sqlite', batchSize: 120 });
    try {
      expect(await pusher.pushOnce()).toBe(120);
      expect((await node()).lastSeq).toBe(start + 120);
      expect((await pusher.status()).ackedSeq).toBe(start + 120);
      // The acknowledgement is written without its own fsync; sales still commit with synchronous=FULL (2).
      expect(Number(storeHandle.sqlite?.pragma('synchronous', { simple: true }))).toBe(2);
      expect(await pusher.drain()).toBe(10);
      const received = await hq.ctx.db.selectFrom('sync_received').select('document_id').where('node_id', '=', credential.nodeId).where('seq', '>', start).orderBy('seq').execute();
      expect(received.map((r) => r.document_id)).toEqual(copies.map((c) => c.id));
      const atHq = await hq.ctx.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('fen')]).where('id', 'in', copies.map((c) => c.id)).executeTakeFirstOrThrow();
      expect([Number(atHq.n), Number(atHq.fen)]).toEqual([130, 130 * template.totalFen]);
    } finally {
      await pusher.stop();
    }
  });

  it('a coupon two stores both accepted offline: the first use stands, the second sale is kept and flagged COUPON_USED_TWICE', async () => {
    const used = (await events(1)).events.filter((e) => e.type === 'sale.completed').find((e) => (e.payload as SaleRecord).points?.couponId);
    if (!used) throw new Error('no coupon sale to copy');
    const sale = used.payload as SaleRecord;
    const id = '0190dddd-0000-7000-8000-000000000001';
    const again = { ...used, seq: (await node()).lastSeq + 1, eventId: id, documentId: id, payload: { ...sale, id, receiptNo: `${sale.receiptNo}-Y`, receiptToken: 'tok-y', idempotencyKey: 'idem-y', tenders: [] } };
    expect(await applyBatch(hq.ctx, await node(), { outboxNodeId: storeCtx.nodeId, events: [again] })).toMatchObject({ applied: 1 });
    const coupon = await hq.ctx.db.selectFrom('member_coupons').select(['status', 'used_sale_id']).where('id', '=', sale.points?.couponId ?? '').executeTakeFirstOrThrow();
    expect(coupon).toEqual({ status: 'used', used_sale_id: sale.id });
    const flagged = await hq.ctx.db.selectFrom('sync_exceptions').select(['code', 'doc_id']).where('code', '=', 'COUPON_USED_TWICE').execute();
    expect(flagged).toEqual([{ code: 'COUPON_USED_TWICE', doc_id: id }]);
  });

  it('offline: the till keeps selling, warns after 30 minutes, caps points per member, and restricts returns after 24 hours', async () => {
    const dead = new StoreSync(storeCtx, { hqUrl: 'http://127.0.0.1:9', credential, dbKind: 'sqlite', timeoutMs: 500 });
    try {
      await writeSetting(storeCtx.db, 'sync:offline-policy', JSON.stringify({ warnAfterMinutes: 30, restrictAfterHours: 24, maxUnsyncedFen: 5_000_000, offlineRedeemCapPoints: 100 }));
      const barcode = (await storeCtx.db.selectFrom('sku_barcodes').select('barcode').orderBy('barcode').executeTakeFirstOrThrow()).barcode;
      const sale = await sell([barcode]);
      // HQ does not answer the push of that sale: the store is offline from now.
      await expect(dead.drain()).rejects.toMatchObject({ code: 'SYNC_HQ_UNREACHABLE' });
      expect((await dead.status()).posture).toMatchObject({ offline: true, level: 'ok' });
      const signInAgain = async () => {
        // The cashier's session idles out over the hours the test skips; she signs in again.
        const pin = await store.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
        token = (pin.json() as { token: string }).token;
      };
      hq.clock.advance(31 * 60_000);
      await signInAgain();
      expect((await dead.status()).posture).toMatchObject({ offline: true, level: 'warn' });
      // A member with points may pay with at most 100 of them while offline.
      const member = await storeCtx.db.selectFrom('members').select(['id', 'card_no']).where('status', '=', 'active').executeTakeFirstOrThrow();
      await storeCtx.db.updateTable('members').set({ points_balance: 5_000 }).where('id', '=', member.id).execute();
      const cart = (await storeCall({ method: 'POST', url: '/api/v1/carts', payload: {} })).json() as CartView;
      await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: member.card_no } });
      for (let i = 0; i < 4; i++) await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: barcode } });
      const tooMany = await storeCall({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'points', amountFen: 200 } });
      expect(tooMany.json()).toMatchObject({ code: 'OFFLINE_REDEEM_CAP', details: { capPoints: 100, usedPoints: 0 } });
      hq.clock.advance(24 * 3_600_000);
      await signInAgain();
      expect((await dead.status()).posture).toMatchObject({ level: 'restricted' });
      const back = await storeCall({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
      expect(back.json()).toMatchObject({ code: 'OFFLINE_RESTRICTED' });
      // Selling goes on regardless.
      expect((await sell([barcode])).totalFen).toBeGreaterThan(0);
    } finally {
      await dead.stop();
    }
  });
});

describe('sync: signed requests', () => {
  it('verifySyncRequest names the refusal before touching the batch', async () => {
    const err = await refusal(
      verifySyncRequest({ db: { selectFrom: () => ({ selectAll: () => ({ where: () => ({ executeTakeFirst: async () => undefined }) }) }) }, log: createLogger('silent') } as unknown as Ctx, randomBytes(32), { method: 'POST', url: '/x', headers: {}, body: Buffer.alloc(0) }),
    );
    expect(err.code).toBe('SYNC_NODE_UNKNOWN');
  });
});
