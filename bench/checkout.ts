// Checkout benches, each beside its baseline in the same run (DESIGN §10):
// 1. barcode lookup in a 200,000-SKU index (classify + lookup) beside a bare Map.get;
// 2. scan → priced cart over HTTP, 50 concurrent tills, beside GET /healthz under the same load;
// 3. durable sale completion through the service (SQLite, synchronous=FULL), one till at a time
//    and 8 or 32 tills at once, beside bare better-sqlite3 transactions writing the same rows;
// 4. the till usable after load (Chromium), when Chromium is installed.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { CatalogIndex } from '../src/catalog/catalog-index';
import { generateDemoCatalog } from '../src/catalog/demo-catalog';
import { normalizeGtin } from '../src/catalog/barcode';
import { classifyScan } from '../src/checkout/scan-code';
import { createTillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { authenticate } from '../src/platform/auth/sessions';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { addSku, addTender, completeSale, createCart } from '../src/checkout/service';
import { openShift } from '../src/checkout/shifts';
import { catalogIndex } from '../src/catalog/index';
import { runTillpoint, startServer } from '../src/platform/testing/cli';
import autocannon from 'autocannon';
import { loadTest, machine, pacedLoad } from './harness';

function percentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(4));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

/** 1. Barcode lookup: classify the scanned text and find the SKU, per call. */
export function benchLookup(products = 200_000, lookups = 200_000) {
  const catalog = generateDemoCatalog({ products, seed: 7 });
  let n = 0;
  const index = new CatalogIndex({
    categories: catalog.categories.map((c) => ({ id: c.code, code: c.code, name: c.name, parentId: c.parentCode, vatRate: c.vatRate })),
    skus: catalog.skus.map((s) => ({ id: `sku${n++}`, code: s.code, name: s.name, unit: s.unit, categoryId: s.categoryCode, priceFen: s.priceFen, costFen: s.costFen, plu: s.plu, barcodes: s.barcodes.map(normalizeGtin), active: true, components: [] })),
    storePrices: [],
  });
  const codes = catalog.skus.flatMap((s) => s.barcodes);
  const bare = new Map(codes.map((c, i) => [c, i]));
  const pick = (i: number) => codes[(i * 7919) % codes.length] ?? '';
  const time = (fn: (code: string) => unknown) => {
    for (let i = 0; i < 20_000; i++) fn(pick(i)); // warm up the JIT
    const samples: number[] = [];
    for (let i = 0; i < lookups; i++) {
      const code = pick(i);
      const t0 = performance.now();
      if (fn(code) === undefined) throw new Error(`lookup missed ${code}`);
      samples.push(performance.now() - t0);
    }
    return percentiles(samples);
  };
  const subject = time((code) => {
    const r = classifyScan(code);
    return r.kind === 'gtin' ? index.byBarcodeKey(r.code) : undefined;
  });
  const baseline = time((code) => bare.get(code));
  return { skus: products, lookups, subject: { name: 'classifyScan + index lookup', ...subject }, baseline: { name: 'Map.get', ...baseline }, budgetP99Ms: 0.05 };
}

/**
 * 2. Scan → priced cart over HTTP, 50 tills. Paced: each till scans every 50 ms on its own
 * staggered schedule (1,000 scans/s in all, far above a real store), open loop over keep-alive
 * connections. Saturated: autocannon, each connection a till opening a cart and scanning 30
 * products into it. /healthz under the same load is the baseline each time.
 */
