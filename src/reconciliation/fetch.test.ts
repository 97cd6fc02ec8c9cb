// Fetching bills from the sandboxes on a schedule (manual clock): nothing before 10:00 Beijing
// time on T+1, the day's bills downloaded, imported and reconciled at 10:00, once; again on T+2
// without importing anything twice; a cut-off download or a bill of another merchant or day is
// refused with the reason and the line, and nothing of it is stored.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { configureWallets } from '../payments/index';
import { startDemoWallets, type DemoWallets } from '../sandbox/demo-wallets';
import { DEMO_ALIPAY } from '../sandbox/demo-merchants';
import type { CartView } from '../checkout/cart';
import { createStore } from '../platform/stores/service';
import { billFetchSchedule, billSources, fetchAndReconcile, type BillSource } from './fetch';
import { saveStoreReconSettings } from './settings';
import { importStatementFile } from './import';

const EAN = withCheckDigit('690000000318');
const DATE = '2026-11-30'; // the test clock starts at 10:00 Beijing time that day
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describeEachDb('reconciliation: scheduled bill fetch', (handle) => {
  let t: TestApp;
  let wallets: DemoWallets;
  let sources: BillSource[];
  const files = async () => Number((await t.ctx.db.selectFrom('recon_files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'F-TEA', name: '绿茶 500ml', unit: 'piece', categoryCode: 'C3004', priceFen: 350, costFen: 200, plu: null, barcodes: [EAN], active: true, components: [] }]);
    wallets = await startDemoWallets({ clock: t.clock, timeoutMs: 2000 });
    configureWallets('*', { ...wallets.settings, wait: async (ms) => t.clock.advance(ms) });
    const token = await t.openTill();
    const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    for (const [qty, method, authCode] of [[1, 'wechat', '134567890123456700'], [2, 'alipay', '281234567890123420'], [3, 'wechat', '134567890123456701']] as const) {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
      const priced = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method, authCode, amountFen: priced.dueFen } });
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).statusCode).toBe(200);
    }
    sources = billSources({ wechat: wallets.settings.wechat, alipay: wallets.settings.alipay, alipayAccount: DEMO_ALIPAY.account });
  });
  afterAll(async () => {
    await wallets.close();
    await t.close();
  });

  it('fetches at 10:00 on T+1 and again on T+2, importing each bill once, and reconciles the day', async () => {
    expect(sources.map((s) => s.channel)).toEqual(['wechat', 'alipay']);
    const schedule = billFetchSchedule({ at: '10:00', sources });
    // Today (T) at 10:00 the bills of the two days before are fetched: empty, but published.
    expect((await schedule.tick(t.ctx)).map((r) => r.date)).toEqual(['2026-11-29', '2026-11-28']);

    t.clock.advance(24 * HOUR - MINUTE); // 09:59 on T+1: the day's bills are not fetched yet
    expect(await schedule.tick(t.ctx)).toEqual([]);
    t.clock.advance(MINUTE);
    const [first, again] = await schedule.tick(t.ctx);
    expect(first?.date).toBe(DATE);
    expect(first?.bills.map((b) => [b.channel, b.status, b.lines])).toEqual([
      ['wechat', 'imported', 2],
      ['alipay', 'imported', 1],
    ]);
    expect(first?.summary).toMatchObject({ matched: 3, exceptions: 0 });
    expect(again?.bills.map((b) => b.status)).toEqual(['unchanged', 'unchanged']); // 11-29 on its T+2
    t.clock.advance(MINUTE);
    expect(await schedule.tick(t.ctx)).toEqual([]); // done for today

    const before = await files();
    t.clock.advance(24 * HOUR); // T+2
    const runs = await schedule.tick(t.ctx);
    expect(runs.map((r) => r.date)).toEqual(['2026-12-01', DATE]);
    expect(runs[1]?.bills.map((b) => b.status)).toEqual(['unchanged', 'unchanged']);
    expect(runs[1]?.summary).toMatchObject({ matched: 3, exceptions: 0 });
    // Only 12-01's Alipay bill is new: an empty WeChat bill says no date, so it is the same file as 11-29's.
    expect(runs[0]?.bills.map((b) => b.status)).toEqual(['unchanged', 'imported']);
    expect(await files()).toBe(before + 1);
  });

  it('refuses a download cut off half way (WeChat: SHA-1; Alipay: the zip), importing nothing', async () => {
    const before = await files();
    wallets.wechat.bills.tamper = (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2));
    wallets.alipay.bills.tamper = (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2));
    try {
      const run = await fetchAndReconcile(t.ctx, { date: DATE, sources });
      expect(run.bills.map((b) => [b.channel, b.status, b.code])).toEqual([
        ['wechat', 'refused', 'BILL_HASH_MISMATCH'],
        ['alipay', 'refused', 'BILL_INVALID'],
      ]);
      expect(run.bills[0]?.message).toMatch(/not the [0-9a-f]{40} WeChat announced: the download was cut off/);
      expect(run.bills[1]?.message).toMatch(/zip is damaged/);
      // The earlier import stands: the day still reconciles as before.
      expect(run.summary).toMatchObject({ matched: 3, exceptions: 0 });
    } finally {
      wallets.wechat.bills.tamper = undefined;
      wallets.alipay.bills.tamper = undefined;
    }
    expect(await files()).toBe(before);
  });

  it('refuses a bill of another merchant or another day, naming the line', async () => {
    const before = await files();
    const [wechat, alipay] = sources as [BillSource, BillSource];
    const other = await fetchAndReconcile(t.ctx, { date: DATE, sources: [{ ...wechat, merchantId: '1900000109' }, { ...alipay, merchantId: '2088000000000001' }] });
    expect(other.bills.map((b) => [b.code, b.message?.split(':')[0]])).toEqual([
      ['BILL_WRONG_MERCHANT', 'Line 2 of wechat-tradebill-2026-11-30.csv'],
      ['BILL_WRONG_MERCHANT', 'Line 2 of 2088000000000001_20261130.zip'],
    ]);
    expect(other.bills[0]?.message).toContain('merchant account 10000100, not 1900000109');
    // The provider hands back the bill of the day before for the day asked.
    const stale = await fetchAndReconcile(t.ctx, { date: '2026-12-01', sources: [{ ...wechat, download: () => wechat.download(DATE) }] });
    expect(stale.bills[0]).toMatchObject({ status: 'refused', code: 'BILL_WRONG_DATE' });
    expect(stale.bills[0]?.message).toMatch(/^Line 2 of wechat-tradebill-2026-12-01\.csv: the line is dated 2026-11-30, but the bill should be for 2026-12-01/);
    expect(await files()).toBe(before);
  });

  it('refuses a CSV with a shifted column, naming the line, and stores nothing of it', async () => {
    const before = await files();
    const bill = (await (sources[0] as BillSource).download(DATE)).toString('utf8').split('\r\n');
    // A value that lost its leading backtick joins the one before it: the columns after it shift.
    bill[2] = (bill[2] ?? '').replace(',`MICROPAY', ',MICROPAY');
    await expect(importStatementFile(t.ctx, { source: 'wechat', fileName: 'shifted.csv', bytes: Buffer.from(bill.join('\r\n')) })).rejects.toMatchObject({
      code: 'BILL_INVALID',
      message: expect.stringMatching(/^Line 3: the line has 26 values but the bill has 27 columns/) as unknown,
    });
    expect(await files()).toBe(before);
  });

  it("fetches at each store's own time in its own time zone, once per store and day", async () => {
    const s002 = await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow();
    await saveStoreReconSettings(t.ctx, s002.id, { fetchAt: '14:30' }); // Beijing time
    // A store in Xinjiang time (UTC+6) fetching at 09:00 there: 11:00 in Beijing.
    const west = await createStore(t.ctx, { code: 'S009', name: '乌鲁木齐店', timeZone: 'Asia/Urumqi' });
    await saveStoreReconSettings(t.ctx, west.id, { fetchAt: '09:00' });
    await expect(saveStoreReconSettings(t.ctx, west.id, { fetchAt: '9:00' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('must be HH:MM') as unknown });
    // To 09:59 Beijing time (01:59 UTC) of the next day.
    const now = t.clock.now();
    const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 1, 59);
    t.clock.advance(next - now.getTime());
    const day = new Date(next + 8 * HOUR).toISOString().slice(0, 10);
    const before = (days: number) => new Date(Date.parse(day) - days * 24 * HOUR).toISOString().slice(0, 10);
    const schedule = billFetchSchedule({ at: '10:00', sources });
    const tickAt = async (minutes: number) => {
      t.clock.advance(minutes * MINUTE);
      return (await schedule.tick(t.ctx)).map((r) => [r.date, r.stores]);
    };
    expect(await tickAt(0)).toEqual([]);
    expect(await tickAt(1)).toEqual([
      [before(1), ['S001']], // 10:00 in Beijing: S001 (the node's default)
      [before(2), ['S001']],
    ]);
    expect(await tickAt(1)).toEqual([]); // done for today
    expect(await tickAt(58)).toEqual([]); // 10:59 Beijing = 08:59 Urumqi
    expect(await tickAt(1)).toEqual([
      [before(1), ['S009']],
      [before(2), ['S009']],
    ]);
    expect(await tickAt(209)).toEqual([]); // 14:29 Beijing
    expect(await tickAt(1)).toEqual([
      [before(1), ['S002']],
      [before(2), ['S002']],
    ]);
    // The next day at 10:00 Beijing time only S001 is due.
    expect(await tickAt(19 * 60 + 30)).toEqual([
      [day, ['S001']],
      [before(1), ['S001']],
    ]);
    // Set to the same minute, the stores share one download and one run.
    await saveStoreReconSettings(t.ctx, s002.id, { fetchAt: '10:00' });
    const together = billFetchSchedule({ at: '10:00', sources });
    expect((await together.tick(t.ctx)).map((r) => [r.date, r.stores])).toEqual([
      [day, ['S001', 'S002']],
      [before(1), ['S001', 'S002']],
    ]);
  });
});
