// Approvals of returns above the requester's limit: a supervisor's own PIN or password typed at
// the till, or a request the till sends to the back office for a manager to approve or reject.
// Each approval covers one exact return (by the hash of its subject), once, for a few minutes,
// and never by the person who asked for it.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { can, requirePermission, rolesAt, type Actor, type RoleGrant, type StoreScope } from '../platform/auth/permissions';
import type { VerifiedPerson } from '../platform/auth/sessions';
import type { Ctx } from '../platform/context';
import { storeScopeById } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { ladderLevel, RETURN_LADDER, type ReturnRole } from './policy';
import { planReturn, type ReturnInput, type ReturnPlan } from './service';

export interface ApprovalView {
  id: string;
  status: 'pending' | 'approved' | 'rejected' | 'used';
  kind: string;
  storeId: string;
  amountFen: number;
  requiredRole: string;
  reason: string;
  requester: { id: string; name: string; method: string };
  approver: { id: string; name: string; method: string } | null;
  note: string | null;
  subject: unknown;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  expired: boolean;
}

function requiredOf(plan: ReturnPlan): { role: ReturnRole; needs: string[] } {
  if (plan.decision.ok) throw new AppError('APPROVAL_NOT_NEEDED', 'This return is within your limit; no approval is needed.', { status: 409 });
  if (plan.decision.code === 'RETURN_NOT_ALLOWED') throw new AppError('RETURN_NOT_ALLOWED', plan.decision.message, { status: 403 });
  return { role: plan.decision.requiredRole, needs: plan.decision.needs };
}

/** Whether `person` may approve at `scope` a return that needs `role` — never their own request. */
function assertApprover(person: { userId: string; grants: RoleGrant[] }, requesterId: string, scope: StoreScope, role: ReturnRole): void {
  if (person.userId === requesterId) throw new AppError('SELF_APPROVAL', 'You cannot approve your own return. Ask a supervisor.', { status: 403 });
  const allowed = can({ grants: person.grants } as Actor, 'returns.approve', scope) && ladderLevel(rolesAt(person, scope)) >= RETURN_LADDER.indexOf(role);
  if (!allowed) throw new AppError('APPROVER_ROLE_TOO_LOW', `This return needs a ${role.replace('_', ' ')} or above for this store.`, { status: 403, details: { requiredRole: role } });
}

async function insertApproval(
  ctx: Ctx,
  plan: ReturnPlan,
  requester: Actor,
  fields: { status: 'pending' | 'approved'; approver?: VerifiedPerson; reason: string },
): Promise<string> {
  const now = ctx.clock.now();
  const id = newId();
  const { role } = requiredOf(plan);
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('approvals')
      .values({
        store_id: plan.till.storeId,
        id,
        kind: 'return',
        status: fields.status,
        subject_hash: plan.subjectHash,
        subject: JSON.stringify({ ...plan.subject, receiptNo: plan.sale?.receiptNo ?? null, lines: plan.quote.lines.map((l) => ({ name: l.name, qty: l.qty, refundFen: l.refundFen })) }),
        amount_fen: plan.quote.refundFen,
        required_role: role,
        reason: fields.reason,
        terminal_id: plan.till.terminalId,
        requester_id: requester.userId,
        requester_method: requester.terminalId ? 'pin' : 'password',
        approver_id: fields.approver?.userId ?? null,
        approver_method: fields.approver ? `${fields.approver.method}@till` : null,
        decision_note: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + plan.policy.approvalValidMinutes * 60_000).toISOString(),
        decided_at: fields.approver ? now.toISOString() : null,
        used_at: null,
        used_by_doc: null,
      })
      .execute();
    await appendAudit({ ...ctx, db: tx, actor: requester }, {
      action: fields.status === 'approved' ? 'approval.granted' : 'approval.requested',
      actorId: fields.approver?.userId ?? requester.userId,
      docType: 'approval',
      docId: id,
      storeId: plan.till.storeId,
      data: { kind: 'return', amountFen: plan.quote.refundFen, requiredRole: role, requesterId: requester.userId, approverId: fields.approver?.userId ?? null, method: fields.approver ? `${fields.approver.method}@till` : null, reason: fields.reason },
    });
  });
  return id;
}

/**
 * A supervisor approves at the till with their own PIN or password (checked by `verify`, under
 * the sign-in failure limits). Returns the approval to pass with the return.
 */
export async function approveAtTill(ctx: Ctx, requester: Actor, input: { return: ReturnInput; reason?: string }, verify: () => Promise<VerifiedPerson>): Promise<ApprovalView> {
  const plan = await planReturn(ctx, requester, input.return);
  const { role, needs } = requiredOf(plan);
  const approver = await verify();
  assertApprover(approver, requester.userId, plan.scope, role);
  const id = await insertApproval(ctx, plan, requester, { status: 'approved', approver, reason: input.reason?.trim() || needs.join(',') });
  return getApprovalView(ctx, plan.till.storeId, id);
}

/** The till asks the back office; a manager approves or rejects there, and the till polls. */
export async function requestApproval(ctx: Ctx, requester: Actor, input: { return: ReturnInput; reason?: string }): Promise<ApprovalView> {
  const plan = await planReturn(ctx, requester, input.return);
  const { needs } = requiredOf(plan);
  const id = await insertApproval(ctx, plan, requester, { status: 'pending', reason: input.reason?.trim() || needs.join(',') });
  return getApprovalView(ctx, plan.till.storeId, id);
}

