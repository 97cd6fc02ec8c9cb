// Shifts and the cash drawer: open with a float, cash in/out with a reason, close with the
// counted cash; expected cash comes from the drawer's ledger, the difference is 长款/短款.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { businessDate } from '../platform/business-date';
import { appendOutbox } from '../platform/outbox';
import { requirePermission } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { resolveTill, type TillContext } from './terminals';

/** Notes and coins in fen: ¥100, 50, 20, 10, 5, 1, 5 角, 1 角, 5 分, 1 分. */
export const DENOMINATIONS_FEN = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1] as const;
const MAX_CASH_FEN = 100_000_000;

export interface ShiftView {
  id: string;
  storeId: string;
  terminalId: string;
  cashierId: string;
  businessDate: string;
  status: 'open' | 'closed';
  floatFen: number;
  openedAt: string;
  closedAt: string | null;
  countedFen: number | null;
  expectedFen: number | null;
  overShortFen: number | null;
}

type ShiftRow = { id: string; store_id: string; terminal_id: string; cashier_id: string; business_date: string; status: string; float_fen: number; opened_at: string; closed_at: string | null; counted_fen: number | null; expected_fen: number | null; over_short_fen: number | null };

function shiftView(r: ShiftRow): ShiftView {
  return {
    id: r.id,
    storeId: r.store_id,
    terminalId: r.terminal_id,
    cashierId: r.cashier_id,
    businessDate: r.business_date,
    status: r.status as ShiftView['status'],
    floatFen: r.float_fen,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    countedFen: r.counted_fen,
    expectedFen: r.expected_fen,
    overShortFen: r.over_short_fen,
  };
}

const shiftColumns = ['id', 'store_id', 'terminal_id', 'cashier_id', 'business_date', 'status', 'float_fen', 'opened_at', 'closed_at', 'counted_fen', 'expected_fen', 'over_short_fen'] as const;

export async function openShiftOf(ctx: Ctx, storeId: string, terminalId: string): Promise<ShiftView | undefined> {
  const row = await ctx.db.selectFrom('shifts').select(shiftColumns).where('store_id', '=', storeId).where('terminal_id', '=', terminalId).where('status', '=', 'open').executeTakeFirst();
  return row ? shiftView(row) : undefined;
}

function assertCash(amountFen: number, field: string, allowZero: boolean): void {
  if (!Number.isSafeInteger(amountFen) || amountFen < (allowZero ? 0 : 1) || amountFen > MAX_CASH_FEN) {
    throw new AppError('VALIDATION_FAILED', `${field} must be ${allowZero ? '¥0.00' : '¥0.01'} to ¥1,000,000.00.`, { details: { field } });
  }
}

async function cashRow(ctx: Ctx, till: { storeId: string }, shift: { id: string; businessDate: string }, kind: string, amountFen: number, reason: string | null): Promise<void> {
  await ctx.db
    .insertInto('cash_movements')
    .values({ store_id: till.storeId, id: newId(), shift_id: shift.id, kind, amount_fen: amountFen, reason, doc_id: null, actor_id: ctx.actor?.userId ?? null, business_date: shift.businessDate, created_at: ctx.clock.now().toISOString() })
    .execute();
}

export async function openShift(ctx: Ctx, input: { floatFen: number; storeCode?: string; terminalCode?: string }): Promise<ShiftView> {
  const actor = ctx.actor;
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  const till = await resolveTill(ctx, actor, input);
  requirePermission(actor, 'pos.shift', { storeId: till.storeId, regionId: till.regionId });
  assertCash(input.floatFen, 'floatFen', true);
  const now = ctx.clock.now();
  const shift = await ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    if (await openShiftOf(t, till.storeId, till.terminalId)) {
      throw new AppError('SHIFT_ALREADY_OPEN', `Till ${till.terminalCode} already has an open shift; close it first.`, { status: 409 });
    }
    const row: ShiftRow = {
      id: newId(),
      store_id: till.storeId,
      terminal_id: till.terminalId,
      cashier_id: actor.userId,
      business_date: businessDate(now, till.timeZone, till.dayCutover),
      status: 'open',
      float_fen: input.floatFen,
      opened_at: now.toISOString(),
      closed_at: null,
      counted_fen: null,
      expected_fen: null,
      over_short_fen: null,
    };
    await tx.insertInto('shifts').values({ ...row, closed_by: null, counted_detail: null }).execute();
    const view = shiftView(row);
    if (input.floatFen > 0) await cashRow(t, till, view, 'float', input.floatFen, null);
    await appendAudit(t, { action: 'shift.opened', docType: 'shift', docId: row.id, storeId: till.storeId, data: { terminal: till.terminalCode, floatFen: input.floatFen } });
    await appendOutbox(t, { type: 'shift.opened', documentId: row.id, payload: view });
    return view;
  });
  return shift;
}

