// What a return gives back: the returned lines' refund with the sale's promotions recomputed on
// what the customer keeps, and which of the sale's tenders it goes back to.
import { AppError } from '../platform/errors';
import { allocateByLargestRemainder, formatMoney } from '../platform/money';
import { COUPON_PROMOTION_ID, priceCart } from '../checkout/index';
import type { PricingLine, Promotion, SaleLineRecord } from '../checkout/index';

/** A line of the original sale, as the sale recorded it (its cost and bundle parts aside). */
export type SoldLine = Omit<SaleLineRecord, 'costFen' | 'components'>;

export interface ReturnRequestLine {
  lineNo: number;
  qty: number;
}

export interface QuotedLine {
  lineNo: number;
  skuId: string;
  name: string;
  qty: number;
  refundFen: number;
  vatRate: string;
  categoryId: string;
}

export interface ReturnQuote {
  lines: QuotedLine[];
  refundFen: number;
  /** What the kept goods are worth after this return, promotions recomputed (for the receipt). */
  keptValueFen: number;
}

export interface QuoteInput {
  lines: readonly SoldLine[];
  /** The promotions the sale used, as they were defined (tier and manual discounts are not here). */
  promotions: readonly Promotion[];
  saleAt: Date;
  /** What the sale's tenders paid in total (after 抹零). */
  paidFen: number;
  /** Quantity already returned (or being returned) per sale line. */
  returned: ReadonlyMap<number, number>;
  /** Refunds already given for this sale. */
  refundedFen: number;
  request: readonly ReturnRequestLine[];
}

// A coupon is the customer's own money off: like a hand discount, each line keeps its share of it.
const HAND_DISCOUNTS = new Set(['manual', 'tier', COUPON_PROMOTION_ID]);

/** What each line has left to return. */
export function remainingQty(lines: readonly SoldLine[], returned: ReadonlyMap<number, number>): Map<number, number> {
  return new Map(lines.map((l) => [l.lineNo, l.qty - (returned.get(l.lineNo) ?? 0)]));
}

/**
 * What the goods kept (quantity per line) would cost under the sale's own promotions. Lines that
 * got no promotion at the sale (or had their price overridden) keep their price as it was:
 * percent, fixed and special prices would have applied already, and buy-X-get-Y and 满减 only
 * fall away when quantities shrink. Hand and tier discounts stay per unit.
 */
function keptValue(lines: readonly SoldLine[], promotions: readonly Promotion[], saleAt: Date, kept: ReadonlyMap<number, number>): number {
  const pricing: PricingLine[] = [];
  for (const l of lines) {
    const qty = kept.get(l.lineNo) ?? 0;
    if (qty <= 0) continue;
    const byHand = l.promotions.filter((p) => HAND_DISCOUNTS.has(p.promotionId)).reduce((s, p) => s + p.discountFen, 0);
    const share = (fen: number) => Math.floor((fen * qty) / l.qty);
    pricing.push({
      lineId: String(l.lineNo),
      skuId: l.skuId,
      categoryId: l.categoryId,
      unit: l.unit,
      qty,
      unitPriceFen: l.unitPriceFen,
      // Weighed goods: the list amount is the label's, in proportion to the weight kept.
      ...(l.unit === 'kg' ? { labelTotalFen: share(l.listFen) } : {}),
      manualDiscountFen: share(byHand),
      priceOverridden: l.promotions.every((p) => HAND_DISCOUNTS.has(p.promotionId)),
    });
  }
  if (pricing.length === 0) return 0;
  // Promotions are evaluated as of the sale, whatever their dates say today.
  const asOfSale = promotions.map(({ startsAt: _s, endsAt: _e, ...p }) => p);
  return priceCart(pricing, asOfSale, { now: saleAt }).totalFen;
}

/**
 * The refund for returning `request` from a sale: what the customer keeps is repriced with the
 * sale's promotions, and the refund is what that takes off what they have paid, never below
 * zero nor above what is left of the payment. Returning everything that is left refunds exactly
 * what is left, so a sale returned in parts gives back exactly what was paid.
 *
 * @example quoteReturn({ lines, promotions: [buy2get1], saleAt, paidFen: 600, returned: new Map(), refundedFen: 0, request: [{ lineNo: 1, qty: 1 }] }).refundFen // 0: the free one
 */
