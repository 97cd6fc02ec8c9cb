// Refunds of wallet payments, full or partial, never more than was paid and never twice: the
// refund row is written (in a transaction that re-checks what is left) before the provider is
// called, the refund number is the provider's idempotency key, and a refund whose outcome is
// open is driven to a final state by querying — at a repeat of the request, and by a periodic job.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { formatMoney } from '../platform/money';
import type { Ctx } from '../platform/context';
import type { Db } from '../platform/db/index';
import type { PaymentRefundsTable } from '../platform/db/schema';
import { ChannelUnreachable, REFUND_NOT_FOUND, type CodeChannel, type RefundAnswer } from './code-channel';
import { isFinalRefund, nextRefundStatus, OPEN_REFUND_STATUSES, refundableFen, type RefundStatus } from './refund-state';
import { refundChannelFor } from './service';

export type { RefundStatus } from './refund-state';

export interface RefundRequest {
  storeId: string;
  merchantOrderNo: string;
  /** The caller's refund number, unique across refunds: sending it again never refunds twice. */
  refundNo: string;
  amountFen: number;
  reason: string;
}

export interface RefundResult {
  id: string;
  refundNo: string;
  status: RefundStatus;
  channelRefundId: string | null;
  errorCode: string | null;
  message: string | null;
}

/** A refund row with what its payment was paid, as the service drives it. */
type RefundRow = Omit<PaymentRefundsTable, 'payment_id' | 'created_at' | 'updated_at'> & { paid_fen: number };

// WeChat's out_refund_no rule (the strictest of the channels): 1–64 of these characters.
const REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;

function outsideTransaction(ctx: Ctx, what: string): void {
  if (ctx.db.isTransaction) {
    throw new AppError('INTERNAL', `${what} calls a payment provider and must run outside a database transaction: a rollback would forget a refund the provider made.`);
  }
}

function refundRows(db: Db) {
  return db
    .selectFrom('payment_refunds as r')
    .innerJoin('payments as p', (join) => join.onRef('p.store_id', '=', 'r.store_id').onRef('p.id', '=', 'r.payment_id'))
    .select(['r.store_id', 'r.id', 'r.channel', 'r.merchant_order_no', 'r.refund_no', 'r.amount_fen', 'r.status', 'r.channel_refund_id', 'r.reason', 'r.error_code', 'r.error_message', 'p.amount_fen as paid_fen']);
}

/** Refund numbers are unique per store (the provider sees them per merchant account). */
function findRefund(db: Db, storeId: string, refundNo: string): Promise<RefundRow | undefined> {
  return refundRows(db).where('r.store_id', '=', storeId).where('r.refund_no', '=', refundNo).executeTakeFirst();
}

function resultOf(row: RefundRow): RefundResult {
  return { id: row.id, refundNo: row.refund_no, status: row.status as RefundStatus, channelRefundId: row.channel_refund_id, errorCode: row.error_code, message: row.error_message };
}

/** Asks the provider; an unreachable one or an answer that cannot be trusted leaves the outcome unknown. */
async function ask(fn: () => Promise<RefundAnswer>): Promise<RefundAnswer> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ChannelUnreachable) return { status: 'unknown', errorCode: 'TIMEOUT', message: err.message };
    if (err instanceof AppError) return { status: 'unknown', errorCode: err.code, message: err.message };
    throw err;
  }
}

function refundOrder(row: RefundRow) {
  return { merchantOrderNo: row.merchant_order_no, refundNo: row.refund_no, refundFen: row.amount_fen, totalFen: row.paid_fen, reason: row.reason };
}

/** Queries an open refund; one the provider never got is sent again under the same number. */
async function reask(channel: CodeChannel, row: RefundRow): Promise<RefundAnswer> {
  const found = await ask(() => channel.queryRefund({ merchantOrderNo: row.merchant_order_no, refundNo: row.refund_no }));
  if (found.errorCode !== REFUND_NOT_FOUND) return found;
  return ask(() => channel.refund(refundOrder(row)));
}