async function shiftForActor(ctx: Ctx, shiftId: string): Promise<{ shift: ShiftView; till: Pick<TillContext, 'storeId' | 'regionId'> }> {
  const actor = ctx.actor;
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  const row = await ctx.db
    .selectFrom('shifts')
    .innerJoin('stores', 'stores.id', 'shifts.store_id')
    .select([...shiftColumns.map((c) => `shifts.${c}` as const), 'stores.region_id as regionId'])
    .where('shifts.id', '=', shiftId)
    .executeTakeFirst();
  if (!row) throw new AppError('SHIFT_NOT_FOUND', 'No such shift.', { status: 404 });
  requirePermission(actor, 'pos.shift', { storeId: row.store_id, regionId: row.regionId });
  return { shift: shiftView(row), till: { storeId: row.store_id, regionId: row.regionId } };
}

/** Cash put into (in) or taken from (out) the drawer outside a sale, with a reason. */
export async function moveCash(ctx: Ctx, shiftId: string, input: { kind: 'in' | 'out'; amountFen: number; reason: string }): Promise<ShiftReport> {
  const { shift, till } = await shiftForActor(ctx, shiftId);
  if (shift.status !== 'open') throw new AppError('SHIFT_CLOSED', 'This shift is closed.', { status: 409 });
  assertCash(input.amountFen, 'amountFen', false);
  const reason = input.reason.trim();
  if (!reason) throw new AppError('REASON_REQUIRED', 'Say why cash goes in or out (e.g. 备用金, 存银行).', { status: 400, details: { field: 'reason' } });
  await ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    await cashRow(t, till, shift, input.kind, input.kind === 'in' ? input.amountFen : -input.amountFen, reason);
    await appendAudit(t, { action: `cash.${input.kind}`, docType: 'shift', docId: shift.id, storeId: till.storeId, data: { amountFen: input.amountFen, reason } });
  });
  return shiftReport(ctx, shiftId);
}

export interface ShiftReport {
  shift: ShiftView;
  sales: { count: number; grossFen: number; discountFen: number; roundingFen: number; netFen: number };
  byMethod: Array<{ method: string; count: number; amountFen: number }>;
  cash: { floatFen: number; salesFen: number; changeFen: number; refundsFen: number; inFen: number; outFen: number; expectedFen: number };
  countedFen: number | null;
  overShortFen: number | null;
}

