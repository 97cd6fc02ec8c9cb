// Fault tests with real processes on loopback: `tillpoint start --role hq` and `--role store`,
// a proxy between them that loses acknowledgements and duplicates batches, HQ down while the
// store sells, and kill -9 of the store mid-stream. HQ must end with every sale exactly once.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../platform/db/index';
import { freePort, runTillpoint, startServer, type RunningServer } from '../platform/testing/cli';

process.env.TILLPOINT_SYNC_INTERVAL_MS = '200';
process.env.TILLPOINT_SYNC_MAX_BACKOFF_MS = '400';

/** Waits for `check` to hold, polling (bounded), never a fixed sleep. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A proxy to HQ that, when chaos is on, drops 30 % of push answers after HQ committed and sends 30 % of pushes twice. */
function chaosProxy(target: () => string) {
  let chaos = false;
  let seed = 7;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const stats = { dropped: 0, duplicated: 0 };
  const forward = (req: http.IncomingMessage, body: Buffer) =>
    fetch(`${target()}${req.url ?? '/'}`, { method: req.method, headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-tp-') || k === 'content-type')) as Record<string, string>, body: body.length ? body.toString('utf8') : undefined });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPush = req.url?.startsWith('/api/v1/sync/push') ?? false;
      void (async () => {
        try {
          const answer = await forward(req, body);
          const text = await answer.text();
          if (chaos && isPush && rand() < 0.3) {
            await forward(req, body).then((r) => r.text());
            stats.duplicated++;
          }
          if (chaos && isPush && rand() < 0.3) {
            stats.dropped++;
            res.destroy();
            return;
          }
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
        } catch {
          res.destroy();
        }
      })();
    });
  });
  return {
    stats,
    setChaos: (on: boolean) => (chaos = on),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sync between real processes (HQ down, lost acknowledgements, kill -9)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-sync-'));
  const hqDir = path.join(tmp, 'hq');
  const storeDir = path.join(tmp, 'store');
  let hqPort: number;
  let hq: RunningServer | undefined;
  let store: RunningServer | undefined;
  let proxy: ReturnType<typeof chaosProxy>;
  let proxyUrl: string;
  let hqDb: DbHandle;
  let storeDb: DbHandle;
  let token = '';
  let barcodes: string[] = [];
  const acknowledged = new Set<string>();

  const startHq = () => startServer(['--role', 'hq', '--data', hqDir, '--port', String(hqPort)], 120_000);
  const startStore = () => startServer(['--role', 'store', '--store', 'S001', '--hq-url', proxyUrl, '--data', storeDir], 120_000);
  async function api(method: string, url: string, payload?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    if (!store) throw new Error('store not running');
    const res = await fetch(`${store.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, body: payload ? JSON.stringify(payload) : undefined });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  async function sell(i: number): Promise<void> {
    const cart = await api('POST', '/api/v1/carts', {});
    const id = String(cart.json.id);
    let due = 0;
    for (const code of barcodes.slice(0, 1 + (i % 3))) due = Number((await api('POST', `/api/v1/carts/${id}/scan`, { code })).json.dueFen);
    await api('POST', `/api/v1/carts/${id}/tenders`, { method: 'cash', amountFen: due });
    const done = await api('POST', `/api/v1/carts/${id}/complete`);
    if (done.status !== 200 && done.status !== 201) throw new Error(`sale ${i} failed: ${JSON.stringify(done.json)}`);
    acknowledged.add(String(done.json.id));
  }
  const totals = async (db: DbHandle) => {
    const r = await db.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('fen')]).executeTakeFirstOrThrow();
    return { n: Number(r.n), fen: Number(r.fen ?? 0) };
  };
  const drained = async () => JSON.stringify(await totals(hqDb)) === JSON.stringify(await totals(storeDb));

  beforeAll(async () => {
    hqPort = await freePort();
    proxy = chaosProxy(() => `http://127.0.0.1:${hqPort}`);
    proxyUrl = await proxy.listen();
    hq = await startHq();
    const reg = await runTillpoint(['sync', 'register', '--store', 'S001', '--data', hqDir, '--key-out', path.join(storeDir, 'keys', 'sync-node.json')]);
    expect(reg.code, reg.stderr).toBe(0);
    store = await startStore();
    const pin = await fetch(`${store.url}/api/v1/auth/pin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' }) });
    expect(pin.status).toBe(200);
    token = ((await pin.json()) as { token: string }).token;
    expect((await api('POST', '/api/v1/shifts/open', { floatFen: 0 })).status).toBe(201);
    hqDb = await openDatabase({ kind: 'sqlite', path: path.join(hqDir, 'tillpoint.db') });
    storeDb = await openDatabase({ kind: 'sqlite', path: path.join(storeDir, 'tillpoint.db') });
    barcodes = (await storeDb.db.selectFrom('sku_barcodes').innerJoin('skus', 'skus.id', 'sku_barcodes.sku_id').select('barcode').where('skus.unit', '=', 'piece').orderBy('barcode').limit(3).execute()).map((b) => b.barcode);
    expect(barcodes).toHaveLength(3);
  }, 240_000);
  afterAll(async () => {
    await store?.stop();
    await hq?.stop();
    await proxy?.close();
    await hqDb?.close();
    await storeDb?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sales made while HQ is down are all at HQ exactly once after it starts', async () => {
    await hq?.stop();
    for (let i = 0; i < 15; i++) await sell(i);
    // The store learns HQ is down from its next push, which a loaded machine may not have made yet.
    await until('the store to see HQ down', async () => (await api('GET', '/api/v1/sync/status')).json.hqReachable === false);
    const status = await api('GET', '/api/v1/sync/status');
    expect(status.json).toMatchObject({ role: 'store', hqReachable: false, queuedEvents: expect.any(Number) });
    expect(Number(status.json.queuedEvents)).toBeGreaterThanOrEqual(15);
    hq = await startHq();
    await until('the store to drain to HQ', drained);
    expect((await totals(hqDb)).n).toBe(15);
    await until('the status to show an empty queue', async () => (await api('GET', '/api/v1/sync/status')).json.queuedEvents === 0);
  }, 240_000);

  it('a proxy that loses 30 % of acknowledgements and duplicates batches: HQ totals equal the store\'s', async () => {
    proxy.setChaos(true);
    for (let i = 0; i < 40; i++) await sell(i);
    await until('the store to drain through the proxy', drained);
    proxy.setChaos(false);
    expect(proxy.stats.dropped + proxy.stats.duplicated).toBeGreaterThan(0);
    expect((await totals(hqDb)).n).toBe(55);
  }, 240_000);

  it('kill -9 of the store during a stream of sales: every acknowledged sale reaches HQ once', async () => {
    const stream = (async () => {
      for (let i = 0; ; i++) await sell(i);
    })().catch(() => undefined);
    await until('some sales in the stream', async () => acknowledged.size >= 70);
    store?.process.kill('SIGKILL');
    await stream;
    store = await startStore();
    await until('the restarted store to drain', drained);
    const atHq = new Set((await hqDb.db.selectFrom('sales').select('id').execute()).map((r) => r.id));
    expect([...acknowledged].filter((id) => !atHq.has(id))).toEqual([]);
    expect(atHq.size).toBe((await totals(storeDb)).n);
    const dupes = await hqDb.db.selectFrom('stock_moves').select(['doc_id', 'sku_id']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy(['doc_id', 'sku_id']).having((eb) => eb.fn.countAll(), '>', 1).execute();
    expect(dupes).toEqual([]);
  }, 240_000);
});
