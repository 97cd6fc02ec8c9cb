// The exception workflow: a recorded run keeps each exception under its stable key (a re-run
// updates it, never adds a second), and the finance clerk works it — assign, note, resolve by
// manual match, write off with a reason. Each step and its audit record commit together.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { inTransaction, type Tx } from '../platform/db/index';
import { can } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { runReconciliation, type ExceptionStatus, type ReconRun, type RunException } from './run';

export interface ExceptionEvent {
  at: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  note: string | null;
}

export interface ExceptionView {
  id: string;
  key: string;
  date: string;
  code: string;
  channel: string;
  storeId: string | null;
  status: ExceptionStatus;
  amountFen: number;
  assigneeId: string | null;
  assigneeName: string | null;
  resolutionKind: string | null;
  resolution: string | null;
  /** Money the customer overpaid, so it can be resolved by a refund to them (`refundException`). */
  refundable: boolean;
  /** The exception as the last run found it. */
  detail: RunException;
  events: ExceptionEvent[];
}

const OPEN: readonly string[] = ['open', 'assigned'];

/**
 * Runs the date over all stores and records its exceptions: new ones open, known ones updated
 * (their status kept: a resolved exception stays resolved), and open ones the run no longer finds
 * (a late file matched them) resolved as `auto`. Returns the run with each exception's id and status.
 *
 * @example await recordReconciliation(ctx, { date: '2026-11-29' })
 */
export async function recordReconciliation(ctx: Ctx, input: { date: string }): Promise<ReconRun> {
  const run = await runReconciliation(ctx, { date: input.date });
  const now = ctx.clock.now().toISOString();
  await inTransaction(ctx.db, async (tx) => {
    const known = new Map((await tx.selectFrom('recon_exceptions').selectAll().where('business_date', '=', input.date).execute()).map((r) => [r.key, r]));
    let opened = 0;
    let cleared = 0;
    for (const e of run.exceptions) {
      const row = known.get(e.key);
      known.delete(e.key);
      const detail = JSON.stringify(e);
      if (!row) {
        const id = newId();
        await tx.insertInto('recon_exceptions').values({ id, key: e.key, business_date: input.date, code: e.code, channel: e.channel, store_ref: e.storeId, status: 'open', amount_fen: e.amountFen, detail, assignee_id: null, resolution_kind: null, resolution: null, first_seen_at: now, last_seen_at: now, updated_at: now }).execute();
        await event(tx, ctx, id, 'opened', null);
        opened += 1;
      } else if (row.status === 'resolved' && row.resolution_kind === 'auto') {
        // Matched by an earlier run, missing again now (a corrected file took the line away).
        await tx.updateTable('recon_exceptions').set({ status: 'open', resolution_kind: null, resolution: null, amount_fen: e.amountFen, detail, last_seen_at: now, updated_at: now }).where('id', '=', row.id).execute();
        await event(tx, ctx, row.id, 'reopened', null);
        await appendAudit({ ...ctx, db: tx }, { action: 'recon.exception.reopened', docType: 'recon_exception', docId: row.id, storeId: row.store_ref, data: { key: e.key } });
      } else {
        await tx.updateTable('recon_exceptions').set({ amount_fen: e.amountFen, detail, last_seen_at: now }).where('id', '=', row.id).execute();
      }
    }
    for (const row of known.values()) {
      if (!OPEN.includes(row.status)) continue;
      const note = `Matched when the day was run again at ${now}.`;
      await tx.updateTable('recon_exceptions').set({ status: 'resolved', resolution_kind: 'auto', resolution: note, updated_at: now }).where('id', '=', row.id).execute();
      await event(tx, ctx, row.id, 'cleared', note);
      await appendAudit({ ...ctx, db: tx }, { action: 'recon.exception.cleared', docType: 'recon_exception', docId: row.id, storeId: row.store_ref, data: { key: row.key } });
      cleared += 1;
    }
    await appendAudit({ ...ctx, db: tx }, { action: 'recon.ran', docType: 'recon_run', docId: input.date, data: { summary: run.summary, opened, cleared } });
  });
  return withWorkflow(ctx, run);
}

/** Adds each exception's recorded id, status and assignee (when the date has been recorded). */
export async function withWorkflow(ctx: Ctx, run: ReconRun): Promise<ReconRun> {
  const rows = await ctx.db.selectFrom('recon_exceptions').select(['id', 'key', 'status', 'assignee_id']).where('business_date', '=', run.date).execute();
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return {
    ...run,
    exceptions: run.exceptions.map((e) => {
      const row = byKey.get(e.key);
      return row ? { ...e, id: row.id, status: row.status as ExceptionStatus, assigneeId: row.assignee_id } : e;
    }),
  };
}

