// Two store nodes selling the same SKU while HQ is out of reach: stock is deltas, so once both
// have pushed, HQ's balances are the start minus each store's sales, and the chain's total is the
// start minus both — nothing overwritten.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { describeEachDb, openTestDatabase } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { createTillpoint, type Tillpoint } from '../app';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logging';
import { createUser } from '../platform/auth/users';
import type { DbHandle } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { generateKeyRing, memberKeysFrom } from '../members/index';
import type { CartView } from '../checkout/cart';
import { configureSyncKey, type NodeCredential } from './keys';
import { StoreSync } from './store-sync';

describeEachDb('sync: two stores sell the same SKU offline', (hqHandle) => {
  let hq: TestApp;
  let hqUrl: string;
  const nodes: Array<{ code: string; tp: Tillpoint; handle: DbHandle; ctx: Ctx; sync: StoreSync; token: string }> = [];
  let barcode = '';
  let skuId = '';

  beforeAll(async () => {
    hq = await startTestApp(hqHandle(), { products: 30, stores: 2 });
    configureSyncKey(hq.tp.nodeId, randomBytes(32));
    await hq.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hq.tp.app.server.address();
    hqUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const s2 = await hq.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow();
    await createUser(hq.ctx, { username: 'cashier-s2', password: 'demo-pass-2', pin: '2468', grants: [{ role: 'cashier', scopeKind: 'store', scopeRef: s2.id }] });
    const row = await hq.ctx.db.selectFrom('sku_barcodes').innerJoin('skus', 'skus.id', 'sku_barcodes.sku_id').select(['sku_barcodes.barcode', 'skus.id']).where('skus.is_bundle', '=', 0).where('skus.unit', '=', 'piece').orderBy('sku_barcodes.barcode').executeTakeFirstOrThrow();
    barcode = row.barcode;
    skuId = row.id;
    const admin = await hq.login('admin');
    for (const [code, user, pin] of [['S001', 'cashier', '1234'], ['S002', 'cashier-s2', '2468']] as const) {
      const registered = await hq.tp.app.inject({ method: 'POST', url: '/api/v1/sync/nodes', headers: { authorization: `Bearer ${admin}` }, payload: { storeCode: code } });
      const credential = registered.json() as NodeCredential;
      const handle = await openTestDatabase('sqlite');
      const tp = await createTillpoint({ config: loadConfig({ role: 'store', logLevel: 'silent' }, {}), clock: hq.clock, log: createLogger('silent'), handle, auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });
      const ctx: Ctx = { actor: null, db: handle.db, clock: hq.clock, nodeId: tp.nodeId, log: createLogger('silent') };
      const sync = new StoreSync(ctx, { hqUrl, credential, dbKind: 'sqlite' });
      await sync.pull();
      const signIn = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: code, terminalCode: 'T01', username: user, pin } });
      expect(signIn.statusCode, signIn.body).toBe(200);
      const token = (signIn.json() as { token: string }).token;
      const shift = await tp.app.inject({ method: 'POST', url: '/api/v1/shifts/open', headers: { authorization: `Bearer ${token}` }, payload: { floatFen: 0 } });
      expect(shift.statusCode, shift.body).toBe(201);
      nodes.push({ code, tp, handle, ctx, sync, token });
    }
  }, 90_000);
  afterAll(async () => {
    for (const n of nodes) {
      await n.sync.stop();
      await n.tp.close();
      await n.handle.close();
    }
    await hq?.close();
  });

  it('both drain when HQ answers; HQ has each store’s sales as deltas and the chain total is start minus both', async () => {
    const sell = async (n: (typeof nodes)[number], qty: number) => {
      const call = (opts: InjectOptions) => n.tp.app.inject({ ...opts, headers: { authorization: `Bearer ${n.token}` } });
      const cart = (await call({ method: 'POST', url: '/api/v1/carts', payload: {} })).json() as CartView;
      const scanned = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: barcode, qty } })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: scanned.dueFen + 1000 } });
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).statusCode).toBe(200);
    };
    // Neither store has pushed yet (offline as far as HQ knows): three and two pieces sold.
    await sell(nodes[0]!, 3);
    await sell(nodes[1]!, 2);
    await sell(nodes[1]!, 1);
    for (const n of nodes) await n.sync.drain();
    const atHq = await hq.ctx.db
      .selectFrom('stock_balances')
      .innerJoin('stores', 'stores.id', 'stock_balances.store_id')
      .select(['stores.code', 'stock_balances.qty'])
      .where('stock_balances.sku_id', '=', skuId)
      .orderBy('stores.code')
      .execute();
    expect(atHq).toEqual([
      { code: 'S001', qty: -3 },
      { code: 'S002', qty: -3 },
    ]);
    expect(atHq.reduce((s, r) => s + r.qty, 0)).toBe(-6);
  });

  it('a transfer S001 → S002 ends in the same state at HQ whichever store pushes first, each end moved once', async () => {
    const [from, to] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const signIn = async (n: (typeof nodes)[number]) => ((await n.tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'demo' } })).json() as { token: string }).token;
    const tokens = new Map([[from, await signIn(from)], [to, await signIn(to)]]);
    const call = async <T,>(n: (typeof nodes)[number], url: string, payload: unknown) => {
      const res = await n.tp.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokens.get(n)}` }, payload: payload as object });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as T;
    };
    async function sendAndReceive(): Promise<string> {
      const { id } = await call<{ id: string }>(from, '/transfers', { from: 'S001', to: 'S002', lines: [{ code: barcode, qty: 5 }] });
      // Carried over by hand (the inbound feed, inbound.test.ts, hands over only what HQ has), so the
      // receiver's event can reach HQ before the sender's.
      await to.handle.db.insertInto('transfers').values(await from.handle.db.selectFrom('transfers').selectAll().where('id', '=', id).execute()).execute();
      await to.handle.db.insertInto('transfer_lines').values(await from.handle.db.selectFrom('transfer_lines').selectAll().where('transfer_id', '=', id).execute()).execute();
      await call(to, `/transfers/${id}/receive?store=S002`, { lines: [{ code: barcode, qty: 4 }] });
      return id;
    }
    const senderFirst = await sendAndReceive();
    expect(await from.sync.drain()).toBe(1);
    expect(await to.sync.drain()).toBe(1);
    const receiverFirst = await sendAndReceive();
    expect(await to.sync.drain()).toBe(1);
    expect(await from.sync.drain()).toBe(1);

    const transfer = async (db: Ctx['db'], id: string) => ({
      header: await db.selectFrom('transfers').selectAll().where('id', '=', id).execute(),
      lines: await db.selectFrom('transfer_lines').select(['line_no', 'sku_id', 'qty_sent', 'qty_received', 'unit_cost_fen']).where('transfer_id', '=', id).orderBy('line_no').execute(),
    });
    for (const id of [senderFirst, receiverFirst]) {
      const atHq = await transfer(hq.ctx.db, id);
      expect(atHq.header).toMatchObject([{ status: 'received', received_at: expect.any(String) }]);
      expect(atHq.lines).toMatchObject([{ qty_sent: 5, qty_received: 4 }]);
      expect(atHq).toEqual(await transfer(to.handle.db, id));
    }
    const moves = await hq.ctx.db.selectFrom('stock_moves').select(['kind', 'qty']).where('doc_id', 'in', [senderFirst, receiverFirst]).orderBy('kind').execute();
    expect(moves).toEqual([{ kind: 'transfer_in', qty: 4 }, { kind: 'transfer_in', qty: 4 }, { kind: 'transfer_out', qty: -5 }, { kind: 'transfer_out', qty: -5 }]);
    // Each store's balance and average cost at HQ is the store's own.
    for (const n of nodes) {
      const storeId = (await hq.ctx.db.selectFrom('stores').select('id').where('code', '=', n.code).executeTakeFirstOrThrow()).id;
      const of = async (db: Ctx['db']) => ({
        qty: (await db.selectFrom('stock_balances').select('qty').where('store_id', '=', storeId).where('sku_id', '=', skuId).executeTakeFirst())?.qty,
        cost: (await db.selectFrom('stock_costs').select('avg_cost_fen').where('store_id', '=', storeId).where('sku_id', '=', skuId).executeTakeFirst())?.avg_cost_fen,
      });
      expect(await of(hq.ctx.db), n.code).toEqual(await of(n.handle.db));
    }
    expect((await hq.ctx.db.selectFrom('stock_balances').select('qty').where('sku_id', '=', skuId).execute()).map((b) => b.qty).sort()).toEqual([-13, 5]);
  });
});
