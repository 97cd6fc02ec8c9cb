// Returns and their approvals over HTTP (DESIGN §9: POST /returns), and the return policy editor.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission } from '../platform/auth/permissions';
import { createRateLimiter } from '../platform/auth/rate-limit';
import { verifyCredentials } from '../platform/auth/sessions';
import { findStoreByCode, scopeOf } from '../platform/stores/service';
import { returnPolicySchema } from './policy';
import { returnPolicyFor, saveReturnPolicy } from './policy-store';
import { approveAtTill, decideApproval, getApproval, listApprovals, requestApproval } from './approvals';
import { createReturn, listReturns, loadReturn, planReturn, receiptForReturn, retryReturn } from './service';
import { ApprovalOut, QuoteOut, ReceiptOut, ReturnIn, ReturnOut } from './schema';

const tags = ['returns'];
const IdParams = z.object({ id: z.string().max(64) });

export async function returnsRoutes(app: TpApp): Promise<void> {
  // Approver PINs typed at a till fail under the same limits as signing in.
  const limiter = createRateLimiter(app.deps.clock, { max: (key) => (key.startsWith('ip:') ? 20 : 5), windowMs: 15 * 60_000 });
  const take = { preHandler: requireAuth('returns.create') };
  const approve = { preHandler: requireAuth('returns.approve') };

  app.get('/returns/receipt/:receiptNo', { ...take, schema: { tags, summary: 'A receipt with what is left to return on each line', params: z.object({ receiptNo: z.string().max(40) }), response: { 200: ReceiptOut } } }, (req) =>
    receiptForReturn(req.ctx, actorOf(req), req.params.receiptNo),
  );

  app.post('/returns/quote', { ...take, schema: { tags, summary: 'What a return would refund, to which tenders, and whether it needs approval', body: ReturnIn, response: { 200: QuoteOut } } }, async (req) => {
    const plan = await planReturn(req.ctx, actorOf(req), req.body);
    return {
      receiptNo: plan.sale?.receiptNo ?? null,
      refundFen: plan.quote.refundFen,
      keptValueFen: plan.quote.keptValueFen,
      lines: plan.quote.lines.map((l) => ({ lineNo: l.lineNo, skuId: l.skuId, name: l.name, qty: l.qty, refundFen: l.refundFen })),
      refunds: plan.routing.map((r) => ({ method: r.method, amountFen: r.amountFen })),
      decision: plan.decision,
    };
  });

  app.post(
    '/returns',
    { ...take, schema: { tags, summary: 'Take a return (idempotent per Idempotency-Key); 403 APPROVAL_REQUIRED names the lowest role that may approve', body: ReturnIn, headers: z.object({ 'idempotency-key': z.string().max(100).optional() }), response: { 201: ReturnOut } } },
    async (req, reply) => reply.status(201).send(await createReturn(req.ctx, actorOf(req), { ...req.body, idempotencyKey: req.headers['idempotency-key'] })),
  );

  app.get(
    '/returns',
    {
      preHandler: requireAuth(),
      schema: { tags, querystring: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), status: z.enum(['refunding', 'completed', 'refund_failed']).optional(), store: z.string().max(16).optional() }) },
    },
    async (req) => {
      const storeId = req.query.store ? (await findStoreByCode(req.ctx, req.query.store)).id : undefined;
      return { returns: await listReturns(req.ctx, actorOf(req), { date: req.query.date, status: req.query.status, storeId }) };
    },
  );

  app.get('/returns/:id', { preHandler: requireAuth(), schema: { tags, params: IdParams, querystring: z.object({ store: z.string().max(16) }), response: { 200: ReturnOut } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.query.store);
    const view = await loadReturn(req.ctx.db, store.id, req.params.id);
    if (!view) throw new AppError('NOT_FOUND', 'No such return at this store.');
    const actor = actorOf(req);
    // The cashier who took it, or whoever may approve returns at that store.
    if (actor.userId !== view.cashierId) requirePermission(actor, 'returns.approve', scopeOf(store));
    return view;
  });

  app.post('/returns/:id/retry', { ...take, schema: { tags, summary: 'Retry the refunds of a return a channel refused (same refund numbers: never twice)', params: IdParams, querystring: z.object({ store: z.string().max(16) }), response: { 200: ReturnOut } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.query.store);
    return retryReturn(req.ctx, actorOf(req), store.id, req.params.id);
  });

  app.post(
    '/approvals/at-till',
    {
      ...take,
      schema: {
        tags,
        summary: "A supervisor approves at the till with their own PIN or password (never the requester's)",
        body: z.object({ return: ReturnIn, approver: z.object({ username: z.string().max(64), pin: z.string().max(32).optional(), password: z.string().max(200).optional() }), reason: z.string().max(200).optional() }),
        response: { 201: ApprovalOut },
      },
    },
    async (req, reply) => {
      const verify = () => verifyCredentials(req.ctx, app.sessionPolicy, limiter, req.body.approver, { ip: req.ip });
      return reply.status(201).send(await approveAtTill(req.ctx, actorOf(req), { return: req.body.return, reason: req.body.reason }, verify));
    },
  );
  app.post('/approvals', { ...take, schema: { tags, summary: 'Ask the back office to approve a return', body: z.object({ return: ReturnIn, reason: z.string().max(200).optional() }), response: { 201: ApprovalOut } } }, async (req, reply) =>
    reply.status(201).send(await requestApproval(req.ctx, actorOf(req), req.body)),
  );
  app.get('/approvals', { ...approve, schema: { tags, querystring: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'used']).optional() }), response: { 200: z.object({ approvals: z.array(ApprovalOut) }) } } }, async (req) => ({
    approvals: await listApprovals(req.ctx, actorOf(req), req.query),
  }));
  app.get('/approvals/:id', { preHandler: requireAuth(), schema: { tags, params: IdParams, response: { 200: ApprovalOut } } }, (req) => getApproval(req.ctx, actorOf(req), req.params.id));
  app.post('/approvals/:id/decision', { ...approve, schema: { tags, params: IdParams, body: z.object({ approve: z.boolean(), note: z.string().max(200).optional() }), response: { 200: ApprovalOut } } }, (req) =>
    decideApproval(req.ctx, actorOf(req), req.params.id, req.body),
  );

  const StoreParams = z.object({ code: z.string().max(16) });
  app.get('/stores/:code/return-policy', { preHandler: requireAuth(), schema: { tags, params: StoreParams, response: { 200: returnPolicySchema } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.params.code);
    requirePermission(actorOf(req), 'store.view', scopeOf(store));
    return returnPolicyFor(req.ctx, store.id);
  });
  app.put('/stores/:code/return-policy', { preHandler: requireAuth('returns.policy'), schema: { tags, summary: 'Set the store’s return limits (HQ or regional manager; a store manager cannot raise their own)', params: StoreParams, body: z.unknown(), response: { 200: returnPolicySchema } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.params.code);
    requirePermission(actorOf(req), 'returns.policy', scopeOf(store));
    return saveReturnPolicy(req.ctx, { kind: 'store', id: store.id }, req.body);
  });
}