/** One exception with its history. */
export async function getException(ctx: Ctx, id: string): Promise<ExceptionView> {
  const row = await ctx.db
    .selectFrom('recon_exceptions')
    .leftJoin('users', 'users.id', 'recon_exceptions.assignee_id')
    .selectAll('recon_exceptions')
    .select('users.display_name as assignee_name')
    .where('recon_exceptions.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `Reconciliation exception ${id} does not exist; run the day again and pick it from the list.`);
  const events = await ctx.db
    .selectFrom('recon_exception_events')
    .leftJoin('users', 'users.id', 'recon_exception_events.actor_id')
    .select(['recon_exception_events.at', 'recon_exception_events.actor_id', 'users.display_name', 'recon_exception_events.action', 'recon_exception_events.note', 'recon_exception_events.id'])
    .where('exception_id', '=', id)
    .orderBy('recon_exception_events.at')
    .orderBy('recon_exception_events.id')
    .execute();
  return {
    id: row.id,
    key: row.key,
    date: row.business_date,
    code: row.code,
    channel: row.channel,
    storeId: row.store_ref,
    status: row.status as ExceptionStatus,
    amountFen: Number(row.amount_fen),
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_name,
    resolutionKind: row.resolution_kind,
    resolution: row.resolution,
    refundable: isRefundable(row.code, Number(row.amount_fen)),
    detail: JSON.parse(row.detail) as RunException,
    events: events.map((e) => ({ at: e.at, actorId: e.actor_id, actorName: e.display_name, action: e.action, note: e.note })),
  };
}

async function event(tx: Tx, ctx: Ctx, exceptionId: string, action: string, note: string | null): Promise<void> {
  await tx.insertInto('recon_exception_events').values({ id: newId(), exception_id: exceptionId, at: ctx.clock.now().toISOString(), actor_id: ctx.actor?.userId ?? null, action, note }).execute();
}

/** Loads the row inside the step's transaction and checks the actor may work it and it is still open. */
async function openRow(tx: Tx, ctx: Ctx, id: string, what: string) {
  const row = await tx.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `Reconciliation exception ${id} does not exist; run the day again and pick it from the list.`);
  if (ctx.actor && row.store_ref) {
    const store = await tx.selectFrom('stores').select(['id', 'region_id']).where('id', '=', row.store_ref).executeTakeFirst();
    if (!store || !can(ctx.actor, 'recon.manage', { storeId: store.id, regionId: store.region_id })) throw new AppError('STORE_OUT_OF_SCOPE', 'This exception belongs to a store you do not reconcile.');
  }
  if (!OPEN.includes(row.status)) {
    throw new AppError('EXCEPTION_CLOSED', `This exception is ${row.status.replace('_', ' ')} already (${row.resolution ?? 'no note'}); it cannot be ${what}. Add a note instead.`, { status: 409, details: { status: row.status } });
  }
  return row;
}

function audited(ctx: Ctx, tx: Tx, action: string, row: { id: string; key: string; code: string; store_ref: string | null; amount_fen: number }, data: Record<string, unknown>) {
  return appendAudit({ ...ctx, db: tx }, { action: `recon.exception.${action}`, docType: 'recon_exception', docId: row.id, storeId: row.store_ref, data: { key: row.key, code: row.code, amountFen: Number(row.amount_fen), ...data } });
}

/**
 * Gives an open exception to a user (by username) to work on.
 *
 * @example await assignException(ctx, id, { username: 'finance' })
 */
