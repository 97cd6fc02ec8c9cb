// The stored daily report: once a store's business day has closed (its cutover passed), a job
// writes that day's report as JSON to report_daily, once per store and date (the primary key
// makes a second run a no-op), and, where a notification channel is set, queues a message to the
// store's managers; a second step sends queued messages with retries.
//
// The channel: there is no staff contact data in Tillpoint, so managers are reached through a
// group webhook (企业微信/钉钉 group robot) per store, set in the `reports:notify` setting as
// `{ "webhooks": { "S001": "https://…", "*": "https://…" } }` ("*" for every other store). With
// no webhook for a store its reports are kept and marked `none`: nothing is queued.
//
// A report is the day as it stood when written; a sale synced later still shows in live reports.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { businessDate } from '../platform/business-date';
import { formatMoney } from '../platform/money';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { addDays, datesBetween } from './periods';
import { checkRange, reportScope, salesReport, type SalesReport } from './service';
import { cashierPerformance, storeMeasures, type CashierRow, type StoreMeasures } from './store-measures';

/** How many closed days back the job fills in (a node that was down catches up this far). */
export const DAILY_CATCH_UP_DAYS = 7;
/** Send attempts before a message is marked failed. */
export const NOTIFY_MAX_ATTEMPTS = 5;
const NOTIFY_KEY = 'reports:notify';

export const notifySettingsSchema = z.object({ webhooks: z.record(z.string().max(16), z.url().max(500)) });
export type NotifySettings = z.infer<typeof notifySettingsSchema>;

export interface DailyReport {
  store: { code: string; name: string };
  businessDate: string;
  generatedAt: string;
  sales: SalesReport;
  measures: StoreMeasures;
  cashiers: CashierRow[];
}

export interface DailyReportSummary {
  storeCode: string;
  storeName: string;
  businessDate: string;
  generatedAt: string;
  netFen: number;
  transactions: number;
  /** none (no channel) | queued | sent | failed */
  notifyStatus: string;
}

export async function notifySettings(ctx: Ctx): Promise<NotifySettings> {
  const raw = await readSetting(ctx.db, NOTIFY_KEY);
  return raw ? notifySettingsSchema.parse(JSON.parse(raw)) : { webhooks: {} };
}

export async function saveNotifySettings(ctx: Ctx, input: unknown): Promise<NotifySettings> {
  const parsed = notifySettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_FAILED', `Report notification setting "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}.`, { status: 400 });
  }
  await writeSetting(ctx.db, NOTIFY_KEY, JSON.stringify(parsed.data));
  return parsed.data;
}

/** The message a store manager receives for a day. */
export function dailyMessage(r: Pick<DailyReport, 'store' | 'businessDate' | 'sales' | 'measures'>): string {
  const t = r.sales.totals;
  return (
    `【Tillpoint】${r.store.code} ${r.store.name} ${r.businessDate} 日报：净销售额 ${formatMoney(t.netFen)}，交易 ${t.transactions} 笔，客单价 ${formatMoney(t.avgTicketFen)}，` +
    `退货 ${formatMoney(t.returnsFen)}，长短款 ${formatMoney(r.measures.cash.overShortFen)}，新会员 ${r.measures.newMembers.total} 人。`
  );
}

/**
 * Writes the report of every closed business day (up to DAILY_CATCH_UP_DAYS back, not before the
 * store existed) that has none yet; returns how many it wrote. Safe to run often and concurrently.
 *
 * @example await writeDailyReports(ctx) // 2 (S001 and S002 closed yesterday)
 */
