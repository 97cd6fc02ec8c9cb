// Sales reports over HTTP: the report (JSON, CSV or XLSX), rankings, the day × hour heat map,
// and the manager's dashboard. Every figure is scoped to the stores the caller may see.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { findStoreByCode } from '../platform/stores/service';
import type { Ctx } from '../platform/context';
import { exportFileName, reportCsv, reportXlsx } from './export';
import { REPORT_BYS, salesDashboard, salesHeatmap, salesReport, sellers } from './service';

const tags = ['reports'];
// Dates are checked by the service, so a bad one gets the same explanation from API and CLI.
const Range = { from: z.string().max(10), to: z.string().max(10), store: z.string().max(16).optional() };

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
        summary: 'Sales by day, week (ISO), month, store, category, product, cashier, payment or hour, with totals, tax per rate, payment mix and comparisons; format=csv|xlsx downloads the table',
        querystring: z.object({ ...Range, by: z.enum(REPORT_BYS).default('day'), format: z.enum(['json', 'csv', 'xlsx']).default('json'), lang: z.enum(['zh-CN', 'en']).default('zh-CN') }),
      },
    },
    async (req, reply) => {
      const report = await salesReport(req.ctx, actorOf(req), { from: req.query.from, to: req.query.to, by: req.query.by, storeIds: await storeIdsOf(req.ctx, req.query.store) });
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
}
