// A transfer between two store nodes, end to end through HQ: S001's node sends, S002's node learns
// of it on its regular pull and receives it (short by one), S001's node learns it was received;
// S003's node never sees it, and nothing is applied, pushed or moved twice.
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
import type { TransferView } from '../inventory/transfers';
import { configureSyncKey, type NodeCredential } from './keys';
import { StoreSync } from './store-sync';
import { applyInboundPage, readInboundPage, type InboundPage } from './inbound';

interface Node {
  code: string;
  storeId: string;
  tp: Tillpoint;
  handle: DbHandle;
  sync: StoreSync;
  token: string;
}

describeEachDb('sync: a transfer between two store nodes through HQ', (hqHandle) => {
  let hq: TestApp;
  const nodes = new Map<string, Node>();
  const node = (code: string) => nodes.get(code) as Node;
  // Two piece SKUs of the demo catalog.
  let cola: { id: string; barcode: string };
  let chips: { id: string; barcode: string };
  let transferId = '';
  let inTransitAtHq: InboundPage;

  const at = (n: Node, opts: InjectOptions) => n.tp.app.inject({ ...opts, url: `/api/v1${opts.url}`, headers: { authorization: `Bearer ${n.token}` } });
  const transferAt = async (n: Node, id = transferId) => ({
    header: await n.handle.db.selectFrom('transfers').select(['store_id', 'to_store_id', 'transfer_no', 'status', 'received_at']).where('id', '=', id).execute(),
    lines: await n.handle.db.selectFrom('transfer_lines').select(['line_no', 'sku_id', 'qty_sent', 'qty_received']).where('transfer_id', '=', id).orderBy('line_no').execute(),
  });
  /** Everything a pull could wrongly change at a node: its transfers, stock moves and outbox. */
  const stateOf = async (n: Node) => ({
    transfers: await n.handle.db.selectFrom('transfers').selectAll().orderBy('id').execute(),
    lines: await n.handle.db.selectFrom('transfer_lines').selectAll().orderBy('transfer_id').orderBy('line_no').execute(),
    moves: await n.handle.db.selectFrom('stock_moves').select(['store_id', 'sku_id', 'kind', 'qty', 'doc_id']).orderBy('id').execute(),
    outbox: await n.handle.db.selectFrom('outbox').select(['seq', 'type', 'document_id']).orderBy('seq').execute(),
  });

  beforeAll(async () => {
    hq = await startTestApp(hqHandle(), { products: 30, stores: 3 });
    configureSyncKey(hq.tp.nodeId, randomBytes(32));
    await hq.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hq.tp.app.server.address();
    const hqUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const pieces = await hq.ctx.db.selectFrom('sku_barcodes').innerJoin('skus', 'skus.id', 'sku_barcodes.sku_id').select(['sku_barcodes.barcode', 'skus.id']).where('skus.is_bundle', '=', 0).where('skus.unit', '=', 'piece').orderBy('sku_barcodes.barcode').limit(2).execute();
    [cola, chips] = pieces as [typeof cola, typeof chips];
    const admin = await hq.login('admin');
    for (const code of ['S001', 'S002', 'S003']) {
      const registered = await hq.tp.app.inject({ method: 'POST', url: '/api/v1/sync/nodes', headers: { authorization: `Bearer ${admin}` }, payload: { storeCode: code } });
      expect(registered.statusCode, registered.body).toBe(201);
      const credential = registered.json() as NodeCredential;
      const handle = await openTestDatabase('sqlite');
      const tp = await createTillpoint({ config: loadConfig({ role: 'store', logLevel: 'silent' }, {}), clock: hq.clock, log: createLogger('silent'), handle, auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });
      const ctx: Ctx = { actor: null, db: handle.db, clock: hq.clock, nodeId: tp.nodeId, log: createLogger('silent') };
      const sync = new StoreSync(ctx, { hqUrl, credential, dbKind: 'sqlite' });
      await sync.pull();
      const signIn = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'demo' } });
      expect(signIn.statusCode, signIn.body).toBe(200);
      nodes.set(code, { code, storeId: credential.storeId, tp, handle, sync, token: (signIn.json() as { token: string }).token });
    }
  }, 120_000);
  afterAll(async () => {
    for (const n of nodes.values()) {
      await n.sync.stop();
      await n.tp.close();
      await n.handle.close();
    }
    await hq?.close();
  });

  it('S001 sends 5 + 3 and pushes; S002 pulls it in transit with its lines, and pushes nothing for it', async () => {
    const [a, b] = [node('S001'), node('S002')];
    const sent = await at(a, { method: 'POST', url: '/transfers', payload: { from: 'S001', to: 'S002', lines: [{ code: cola.barcode, qty: 5 }, { code: chips.barcode, qty: 3 }] } });
    expect(sent.statusCode, sent.body).toBe(201);
    transferId = (sent.json() as TransferView).id;
    // Before S001 pushes, HQ has nothing to hand over.
    await b.sync.pull();
    expect((await transferAt(b)).header).toEqual([]);
    expect(await a.sync.drain()).toBe(1);

    const outboxBefore = (await stateOf(b)).outbox;
    await b.sync.pull();
    const listed = await at(b, { method: 'GET', url: '/transfers?store=S002&status=in_transit' });
    expect(listed.json()).toMatchObject({ transfers: [{ id: transferId, fromStore: 'S001', toStore: 'S002', status: 'in_transit', direction: 'in' }] });
    const view = (await at(b, { method: 'GET', url: `/transfers/${transferId}` })).json() as TransferView;
    expect(view.lines.map((l) => [l.skuId, l.qtySent, l.qtyReceived])).toEqual([
      [cola.id, 5, null],
      [chips.id, 3, null],
    ]);
    // The inbound copy is S001's document: S002's node queues no transfer.sent, and its stock has not moved.
    expect((await stateOf(b)).outbox).toEqual(outboxBefore);
    expect(await b.handle.db.selectFrom('stock_moves').select('id').where('doc_id', '=', transferId).execute()).toEqual([]);
    inTransitAtHq = await readInboundPage(hq.ctx, b.storeId, undefined, 1000);
    expect(inTransitAtHq.transfers.map((t) => [t.transfer.id, t.transfer.status])).toEqual([[transferId, 'in_transit']]);
  });

  it('S002 receives 5 + 2 (one short) once, and pushes only the receipt; HQ has it received with each store moved once', async () => {
    const b = node('S002');
    const received = await at(b, { method: 'POST', url: `/transfers/${transferId}/receive?store=S002`, payload: { lines: [{ code: cola.barcode, qty: 5 }, { code: chips.barcode, qty: 2 }] } });
    expect(received.statusCode, received.body).toBe(200);
    expect((received.json() as TransferView).lines.map((l) => [l.qtySent, l.qtyReceived, l.difference, l.result])).toEqual([
      [5, 5, 0, 'ok'],
      [3, 2, -1, 'short'],
    ]);
    const again = await at(b, { method: 'POST', url: `/transfers/${transferId}/receive?store=S002`, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'TRANSFER_NOT_IN_TRANSIT' });
    expect((await b.handle.db.selectFrom('outbox').select('type').where('document_id', '=', transferId).execute()).map((r) => r.type)).toEqual(['transfer.received']);
    expect(await b.sync.drain()).toBe(1);

    const atHq = await hq.ctx.db.selectFrom('transfers').select(['status', 'received_at']).where('id', '=', transferId).execute();
    expect(atHq).toEqual([{ status: 'received', received_at: hq.clock.now().toISOString() }]);
    const lines = await hq.ctx.db.selectFrom('transfer_lines').select(['sku_id', 'qty_sent', 'qty_received']).where('transfer_id', '=', transferId).orderBy('line_no').execute();
    expect(lines.map((l) => [l.sku_id, l.qty_sent, l.qty_received, l.qty_received === null ? null : l.qty_received - l.qty_sent])).toEqual([
      [cola.id, 5, 5, 0],
      [chips.id, 3, 2, -1],
    ]);
    const moves = await hq.ctx.db.selectFrom('stock_moves').innerJoin('stores', 'stores.id', 'stock_moves.store_id').select(['stores.code', 'kind', 'sku_id', 'qty']).where('doc_id', '=', transferId).orderBy('stores.code').orderBy('qty').execute();
    expect(moves.map((m) => [m.code, m.kind, m.sku_id === cola.id ? 'cola' : 'chips', m.qty])).toEqual([
      ['S001', 'transfer_out', 'cola', -5],
      ['S001', 'transfer_out', 'chips', -3],
      ['S002', 'transfer_in', 'chips', 2],
      ['S002', 'transfer_in', 'cola', 5],
    ]);
  });

  it('S001 pulls and sees it received with the difference; S003 never sees it; re-pulling changes nothing anywhere', async () => {
    const [a, b, c] = [node('S001'), node('S002'), node('S003')];
    const movesBefore = (await stateOf(a)).moves;
    await a.sync.pull();
    const view = (await at(a, { method: 'GET', url: `/transfers/${transferId}` })).json() as TransferView;
    expect(view).toMatchObject({ status: 'received', receivedAt: hq.clock.now().toISOString() });
    expect(view.lines.map((l) => [l.qtySent, l.qtyReceived, l.difference])).toEqual([
      [5, 5, 0],
      [3, 2, -1],
    ]);
    // S001 learns of the receipt only: no stock moves of S002's, nothing queued to push.
    expect((await stateOf(a)).moves).toEqual(movesBefore);
    expect((await a.handle.db.selectFrom('outbox').select('type').where('document_id', '=', transferId).execute()).map((r) => r.type)).toEqual(['transfer.sent']);
    expect((await a.sync.status()).queuedEvents).toBe(0);
    expect(await transferAt(a)).toEqual(await transferAt(b));

    await c.sync.pull();
    expect(await c.handle.db.selectFrom('transfers').select('id').execute()).toEqual([]);
    expect((await readInboundPage(hq.ctx, c.storeId, undefined, 1000)).transfers).toEqual([]);

    const before = await Promise.all([a, b, c].map(stateOf));
    for (const n of [a, b, c]) await n.sync.pull();
    expect(await Promise.all([a, b, c].map(stateOf))).toEqual(before);
    // A stale in-transit copy never takes S002's received transfer back into transit.
    const none = async () => undefined;
    expect(await applyInboundPage(b.handle.db, b.storeId, inTransitAtHq, none)).toBe(0);
    expect((await transferAt(b)).header).toMatchObject([{ status: 'received' }]);
  });

  it('pages: transfers from two stores reach S002 one per page, none missed, none twice; other stores’ pages are refused', async () => {
    const [a, b, c] = [node('S001'), node('S002'), node('S003')];
    const ids: string[] = [];
    for (const from of [a, c, a]) {
      const sent = await at(from, { method: 'POST', url: '/transfers', payload: { from: from.code, to: 'S002', lines: [{ code: cola.barcode, qty: 1 }] } });
      expect(sent.statusCode, sent.body).toBe(201);
      ids.push((sent.json() as TransferView).id);
      await from.sync.drain();
    }
    await b.sync.pull(1);
    const inTransit = await b.handle.db.selectFrom('transfers').select('id').where('to_store_id', '=', b.storeId).where('status', '=', 'in_transit').orderBy('id').execute();
    expect(inTransit.map((r) => r.id)).toEqual([...ids].sort());
    expect(await b.handle.db.selectFrom('transfer_lines').select('transfer_id').where('transfer_id', 'in', ids).execute()).toHaveLength(3);

    // S001's node is handed nothing of S003 → S002, and refuses a page that carries it.
    expect(await a.handle.db.selectFrom('transfers').select('id').where('id', '=', ids[1] as string).execute()).toEqual([]);
    const theirs = await readInboundPage(hq.ctx, b.storeId, undefined, 1000);
    await expect(applyInboundPage(a.handle.db, a.storeId, theirs, async () => undefined)).rejects.toMatchObject({ code: 'SYNC_WRONG_STORE' });
    expect(await a.handle.db.selectFrom('transfers').select('id').where('id', '=', ids[1] as string).execute()).toEqual([]);
    await expect(readInboundPage(hq.ctx, b.storeId, 'not-a-cursor', 10)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
