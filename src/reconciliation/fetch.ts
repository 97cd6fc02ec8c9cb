// Fetching the channels' bills and reconciling (issue 7 §2): each configured channel's trade bill
// for a business date is downloaded through the Payments adapters, imported (the same file twice
// changes nothing; a bad file is refused whole) and then the date is reconciled and its exceptions
// recorded. A schedule runs it at each store's configurable time in the store's time zone (default
// 10:00) on T+1, when the providers have published the bill, and again on T+2 for a bill that came
// late or was re-issued.
import { isAppError } from '../platform/errors';
import { businessDate } from '../platform/business-date';
import { listStores } from '../platform/stores/service';
import type { Ctx } from '../platform/context';
import { downloadWechatTradeBill, type WechatConfig } from '../payments/wechat-client';
import { downloadAlipayBill, type AlipayConfig } from '../payments/alipay-client';
import { ChannelUnreachable } from '../payments/code-channel';
import { importStatementFile } from './import';
import { recordReconciliation } from './exceptions';
import type { LayerSummary } from './run';
import { assertFetchAt, DEFAULT_FETCH_AT, storeReconSettings } from './settings';
import { addDays } from './match-settlement';

/** A channel whose bill can be downloaded (a strategy: the real provider, or its sandbox). */
export interface BillSource {
  channel: 'wechat' | 'alipay';
  /** The merchant account the bill must be of (WeChat 商户号, Alipay PID). */
  merchantId: string;
  download(date: string): Promise<Buffer>;
}

/**
 * The bill sources of the configured wallets.
 *
 * @example billSources({ wechat: settings.wechat, alipay: settings.alipay, alipayAccount: '2088…' })
 */
export function billSources(input: { wechat?: WechatConfig; alipay?: AlipayConfig; alipayAccount?: string }): BillSource[] {
  const sources: BillSource[] = [];
  const { wechat, alipay, alipayAccount } = input;
  if (wechat?.v3) sources.push({ channel: 'wechat', merchantId: wechat.mchId, download: (date) => downloadWechatTradeBill(wechat, date) });
  if (alipay && alipayAccount) sources.push({ channel: 'alipay', merchantId: alipayAccount, download: (date) => downloadAlipayBill(alipay, date) });
  return sources;
}

/**
 * The file name of a day's bill: WeChat's trade bill, Alipay's 业务明细 zip (PID_yyyymmdd, as Alipay names it).
 *
 * @example billFileName('alipay', '2026-11-29', '2088…') // '2088…_20261129.zip'
 */
export function billFileName(channel: 'wechat' | 'alipay', date: string, alipayAccount = ''): string {
  return channel === 'wechat' ? `wechat-tradebill-${date}.csv` : `${alipayAccount}_${date.replace(/-/g, '')}.zip`;
}

export interface BillFetch {
  channel: string;
  /** imported: new lines; unchanged: this exact bill was imported before; not_ready: try later; refused: a bad file. */
  status: 'imported' | 'unchanged' | 'not_ready' | 'refused';
  fileId?: string;
  lines?: number;
  code?: string;
  message?: string;
}

export interface FetchRun {
  date: string;
  bills: BillFetch[];
  summary: LayerSummary;
  /** Scheduled runs: the stores whose fetch time brought the date up. */
  stores?: string[];
}

/**
 * Downloads and imports each source's bill for `date`, then reconciles the date (recording its
 * exceptions). A bill not published yet or refused is reported, not thrown: the other channels and
 * the run go ahead, and the next scheduled run tries again.
 *
 * @example await fetchAndReconcile(ctx, { date: '2026-11-29', sources })
 */
export async function fetchAndReconcile(ctx: Ctx, input: { date: string; sources: readonly BillSource[] }): Promise<FetchRun> {
  const bills: BillFetch[] = [];
  for (const source of input.sources) {
    try {
      const bytes = await source.download(input.date);
      const fileName = billFileName(source.channel, input.date, source.merchantId);
      const result = await importStatementFile(ctx, { source: source.channel, fileName, bytes, expect: { merchantId: source.merchantId, date: input.date } });
      bills.push({ channel: source.channel, status: result.alreadyImported ? 'unchanged' : 'imported', fileId: result.fileId, lines: result.lines });
    } catch (error) {
      if (!isAppError(error) && !(error instanceof ChannelUnreachable)) throw error;
      const code = isAppError(error) ? error.code : 'CHANNEL_UNREACHABLE';
      const notReady = code === 'BILL_NOT_AVAILABLE' || code === 'CHANNEL_UNREACHABLE';
      ctx.log.warn({ channel: source.channel, date: input.date, code }, notReady ? 'bill not available yet' : 'bill refused');
      bills.push({ channel: source.channel, status: notReady ? 'not_ready' : 'refused', code, message: error.message });
    }
  }
  const run = await recordReconciliation(ctx, { date: input.date });
  return { date: input.date, bills, summary: run.summary };
}

export interface BillFetchSchedule {
  /** Called every minute: runs what is due (T+1 and T+2 at each store's time); returns the runs made. */
  tick(ctx: Ctx): Promise<FetchRun[]>;
}

/** The wall-clock HH:MM of an instant in a time zone. */
function localClock(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}`;
}

/**
 * Fetches, for each store at its own time (`fetchAt` of its reconciliation settings, HH:MM in the
 * store's time zone; `at` for a store that has not set one, default 10:00), the bills of the day
 * before (T+1) and of the day before that (T+2), by the store's calendar, and reconciles those
 * dates. Stores due in the same minute for the same date share one download and one run. A date
 * whose bills did not all arrive is tried again every `retryMinutes` that day.
 *
 * @example const schedule = billFetchSchedule({ at: '10:00', sources }); setInterval(() => schedule.tick(ctx), 60_000)
 */
export function billFetchSchedule(options: { at?: string; retryMinutes?: number; sources: readonly BillSource[] }): BillFetchSchedule {
  const at = options.at ?? DEFAULT_FETCH_AT;
  assertFetchAt(at);
  const retryMs = (options.retryMinutes ?? 30) * 60_000;
  const done = new Set<string>();
  const tried = new Map<string, number>();
  let running = false;
  return {
    async tick(ctx) {
      if (running || options.sources.length === 0) return [];
      running = true;
      try {
        const now = ctx.clock.now();
        // date → the stores due for it now, each with its key (store | its today | date).
        const due = new Map<string, Array<{ code: string; key: string }>>();
        for (const store of await listStores(ctx)) {
          const { fetchAt } = await storeReconSettings(ctx, store.id, { fetchAt: at });
          if (localClock(now, store.timeZone) < fetchAt) continue;
          const today = businessDate(now, store.timeZone);
          for (const date of [addDays(today, -1), addDays(today, -2)]) {
            const key = `${store.id}|${today}|${date}`;
            const last = tried.get(key);
            if (done.has(key) || (last !== undefined && now.getTime() - last < retryMs)) continue;
            due.set(date, [...(due.get(date) ?? []), { code: store.code, key }]);
          }
        }
        const runs: FetchRun[] = [];
        for (const date of [...due.keys()].sort().reverse()) {
          const stores = due.get(date) ?? [];
          for (const s of stores) tried.set(s.key, now.getTime());
          const run = await fetchAndReconcile(ctx, { date, sources: options.sources });
          if (run.bills.every((b) => b.status === 'imported' || b.status === 'unchanged')) for (const s of stores) done.add(s.key);
          runs.push({ ...run, stores: stores.map((s) => s.code) });
        }
        return runs;
      } finally {
        running = false;
      }
    },
  };
}
