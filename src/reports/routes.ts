// Sales reports over HTTP: the report (JSON, CSV or XLSX) with drill-down filters, rankings, the
// day × hour heat map, the manager's dashboard, the measures beside sales, cashier performance,
// members' repurchase, and the stored daily reports. Every figure is scoped to the stores the
// caller may see.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { findStoreByCode } from '../platform/stores/service';
import type { Ctx } from '../platform/context';
import { exportFileName, reportCsv, reportXlsx } from './export';
import { REPORT_BYS, salesDashboard, salesHeatmap, salesReport, sellers } from './service';
import { cashierPerformance, storeMeasures } from './store-measures';
import { membersReport } from './repurchase';
import { getDailyReport, listDailyReports, notifySettings, notifySettingsSchema, saveNotifySettings } from './daily-report';

const tags = ['reports'];
// Dates are checked by the service, so a bad one gets the same explanation from API and CLI.
const Range = { from: z.string().max(10), to: z.string().max(10), store: z.string().max(16).optional() };
/** Drill-down filters: a region's stores, and a category with everything below it. */
const Filters = { region: z.string().max(16).optional(), category: z.string().max(32).optional() };

async function storeIdsOf(ctx: Ctx, code: string | undefined): Promise<string[] | undefined> {
  return code ? [(await findStoreByCode(ctx, code)).id] : undefined;
}

export async function reportsRoutes(app: TpApp): Promise<void> {
  const view = { preHandler: requireAuth('reports.view') };

  app.get(
    '/reports/sales',
    {
      ...view,
      schema: {
        tags,
        summary:
          'Sales by day, week (ISO), month, region, store, category (children of `category`, or the roots; each rolls up its subtree), product, cashier, payment or hour, with totals, tax per rate, payment mix and comparisons; filter by region, store and category (each row says what drilling into it shows); format=csv|xlsx downloads the table',
        querystring: z.object({ ...Range, ...Filters, by: z.enum(REPORT_BYS).default('day'), format: z.enum(['json', 'csv', 'xlsx']).default('json'), lang: z.enum(['zh-CN', 'en']).default('zh-CN') }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const report = await salesReport(req.ctx, actorOf(req), { from: q.from, to: q.to, by: q.by, storeIds: await storeIdsOf(req.ctx, q.store), regionCode: q.region, categoryCode: q.category });
      if (req.query.format === 'json') return report;
      void reply.header('content-disposition', `attachment; filename="${exportFileName(report, req.query.format)}"`);
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(report, req.query.lang));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await reportXlsx(report, req.query.lang));
    },
  );

  app.get(
    '/reports/sellers',
    { ...view, schema: { tags, summary: 'Best sellers by units and revenue; slow sellers (stock on hand, fewest sales)', querystring: z.object({ ...Range, limit: z.coerce.number().int().min(1).max(100).default(10) }) } },
    async (req) => sellers(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, limit: req.query.limit, storeIds: await storeIdsOf(req.ctx, req.query.store) }),
  );

  app.get('/reports/heatmap', { ...view, schema: { tags, summary: 'Net sales per business date × hour', querystring: z.object(Range) } }, async (req) => ({
    cells: await salesHeatmap(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, storeIds: await storeIdsOf(req.ctx, req.query.store) }),
  }));

  app.get(
    '/reports/dashboard',
    { ...view, schema: { tags, summary: "Today so far against the same weekday last week, by hour; top and slow sellers; payment mix", querystring: z.object({ store: z.string().max(16).optional() }) } },
    async (req) => salesDashboard(req.ctx, actorOf(req), { storeIds: await storeIdsOf(req.ctx, req.query.store) }),
  );

  const scoped = { ...Range, region: Filters.region };
  app.get(
    '/reports/measures',
    { ...view, schema: { tags, summary: 'Discounts by promotion, member share of sales and transactions, new members per day, cash over/short of closed shifts, returns by reason', querystring: z.object(scoped) } },
    async (req) => storeMeasures(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, storeIds: await storeIdsOf(req.ctx, req.query.store), regionCode: req.query.region }),
  );

  app.get(
    '/reports/cashiers',
    { ...view, schema: { tags, summary: 'Per cashier: net sales, transactions, average ticket, items, returns, line voids and seconds between scans', querystring: z.object(scoped) } },
    async (req) => cashierPerformance(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, storeIds: await storeIdsOf(req.ctx, req.query.store), regionCode: req.query.region }),
  );

  app.get(
    '/reports/members',
    {
      ...view,
      schema: {
        tags,
        summary:
          'Repurchase: of the members who bought from…to, how many came back within 30/60/90 days (overall, by store of first visit, by current tier); and the member list (card number, tier, last visit, 12-month visits and spend; no phones), filtered, for callers who may manage members',
        querystring: z.object({
          ...scoped,
          tier: z.string().max(32).optional(),
          lastVisitFrom: z.string().max(10).optional(),
          lastVisitTo: z.string().max(10).optional(),
          minSpendFen: z.coerce.number().int().min(0).optional(),
          maxSpendFen: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    async (req) => membersReport(req.ctx, actorOf(req), { ...req.query, storeIds: await storeIdsOf(req.ctx, req.query.store), regionCode: req.query.region }),
  );

  app.get('/reports/daily', { ...view, schema: { tags, summary: 'Stored daily reports (written once after each business day closes), newest first', querystring: z.object(Range) } }, async (req) => ({
    reports: await listDailyReports(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, storeIds: await storeIdsOf(req.ctx, req.query.store) }),
  }));

  app.get(
    '/reports/daily/:store/:date',
    { ...view, schema: { tags, summary: "A stored daily report as written: the day's sales by category, measures and cashiers", params: z.object({ store: z.string().max(16), date: z.string().max(10) }) } },
    async (req) => getDailyReport(req.ctx, actorOf(req), (await findStoreByCode(req.ctx, req.params.store)).id, req.params.date),
  );

  const admin = { preHandler: requireAuth('users.manage') };
  app.get('/reports/notify', { ...admin, schema: { tags, summary: "Where daily reports go: a group webhook per store code ('*' for the rest)" } }, async (req) => notifySettings(req.ctx));
  app.put('/reports/notify', { ...admin, schema: { tags, summary: 'Set the daily-report webhooks', body: notifySettingsSchema } }, async (req) => saveNotifySettings(req.ctx, req.body));
}
