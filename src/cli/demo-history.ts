// Sales history for the demo (`seed --demo --days N`): N business days ending yesterday, sold
// through the real checkout services (shifts, carts, tenders, completion) on a manual clock moved
// through each day's opening hours, so ledgers, audit chain and reports agree. The same seed
// gives the same baskets, times and payments.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../platform/errors';
import { readSetting, writeSetting } from '../platform/db/index';
import { manualClock } from '../platform/clock';
import { businessDate } from '../platform/business-date';
import type { Ctx } from '../platform/context';
import type { Actor } from '../platform/auth/permissions';
import { addSku, addTender, closeShift, completeSale, createCart, openShift, shiftReport } from '../checkout/index';
import { recordStockMoves } from '../inventory/index';
import { mulberry32 } from '../platform/random';
import { configureWallets } from '../payments/index';
import { importStatementFile, recordCashDeposit, recordReconciliation, type ImportSource } from '../reconciliation/index';
import { startDemoWallets } from '../sandbox/demo-wallets';
import { exportSandboxBills, sandboxJournals } from '../sandbox/export';
import { publishBill } from '../sandbox/bill-download';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';

export interface HistoryOptions {
  days: number;
  seed?: number;
  /** Sales per store and business day (default 200), split over the two tills. */
  salesPerDay?: number;
  /**
   * The node's data folder: when given, customers also pay by WeChat and Alipay code through the
   * sandboxes (their journals kept there), and each day's bills, settlements and bank statement
   * are exported with this share of faults, imported and reconciled, so the reconciliation pages
   * open on real matches and real exceptions.
   */
  dataDir?: string;
  faultRate?: number;
}

/** Relative footfall per opening hour, 08:00–21:00: a lunch and an after-work peak. */
const FOOTFALL = [2, 3, 4, 6, 5, 3, 3, 4, 6, 8, 7, 5, 3, 2];
const OPEN_HOUR = 8;

/** The instant of local time `hh:mm` on `date` in a UTC+8 store (China keeps no summer time). */
function shanghaiInstant(date: string, minutes: number): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + minutes * 60_000);
}

