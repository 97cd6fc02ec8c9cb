// Reconciliation over HTTP: import a bill or bank statement file (finance).
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { requireAuth, type TpApp } from '../platform/http/server';
import { importStatementFile } from './import';
import { runReconciliation } from './run';
import { actorOf } from '../platform/http/server';
import { storeFilter } from '../platform/auth/permissions';

const FILE_LIMIT_BYTES = 200 * 1024 * 1024;

export async function reconciliationRoutes(app: TpApp): Promise<void> {
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'text/plain', 'application/zip', 'application/gzip', 'application/xml', 'text/xml'], { parseAs: 'buffer', bodyLimit: FILE_LIMIT_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/recon/exceptions',
    {
      preHandler: requireAuth('recon.view'),
      schema: {
        tags: ['reconciliation'],
        summary: "A business date's wallet tenders against the imported bills: matched, pending, and every gap with its reason",
        querystring: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), store: z.string().max(16).optional() }),
      },
    },
    async (req) => {
      const stores = await req.ctx.db.selectFrom('stores').select(['id as storeId', 'region_id as regionId', 'code']).execute();
      const wanted = req.query.store ? stores.filter((s) => s.code === req.query.store) : stores;
      if (req.query.store && wanted.length === 0) throw new AppError('NOT_FOUND', `Store ${req.query.store} does not exist.`);
      const allowed = storeFilter(actorOf(req), 'recon.view', wanted);
      const storeIds = allowed === 'all' ? (req.query.store ? wanted.map((s) => s.storeId) : undefined) : allowed;
      return runReconciliation(req.ctx, { date: req.query.date, storeIds });
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
          source: z.enum(['wechat', 'alipay', 'aggregator', 'card', 'bank']),
          fileName: z.string().max(200).default('upload'),
          format: z.enum(['auto', 'mt940', 'camt053', 'csv']).default('auto'),
          profile: z.enum(['icbc', 'cmb']).optional(),
        }),
        response: {
          200: z.object({ fileId: z.string(), alreadyImported: z.boolean(), format: z.string(), lines: z.number().int(), totals: z.object({ grossFen: z.number().int(), feeFen: z.number().int(), netFen: z.number().int() }) }),
        },
      },
    },
    async (req) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file itself as the body (Content-Type: application/octet-stream).');
      return importStatementFile(req.ctx, { source: req.query.source, fileName: req.query.fileName, bytes: req.body, format: req.query.format, profile: req.query.profile });
    },
  );
}