export async function benchScanHttp(products = 200_000, tills = 50, durationS = 10) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-scan-'));
  const t0 = performance.now();
  const seeded = await runTillpoint(['seed', '--demo', '--products', String(products), '--data', data]);
  if (seeded.code !== 0) throw new Error(seeded.stderr);
  const seedSeconds = (performance.now() - t0) / 1000;
  const server = await startServer(['--data', data]);
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'cashier', password: 'demo' }) });
    const token = ((await login.json()) as { token: string }).token;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const list = await fetch(`${server.url}/api/v1/products?q=&limit=200`, { headers });
    const codes = ((await list.json()) as { products: Array<{ barcodes: string[]; unit: string }> }).products.filter((p) => p.unit === 'piece' && p.barcodes[0]).map((p) => p.barcodes[0] ?? '');
    let next = 0;
    const basket: autocannon.Request[] = [
      {
        method: 'POST',
        path: '/api/v1/carts',
        body: JSON.stringify({ storeCode: 'S001', terminalCode: 'T01' }),
        onResponse: (_status, body, context) => {
          (context as { cartId?: string }).cartId = (JSON.parse(body) as { id: string }).id;
        },
      },
      ...Array.from({ length: 30 }, (): autocannon.Request => ({
        method: 'POST',
        setupRequest: (req, context) => ({ ...req, path: `/api/v1/carts/${String((context as { cartId?: string }).cartId)}/scan`, body: JSON.stringify({ code: codes[next++ % codes.length] }) }),
      })),
    ];
    const run = (name: string, scan: boolean) =>
      loadTest(name, { url: scan ? server.url : `${server.url}/healthz`, headers: scan ? headers : undefined, connections: tills, durationS, requests: scan ? basket : undefined });
    // Paced: each till scans every 50 ms on its own schedule (1,000 scans/s in all), open loop.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 * tills });
    const send = (method: string, pathname: string, body?: unknown) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(`${server.url}${pathname}`, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const carts: string[] = [];
    for (let i = 0; i < tills; i++) carts.push((JSON.parse(await new Promise<string>((resolve, reject) => {
      const req = http.request(`${server.url}/api/v1/carts`, { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ storeCode: 'S001', terminalCode: 'T01' }));
    })) as { id: string }).id);
    const paced = { clients: tills, intervalMs: 50, durationMs: durationS * 1000 };
    const baseline = await pacedLoad('GET /healthz, 1,000/s evenly over 50 clients', { ...paced, request: () => send('GET', '/healthz') });
    const subject = await pacedLoad('scan into a cart (a new basket every 30 scans), 1,000/s evenly over 50 tills', {
      ...paced,
      request: async (till, n) => {
        const cart = carts[till] ?? '';
        if (n > 0 && n % 30 === 0) await send('POST', `/api/v1/carts/${cart}/clear`, {});
        return send('POST', `/api/v1/carts/${cart}/scan`, { code: codes[(till * 31 + n) % codes.length] });
      },
    });
    agent.destroy();
    const saturatedBaseline = await run('GET /healthz, saturated', false);
    const saturated = await run('scan into a cart, saturated', true);
    return { skus: products, tills, durationS, seedSeconds: Number(seedSeconds.toFixed(1)), subject, baseline, saturated, saturatedBaseline, budgetP99Ms: 5, data, server };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** 3. Durable sale completion through the service beside bare transactions of the same rows. */
