// The audit trail over HTTP, for auditors, HQ and store managers (their own store).
import { requireAuth, type TpApp } from '../platform/http/server';
import { AuditTrailOut, AuditTrailQuery } from './schema';
import { listAuditTrail } from './trail';

export async function auditRoutes(app: TpApp): Promise<void> {
  app.get(
    '/audit',
    {
      preHandler: requireAuth('audit.view'),
      schema: {
        tags: ['audit'],
        summary: "The node's audit trail, newest first: who did what to which document in which store. Dates are calendar days in the store's zone (Asia/Shanghai by default); page with before = nextBefore",
        querystring: AuditTrailQuery,
        response: { 200: AuditTrailOut },
      },
    },
    async (req) => listAuditTrail(req.ctx, req.query),
  );
}
