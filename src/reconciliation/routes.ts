// Reconciliation over HTTP: import bills, settlements and bank statements, run a day, and work
// its exceptions (finance).
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { requireAuth, type TpApp } from '../platform/http/server';
import { importStatementFile } from './import';
import { runReconciliation } from './run';
import { assignException, getException, noteException, recordReconciliation, refundException, resolveException, withWorkflow, writeOffException } from './exceptions';
import { actorOf } from '../platform/http/server';
import { requirePermission, storeFilter } from '../platform/auth/permissions';
import type { FastifyRequest } from 'fastify';
import { exceptionsCsv, exceptionsXlsx } from './export';
import { addDays } from './match-settlement';
import { recordCashDeposit } from './cash-deposits';
import { assertFetchAt, chainReconSettings, saveChainReconSettings, saveStoreReconSettings, storeReconSettings } from './settings';
import { findStoreByCode, scopeOf } from '../platform/stores/service';

const FILE_LIMIT_BYTES = 200 * 1024 * 1024;

/** The stores a request may see (undefined: all of them, with the chain's settlements and bank), optionally one store by code. */
async function scopedStores(req: FastifyRequest, storeCode?: string): Promise<string[] | undefined> {
  const stores = await req.ctx.db.selectFrom('stores').select(['id as storeId', 'region_id as regionId', 'code']).execute();
  const wanted = storeCode ? stores.filter((s) => s.code === storeCode) : stores;
  if (storeCode && wanted.length === 0) throw new AppError('NOT_FOUND', `Store ${storeCode} does not exist.`);
  const allowed = storeFilter(actorOf(req), 'recon.view', wanted);
  return allowed === 'all' ? (storeCode ? wanted.map((s) => s.storeId) : undefined) : allowed;
}