export async function benchCompletion(sales = 3000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-sale-'));
  const config = loadConfig({ data: dir, logLevel: 'silent' }, {});
  const log = createLogger('silent');
  const tp = await createTillpoint({ config, clock: systemClock, log });
  const base: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log };
  await seedDemo(base, { products: 2000 });
  const login = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'cashier', password: 'demo' } });
  const actor = await authenticate(base, tp.app.sessionPolicy, (login.json() as { token: string }).token);
  const ctx: Ctx = { ...base, actor };
  const till = { storeCode: 'S001', terminalCode: 'T01' };
  await openShift(ctx, { ...till, floatFen: 0 });
  const index = await catalogIndex(ctx);
  const skus = index.search('', 500).items.filter((s) => s.unit === 'piece' && s.components.length === 0);

  const paidCart = async (i: number) => {
    const cart = await createCart(ctx, till);
    for (let k = 0; k < 3; k++) await addSku(ctx, cart.id, { skuId: skus[(i * 3 + k) % skus.length]?.id ?? '' });
    await addTender(ctx, cart.id, { method: 'cash' });
    return cart.id;
  };
  // One till after another: each completion waits for its own durable commit.
  let completeMs = 0;
  for (let i = 0; i < sales; i++) {
    const cartId = await paidCart(i);
    const t0 = performance.now();
    await completeSale(ctx, cartId);
    completeMs += performance.now() - t0;
  }
  // Several tills completing at once (a busy store node): completions that meet share a commit
  // and one statement per table. Carts are scanned and paid first; only completion is timed.
  const concurrent = [];
  for (const tills of [8, 32]) {
    const cartIds: string[] = [];
    for (let i = 0; i < sales; i++) cartIds.push(await paidCart(sales * (tills === 8 ? 1 : 2) + i));
    const c0 = performance.now();
    await Promise.all(
      Array.from({ length: tills }, async (_x, w) => {
        for (let i = w; i < sales; i += tills) await completeSale(ctx, cartIds[i] ?? '');
      }),
    );
    const ms = performance.now() - c0;
    concurrent.push({ name: `completeSale, ${tills} tills at once`, tills, salesPerSec: Math.round(sales / (ms / 1000)), msPerSale: Number((ms / sales).toFixed(3)) });
  }
  await tp.close();

  // The raw limit: the same rows (sale, 3 lines, tender, 3 stock moves + balances, 2 cash
  // movements, receipt counter, audit, outbox and their sequences) in bare prepared statements.
  const raw = new SqliteDatabase(path.join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`create table sales(store_id, id, receipt_no, terminal_id, shift_id, cashier_id, business_date, created_at, subtotal_fen, discount_fen, rounding_fen, total_fen, paid_fen, change_fen, receipt_token, idempotency_key, status, primary key(store_id, id));
    create table sale_lines(store_id, sale_id, line_no, sku_id, name, unit, qty, unit_price_fen, list_fen, discount_fen, total_fen, cost_fen, vat_rate, category_id, promotions, primary key(store_id, sale_id, line_no));
    create table sale_tenders(store_id, id, sale_id, method, amount_fen, tendered_fen, change_fen, status, created_at, primary key(store_id, id));
    create table stock_moves(store_id, id, sku_id, qty, kind, doc_type, doc_id, cost_fen, business_date, created_at, primary key(store_id, id));
    create table stock_balances(store_id, sku_id, qty, updated_at, primary key(store_id, sku_id));
    create table cash_movements(store_id, id, shift_id, kind, amount_fen, doc_id, business_date, created_at, primary key(store_id, id));
    create table receipt_counters(store_id, terminal_id, business_date, last_seq, primary key(store_id, terminal_id, business_date));
    create table sequences(name primary key, last_value);
    create table audit_log(node_id, seq, id, at, action, doc_type, doc_id, data, prev_hash, hash, primary key(node_id, seq));
    create table outbox(node_id, seq, event_id, type, document_id, payload, created_at, primary key(node_id, seq));`);
  const st = {
    sale: raw.prepare('insert into sales values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)'),
    line: raw.prepare('insert into sale_lines values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)'),
    tender: raw.prepare('insert into sale_tenders values (?,?,?,?,?,?,?,?,?)'),
    move: raw.prepare('insert into stock_moves values (?,?,?,?,?,?,?,?,?,?)'),
    balance: raw.prepare('insert into stock_balances values (?,?,?,?) on conflict(store_id, sku_id) do update set qty = qty + excluded.qty'),
    cash: raw.prepare('insert into cash_movements values (?,?,?,?,?,?,?,?)'),
    counter: raw.prepare("insert into receipt_counters values ('S', 'T', '2026-11-30', 1) on conflict do update set last_seq = last_seq + 1 returning last_seq"),
    seq: raw.prepare('insert into sequences values (?, 1) on conflict(name) do update set last_value = last_value + 1 returning last_value'),
    audit: raw.prepare('insert into audit_log values (?,?,?,?,?,?,?,?,?,?)'),
    outbox: raw.prepare('insert into outbox values (?,?,?,?,?,?,?)'),
  };
  const write = raw.transaction((i: number) => {
    const id = newId();
    const now = new Date().toISOString();
    const seq = (st.counter.get() as { last_seq: number }).last_seq;
    st.sale.run('S', id, `S-T-${seq}`, 'T', 'shift', 'u', '2026-11-30', now, 3000, 0, 0, 3000, 3000, 0, id, id, 'completed');
    for (let k = 1; k <= 3; k++) {
      st.line.run('S', id, k, `sku${(i * 3 + k) % 500}`, '商品', 'piece', 1, 1000, 1000, 0, 1000, 600, '0.13', 'c', '[]');
      st.move.run('S', newId(), `sku${(i * 3 + k) % 500}`, -1, 'sale', 'sale', id, 600, '2026-11-30', now);
      st.balance.run('S', `sku${(i * 3 + k) % 500}`, -1, now);
    }
    st.tender.run('S', newId(), id, 'cash', 3000, 100000, 97000, 'succeeded', now);
    st.cash.run('S', newId(), 'shift', 'sale', 100000, id, '2026-11-30', now);
    st.cash.run('S', newId(), 'shift', 'change', -97000, id, '2026-11-30', now);
    const a = (st.seq.get('audit') as { last_value: number }).last_value;
    st.audit.run('n', a, newId(), now, 'sale.completed', 'sale', id, '{}', 'prev', 'hash');
    const o = (st.seq.get('outbox') as { last_value: number }).last_value;
    st.outbox.run('n', o, newId(), 'sale.completed', id, '{"sale":1}', now);
  });
  const r0 = performance.now();
  for (let i = 0; i < sales; i++) write(i);
  const rawMs = performance.now() - r0;
  raw.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    sales,
    subject: { name: 'completeSale, one till at a time (service, Kysely, SQLite FULL)', salesPerSec: Math.round(sales / (completeMs / 1000)), msPerSale: Number((completeMs / sales).toFixed(3)) },
    concurrent,
    baseline: { name: 'bare better-sqlite3 transaction, same rows', salesPerSec: Math.round(sales / (rawMs / 1000)), msPerSale: Number((rawMs / sales).toFixed(3)) },
    budgetSalesPerSec: 2000,
  };
}

