// HQ's chain management with a store node on its own SQLite: store price overrides under HQ's
// policy (set at the store, kept through pulls, applied at HQ, revoked by HQ), an HQ price change
// served by the store's till after its next pull, and the stores & regions screen's API.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
import { configureSyncKey, type NodeCredential } from './keys';
import { DEFAULT_PULL_EVERY_MS, StoreSync } from './store-sync';
import { applyPriceOverrides } from './apply-price-overrides';
import { APP_VERSION, type ChainHealth } from './health';
import type { PushedEvent } from './apply';

describeEachDb('chain: HQ management and store price overrides', (hqHandle) => {
  let hq: TestApp;
  let store: Tillpoint;
  let storeHandle: DbHandle;
  let storeCtx: Ctx;
  let sync: StoreSync;
  let credential: NodeCredential;
  let admin: string;
  let manager: string;
  let cashier: string;
  // Two piece SKUs of the demo catalog, by code and barcode, with HQ's price.
  let cola: { code: string; barcode: string; priceFen: number };
  let other: { code: string; barcode: string; priceFen: number };

  const call = (app: Tillpoint, token: string, opts: InjectOptions) => app.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  const atHq = (token: string, opts: InjectOptions) => call(hq.tp, token, opts);
  const atStore = (token: string, opts: InjectOptions) => call(store, token, opts);
  /** What the store's till charges for one of `barcode`. */
  async function tillPrice(barcode: string): Promise<number> {
    const cart = (await atStore(cashier, { method: 'POST', url: '/api/v1/carts', payload: {} })).json() as CartView;
    const scanned = await atStore(cashier, { method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: barcode } });
    expect(scanned.statusCode, scanned.body).toBe(200);
    return (scanned.json() as CartView).lines[0]?.unitPriceFen ?? -1;
  }
  async function outboxEvents(type: string): Promise<PushedEvent[]> {
    const rows = await storeCtx.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('seq').execute();
    return rows.map((r) => ({ seq: r.seq, eventId: r.event_id, type: r.type, documentId: r.document_id, createdAt: r.created_at, payload: JSON.parse(r.payload) as unknown }));
  }
  const applyAtHq = (events: PushedEvent[]) => hq.ctx.db.transaction().execute((tx) => applyPriceOverrides({ ...hq.ctx, db: tx }, '', events));

  beforeAll(async () => {
    hq = await startTestApp(hqHandle(), { products: 30 });
    configureSyncKey(hq.tp.nodeId, randomBytes(32));
    await hq.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hq.tp.app.server.address();
    const hqUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = await hq.login('admin');
    const registered = await atHq(admin, { method: 'POST', url: '/api/v1/sync/nodes', payload: { storeCode: 'S001' } });
    expect(registered.statusCode, registered.body).toBe(201);
    credential = registered.json() as NodeCredential;
    const skus = await hq.ctx.db
      .selectFrom('skus')
      .innerJoin('sku_barcodes', 'sku_barcodes.sku_id', 'skus.id')
      .select(['skus.code', 'sku_barcodes.barcode', 'skus.price_fen'])
      .where('skus.unit', '=', 'piece')
      .where('skus.is_bundle', '=', 0)
      .where('skus.price_fen', '>=', 1000)
      .orderBy('skus.code')
      .limit(2)
      .execute();
    [cola, other] = skus.map((s) => ({ code: s.code, barcode: s.barcode, priceFen: s.price_fen })) as [typeof cola, typeof other];

    storeHandle = await openTestDatabase('sqlite');
    store = await createTillpoint({ config: loadConfig({ role: 'store', logLevel: 'silent' }, {}), clock: hq.clock, log: createLogger('silent'), handle: storeHandle, auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });
    storeCtx = { actor: null, db: storeHandle.db, clock: hq.clock, nodeId: store.nodeId, log: createLogger('silent') };
    sync = new StoreSync(storeCtx, { hqUrl, credential, dbKind: 'sqlite' });
    await sync.pull();
    const login = await store.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager', password: 'demo' } });
    expect(login.statusCode, login.body).toBe(200);
    manager = (login.json() as { token: string }).token;
    const pin = await store.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    cashier = (pin.json() as { token: string }).token;
    expect((await atStore(cashier, { method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 0 } })).statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await sync?.stop();
    await store?.close();
    await storeHandle?.close();
    await hq?.close();
  });

  it('refuses a store price while HQ’s policy does not allow it, stating the rule', async () => {
    const refused = await atStore(manager, { method: 'PUT', url: `/api/v1/stores/S001/price-overrides/${cola.code}`, payload: { priceFen: cola.priceFen - 100 } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'PRICE_OVERRIDE_NOT_ALLOWED', details: { rule: "HQ's policy does not let this store override prices" } });
    // HQ's own price table is not the store's to write either.
    const hqTable = await atStore(manager, { method: 'PUT', url: `/api/v1/stores/S001/prices/${cola.code}`, payload: { priceFen: 1 } });
    expect(hqTable.json()).toMatchObject({ code: 'PRICE_OWNED_BY_HQ' });
    expect(await tillPrice(cola.barcode)).toBe(cola.priceFen);
  });

  it('lets the store set its own price within HQ’s ±10 %, which the pull keeps and HQ’s price change does not replace', async () => {
    const policy = await atHq(admin, { method: 'PUT', url: '/api/v1/price-override-policy', payload: { scope: 'chain', policy: { allowed: true, maxDeltaPercent: 10 } } });
    expect(policy.statusCode, policy.body).toBe(200);
    await sync.pull();
    const high = Math.floor((cola.priceFen * 110) / 100);
    const tooHigh = await atStore(manager, { method: 'PUT', url: `/api/v1/stores/S001/price-overrides/${cola.code}`, payload: { priceFen: high + 1 } });
    expect(tooHigh.statusCode).toBe(403);
    expect((tooHigh.json() as { detail: string }).detail).toContain(`±10 %`);
    const own = cola.priceFen - 50;
    const set = await atStore(manager, { method: 'PUT', url: `/api/v1/stores/S001/price-overrides/${cola.code}`, payload: { priceFen: own } });
    expect(set.statusCode, set.body).toBe(200);
    expect(await tillPrice(cola.barcode)).toBe(own);

    // HQ raises its price for both SKUs at S001: the till takes the new one after the pull, except where the store set its own.
    for (const sku of [cola, other]) expect((await atHq(admin, { method: 'PUT', url: `/api/v1/stores/S001/prices/${sku.code}`, payload: { priceFen: sku.priceFen + 200 } })).statusCode).toBe(204);
    expect(await tillPrice(other.barcode)).toBe(other.priceFen);
    await sync.pull();
    expect(await tillPrice(other.barcode)).toBe(other.priceFen + 200);
    expect(await tillPrice(cola.barcode)).toBe(own);
    const listed = (await atStore(manager, { method: 'GET', url: '/api/v1/stores/S001/price-overrides' })).json() as { overrides: Array<{ skuCode: string; priceFen: number; hqPriceFenAtSet: number; hqPriceFen: number; inEffect: boolean }> };
    expect(listed.overrides).toEqual([expect.objectContaining({ skuCode: cola.code, priceFen: own, hqPriceFenAtSet: cola.priceFen, hqPriceFen: cola.priceFen + 200, inEffect: true })]);
    // Stores pull at least every minute, so HQ's change reaches the tills within one.
    expect(DEFAULT_PULL_EVERY_MS).toBeLessThanOrEqual(60_000);
  });

  it('sends the override to HQ once, where HQ’s prices for the store show it, whatever order events arrive in', async () => {
    const [event] = await outboxEvents('price.overridden');
    expect(event?.payload).toMatchObject({ priceFen: cola.priceFen - 50, hqPriceFen: cola.priceFen });
    await sync.drain();
    // HQ's dispatcher (apply.ts) hands `price.overridden` to applyPriceOverrides; applying again changes nothing.
    await applyAtHq([event as PushedEvent]);
    await applyAtHq([event as PushedEvent]);
    const atHqList = (await atHq(admin, { method: 'GET', url: '/api/v1/stores/S001/price-overrides' })).json() as { overrides: Array<{ priceFen: number; inEffect: boolean }> };
    expect(atHqList.overrides).toEqual([expect.objectContaining({ priceFen: cola.priceFen - 50, inEffect: true })]);
    const products = (await atHq(admin, { method: 'GET', url: `/api/v1/products?q=${cola.code}&store=S001` })).json() as { products: Array<{ priceFen: number }> };
    expect(products.products[0]?.priceFen).toBe(cola.priceFen - 50);
    // An older act arriving late does not undo a newer one.
    await applyAtHq([{ ...(event as PushedEvent), payload: { ...(event?.payload as object), priceFen: 1, setAt: '2000-01-01T00:00:00.000Z' } }]);
    const row = await hq.ctx.db.selectFrom('store_price_overrides').select('price_fen').executeTakeFirstOrThrow();
    expect(row.price_fen).toBe(cola.priceFen - 50);
  });

  it('HQ revokes the override: the till charges HQ’s price after the next pull; the store may set one again', async () => {
    const storeAdmin = (await store.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'demo' } })).json() as { token: string };
    expect((await atStore(storeAdmin.token, { method: 'POST', url: `/api/v1/stores/S001/price-overrides/${cola.code}/revoke` })).json()).toMatchObject({ code: 'PRICE_OWNED_BY_HQ' });
    hq.clock.advance(1000);
    const revoked = await atHq(admin, { method: 'POST', url: `/api/v1/stores/S001/price-overrides/${cola.code}/revoke` });
    expect(revoked.statusCode, revoked.body).toBe(204);
    await sync.pull();
    expect(await tillPrice(cola.barcode)).toBe(cola.priceFen + 200);
    const listed = (await atStore(manager, { method: 'GET', url: '/api/v1/stores/S001/price-overrides' })).json() as { overrides: Array<{ inEffect: boolean; revokedAt: string | null }> };
    expect(listed.overrides).toEqual([expect.objectContaining({ inEffect: false, revokedAt: hq.clock.now().toISOString() })]);
    hq.clock.advance(1000);
    expect((await atStore(manager, { method: 'PUT', url: `/api/v1/stores/S001/price-overrides/${cola.code}`, payload: { priceFen: cola.priceFen + 150 } })).statusCode).toBe(200);
    expect(await tillPrice(cola.barcode)).toBe(cola.priceFen + 150);
    // At HQ the newer override stands over the revocation.
    const events = await outboxEvents('price.overridden');
    await applyAtHq(events);
    const row = await hq.ctx.db.selectFrom('store_price_overrides').select(['price_fen', 'revoked_at']).executeTakeFirstOrThrow();
    expect(row).toEqual({ price_fen: cola.priceFen + 150, revoked_at: null });
  });

  it('shows HQ every store with its region and node health: online, version, queue, last pull; offline after 3 minutes of silence', async () => {
    // One event waits at the store: its new override.
    await sync.pull();
    const health = (await atHq(admin, { method: 'GET', url: '/api/v1/sync/nodes' })).json() as ChainHealth & { nodes: unknown[] };
    expect(health.stores.map((s) => s.code)).toEqual(['S001', 'S002']);
    const s1 = health.stores[0];
    expect(s1?.node).toMatchObject({ nodeId: credential.nodeId, online: true, appVersion: APP_VERSION, lastPullAt: hq.clock.now().toISOString(), queuedEvents: 1 });
    expect(health.stores[1]?.node).toBeNull();
    expect(s1?.regionCode).not.toBeNull();
    expect(health.regions.find((r) => r.code === s1?.regionCode)?.storeCodes).toEqual(['S001', 'S002']);
    await sync.drain();
    const drained = (await atHq(admin, { method: 'GET', url: '/api/v1/sync/nodes' })).json() as ChainHealth;
    expect(drained.stores[0]?.node?.queuedEvents).toBe(0);
    hq.clock.advance(3 * 60_000 + 1);
    const later = (await atHq(admin, { method: 'GET', url: '/api/v1/sync/nodes' })).json() as ChainHealth;
    expect(later.stores[0]?.node?.online).toBe(false);
  });

  it('lets a chain admin create and edit regions and stores; others and store nodes may not', async () => {
    const region = await atHq(admin, { method: 'POST', url: '/api/v1/regions', payload: { code: 'EAST', name: '华东区' } });
    expect(region.statusCode, region.body).toBe(201);
    const created = await atHq(admin, { method: 'POST', url: '/api/v1/stores', payload: { code: 'S009', name: '徐汇店', regionCode: 'EAST', address: '上海市徐汇区漕溪北路 1 号' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'S009', timeZone: 'Asia/Shanghai', dayCutover: '00:00', address: '上海市徐汇区漕溪北路 1 号' });
    const edited = await atHq(admin, { method: 'PATCH', url: '/api/v1/stores/S009', payload: { name: '徐汇旗舰店', dayCutover: '04:00' } });
    expect(edited.json()).toMatchObject({ name: '徐汇旗舰店', dayCutover: '04:00', address: '上海市徐汇区漕溪北路 1 号' });
    const badZone = await atHq(admin, { method: 'PATCH', url: '/api/v1/stores/S009', payload: { timeZone: 'Mars/Olympus' } });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'timeZone' } });
    expect((await atHq(admin, { method: 'POST', url: '/api/v1/stores', payload: { code: 'S009', name: 'again' } })).statusCode).toBe(409);
    expect((await atHq(admin, { method: 'PATCH', url: '/api/v1/regions/EAST', payload: { name: '华东大区' } })).json()).toMatchObject({ code: 'EAST', name: '华东大区' });
    const regional = await hq.login('regional');
    expect((await atHq(regional, { method: 'PATCH', url: '/api/v1/stores/S001', payload: { name: 'mine now' } })).statusCode).toBe(403);
    expect((await atStore(manager, { method: 'PATCH', url: '/api/v1/stores/S001', payload: { name: 'mine now' } })).json()).toMatchObject({ code: 'STORE_DATA_OWNED_BY_HQ' });
    // The store node takes the new store and name on its next pull.
    await sync.pull();
    const atStoreNode = await storeCtx.db.selectFrom('stores').select(['name', 'address']).where('code', '=', 'S009').executeTakeFirstOrThrow();
    expect(atStoreNode).toEqual({ name: '徐汇旗舰店', address: '上海市徐汇区漕溪北路 1 号' });
  });
});