export async function assignException(ctx: Ctx, id: string, input: { username: string; note?: string }): Promise<ExceptionView> {
  await inTransaction(ctx.db, async (tx) => {
    const row = await openRow(tx, ctx, id, 'assigned');
    const user = await tx.selectFrom('users').select(['id', 'display_name']).where('username', '=', input.username).where('disabled_at', 'is', null).executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', `There is no active user "${input.username}" to assign the exception to.`);
    await tx.updateTable('recon_exceptions').set({ status: 'assigned', assignee_id: user.id, updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
    await event(tx, ctx, id, 'assigned', input.note ? `${user.display_name}: ${input.note}` : user.display_name);
    await audited(ctx, tx, 'assigned', row, { assigneeId: user.id, note: input.note ?? null });
  });
  return getException(ctx, id);
}

/** Adds a note to an exception, whatever its status. */
export async function noteException(ctx: Ctx, id: string, input: { text: string }): Promise<ExceptionView> {
  await inTransaction(ctx.db, async (tx) => {
    const row = await tx.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `Reconciliation exception ${id} does not exist; run the day again and pick it from the list.`);
    await tx.updateTable('recon_exceptions').set({ updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
    await event(tx, ctx, id, 'noted', input.text);
    await audited(ctx, tx, 'noted', row, { note: input.text });
  });
  return getException(ctx, id);
}

/**
 * Resolves an exception by a manual match: the clerk found what explains it. With
 * `matchedExceptionId` the two exceptions explain each other (a sale billed under another order
 * number: its POS_ONLY and that CHANNEL_ONLY) and both are resolved.
 *
 * @example await resolveException(ctx, posOnlyId, { note: 'Re-keyed order', matchedExceptionId: channelOnlyId })
 */
export async function resolveException(ctx: Ctx, id: string, input: { note: string; matchedExceptionId?: string }): Promise<ExceptionView> {
  await inTransaction(ctx.db, async (tx) => {
    const row = await openRow(tx, ctx, id, 'resolved');
    const other = input.matchedExceptionId ? await openRow(tx, ctx, input.matchedExceptionId, 'matched') : null;
    if (other?.id === id) throw new AppError('VALIDATION_FAILED', 'An exception cannot be matched with itself; choose the other side of the match.', { status: 400 });
    const now = ctx.clock.now().toISOString();
    for (const [mine, theirs] of other ? [[row, other], [other, row]] : [[row, null]]) {
      if (!mine) continue;
      const resolution = theirs ? `Matched with ${theirs.code} ${theirs.key}: ${input.note}` : input.note;
      await tx.updateTable('recon_exceptions').set({ status: 'resolved', resolution_kind: 'manual_match', resolution, updated_at: now }).where('id', '=', mine.id).execute();
      await event(tx, ctx, mine.id, 'resolved', resolution);
      await audited(ctx, tx, 'resolved', mine, { note: input.note, matchedExceptionId: theirs?.id ?? null });
    }
  });
  return getException(ctx, id);
}

/**
 * Exceptions where the customer paid more than the sale kept: paid with no sale (掉单), charged
 * more than the till's amount, charged twice, or a till refund the channel never made. Only
 * these can be resolved by giving the money back.
 */
const REFUNDABLE: ReadonlySet<string> = new Set(['CHANNEL_ONLY', 'AMOUNT_MISMATCH', 'DUPLICATE', 'REFUND_POS_ONLY']);
const isRefundable = (code: string, amountFen: number): boolean => REFUNDABLE.has(code) && amountFen > 0;
// A refund's reference as the channels write them (WeChat's out_refund_no, a portal's refund id, a slip number).
const REFUND_REFERENCE = /^[A-Za-z0-9_\-|*@]{1,64}$/;

/**
 * Resolves an exception by a refund to the customer (made in the channel's merchant portal or at
 * the till), recording its reference: the customer had paid the difference and got it back. The
 * refund's line on a later bill, under that number, is then no exception (run.ts).
 *
 * @example await refundException(ctx, id, { reference: '50300001234', note: '顾客重复扫码，已在商户平台退款' })
 */
export async function refundException(ctx: Ctx, id: string, input: { reference: string; note?: string }): Promise<ExceptionView> {
  const reference = input.reference.trim();
  if (!REFUND_REFERENCE.test(reference)) {
    throw new AppError('VALIDATION_FAILED', `"${input.reference}" is not a refund reference: give the refund number the channel or the till shows (1–64 letters, digits or _-|*@).`, { status: 400, details: { field: 'reference' } });
  }
  const note = input.note?.trim() ?? '';
  await inTransaction(ctx.db, async (tx) => {
    const row = await openRow(tx, ctx, id, 'refunded');
    if (!isRefundable(row.code, Number(row.amount_fen))) {
      throw new AppError('EXCEPTION_NOT_REFUNDABLE', `The customer paid nothing more than the sale on this ${row.code} exception, so there is nothing to give back: resolve it by a match or write it off.`, { status: 409, details: { code: row.code, amountFen: Number(row.amount_fen) } });
    }
    // The reference first, then the clerk's words: no sentence of ours in either language (the kind says it was a refund).
    const resolution = note ? `${reference} · ${note}` : reference;
    await tx.updateTable('recon_exceptions').set({ status: 'resolved', resolution_kind: 'refund', resolution, refund_ref: reference, updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
    await event(tx, ctx, id, 'refunded', resolution);
    await audited(ctx, tx, 'refunded', row, { reference, note: note || null });
  });
  return getException(ctx, id);
}

/**
 * Writes an exception off: the difference is accepted as a loss or gain, for the reason given.
 *
 * @example await writeOffException(ctx, id, { reason: '1 fen rounding by the provider' })
 */
export async function writeOffException(ctx: Ctx, id: string, input: { reason: string }): Promise<ExceptionView> {
  if (input.reason.trim().length < 3) throw new AppError('VALIDATION_FAILED', 'Say why the difference is written off (at least a few words); auditors read it.', { status: 400, details: { field: 'reason' } });
  await inTransaction(ctx.db, async (tx) => {
    const row = await openRow(tx, ctx, id, 'written off');
    await tx.updateTable('recon_exceptions').set({ status: 'written_off', resolution_kind: 'write_off', resolution: input.reason.trim(), updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
    await event(tx, ctx, id, 'written_off', input.reason.trim());
    await audited(ctx, tx, 'written_off', row, { reason: input.reason.trim() });
  });
  return getException(ctx, id);
}