export function quoteReturn(input: QuoteInput): ReturnQuote {
  const remaining = remainingQty(input.lines, input.returned);
  if (input.request.length === 0) throw new AppError('VALIDATION_FAILED', 'Pick at least one line to return.', { status: 400, details: { field: 'lines' } });
  const asked = new Map<number, number>();
  for (const r of input.request) {
    const line = input.lines.find((l) => l.lineNo === r.lineNo);
    if (!line) throw new AppError('RETURN_LINE_UNKNOWN', `The sale has no line ${r.lineNo}. Pick a line from the receipt.`, { status: 400, details: { field: 'lines', lineNo: r.lineNo } });
    if (asked.has(r.lineNo)) throw new AppError('VALIDATION_FAILED', `Line ${r.lineNo} is listed twice; give its quantity once.`, { status: 400, details: { field: 'lines', lineNo: r.lineNo } });
    if (!Number.isSafeInteger(r.qty) || r.qty <= 0) {
      throw new AppError('VALIDATION_FAILED', `Line ${r.lineNo} (${line.name}): the quantity to return must be a whole number above 0${line.unit === 'kg' ? ' (grams)' : ''}.`, { status: 400, details: { field: 'qty', lineNo: r.lineNo } });
    }
    const left = remaining.get(r.lineNo) ?? 0;
    if (r.qty > left) {
      throw new AppError('RETURN_QTY_EXCEEDS', `Line ${r.lineNo} (${line.name}): ${line.qty} sold, ${line.qty - left} already returned; at most ${left} can be returned.`, {
        status: 409,
        details: { lineNo: r.lineNo, sold: line.qty, returned: line.qty - left, remaining: left },
      });
    }
    asked.set(r.lineNo, r.qty);
  }
  const after = new Map([...remaining].map(([lineNo, left]) => [lineNo, left - (asked.get(lineNo) ?? 0)]));
  const paidLeft = input.paidFen - input.refundedFen;
  const everything = [...after.values()].every((q) => q === 0);
  const keptValueFen = keptValue(input.lines, input.promotions, input.saleAt, after);
  const refundFen = everything ? paidLeft : Math.max(0, Math.min(paidLeft, keptValue(input.lines, input.promotions, input.saleAt, remaining) - keptValueFen));

  const returnedLines = input.lines.filter((l) => asked.has(l.lineNo));
  // Per line for tax and reports: in proportion to what each returned line was paid.
  const weights = returnedLines.map((l) => Math.round((l.totalFen * (asked.get(l.lineNo) ?? 0)) / l.qty));
  const shares = allocateByLargestRemainder(refundFen, weights);
  return {
    refundFen,
    keptValueFen,
    lines: returnedLines.map((l, i) => ({ lineNo: l.lineNo, skuId: l.skuId, name: l.name, qty: asked.get(l.lineNo) ?? 0, refundFen: shares[i] ?? 0, vatRate: l.vatRate, categoryId: l.categoryId })),
  };
}

export interface RefundableTender {
  id: string;
  method: string;
  amountFen: number;
  /** Already given back from this tender by earlier returns. */
  refundedFen: number;
}

export interface RoutedRefund {
  tenderId: string;
  method: string;
  amountFen: number;
}

/**
 * Which tenders a refund goes back to (the documented rule): non-cash tenders first — card and
 * wallets back to their own channel, shared among them in proportion to what each still has to
 * give back — and only the rest from the drawer as cash. A card- or wallet-paid sale is never
 * turned into cash.
 *
 * @example routeRefund(1000, [{ id: 'c', method: 'cash', amountFen: 2000, refundedFen: 0 }, { id: 'w', method: 'wechat', amountFen: 800, refundedFen: 0 }]) // wechat 800, cash 200
 */
export function routeRefund(refundFen: number, tenders: readonly RefundableTender[]): RoutedRefund[] {
  const left = (t: RefundableTender) => Math.max(0, t.amountFen - t.refundedFen);
  const nonCash = tenders.filter((t) => t.method !== 'cash' && left(t) > 0);
  const cash = tenders.filter((t) => t.method === 'cash' && left(t) > 0);
  const nonCashLeft = nonCash.reduce((s, t) => s + left(t), 0);
  const toNonCash = Math.min(refundFen, nonCashLeft);
  const shares = nonCash.length ? allocateByLargestRemainder(toNonCash, nonCash.map(left)) : [];
  const routed: RoutedRefund[] = nonCash.map((t, i) => ({ tenderId: t.id, method: t.method, amountFen: shares[i] ?? 0 }));
  let rest = refundFen - toNonCash;
  for (const t of cash) {
    const part = Math.min(rest, left(t));
    routed.push({ tenderId: t.id, method: t.method, amountFen: part });
    rest -= part;
  }
  if (rest > 0) throw new AppError('REFUND_EXCEEDS_PAID', `The refund is ${formatMoney(refundFen)} but the sale's tenders have only ${formatMoney(refundFen - rest)} left to give back.`, { status: 409 });
  return routed.filter((r) => r.amountFen > 0);
}
