// Reconciliation over HTTP: import a bill or bank statement file (finance).
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { requireAuth, type TpApp } from '../platform/http/server';
import { importStatementFile } from './import';

const FILE_LIMIT_BYTES = 200 * 1024 * 1024;

export async function reconciliationRoutes(app: TpApp): Promise<void> {
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'text/plain', 'application/zip', 'application/gzip', 'application/xml', 'text/xml'], { parseAs: 'buffer', bodyLimit: FILE_LIMIT_BYTES }, (_req, body, done) =>
    done(null, body),
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
