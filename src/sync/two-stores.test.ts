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
});
