// HQ works the sync exceptions it raised applying stores' documents (negative points, unknown
// member, a coupon used twice…): it lists them and resolves each with a note, audited.
import { AppError } from '../platform/errors';
import { inTransaction } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';

export type SyncExceptionStatus = 'open' | 'resolved';

export interface SyncExceptionView {
  id: string;
  storeCode: string;
  code: string;
  docType: string;
  docId: string;
  ref: string | null;
  detail: string;
  createdAt: string;
  status: SyncExceptionStatus;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolvedByName: string | null;
  resolution: string | null;
}

export interface SyncExceptionQuery {
  store?: string;
  status?: SyncExceptionStatus;
  code?: string;
  limit: number;
  offset: number;
}

function base(ctx: Ctx) {
  return ctx.db
    .selectFrom('sync_exceptions as e')
    .innerJoin('stores as s', 's.id', 'e.store_id')
    .leftJoin('users as u', 'u.id', 'e.resolved_by')
    .select(['e.id', 'e.store_id', 's.code as storeCode', 'e.code', 'e.doc_type', 'e.doc_id', 'e.ref', 'e.detail', 'e.created_at', 'e.resolved_at', 'e.resolved_by', 'u.display_name as resolvedByName', 'e.resolution']);
}

type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;

function view(r: Row): SyncExceptionView {
  return {
    id: r.id,
    storeCode: r.storeCode,
    code: r.code,
    docType: r.doc_type,
    docId: r.doc_id,
    ref: r.ref,
    detail: r.detail,
    createdAt: r.created_at,
    status: r.resolved_at === null ? 'open' : 'resolved',
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolvedByName: r.resolvedByName,
    resolution: r.resolution,
  };
}

/**
 * The chain's sync exceptions, newest first, by store code, status and exception code.
 *
 * @example const { total, exceptions } = await listSyncExceptions(ctx, { store: 'S002', status: 'open', limit: 50, offset: 0 })
 */
export async function listSyncExceptions(ctx: Ctx, query: SyncExceptionQuery): Promise<{ total: number; exceptions: SyncExceptionView[] }> {
  if (query.store) {
    const store = await ctx.db.selectFrom('stores').select('id').where('code', '=', query.store).executeTakeFirst();
    if (!store) throw new AppError('NOT_FOUND', `Store ${query.store} does not exist; pick a store code from 门店与区域.`);
  }
  let q = base(ctx);
  if (query.store) q = q.where('s.code', '=', query.store);
  if (query.code) q = q.where('e.code', '=', query.code);
  if (query.status) q = q.where('e.resolved_at', query.status === 'open' ? 'is' : 'is not', null);
  const [count, rows] = await Promise.all([
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    q.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(query.limit).offset(query.offset).execute(),
  ]);
  return { total: Number(count.n), exceptions: rows.map(view) };
}

/**
 * Resolves an open sync exception with the note saying what HQ did (points corrected with the
 * member, the duplicate merged…). Refused with SYNC_EXCEPTION_RESOLVED when already resolved.
 *
 * @example await resolveSyncException(ctx, id, { note: 'Called the member; points adjusted at S001' })
 */
export async function resolveSyncException(ctx: Ctx, id: string, input: { note: string }): Promise<SyncExceptionView> {
  const note = input.note.trim();
  if (!note) throw new AppError('VALIDATION_FAILED', 'Write a note saying how the exception was resolved (field "note").', { status: 400, details: { field: 'note' } });
  return inTransaction(ctx.db, async (tx) => {
    const t = { ...ctx, db: tx };
    const row = await base(t).where('e.id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `Sync exception ${id} does not exist; pick one from the list of the store's exceptions.`);
    if (row.resolved_at !== null) {
      throw new AppError('SYNC_EXCEPTION_RESOLVED', `This exception was resolved already at ${row.resolved_at} by ${row.resolvedByName ?? row.resolved_by ?? '?'} (${row.resolution ?? ''}); it cannot be resolved again.`, {
        status: 409,
        details: { resolvedAt: row.resolved_at, resolvedBy: row.resolved_by },
      });
    }
    const now = ctx.clock.now().toISOString();
    const by = ctx.actor?.userId ?? null;
    // The guard on resolved_at keeps two HQ users resolving at once from both succeeding.
    const updated = await tx.updateTable('sync_exceptions').set({ resolved_at: now, resolved_by: by, resolution: note }).where('id', '=', id).where('resolved_at', 'is', null).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('SYNC_EXCEPTION_RESOLVED', 'This exception was resolved by someone else just now; reload the list.', { status: 409 });
    await appendAudit(t, { action: 'sync.exception.resolved', docType: 'sync_exception', docId: id, storeId: row.store_id, data: { code: row.code, docType: row.doc_type, docId: row.doc_id, ref: row.ref, note } });
    return view({ ...row, resolved_at: now, resolved_by: by, resolvedByName: ctx.actor?.displayName ?? null, resolution: note });
  });
}