async function approvalRow(ctx: Ctx, id: string) {
  const row = await ctx.db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('APPROVAL_NOT_FOUND', 'No such approval.', { status: 404 });
  return { row, scope: await storeScopeById(ctx, row.store_id) };
}

export async function getApprovalView(ctx: Ctx, storeId: string, id: string): Promise<ApprovalView> {
  const rows = await listApprovalRows(ctx, (q) => q.where('approvals.store_id', '=', storeId).where('approvals.id', '=', id));
  const row = rows[0];
  if (!row) throw new AppError('APPROVAL_NOT_FOUND', 'No such approval.', { status: 404 });
  return row;
}

/** Approve or reject a pending request from the back office (or a manager's own till). */
export async function decideApproval(ctx: Ctx, actor: Actor, id: string, input: { approve: boolean; note?: string }): Promise<ApprovalView> {
  const { row, scope } = await approvalRow(ctx, id);
  requirePermission(actor, 'returns.approve', scope);
  if (row.status !== 'pending') throw new AppError('APPROVAL_DECIDED', `This request was already ${row.status}.`, { status: 409 });
  const now = ctx.clock.now();
  if (row.expires_at <= now.toISOString()) throw new AppError('APPROVAL_EXPIRED', 'This request has expired; the till must ask again.', { status: 409 });
  if (input.approve) assertApprover({ userId: actor.userId, grants: actor.grants }, row.requester_id, scope, row.required_role as ReturnRole);
  else if (actor.userId === row.requester_id) throw new AppError('SELF_APPROVAL', 'You cannot decide your own request.', { status: 403 });
  await ctx.db.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('approvals')
      .set({ status: input.approve ? 'approved' : 'rejected', approver_id: actor.userId, approver_method: `${actor.terminalId ? 'pin' : 'password'}@back-office`, decision_note: input.note?.trim().slice(0, 200) || null, decided_at: now.toISOString() })
      .where('store_id', '=', row.store_id)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('APPROVAL_DECIDED', 'This request was just decided by someone else.', { status: 409 });
    await appendAudit({ ...ctx, db: tx, actor }, {
      action: input.approve ? 'approval.granted' : 'approval.rejected',
      docType: 'approval',
      docId: id,
      storeId: row.store_id,
      data: { kind: row.kind, amountFen: row.amount_fen, requiredRole: row.required_role, requesterId: row.requester_id, approverId: actor.userId, method: 'back-office', note: input.note ?? null },
    });
  });
  return getApprovalView(ctx, row.store_id, id);
}

/** One approval, for its requester (polling at the till) or anyone who may approve at its store. */
export async function getApproval(ctx: Ctx, actor: Actor, id: string): Promise<ApprovalView> {
  const { row, scope } = await approvalRow(ctx, id);
  if (row.requester_id !== actor.userId) requirePermission(actor, 'returns.approve', scope);
  return getApprovalView(ctx, row.store_id, id);
}

function approvalQuery(ctx: Ctx) {
  return ctx.db
    .selectFrom('approvals')
    .innerJoin('users as requester', 'requester.id', 'approvals.requester_id')
    .leftJoin('users as approver', 'approver.id', 'approvals.approver_id')
    .selectAll('approvals')
    .select(['requester.display_name as requester_name', 'approver.display_name as approver_name']);
}

async function listApprovalRows(ctx: Ctx, filter: (q: ReturnType<typeof approvalQuery>) => ReturnType<typeof approvalQuery>): Promise<ApprovalView[]> {
  const now = ctx.clock.now().toISOString();
  const rows = await filter(approvalQuery(ctx)).orderBy('approvals.created_at', 'desc').limit(200).execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status as ApprovalView['status'],
    kind: r.kind,
    storeId: r.store_id,
    amountFen: r.amount_fen,
    requiredRole: r.required_role,
    reason: r.reason,
    requester: { id: r.requester_id, name: r.requester_name, method: r.requester_method },
    approver: r.approver_id ? { id: r.approver_id, name: r.approver_name ?? '', method: r.approver_method ?? '' } : null,
    note: r.decision_note,
    subject: JSON.parse(r.subject) as unknown,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    decidedAt: r.decided_at,
    expired: r.status !== 'used' && r.expires_at <= now,
  }));
}

/** The inbox: approvals at the stores where `actor` may approve, newest first. */
export async function listApprovals(ctx: Ctx, actor: Actor, input: { status?: string }): Promise<ApprovalView[]> {
  requirePermission(actor, 'returns.approve');
  const stores = await ctx.db.selectFrom('stores').select(['id', 'region_id']).execute();
  const ids = stores.filter((s) => can(actor, 'returns.approve', { storeId: s.id, regionId: s.region_id })).map((s) => s.id);
  if (ids.length === 0) return [];
  return listApprovalRows(ctx, (q) => {
    let out = q.where('approvals.store_id', 'in', ids);
    if (input.status) out = out.where('approvals.status', '=', input.status);
    return out;
  });
}