/** 4. From navigation to a scan box ready to take input, with the 200,000-SKU catalog loaded. */
async function benchTillLoad(url: string): Promise<{ msToUsable: number[] } | { skipped: string }> {
  const { CHROMIUM, LAUNCH_ARGS } = await import('../e2e/browser');
  if (!fs.existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM}` };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pin = await page.request.post(`${url}/api/v1/auth/pin`, { data: { storeCode: 'S001', terminalCode: 'T02', username: 'cashier2', pin: '1234' } });
    const { csrfToken } = (await pin.json()) as { csrfToken: string };
    await page.request.post(`${url}/api/v1/shifts/open`, { data: { floatFen: 0 }, headers: { 'x-csrf-token': csrfToken } });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await page.goto(`${url}/pos`);
      await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
      times.push(Math.round(performance.now() - t0));
    }
    return { msToUsable: times };
  } finally {
    await browser.close();
  }
}

export async function benchCheckout() {
  // The HTTP load runs first: the lookup bench leaves a 200,000-SKU heap in this process, whose
  // garbage collection would otherwise pause the load generator and add to measured latencies.
  const scan = await benchScanHttp();
  let tillLoad;
  try {
    tillLoad = await benchTillLoad(scan.server.url);
  } finally {
    await scan.server.stop();
    fs.rmSync(scan.data, { recursive: true, force: true });
  }
  const lookup = benchLookup();
  const completion = await benchCompletion();
  const { server: _s, data: _d, ...scanFigures } = scan;
  return { subject: 'checkout', machine: machine(), lookup, scanHttp: scanFigures, completion, tillLoad: { budgetMs: 2000, ...tillLoad } };
}