/** Minutes after midnight of each sale of one till on one day, ascending. */
function saleMinutes(random: () => number, count: number): number[] {
  const total = FOOTFALL.reduce((s, w) => s + w, 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let pick = random() * total;
    let hour = 0;
    while (hour < FOOTFALL.length - 1 && pick >= (FOOTFALL[hour] ?? 0)) pick -= FOOTFALL[hour++] ?? 0;
    out.push((OPEN_HOUR + hour) * 60 + Math.floor(random() * 60));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Sells `days` days of history at every store, ending yesterday; once per database.
 * Returns the number of sales made, or 0 when history was seeded before.
 */
export async function seedDemoHistory(ctx: Ctx, options: HistoryOptions): Promise<number> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 366) throw new AppError('VALIDATION_FAILED', `--days must be a whole number from 1 to 366, got ${options.days}.`);
  const perDay = options.salesPerDay ?? 200;
  if (!Number.isInteger(perDay) || perDay < 2 || perDay > 5000) throw new AppError('VALIDATION_FAILED', `--sales-per-day must be a whole number from 2 to 5000, got ${perDay}.`);
  if (await readSetting(ctx.db, 'demo_history_seeded')) return 0;
  const random = mulberry32(options.seed ?? 1);
  const stores = await ctx.db.selectFrom('stores').select(['id', 'code', 'time_zone', 'day_cutover']).orderBy('code').execute();
  const cashiers = await ctx.db.selectFrom('users').select(['id', 'username', 'display_name']).where('username', 'in', ['cashier', 'cashier2']).orderBy('username').execute();
  if (stores.length === 0 || cashiers.length < 2) throw new AppError('NOT_FOUND', 'Seed the demo first (seed --demo) so there are stores and cashiers.');
  const skus = await ctx.db.selectFrom('skus').select(['id', 'price_fen']).where('unit', '=', 'piece').where('active', '=', 1).where('is_bundle', '=', 0).where('price_fen', '>', 0).orderBy('code').execute();
  if (skus.length === 0) throw new AppError('NOT_FOUND', 'The demo catalog has no products to sell; seed with --products N.');
  const clock = manualClock(ctx.clock.now());
  const wallets = options.dataDir ? await startDemoWallets({ clock, dataDir: options.dataDir }) : null;
  if (wallets) configureWallets('*', { ...wallets.settings, wait: async (ms) => clock.advance(ms) });
  try {
    const today = businessDate(ctx.clock.now(), stores[0]?.time_zone, stores[0]?.day_cutover);
    const first = new Date(Date.parse(`${today}T00:00:00Z`) - options.days * 86_400_000).toISOString().slice(0, 10);
    let sold = 0;
    for (const store of stores) {
      // The demo's two cashiers work every store's tills T01 and T02.
      const tills = cashiers.map((c, i) => ({
        terminalCode: `T0${i + 1}`,
        ctx: { ...ctx, clock, actor: { userId: c.id, username: c.username, displayName: c.display_name, grants: [{ role: 'cashier', scopeKind: 'store', scopeRef: store.id }], sessionId: 'demo-history', terminalId: null } satisfies Actor },
      }));
      clock.set(shanghaiInstant(first, OPEN_HOUR * 60 - 30));
      // Opening stock, so stock on hand (and slow sellers) mean something.
      await ctx.db.transaction().execute((tx) =>
        recordStockMoves({ ...ctx, db: tx, clock }, skus.map((s) => ({ storeId: store.id, skuId: s.id, qty: 20 * options.days, kind: 'receipt' as const, docType: 'demo_opening', docId: store.id, costFen: 0, businessDate: first }))),
      );
      for (let d = 0; d < options.days; d++) {
        const date = new Date(Date.parse(`${first}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        let cashToBankFen = 0;
        for (const till of tills) {
          const where = { storeCode: store.code, terminalCode: till.terminalCode };
          clock.set(shanghaiInstant(date, OPEN_HOUR * 60 - 10));
          const shift = await openShift(till.ctx, { floatFen: 50_000, ...where });
          for (const minute of saleMinutes(random, Math.floor(perDay / tills.length))) {
            clock.set(new Date(shanghaiInstant(date, minute).getTime() + Math.floor(random() * 60_000)));
            let cart = await createCart(till.ctx, where);
            const lines = 1 + Math.floor(random() * random() * 8);
            for (let l = 0; l < lines; l++) {
              const sku = skus[Math.floor(random() * random() * skus.length)] ?? skus[0];
              if (sku) cart = await addSku(till.ctx, cart.id, { skuId: sku.id, qty: random() < 0.8 ? 1 : 2 });
            }
            // Wallet codes ending in 00 pay at once in the sandboxes; cards whose amount ends in .51 or
            // .91 are declined or time out in the sandbox: cash then.
            const pay = random();
            const digits = () => String(Math.floor(random() * 1e14)).padStart(14, '0');
            const cashGiven = random() < 0.5 ? cart.dueFen : Math.ceil(cart.dueFen / 1000) * 1000;
            if (wallets && pay < 0.25) cart = await addTender(till.ctx, cart.id, { method: 'wechat', amountFen: cart.dueFen, authCode: `13${digits()}00` });
            else if (wallets && pay < 0.4) cart = await addTender(till.ctx, cart.id, { method: 'alipay', amountFen: cart.dueFen, authCode: `28${digits()}00` });
            else if (pay < 0.7 && ![51, 91].includes(cart.dueFen % 100)) cart = await addTender(till.ctx, cart.id, { method: 'card', amountFen: cart.dueFen });
            else cart = await addTender(till.ctx, cart.id, { method: 'cash', amountFen: cashGiven });
            await completeSale(till.ctx, cart.id);
            sold++;
          }
          clock.set(shanghaiInstant(date, 22 * 60));
          const expected = (await shiftReport(till.ctx, shift.id)).cash.expectedFen;
          // Now and then a drawer is a little over or short (长款/短款).
          const slip = random() < 0.1 ? Math.floor(random() * 2001) - 1000 : 0;
          const counted = Math.max(0, expected + slip);
          await closeShift(till.ctx, shift.id, { countedFen: counted });
          cashToBankFen += counted - 50_000;
        }
        // The day's cash less the floats goes to the bank, its slip named on the statement (存现).
        const [depositor] = tills;
        if (options.dataDir && depositor && cashToBankFen > 0) await recordCashDeposit(depositor.ctx, { storeCode: store.code, businessDate: date, slipNo: `JK${date.replace(/-/g, '')}${store.code}` });
      }
    }
    clock.set(ctx.clock.now());
    if (options.dataDir) {
      for (let d = 0; d < options.days; d++) {
        const date = new Date(Date.parse(`${first}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        await reconcileDay(ctx, options.dataDir, date, options.faultRate ?? 0.05, (options.seed ?? 1) + d);
      }
    }
    await writeSetting(ctx.db, 'demo_history_seeded', `${first}..${options.days}`);
    return sold;
  } finally {
    await wallets?.close();
  }
}

/** Exports a day's files from the sandboxes (with faults), imports them and records the day's reconciliation. */
async function reconcileDay(ctx: Ctx, dataDir: string, date: string, rate: number, seed: number): Promise<void> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `tp-demo-recon-${date}-`));
  try {
    const deposits = await ctx.db
      .selectFrom('cash_deposits')
      .innerJoin('stores', 'stores.id', 'cash_deposits.store_id')
      .select(['stores.code as storeCode', 'cash_deposits.amount_fen as amountFen', 'cash_deposits.slip_no as slipNo'])
      .where('cash_deposits.business_date', '=', date)
      .execute();
    const cashDeposits = deposits.map((d) => ({ storeCode: d.storeCode, amountFen: Number(d.amountFen), slipNo: d.slipNo ?? '' }));
    const exported = exportSandboxBills({ dataDir, date, outDir, wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: { rate, seed }, cashDeposits });
    for (const file of exported.files) {
      const name = path.basename(file);
      const source = sourceOf(name);
      if (!source) continue;
      // The wallets' bills, faults and all, are the ones their sandboxes serve for the day from now
      // on: the fetch job (T+1, T+2) finds the file imported here, not a different one.
      if (source === 'wechat' || source === 'alipay') publishBill(sandboxJournals(dataDir).published, name, fs.readFileSync(file));
      await importStatementFile(ctx, { source, fileName: name, bytes: fs.readFileSync(file), ...(source === 'bank' ? { format: 'mt940' as const } : {}), ...(source === 'card' ? { profile: 'acquirer' as const } : {}) });
    }
    await recordReconciliation(ctx, { date });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Which importer takes a file `sandbox export` wrote (the bank statement once, as MT940). */
function sourceOf(name: string): ImportSource | null {
  if (name.startsWith('wechat-tradebill-')) return 'wechat';
  if (name.endsWith('.zip')) return 'alipay';
  if (name.startsWith('aggregator-bill-')) return 'aggregator';
  if (name.startsWith('card-settlement-detail-')) return 'card';
  if (name.includes('-settlement-')) return 'settlement';
  if (name.endsWith('.mt940')) return 'bank';
  return null;
}