/** The X report (shift still open) or Z report (closed) of a shift. */
export async function shiftReport(ctx: Ctx, shiftId: string): Promise<ShiftReport> {
  const { shift } = await shiftForActor(ctx, shiftId);
  const [sales, methods, cash] = await Promise.all([
    ctx.db
      .selectFrom('sales')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('subtotal_fen').as('gross'), eb.fn.sum<number>('discount_fen').as('discount'), eb.fn.sum<number>('rounding_fen').as('rounding'), eb.fn.sum<number>('total_fen').as('net')])
      .where('store_id', '=', shift.storeId)
      .where('shift_id', '=', shift.id)
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom('sale_tenders')
      .innerJoin('sales', (j) => j.onRef('sales.store_id', '=', 'sale_tenders.store_id').onRef('sales.id', '=', 'sale_tenders.sale_id'))
      .select((eb) => ['sale_tenders.method as method', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('sale_tenders.amount_fen').as('amount')])
      .where('sales.store_id', '=', shift.storeId)
      .where('sales.shift_id', '=', shift.id)
      .groupBy('sale_tenders.method')
      .orderBy('sale_tenders.method')
      .execute(),
    ctx.db
      .selectFrom('cash_movements')
      .select((eb) => ['kind', eb.fn.sum<number>('amount_fen').as('amount')])
      .where('store_id', '=', shift.storeId)
      .where('shift_id', '=', shift.id)
      .groupBy('kind')
      .execute(),
  ]);
  const byKind = new Map(cash.map((c) => [c.kind, Number(c.amount ?? 0)]));
  const k = (kind: string) => byKind.get(kind) ?? 0;
  const expectedFen = [...byKind.values()].reduce((s, v) => s + v, 0);
  return {
    shift,
    sales: { count: Number(sales.count), grossFen: Number(sales.gross ?? 0), discountFen: Number(sales.discount ?? 0), roundingFen: Number(sales.rounding ?? 0), netFen: Number(sales.net ?? 0) },
    byMethod: methods.map((m) => ({ method: m.method, count: Number(m.count), amountFen: Number(m.amount ?? 0) })),
    cash: { floatFen: k('float'), salesFen: k('sale'), changeFen: -k('change'), refundsFen: -k('refund'), inFen: k('in'), outFen: -k('out'), expectedFen },
    countedFen: shift.countedFen,
    overShortFen: shift.overShortFen,
  };
}

/**
 * Closes a shift with the counted cash (by denomination, or a total). Over/short = counted −
 * expected: positive is 长款 (over), negative 短款 (short).
 */
export async function closeShift(ctx: Ctx, shiftId: string, input: { denominations?: Record<string, number>; countedFen?: number }): Promise<ShiftReport> {
  const { shift, till } = await shiftForActor(ctx, shiftId);
  if (shift.status !== 'open') throw new AppError('SHIFT_CLOSED', 'This shift is already closed.', { status: 409 });
  let countedFen = input.countedFen;
  if (input.denominations) {
    countedFen = 0;
    for (const [denom, count] of Object.entries(input.denominations)) {
      const fen = Number(denom);
      if (!(DENOMINATIONS_FEN as readonly number[]).includes(fen)) throw new AppError('VALIDATION_FAILED', `${denom} is not a denomination in fen (use ${DENOMINATIONS_FEN.join(', ')}).`, { details: { field: 'denominations' } });
      if (!Number.isSafeInteger(count) || count < 0 || count > 100_000) throw new AppError('VALIDATION_FAILED', `The count of ${denom}-fen pieces must be 0 or more.`, { details: { field: 'denominations' } });
      countedFen += fen * count;
    }
  }
  if (countedFen === undefined) throw new AppError('VALIDATION_FAILED', 'Give the counted cash (denominations or countedFen).', { status: 400, details: { field: 'countedFen' } });
  assertCash(countedFen, 'countedFen', true);
  const counted = countedFen;
  const before = await shiftReport(ctx, shiftId);
  const expectedFen = before.cash.expectedFen;
  const overShortFen = counted - expectedFen;
  await ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    const updated = await tx
      .updateTable('shifts')
      .set({ status: 'closed', closed_at: ctx.clock.now().toISOString(), closed_by: ctx.actor?.userId ?? null, counted_fen: counted, expected_fen: expectedFen, over_short_fen: overShortFen, counted_detail: input.denominations ? JSON.stringify(input.denominations) : null })
      .where('store_id', '=', till.storeId)
      .where('id', '=', shift.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('SHIFT_CLOSED', 'This shift was closed meanwhile.', { status: 409 });
    await appendAudit(t, { action: 'shift.closed', docType: 'shift', docId: shift.id, storeId: till.storeId, data: { countedFen: counted, expectedFen, overShortFen } });
    await appendOutbox(t, { type: 'shift.closed', documentId: shift.id, payload: { shiftId: shift.id, storeId: till.storeId, businessDate: shift.businessDate, countedFen: counted, expectedFen, overShortFen } });
  });
  return shiftReport(ctx, shiftId);
}

export async function currentShift(ctx: Ctx, input: { storeCode?: string; terminalCode?: string }): Promise<ShiftView | null> {
  const actor = ctx.actor;
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  const till = await resolveTill(ctx, actor, input);
  return (await openShiftOf(ctx, till.storeId, till.terminalId)) ?? null;
}