export async function reconciliationRoutes(app: TpApp): Promise<void> {
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'text/plain', 'application/zip', 'application/gzip', 'application/xml', 'text/xml'], { parseAs: 'buffer', bodyLimit: FILE_LIMIT_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  const DateParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
  app.get(
    '/recon/exceptions',
    {
      preHandler: requireAuth('recon.view'),
      schema: {
        tags: ['reconciliation'],
        summary: "A business date's three layers (sales ↔ channel, channel ↔ settlement, settlement ↔ bank) and cash: matched, pending, and every exception with its reason and workflow status",
        querystring: z.object({
          date: DateParam,
          store: z.string().max(16).optional(),
          channel: z.string().max(16).optional(),
          code: z.string().max(32).optional(),
          status: z.enum(['open', 'assigned', 'resolved', 'written_off']).optional(),
          format: z.enum(['json', 'csv', 'xlsx']).default('json'),
          lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
        }),
      },
    },
    async (req, reply) => {
      const run = await withWorkflow(req.ctx, await runReconciliation(req.ctx, { date: req.query.date, storeIds: await scopedStores(req, req.query.store) }));
      const { channel, code, status, format } = req.query;
      const filtered = { ...run, exceptions: run.exceptions.filter((e) => (!channel || e.channel === channel) && (!code || e.code === code) && (!status || (e.status ?? 'open') === status)) };
      if (format === 'json') return filtered;
      void reply.header('content-disposition', `attachment; filename="recon-exceptions-${run.date}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(exceptionsCsv(filtered, req.query.lang));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await exceptionsXlsx(filtered, req.query.lang));
    },
  );

  app.get(
    '/recon/calendar',
    {
      preHandler: requireAuth('recon.view'),
      schema: {
        tags: ['reconciliation'],
        summary: 'The days of a month with recorded exceptions: how many are still open (open or assigned), how many in all, and the open money at stake',
        querystring: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), store: z.string().max(16).optional() }),
      },
    },
    async (req) => {
      const storeIds = await scopedStores(req, req.query.store);
      let q = req.ctx.db
        .selectFrom('recon_exceptions')
        .select(['business_date', 'status', 'amount_fen', 'store_ref'])
        .where('business_date', '>=', `${req.query.month}-01`)
        .where('business_date', '<=', `${req.query.month}-31`);
      if (storeIds) q = q.where('store_ref', 'in', storeIds.length ? storeIds : ['']);
      const days = new Map<string, { date: string; open: number; total: number; openAmountFen: number }>();
      for (const r of await q.execute()) {
        const day = days.get(r.business_date) ?? { date: r.business_date, open: 0, total: 0, openAmountFen: 0 };
        day.total += 1;
        if (r.status === 'open' || r.status === 'assigned') {
          day.open += 1;
          day.openAmountFen += Math.abs(Number(r.amount_fen));
        }
        days.set(r.business_date, day);
      }
      return { month: req.query.month, days: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)) };
    },
  );

  app.get(
    '/recon/trend',
    {
      preHandler: requireAuth('recon.view'),
      schema: {
        tags: ['reconciliation'],
        summary: 'Matched, pending and exceptions for each of the days up to `to` (default 14 days), with the matched share',
        querystring: z.object({ to: DateParam, days: z.coerce.number().int().min(1).max(62).default(14), store: z.string().max(16).optional() }),
      },
    },
    async (req) => {
      const storeIds = await scopedStores(req, req.query.store);
      const points = [];
      for (let i = req.query.days - 1; i >= 0; i--) {
        const run = await runReconciliation(req.ctx, { date: addDays(req.query.to, -i), storeIds });
        const { matched, pending, exceptions } = run.summary;
        const all = matched + pending + exceptions;
        points.push({ date: run.date, matched, pending, exceptions, matchedPct: all === 0 ? null : Math.round((matched / all) * 1000) / 10, inTransitFen: run.inTransitFen });
      }
      return { to: req.query.to, points };
    },
  );

  app.post(
    '/recon/runs',
    {
      preHandler: requireAuth('recon.manage'),
      schema: { tags: ['reconciliation'], summary: 'Run a business date over all stores and record its exceptions (a re-run updates them; resolved ones stay resolved)', body: z.object({ date: DateParam }) },
    },
    async (req) => recordReconciliation(req.ctx, { date: req.body.date }),
  );

  const IdParams = z.object({ id: z.string().min(1).max(64) });
  app.get('/recon/exceptions/:id', { preHandler: requireAuth('recon.view'), schema: { tags: ['reconciliation'], summary: 'One exception with its lines and history', params: IdParams } }, (req) => getException(req.ctx, req.params.id));
  app.post(
    '/recon/exceptions/:id/assign',
    { preHandler: requireAuth('recon.manage'), schema: { tags: ['reconciliation'], summary: 'Assign an open exception to a user', params: IdParams, body: z.object({ username: z.string().min(1).max(64), note: z.string().max(500).optional() }) } },
    (req) => assignException(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/recon/exceptions/:id/notes',
    { preHandler: requireAuth('recon.manage'), schema: { tags: ['reconciliation'], summary: 'Add a note to an exception', params: IdParams, body: z.object({ text: z.string().min(1).max(2000) }) } },
    (req) => noteException(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/recon/exceptions/:id/resolve',
    {
      preHandler: requireAuth('recon.manage'),
      schema: { tags: ['reconciliation'], summary: 'Resolve by a manual match (optionally with the exception on the other side)', params: IdParams, body: z.object({ note: z.string().min(1).max(2000), matchedExceptionId: z.string().max(64).optional() }) },
    },
    (req) => resolveException(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/recon/exceptions/:id/refund',
    {
      preHandler: requireAuth('recon.manage'),
      schema: { tags: ['reconciliation'], summary: 'Resolve by a refund to the customer (paid without a sale, charged too much or twice, a till refund the channel never made), with its reference', params: IdParams, body: z.object({ reference: z.string().min(1).max(64), note: z.string().max(2000).optional() }) },
    },
    (req) => refundException(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/recon/exceptions/:id/write-off',
    { preHandler: requireAuth('recon.manage'), schema: { tags: ['reconciliation'], summary: 'Write the difference off, with the reason', params: IdParams, body: z.object({ reason: z.string().min(1).max(2000) }) } },
    (req) => writeOffException(req.ctx, req.params.id, req.body),
  );

  app.post(
    '/recon/cash-deposits',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['reconciliation'],
        summary: "Record (or correct) the cash a store took to the bank for a business date; without amountFen, the day's counted cash less the floats. Reconciliation meets it with the bank's cash deposit credit.",
        body: z.object({ store: z.string().min(1).max(16), businessDate: DateParam, amountFen: z.number().int().optional(), slipNo: z.string().max(64).nullable().optional() }),
      },
    },
    async (req, reply) => reply.code(201).send(await recordCashDeposit(req.ctx, { storeCode: req.body.store, businessDate: req.body.businessDate, amountFen: req.body.amountFen, slipNo: req.body.slipNo })),
  );

  app.get(
    '/recon/settings',
    { preHandler: requireAuth('recon.view'), schema: { tags: ['reconciliation'], summary: "A store's bill fetch time (HH:MM in its time zone) and the chain's cash deposit words", querystring: z.object({ store: z.string().min(1).max(16) }) } },
    async (req) => {
      const store = await findStoreByCode(req.ctx, req.query.store);
      return { store: store.code, timeZone: store.timeZone, ...(await storeReconSettings(req.ctx, store.id)), ...(await chainReconSettings(req.ctx)) };
    },
  );
  app.put(
    '/recon/settings',
    {
      preHandler: requireAuth('recon.manage'),
      schema: {
        tags: ['reconciliation'],
        summary: "Set a store's bill fetch time and/or the words that mark a cash deposit on the bank statement",
        body: z.object({ store: z.string().min(1).max(16), fetchAt: z.string().max(5).optional(), cashDepositWords: z.array(z.string().max(32)).max(20).optional() }),
      },
    },
    async (req) => {
      const store = await findStoreByCode(req.ctx, req.body.store);
      // A store's fetch time is that store's; the deposit words apply to every store's statement.
      requirePermission(actorOf(req), 'recon.manage', scopeOf(store));
      if (req.body.cashDepositWords) requirePermission(actorOf(req), 'recon.manage', { storeId: '*', regionId: null });
      if (req.body.fetchAt !== undefined) assertFetchAt(req.body.fetchAt);
      const chain = req.body.cashDepositWords ? await saveChainReconSettings(req.ctx, { cashDepositWords: req.body.cashDepositWords }) : await chainReconSettings(req.ctx);
      const own = req.body.fetchAt ? await saveStoreReconSettings(req.ctx, store.id, { fetchAt: req.body.fetchAt }) : await storeReconSettings(req.ctx, store.id);
      return { store: store.code, timeZone: store.timeZone, ...own, ...chain };
    },
  );

  app.post(
    '/recon/imports',
    {
      preHandler: requireAuth('recon.manage'),
      bodyLimit: FILE_LIMIT_BYTES,
      schema: {
        tags: ['reconciliation'],
        summary: 'Import a channel bill or bank statement (the file is the body); all lines or none; the same file twice changes nothing',
        querystring: z.object({
          source: z.enum(['wechat', 'alipay', 'aggregator', 'card', 'bank', 'settlement']),
          fileName: z.string().max(200).default('upload'),
          format: z.enum(['auto', 'mt940', 'camt053', 'csv']).default('auto'),
          profile: z.enum(['icbc', 'cmb', 'acquirer', 'chinaums']).optional(),
          store: z.string().max(16).optional().describe("A bill of this store's own merchant account: what no sale explains on it is the store's"),
        }),
        response: {
          200: z.object({ fileId: z.string(), alreadyImported: z.boolean(), format: z.string(), lines: z.number().int(), totals: z.object({ grossFen: z.number().int(), feeFen: z.number().int(), netFen: z.number().int() }) }),
        },
      },
    },
    async (req) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file itself as the body (Content-Type: application/octet-stream).');
      const storeId = req.query.store === undefined ? undefined : (await findStoreByCode(req.ctx, req.query.store)).id;
      return importStatementFile(req.ctx, { source: req.query.source, fileName: req.query.fileName, bytes: req.body, format: req.query.format, profile: req.query.profile, storeId });
    },
  );
}