/** Records the provider's answer on an open refund and returns the refund as it now stands. */
async function record(ctx: Ctx, row: RefundRow, answer: RefundAnswer): Promise<RefundResult> {
  const status = nextRefundStatus(row.status as RefundStatus, answer.status);
  await ctx.db
    .updateTable('payment_refunds')
    .set({
      status,
      channel_refund_id: answer.channelRefundId ?? row.channel_refund_id,
      error_code: answer.errorCode ?? null,
      error_message: answer.message ?? null,
      updated_at: ctx.clock.now().toISOString(),
    })
    .where('store_id', '=', row.store_id)
    .where('id', '=', row.id)
    // A concurrent asker may have finished it already; a final state is never overwritten.
    .where('status', 'in', [...OPEN_REFUND_STATUSES])
    .execute();
  const now = await findRefund(ctx.db, row.store_id, row.refund_no);
  if (!now) throw new AppError('INTERNAL', `Refund ${row.refund_no} disappeared while it was recorded.`);
  if (isFinalRefund(now.status as RefundStatus)) ctx.log.info({ refundNo: now.refund_no, status: now.status, amountFen: now.amount_fen }, 'refund settled');
  return resultOf(now);
}

/** The same refund number again: the same refund if it asks the same, else a conflict. */
async function repeat(ctx: Ctx, row: RefundRow, req: RefundRequest): Promise<RefundResult> {
  if (row.store_id !== req.storeId || row.merchant_order_no !== req.merchantOrderNo || row.amount_fen !== req.amountFen) {
    throw new AppError('REFUND_NO_CONFLICT', `Refund number ${req.refundNo} is already used for ${formatMoney(row.amount_fen)} of payment ${row.merchant_order_no}. Use a new refund number for a different refund.`, {
      status: 409,
      details: { refundNo: req.refundNo, merchantOrderNo: row.merchant_order_no, amountFen: row.amount_fen },
    });
  }
  if (isFinalRefund(row.status as RefundStatus)) return resultOf(row);
  return record(ctx, row, await reask(refundChannelFor(row.store_id, row.channel), row));
}

function validate(req: RefundRequest): void {
  if (!Number.isSafeInteger(req.amountFen) || req.amountFen <= 0) {
    throw new AppError('VALIDATION_FAILED', `A refund must be a whole number of fen above zero, got ${req.amountFen}.`, { details: { field: 'amountFen' } });
  }
  if (!REFUND_NO.test(req.refundNo)) {
    throw new AppError('VALIDATION_FAILED', `Refund number "${req.refundNo}" must be 1–64 letters, digits or _-|*@.`, { details: { field: 'refundNo' } });
  }
}

/**
 * Refunds `amountFen` of a paid wallet payment and returns the refund's state: `succeeded` or
 * `failed` (with the provider's code and message) when the provider says so at once,
 * `processing` or `unknown` when it is still open (settleRefunds finishes those). Called
 * OUTSIDE any db transaction: writes the payment_refunds row first (status requested), then
 * calls the provider, then records the answer.
 *
 * @example await refundPayment(ctx, { storeId, merchantOrderNo: 'S00120261130…', refundNo: 'RT-0001', amountFen: 550, reason: '退货' })
 */
