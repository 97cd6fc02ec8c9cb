// The incremental pull: HQ (on each database) numbers every change of its master data, and a store
// node on its own SQLite asks only for what changed after the last change it applied, in pages.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { describeEachDb, openTestDatabase } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { createLogger } from '../platform/logging';
import { newId } from '../platform/ids';
import type { DbHandle } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { configureSyncKey, type NodeCredential } from './keys';
import { PULLED_TABLES, readPullPage } from './pull';
import { StoreSync } from './store-sync';

describeEachDb('sync: pull by change cursor', (hqHandle) => {
  let hq: TestApp;
  let hqUrl: string;
  let storeHandle: DbHandle;
  let storeCtx: Ctx;
  let sync: StoreSync;
  let credential: NodeCredential;
  const realFetch = globalThis.fetch;
  let pullCalls = 0;

  /** Counts the pull requests the store node makes; `failAt` makes that one (1-based) fail as a dropped connection. */
  function watchPulls(failAt?: number) {
    pullCalls = 0;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (String(input).includes('/api/v1/sync/pull') && ++pullCalls === failAt) throw new TypeError('fetch failed: connection reset');
      return realFetch(input, init);
    });
  }
  const rowsOf = async (db: Ctx['db'], table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]?.n);
  const prices = async (db: Ctx['db']) => db.selectFrom('skus').select(['id', 'price_fen']).orderBy('id').execute();

  beforeAll(async () => {
    hq = await startTestApp(hqHandle(), { products: 30 });
    configureSyncKey(hq.tp.nodeId, randomBytes(32));
    await hq.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hq.tp.app.server.address();
    hqUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const admin = await hq.login('admin');
    const registered = await hq.tp.app.inject({ method: 'POST', url: '/api/v1/sync/nodes', headers: { authorization: `Bearer ${admin}` }, payload: { storeCode: 'S001' } });
    expect(registered.statusCode, registered.body).toBe(201);
    credential = registered.json() as NodeCredential;
    // 1,250 more SKUs with a barcode each: 2,500 rows on top of the demo's.
    const category = await hq.ctx.db.selectFrom('categories').select('id').executeTakeFirstOrThrow();
    const at = hq.clock.now().toISOString();
    const skus = Array.from({ length: 1250 }, (_, i) => ({ id: newId(), code: `BULK${String(i).padStart(5, '0')}`, name: `散装商品 ${i}`, category_id: category.id, unit: 'piece', price_fen: 100 + i, cost_fen: 50, plu: null, is_bundle: 0, active: 1, created_at: at, updated_at: at }));
    const template = await hq.ctx.db.selectFrom('skus').selectAll().executeTakeFirstOrThrow();
    const rows = skus.map((s) => ({ ...template, ...s }));
    for (let i = 0; i < rows.length; i += 200) await hq.ctx.db.insertInto('skus').values(rows.slice(i, i + 200)).execute();
    const barcodes = skus.map((s, i) => ({ barcode: `29${String(i).padStart(10, '0')}`, sku_id: s.id }));
    for (let i = 0; i < barcodes.length; i += 200) await hq.ctx.db.insertInto('sku_barcodes').values(barcodes.slice(i, i + 200)).execute();

    storeHandle = await openTestDatabase('sqlite');
    storeCtx = { actor: null, db: storeHandle.db, clock: hq.clock, nodeId: newId(), log: createLogger('silent') };
    sync = new StoreSync(storeCtx, { hqUrl, credential, dbKind: 'sqlite' });
  }, 120_000);
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await sync?.stop();
    await storeHandle?.close();
    await hq?.close();
  });

  it('a first sync of 2,500+ rows reads every table in pages of 500, and the store then has what HQ has', async () => {
    let total = 0;
    for (const { table } of PULLED_TABLES) total += table === 'settings' ? 0 : await rowsOf(hq.ctx.db, table);
    const settings = await hq.ctx.db.selectFrom('settings').select('key').where((eb) => eb.or(['checkout:%', 'members:%', 'returns:policy%', 'catalog:price-override%'].map((p) => eb('key', 'like', p)))).execute();
    total += settings.length;
    expect(total).toBeGreaterThan(2500);
    watchPulls();
    expect(await sync.pull(500)).toBe(total);
    // Every table at least once, the big ones in pages of 500, then one read of the changes since.
    expect(pullCalls).toBeGreaterThanOrEqual(Math.ceil(2500 / 500) + PULLED_TABLES.length);
    for (const table of ['skus', 'sku_barcodes', 'users', 'user_roles', 'members']) expect(await rowsOf(storeCtx.db, table), table).toBe(await rowsOf(hq.ctx.db, table));
    expect(await prices(storeCtx.db)).toEqual(await prices(hq.ctx.db));
    const status = await sync.status();
    expect(status.pulledChangeNo).toBeGreaterThan(0);
    expect(status.pullBehind).toBe(0);
  });

  it('a price change at HQ reaches the store on its next pull, and only the changed rows travel', async () => {
    const three = (await hq.ctx.db.selectFrom('skus').select('id').orderBy('id').limit(3).execute()).map((s) => s.id);
    await hq.ctx.db.updateTable('skus').set((eb) => ({ price_fen: eb('price_fen', '+', 100) })).where('id', 'in', three).execute();
    watchPulls();
    expect(await sync.pull(500)).toBe(3);
    expect(pullCalls).toBe(1);
    expect(await prices(storeCtx.db)).toEqual(await prices(hq.ctx.db));
    // Nothing changed since: an empty page.
    expect(await sync.pull(500)).toBe(0);
  });

  it('a removed barcode and a withdrawn role disappear at the store', async () => {
    const barcode = await hq.ctx.db.selectFrom('sku_barcodes').select(['barcode', 'sku_id']).orderBy('barcode').executeTakeFirstOrThrow();
    const role = await hq.ctx.db.selectFrom('user_roles').innerJoin('users', 'users.id', 'user_roles.user_id').select(['user_roles.user_id', 'user_roles.role', 'user_roles.scope_kind', 'user_roles.scope_ref']).where('users.username', '=', 'cashier2').executeTakeFirstOrThrow();
    await hq.ctx.db.deleteFrom('sku_barcodes').where('barcode', '=', barcode.barcode).execute();
    await hq.ctx.db.deleteFrom('user_roles').where('user_id', '=', role.user_id).where('role', '=', role.role).where('scope_kind', '=', role.scope_kind).where('scope_ref', '=', role.scope_ref).execute();
    expect(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').where('barcode', '=', barcode.barcode).execute()).toHaveLength(1);
    expect(await sync.pull()).toBe(2);
    expect(await storeCtx.db.selectFrom('sku_barcodes').select('barcode').where('barcode', '=', barcode.barcode).execute()).toEqual([]);
    expect(await storeCtx.db.selectFrom('user_roles').select('role').where('user_id', '=', role.user_id).where('role', '=', role.role).execute()).toEqual([]);
    expect(await rowsOf(storeCtx.db, 'sku_barcodes')).toBe(await rowsOf(hq.ctx.db, 'sku_barcodes'));
  });

  it('a pull cut off after two pages resumes after the last page applied, without loss or repeats', async () => {
    const thirty = (await hq.ctx.db.selectFrom('skus').select('id').orderBy('id', 'desc').limit(30).execute()).map((s) => s.id);
    for (const id of thirty) await hq.ctx.db.updateTable('skus').set((eb) => ({ price_fen: eb('price_fen', '+', 7) })).where('id', '=', id).execute();
    const before = (await sync.status()).pulledChangeNo;
    watchPulls(3);
    await expect(sync.pull(10)).rejects.toMatchObject({ code: 'SYNC_HQ_UNREACHABLE' });
    const state = await sync.status();
    expect(state.pulledChangeNo - before).toBe(20);
    expect(state.pullBehind).toBe(10);
    vi.restoreAllMocks();
    // The rest: ten rows, not thirty.
    expect(await sync.pull(10)).toBe(10);
    expect(await prices(storeCtx.db)).toEqual(await prices(hq.ctx.db));
    expect((await sync.status()).pullBehind).toBe(0);
  });

  it('a new SKU whose new category changed again after it still arrives: the page is asked again with room for the parent', async () => {
    const parent = await hq.ctx.db.selectFrom('categories').selectAll().executeTakeFirstOrThrow();
    const category = { ...parent, id: newId(), code: 'PULL-NEW', name: '新品类', parent_id: null };
    await hq.ctx.db.insertInto('categories').values(category).execute();
    const template = await hq.ctx.db.selectFrom('skus').selectAll().executeTakeFirstOrThrow();
    const sku = { ...template, id: newId(), code: 'PULLNEW1', plu: null, category_id: category.id };
    await hq.ctx.db.insertInto('skus').values(sku).execute();
    await readPullPage(hq.ctx, undefined, 1); // numbered: category, then SKU
    await hq.ctx.db.updateTable('categories').set({ name: '新品类（改）' }).where('id', '=', category.id).execute();
    // Pages of one: the SKU comes first, its category (now changed later) only after it.
    expect(await sync.pull(1)).toBe(2);
    expect(await storeCtx.db.selectFrom('categories').select('name').where('id', '=', category.id).executeTakeFirst()).toEqual({ name: '新品类（改）' });
    expect(await storeCtx.db.selectFrom('skus').select('category_id').where('id', '=', sku.id).executeTakeFirst()).toEqual({ category_id: category.id });
  });

  it("HQ's node list says how far each node has pulled and how many changes it is behind", async () => {
    const changed = ['checkout:pull-test', 'members:pull-test'];
    await hq.ctx.db.insertInto('settings').values(changed.map((key) => ({ key, value: '1' }))).execute();
    const admin = await hq.login('admin');
    const nodes = async () => ((await hq.tp.app.inject({ method: 'GET', url: '/api/v1/sync/nodes', headers: { authorization: `Bearer ${admin}` } })).json() as { nodes: Array<{ nodeId: string; pulledChangeNo: number; pullBehind: number }> }).nodes.find((n) => n.nodeId === credential.nodeId);
    // Numbered when the next pull asks; a page read does the numbering.
    await readPullPage(hq.ctx, undefined, 1);
    expect(await nodes()).toMatchObject({ pullBehind: changed.length });
    expect(await sync.pull()).toBe(changed.length);
    expect(await nodes()).toMatchObject({ pulledChangeNo: (await sync.status()).pulledChangeNo, pullBehind: 0 });
  });

  it('every pulled table records its changes (a table added to the pull needs its triggers too)', async () => {
    const triggers = hq.tp.handle.kind === 'sqlite' ? sql<{ t: string }>`select distinct tbl_name as t from sqlite_master where type = 'trigger' and name like '%_changes_%'` : sql<{ t: string }>`select distinct event_object_table as t from information_schema.triggers where trigger_name like '%_changes'`;
    const tracked = (await triggers.execute(hq.ctx.db)).rows.map((r) => r.t);
    for (const { table } of PULLED_TABLES) expect(tracked, table).toContain(table);
  });
});
