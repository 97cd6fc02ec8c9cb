// What completed sales and returns add to the daily rollups: pure, so the incremental job and
// `report verify` (which recomputes from raw lines) share one definition of every measure.
import { zeroMeasures, type Measures } from './measures';

export const DIM_KINDS = ['total', 'category', 'product', 'hour', 'tender', 'cashier', 'rate', 'member', 'promotion', 'reason'] as const;
export type DimKind = (typeof DIM_KINDS)[number];

export interface SaleDoc {
  storeId: string;
  businessDate: string;
  /** Local hour '00'–'23' the sale completed in. */
  hour: string;
  cashierId: string;
  /** The member on the sale (member share of sales), or null for a guest. */
  memberId: string | null;
  lines: Array<{ skuId: string; categoryId: string; vatRate: string; unit: string; qty: number; listFen: number; discountFen: number; totalFen: number; costFen: number }>;
  tenders: Array<{ method: string; amountFen: number }>;
  /** What each promotion took off the sale (sale_promotions). */
  promotions: Array<{ promotionId: string; savingFen: number }>;
}

export interface ReturnDoc {
  storeId: string;
  businessDate: string;
  hour: string;
  cashierId: string;
  reasonCode: string;
  /** Whether the returned sale had a member on it (a return without a receipt is a guest's). */
  memberSale: boolean;
  lines: Array<{ skuId: string; categoryId: string; vatRate: string; qty: number; refundFen: number; costFen: number }>;
  refunds: Array<{ method: string; amountFen: number }>;
}

export interface RollupRow extends Measures {
  storeId: string;
  businessDate: string;
  dimKind: DimKind;
  dimRef: string;
}

export type Rollups = Map<string, RollupRow>;

export function rollupKey(storeId: string, businessDate: string, dimKind: string, dimRef: string): string {
  return `${storeId}|${businessDate}|${dimKind}|${dimRef}`;
}

/** A weighed line is one item in the basket, whatever it weighs. */
function itemsOf(line: { unit: string; qty: number }): number {
  return line.unit === 'kg' ? 1 : line.qty;
}

function rowOf(into: Rollups, doc: { storeId: string; businessDate: string }, dimKind: DimKind, dimRef: string): RollupRow {
  const key = rollupKey(doc.storeId, doc.businessDate, dimKind, dimRef);
  let row = into.get(key);
  if (!row) {
    row = { storeId: doc.storeId, businessDate: doc.businessDate, dimKind, dimRef, ...zeroMeasures() };
    into.set(key, row);
  }
  return row;
}

/**
 * Adds sales and returns to `into` (a fresh map by default). Per line: gross = list price,
 * discounts, net = line total (a return's refund is subtracted from net and counted in
 * returns), cost, quantity. A sale counts once as a transaction in each dimension value it
 * touches; tender rows hold the money taken per method (net of refunds to that method); member
 * rows split sales between members and guests; promotion rows hold each promotion's discount;
 * reason rows hold returns by their reason code.
 *
 * @example rollupDeltas([sale], []).get(rollupKey(storeId, '2026-11-30', 'total', ''))?.netFen
 */
export function rollupDeltas(sales: readonly SaleDoc[], returns: readonly ReturnDoc[], into: Rollups = new Map()): Rollups {
  for (const s of sales) {
    const wholeSale: Array<[DimKind, string]> = [['total', ''], ['hour', s.hour], ['cashier', s.cashierId], ['member', s.memberId ? 'member' : 'guest']];
    const lineDims = (l: SaleDoc['lines'][number]): Array<[DimKind, string]> => [...wholeSale, ['category', l.categoryId], ['product', l.skuId], ['rate', l.vatRate]];
    const touched = new Set<RollupRow>();
    for (const l of s.lines) {
      for (const [kind, ref] of lineDims(l)) {
        const row = rowOf(into, s, kind, ref);
        row.grossFen += l.listFen;
        row.discountFen += l.discountFen;
        row.netFen += l.totalFen;
        row.costFen += l.costFen;
        row.qty += l.qty;
        row.items += itemsOf(l);
        touched.add(row);
      }
    }
    for (const [kind, ref] of wholeSale) touched.add(rowOf(into, s, kind, ref));
    for (const t of s.tenders) {
      const row = rowOf(into, s, 'tender', t.method);
      row.netFen += t.amountFen;
      touched.add(row);
    }
    // A promotion row holds only what that promotion took off, and the sales it applied to.
    for (const p of s.promotions) {
      const row = rowOf(into, s, 'promotion', p.promotionId);
      row.discountFen += p.savingFen;
      touched.add(row);
    }
    for (const row of touched) row.transactions += 1;
  }
  for (const r of returns) {
    const wholeReturn: Array<[DimKind, string]> = [['total', ''], ['hour', r.hour], ['cashier', r.cashierId], ['member', r.memberSale ? 'member' : 'guest'], ['reason', r.reasonCode]];
    const touched = new Set<RollupRow>();
    for (const l of r.lines) {
      for (const [kind, ref] of [...wholeReturn, ['category', l.categoryId], ['product', l.skuId], ['rate', l.vatRate]] as Array<[DimKind, string]>) {
        const row = rowOf(into, r, kind, ref);
        row.returnsFen += l.refundFen;
        row.netFen -= l.refundFen;
        row.costFen -= l.costFen;
        row.qty -= l.qty;
        touched.add(row);
      }
    }
    for (const [kind, ref] of wholeReturn) touched.add(rowOf(into, r, kind, ref));
    for (const f of r.refunds) {
      const row = rowOf(into, r, 'tender', f.method);
      row.returnsFen += f.amountFen;
      row.netFen -= f.amountFen;
      touched.add(row);
    }
    for (const row of touched) row.returnCount += 1;
  }
  return into;
}
