// The cash a store takes to the bank for a business date (存现): recorded by the store (by default
// the day's counted cash less the floats kept in the drawers), then met with the bank's cash
// deposit credit by reconciliation (match-cash.ts).
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { can, requirePermission } from '../platform/auth/permissions';
import { findStoreByCode, scopeOf } from '../platform/stores/service';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';

export interface CashDepositView {
  storeCode: string;
  businessDate: string;
  amountFen: number;
  /** The day's counted cash less the floats, from the store's closed shifts. */
  countedFen: number;
  slipNo: string | null;
}

const MAX_FEN = 1_000_000_000;

/**
 * Records (or corrects) what a store took to the bank for a business date. Without `amountFen`
 * the deposit is the day's counted cash less the floats of its closed shifts.
 *
 * @example await recordCashDeposit(ctx, { storeCode: 'S001', businessDate: '2026-11-29', slipNo: 'JK20261130001' })
 */
export async function recordCashDeposit(ctx: Ctx, input: { storeCode: string; businessDate: string; amountFen?: number; slipNo?: string | null }): Promise<CashDepositView> {
  const actor = ctx.actor;
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  const store = await findStoreByCode(ctx, input.storeCode);
  // The store's manager takes the cash to the bank; finance may record it from the bank's slip.
  if (!can(actor, 'recon.manage', scopeOf(store))) requirePermission(actor, 'pos.shift', scopeOf(store));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.businessDate)) throw new AppError('VALIDATION_FAILED', `The business date "${input.businessDate}" must be YYYY-MM-DD.`, { status: 400, details: { field: 'businessDate' } });
  const shifts = await ctx.db
    .selectFrom('shifts')
    .select(['status', 'counted_fen', 'float_fen'])
    .where('store_id', '=', store.id)
    .where('business_date', '=', input.businessDate)
    .execute();
  const closed = shifts.filter((s) => s.status === 'closed');
  const countedFen = closed.reduce((sum, s) => sum + Number(s.counted_fen ?? 0) - Number(s.float_fen), 0);
  const amountFen = input.amountFen ?? countedFen;
  if (input.amountFen === undefined && closed.length === 0) {
    throw new AppError('VALIDATION_FAILED', `Store ${store.code} has no closed shift on ${input.businessDate}: close the shifts first, or give the amount deposited.`, { status: 400, details: { field: 'amountFen' } });
  }
  if (!Number.isSafeInteger(amountFen) || amountFen < 1 || amountFen > MAX_FEN) {
    throw new AppError('VALIDATION_FAILED', `The amount deposited must be ¥0.01 to ¥10,000,000.00${input.amountFen === undefined ? ` (the counted cash less the floats is ${(countedFen / 100).toFixed(2)})` : ''}.`, { status: 400, details: { field: 'amountFen' } });
  }
  const slipNo = input.slipNo?.trim() || null;
  if (slipNo !== null && !/^[A-Za-z0-9-]{4,32}$/.test(slipNo)) throw new AppError('VALIDATION_FAILED', `The deposit slip number "${slipNo}" must be 4–32 letters, digits or "-", as printed on the bank's slip (缴款单号).`, { status: 400, details: { field: 'slipNo' } });
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    const existing = await tx.selectFrom('cash_deposits').select(['id', 'amount_fen', 'slip_no']).where('store_id', '=', store.id).where('business_date', '=', input.businessDate).executeTakeFirst();
    if (existing) {
      await tx.updateTable('cash_deposits').set({ amount_fen: amountFen, counted_fen: countedFen, slip_no: slipNo, recorded_by: actor.userId, updated_at: now }).where('store_id', '=', store.id).where('id', '=', existing.id).execute();
    } else {
      await tx.insertInto('cash_deposits').values({ store_id: store.id, id: newId(), business_date: input.businessDate, amount_fen: amountFen, counted_fen: countedFen, slip_no: slipNo, recorded_by: actor.userId, created_at: now, updated_at: now }).execute();
    }
    await appendAudit(t, {
      action: existing ? 'cash.deposit_corrected' : 'cash.deposited',
      docType: 'cash_deposit',
      docId: `${store.code}:${input.businessDate}`,
      storeId: store.id,
      data: { amountFen, countedFen, slipNo, ...(existing ? { before: { amountFen: Number(existing.amount_fen), slipNo: existing.slip_no } } : {}) },
    });
  });
  return { storeCode: store.code, businessDate: input.businessDate, amountFen, countedFen, slipNo };
}