export async function refundPayment(ctx: Ctx, req: RefundRequest): Promise<RefundResult> {
  outsideTransaction(ctx, 'refundPayment');
  validate(req);
  const existing = await findRefund(ctx.db, req.storeId, req.refundNo);
  if (existing) return repeat(ctx, existing, req);

  const payment = await ctx.db.selectFrom('payments').select(['id', 'channel', 'status', 'amount_fen']).where('store_id', '=', req.storeId).where('merchant_order_no', '=', req.merchantOrderNo).executeTakeFirst();
  if (!payment) throw new AppError('PAYMENT_NOT_REFUNDABLE', `There is no payment ${req.merchantOrderNo} in this store. Check the merchant order number on the receipt.`, { details: { merchantOrderNo: req.merchantOrderNo } });
  if (payment.status !== 'succeeded') {
    throw new AppError('PAYMENT_NOT_REFUNDABLE', `Payment ${req.merchantOrderNo} is ${payment.status}, not paid, so there is nothing to refund.`, { details: { merchantOrderNo: req.merchantOrderNo, status: payment.status } });
  }
  const channel = refundChannelFor(req.storeId, payment.channel);

  const now = ctx.clock.now().toISOString();
  const id = newId();
  let inserted: boolean;
  try {
    inserted = await ctx.db.transaction().execute(async (tx) => {
      // Touching the payment row locks it (PostgreSQL), so refunds of one payment check what is
      // left one after the other; SQLite runs write transactions one at a time anyway.
      await tx.updateTable('payments').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('store_id', '=', req.storeId).where('id', '=', payment.id).execute();
      if (await tx.selectFrom('payment_refunds').select('id').where('refund_no', '=', req.refundNo).executeTakeFirst()) return false;
      const refunds = await tx.selectFrom('payment_refunds').select(['amount_fen as amountFen', 'status']).where('store_id', '=', req.storeId).where('payment_id', '=', payment.id).execute();
      const leftFen = refundableFen(payment.amount_fen, refunds);
      if (req.amountFen > leftFen) {
        throw new AppError('REFUND_EXCEEDS_PAID', `Only ${formatMoney(leftFen)} of the ${formatMoney(payment.amount_fen)} paid is left to refund (${formatMoney(payment.amount_fen - leftFen)} is refunded or being refunded). Refund at most ${formatMoney(leftFen)}.`, {
          details: { paidFen: payment.amount_fen, leftFen, amountFen: req.amountFen },
        });
      }
      await tx
        .insertInto('payment_refunds')
        .values({ store_id: req.storeId, id, payment_id: payment.id, channel: payment.channel, merchant_order_no: req.merchantOrderNo, refund_no: req.refundNo, amount_fen: req.amountFen, status: 'requested', channel_refund_id: null, reason: req.reason, error_code: null, error_message: null, created_at: now, updated_at: now })
        .execute();
      return true;
    });
  } catch (err) {
    // The same refund number inserted at the same moment for another payment: unique refund_no.
    const raced = !(err instanceof AppError) && (await findRefund(ctx.db, req.storeId, req.refundNo));
    if (raced) return repeat(ctx, raced, req);
    throw err;
  }
  const row = await findRefund(ctx.db, req.storeId, req.refundNo);
  if (!row) throw new AppError('INTERNAL', `Refund ${req.refundNo} was not stored.`);
  if (!inserted) return repeat(ctx, row, req);

  ctx.log.info({ refundNo: req.refundNo, merchantOrderNo: req.merchantOrderNo, amountFen: req.amountFen }, 'refunding payment');
  return record(ctx, row, await ask(() => channel.refund(refundOrder(row))));
}

/**
 * Records an outcome the provider reported by itself (a verified notification) on the refund
 * `refundNo` of a store: an open refund takes it, a final one stays as it is. Runs inside the
 * caller's transaction when `ctx.db` is one. Undefined when the store has no such refund.
 *
 * @example await recordRefundOutcome(ctx, storeId, 'RT-0001', { status: 'succeeded', channelRefundId: '5030…' })
 */
export async function recordRefundOutcome(ctx: Ctx, storeId: string, refundNo: string, answer: RefundAnswer): Promise<RefundResult | undefined> {
  const row = await findRefund(ctx.db, storeId, refundNo);
  return row ? record(ctx, row, answer) : undefined;
}

/**
 * Drives refunds that are requested, processing or unknown to a final state by querying (and
 * re-sending, under the same number, one the provider never got): for a periodic job and after
 * a restart. Only refunds untouched for `idleForMs` are asked. Returns how many became final.
 *
 * @example await settleRefunds(ctx, { idleForMs: 120_000 })
 */
export async function settleRefunds(ctx: Ctx, options: { idleForMs?: number } = {}): Promise<number> {
  outsideTransaction(ctx, 'settleRefunds');
  const idleSince = new Date(ctx.clock.now().getTime() - (options.idleForMs ?? 0)).toISOString();
  const rows = await refundRows(ctx.db).where('r.status', 'in', [...OPEN_REFUND_STATUSES]).where('r.updated_at', '<=', idleSince).orderBy('r.created_at').execute();
  let settled = 0;
  for (const row of rows) {
    let channel: CodeChannel;
    try {
      channel = refundChannelFor(row.store_id, row.channel);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.log.warn({ refundNo: row.refund_no, channel: row.channel }, 'cannot settle a refund: its channel is not set up');
      continue;
    }
    const result = await record(ctx, row, await reask(channel, row));
    if (isFinalRefund(result.status)) settled += 1;
  }
  return settled;
}
