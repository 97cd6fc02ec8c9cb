// Writes completed sales: the sale and its lines, tenders, stock moves, cash movements, audit
// entries and outbox events, for one sale or a batch of sales finishing together, in the
// caller's transaction (DESIGN §3: one transaction per business act, durable before "done").
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { appendOutboxMany } from '../platform/outbox';
import type { BatchWriter } from '../platform/db/group-commit';
import type { Tx } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { appendAuditMany } from '../audit/index';
import { recordStockMoves, type StockMoveInput } from '../inventory/index';
import { attachPaymentsToSale } from '../payments/index';
import { writeSalePoints } from '../members/index';
import { insertSales, type SaleRecord } from './sale-repo';
import type { Cart } from './cart';
import { taxBreakdown } from './tax';
import { COUPON_PROMOTION_ID } from './promotions';

/** Everything a sale will write, decided before the transaction; numbers come at write time. */
export interface SalePlan {
  ctx: Ctx;
  cart: Cart;
  record: Omit<SaleRecord, 'receiptNo' | 'shiftId'>;
  moves: StockMoveInput[];
  /** The member's points: earned by this sale, spent on it (points tenders, gifts), and the coupon it uses. */
  points: { memberId: string; earned: number; redeemed: number; giftPoints: number; couponId: string | null } | null;
  /** From the first to the last scan, and how many scans (cashier scan speed in the reports). */
  scan: { ms: number; scans: number } | null;
  /** Price overrides and manual discounts, for the audit entry. */
  overrides: Array<{ skuId: string; unitPriceFen: number; discountFen: number; reason?: string }>;
}

async function openShifts(tx: Tx, plans: readonly SalePlan[]): Promise<Map<string, string>> {
  const pairs = [...new Map(plans.map((p) => [`${p.cart.storeId}|${p.cart.terminalId}`, p.cart])).values()];
  const rows = await tx
    .selectFrom('shifts')
    .select(['id', 'store_id', 'terminal_id'])
    .where('status', '=', 'open')
    .where((eb) => eb.or(pairs.map((c) => eb.and([eb('store_id', '=', c.storeId), eb('terminal_id', '=', c.terminalId)]))))
    .execute();
  return new Map(rows.map((r) => [`${r.store_id}|${r.terminal_id}`, r.id]));
}

/** Gapless receipt numbers per till and business day, one statement per till in the batch. */
async function receiptSeqs(tx: Tx, plans: readonly SalePlan[]): Promise<number[]> {
  const groups = new Map<string, number[]>();
  plans.forEach((p, i) => {
    const key = `${p.cart.storeId}|${p.cart.terminalId}|${p.record.businessDate}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const seqs: number[] = [];
  for (const indexes of groups.values()) {
    const p = plans[indexes[0] ?? 0] as SalePlan;
    const n = indexes.length;
    const row = await tx
      .insertInto('receipt_counters')
      .values({ store_id: p.cart.storeId, terminal_id: p.cart.terminalId, business_date: p.record.businessDate, last_seq: n })
      .onConflict((oc) => oc.columns(['store_id', 'terminal_id', 'business_date']).doUpdateSet((eb) => ({ last_seq: eb('receipt_counters.last_seq', '+', n) })))
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    indexes.forEach((planIndex, k) => (seqs[planIndex] = row.last_seq - n + 1 + k));
  }
  return seqs;
}

/** Points spent on gifts and the coupon used, in the sale's audit entry like its points tenders (only when there are any). */
function rewardsAudit(r: SaleRecord): { rewards?: { giftPoints: number; gifts: Array<{ skuId: string; points: number; cashFen: number }>; couponId: string | null; couponFen: number } } {
  if (!r.points || (r.points.giftPoints === 0 && !r.points.couponId)) return {};
  return {
    rewards: {
      giftPoints: r.points.giftPoints,
      gifts: r.lines.filter((l) => (l.giftPoints ?? 0) > 0).map((l) => ({ skuId: l.skuId, points: l.giftPoints ?? 0, cashFen: l.totalFen })),
      couponId: r.points.couponId,
      couponFen: r.promotions.find((p) => p.promotionId === COUPON_PROMOTION_ID)?.savingFen ?? 0,
    },
  };
}

export const saleWriter: BatchWriter<SalePlan, SaleRecord> = {
  async write(tx, plans) {
    const base = plans[0]?.ctx;
    if (!base) return [];
    const t: Ctx = { ...base, db: tx };
    const shifts = await openShifts(tx, plans);
    const seqs = await receiptSeqs(tx, plans);
    const records: SaleRecord[] = plans.map((p, i) => {
      const shiftId = shifts.get(`${p.cart.storeId}|${p.cart.terminalId}`);
      if (!shiftId) throw new AppError('SHIFT_NOT_OPEN', 'Open a shift on this till before selling.', { status: 409 });
      const receiptNo = `${p.cart.till.storeCode}-${p.cart.till.terminalCode}-${p.record.businessDate.replace(/-/g, '')}-${String(seqs[i]).padStart(4, '0')}`;
      return { ...p.record, receiptNo, shiftId };
    });
    await insertSales(tx, records);
    await recordStockMoves(t, plans.flatMap((p) => p.moves));
    for (const [i, p] of plans.entries()) {
      const r = records[i];
      if (!p.points || !r) continue;
      r.points = await writeSalePoints(t, { storeId: r.storeId, saleId: r.id, memberId: p.points.memberId, earned: p.points.earned, redeemed: p.points.redeemed, giftPoints: p.points.giftPoints, couponId: p.points.couponId, netFen: r.totalFen, businessDate: r.businessDate, at: r.createdAt, receiptToken: r.receiptToken });
    }
    const cash = records.flatMap((r) =>
      r.tenders
        .filter((tn) => tn.method === 'cash')
        .flatMap((tn) => [
          { store_id: r.storeId, id: newId(), shift_id: r.shiftId, kind: 'sale', amount_fen: tn.tenderedFen, reason: null, doc_id: r.id, actor_id: r.cashierId, business_date: r.businessDate, created_at: r.createdAt },
          ...(tn.changeFen > 0 ? [{ store_id: r.storeId, id: newId(), shift_id: r.shiftId, kind: 'change', amount_fen: -tn.changeFen, reason: null, doc_id: r.id, actor_id: r.cashierId, business_date: r.businessDate, created_at: r.createdAt }] : []),
        ]),
    );
    for (let i = 0; i < cash.length; i += 500) await tx.insertInto('cash_movements').values(cash.slice(i, i + 500)).execute();
    await appendAuditMany(
      t,
      records.map((r, i) => ({
        action: 'sale.completed',
        actorId: r.cashierId,
        docType: 'sale',
        docId: r.id,
        storeId: r.storeId,
        amountFen: r.totalFen,
        data: {
          receiptNo: r.receiptNo,
          terminalId: r.terminalId,
          totalFen: r.totalFen,
          byVat: taxBreakdown(r.lines),
          tenders: r.tenders.map((x) => ({ method: x.method, amountFen: x.amountFen })),
          overrides: plans[i]?.overrides ?? [],
          scan: plans[i]?.scan ?? null,
          ...rewardsAudit(r),
        },
      })),
    );
    for (const r of records) {
      const orderNos = r.tenders.flatMap((tn) => (tn.merchantOrderNo ? [tn.merchantOrderNo] : []));
      if (orderNos.length) await attachPaymentsToSale(t, r.storeId, orderNos, r.id);
    }
    await appendOutboxMany(t, records.map((r) => ({ type: 'sale.completed', documentId: r.id, payload: r })));
    return records;
  },
};