export async function writeDailyReports(ctx: Ctx): Promise<number> {
  const stores = await ctx.db.selectFrom('stores').select(['id', 'code', 'name', 'time_zone', 'day_cutover', 'created_at']).orderBy('code').execute();
  const { webhooks } = await notifySettings(ctx);
  const now = ctx.clock.now();
  let written = 0;
  for (const store of stores) {
    const lastClosed = addDays(businessDate(now, store.time_zone, store.day_cutover), -1);
    const opened = businessDate(new Date(store.created_at), store.time_zone, store.day_cutover);
    const start = [addDays(lastClosed, -(DAILY_CATCH_UP_DAYS - 1)), opened].sort()[1] as string;
    if (start > lastClosed) continue;
    const done = new Set(
      (await ctx.db.selectFrom('report_daily').select('business_date').where('store_id', '=', store.id).where('business_date', '>=', start).where('business_date', '<=', lastClosed).execute()).map((r) => r.business_date),
    );
    for (const date of datesBetween(start, lastClosed).filter((d) => !done.has(d))) {
      const input = { from: date, to: date, storeIds: [store.id] };
      const sales = await salesReport(ctx, null, { ...input, by: 'category' });
      const measures = await storeMeasures(ctx, null, input);
      const cashiers = (await cashierPerformance(ctx, null, input)).rows;
      const generatedAt = now.toISOString();
      const body: DailyReport = { store: { code: store.code, name: store.name }, businessDate: date, generatedAt, sales, measures, cashiers };
      const to = webhooks[store.code] ?? webhooks['*'] ?? null;
      const inserted = await ctx.db
        .insertInto('report_daily')
        .values({
          store_id: store.id,
          business_date: date,
          generated_at: generatedAt,
          net_fen: sales.totals.netFen,
          transactions: sales.totals.transactions,
          body: JSON.stringify(body),
          notify_status: to ? 'queued' : 'none',
          notify_to: to,
          notify_attempts: 0,
          notify_error: null,
          notified_at: null,
        })
        .onConflict((oc) => oc.columns(['store_id', 'business_date']).doNothing())
        .returning('business_date')
        .execute();
      written += inserted.length;
    }
  }
  return written;
}

export type WebhookSender = (url: string, text: string) => Promise<void>;

/** Posts a text message in the group-robot format WeCom and DingTalk both accept. */
export const postWebhook: WebhookSender = async (url, text) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'text', text: { content: text } }), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
};

/** Sends queued daily-report messages; a failure is retried on the next run, up to NOTIFY_MAX_ATTEMPTS. */
export async function deliverDailyReports(ctx: Ctx, send: WebhookSender = postWebhook): Promise<{ sent: number; failed: number }> {
  const queued = await ctx.db.selectFrom('report_daily').select(['store_id', 'business_date', 'body', 'notify_to', 'notify_attempts']).where('notify_status', '=', 'queued').orderBy('generated_at').limit(100).execute();
  const counts = { sent: 0, failed: 0 };
  for (const q of queued) {
    const update = (set: { notify_status: string; notify_attempts: number; notify_error: string | null; notified_at?: string }) =>
      ctx.db.updateTable('report_daily').set(set).where('store_id', '=', q.store_id).where('business_date', '=', q.business_date).execute();
    const attempts = q.notify_attempts + 1;
    try {
      await send(q.notify_to ?? '', dailyMessage(JSON.parse(q.body) as DailyReport));
      await update({ notify_status: 'sent', notify_attempts: attempts, notified_at: ctx.clock.now().toISOString(), notify_error: null });
      counts.sent++;
    } catch (err) {
      const status = attempts >= NOTIFY_MAX_ATTEMPTS ? 'failed' : 'queued';
      await update({ notify_status: status, notify_attempts: attempts, notify_error: (err as Error).message.slice(0, 500) });
      if (status === 'failed') counts.failed++;
    }
  }
  return counts;
}

/** Stored daily reports of the stores in scope over from…to, newest first. */
export async function listDailyReports(ctx: Ctx, actor: Actor | null, input: { from: string; to: string; storeIds?: readonly string[] }): Promise<DailyReportSummary[]> {
  const { from, to } = checkRange(input.from, input.to);
  const scope = await reportScope(ctx, actor, input.storeIds);
  let query = ctx.db
    .selectFrom('report_daily as d')
    .innerJoin('stores as s', 's.id', 'd.store_id')
    .select(['s.code as storeCode', 's.name as storeName', 'd.business_date as businessDate', 'd.generated_at as generatedAt', 'd.net_fen as netFen', 'd.transactions', 'd.notify_status as notifyStatus'])
    .where('d.business_date', '>=', from)
    .where('d.business_date', '<=', to);
  if (scope.ids !== 'all') query = query.where('d.store_id', 'in', scope.ids);
  const rows = await query.orderBy('d.business_date', 'desc').orderBy('s.code').execute();
  return rows.map((r) => ({ ...r, netFen: Number(r.netFen), transactions: Number(r.transactions) }));
}

/** One stored daily report, as written. */
export async function getDailyReport(ctx: Ctx, actor: Actor | null, storeId: string, date: string): Promise<DailyReport & { notifyStatus: string }> {
  checkRange(date, date);
  await reportScope(ctx, actor, [storeId]);
  const row = await ctx.db.selectFrom('report_daily').select(['body', 'notify_status']).where('store_id', '=', storeId).where('business_date', '=', date).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `There is no stored report for ${date} yet: a day's report is written after the day closes.`);
  return { ...(JSON.parse(row.body) as DailyReport), notifyStatus: row.notify_status };
}
