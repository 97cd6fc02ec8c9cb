// The cart as the till holds it, and the pure rules that change it and say what is due.
import { AppError } from '../platform/errors';
import type { Unit } from '../catalog/types';
import type { AppliedPromotion, PricedCart, PricedLine, PricingLine } from './pricing-types';
import type { TillContext } from './terminals';
import type { CartMember } from '../members/index';
import { COUPON_PROMOTION_ID } from './promotions';

export type TenderMethod = 'cash' | 'card' | 'wechat' | 'alipay' | 'unionpay' | 'ecny' | 'points';

export interface CartLine {
  lineId: string;
  skuId: string;
  code: string;
  name: string;
  unit: Unit;
  /** Pieces, or grams for kg. */
  qty: number;
  unitPriceFen: number;
  labelTotalFen?: number;
  categoryId: string;
  vatRate: string;
  isBundle: boolean;
  manualDiscountFen: number;
  priceOverridden: boolean;
  /** Why the price was overridden or discounted by hand (shown in the audit trail). */
  reason?: string;
  /** A gift the member takes for points (积分兑换礼品): unitPriceFen is its cash part; no promotions, earns no points. */
  gift?: { points: number };
}

export interface CartTender {
  id: string;
  method: TenderMethod;
  /** What this tender pays of the sale (cash: given minus change). */
  amountFen: number;
  /** What the customer handed over (cash); equals amountFen for other methods. */
  tenderedFen: number;
  changeFen: number;
  status: 'succeeded';
  reference: string | null;
  authCode: string | null;
  cardLast4: string | null;
  merchantOrderNo: string | null;
  channelTxnId: string | null;
  createdAt: string;
}

export interface Cart {
  id: string;
  till: TillContext;
  storeId: string;
  terminalId: string;
  cashierId: string;
  status: 'open' | 'completed';
  lines: CartLine[];
  tenders: CartTender[];
  memberId: string | null;
  /** When the first and the last item were scanned, and how many scans: the cashier's scan speed. */
  scans?: { first: string; last: string; count: number };
  /** The member's tier and points as scanned (pricing and points payments use them). */
  member: CartMember | null;
  /** The member's coupon applied to the cart (marked used when the sale completes). */
  coupon?: CartCoupon | null;
  /** 抹零 taken off when cash settled the sale. */
  roundingFen: number;
  nextLineNo: number;
  saleId: string | null;
  createdAt: string;
}

export interface CartCoupon {
  id: string;
  code: string;
  name: string;
  valueFen: number;
  minSpendFen: number;
  lastDay: string;
}

export const MAX_PIECES = 9999;
export const MAX_LINES = 500;

export function toPricingLines(cart: Cart): PricingLine[] {
  return cart.lines.map((l) => ({
    lineId: l.lineId,
    skuId: l.skuId,
    categoryId: l.categoryId,
    unit: l.unit,
    qty: l.qty,
    unitPriceFen: l.unitPriceFen,
    labelTotalFen: l.labelTotalFen,
    manualDiscountFen: l.manualDiscountFen,
    // A gift's price is set by the points offer: no promotion, tier discount or coupon touches it.
    priceOverridden: l.priceOverridden || l.gift !== undefined,
  }));
}

/**
 * Points this cart already spends: points tenders and gift lines.
 *
 * @example pointsOnCart({ tenders: [], lines: [{ gift: { points: 3000 }, qty: 1 }] }) // 3000
 */
export function pointsOnCart(cart: { tenders: ReadonlyArray<Pick<CartTender, 'method' | 'reference'>>; lines: ReadonlyArray<Pick<CartLine, 'gift' | 'qty'>> }): number {
  const tendered = cart.tenders.filter((t) => t.method === 'points').reduce((s, t) => s + Number(t.reference ?? 0), 0);
  return tendered + cart.lines.reduce((s, l) => s + (l.gift ? l.gift.points * l.qty : 0), 0);
}

export function assertOpen(cart: Cart): void {
  if (cart.status !== 'open') throw new AppError('CART_COMPLETED', 'This sale is finished. Start a new cart for the next customer.', { status: 409 });
}

/** Lines are frozen once money has been taken, so what was paid always matches what is sold. */
export function assertEditable(cart: Cart): void {
  assertOpen(cart);
  if (cart.tenders.length > 0) {
    throw new AppError('CART_HAS_PAYMENTS', 'Payments have been taken on this cart; remove the cash payments first, or finish the sale.', { status: 409 });
  }
}

export function assertPieces(qty: number, field = 'qty'): void {
  if (!Number.isSafeInteger(qty) || qty < 1 || qty > MAX_PIECES) {
    throw new AppError('VALIDATION_FAILED', `Quantity must be a whole number from 1 to ${MAX_PIECES}; to remove a line, void it.`, { details: { field, value: qty } });
  }
}

export interface Totals {
  totalFen: number;
  paidFen: number;
  roundingFen: number;
  dueFen: number;
  changeFen: number;
}

export function totalsOf(cart: Cart, priced: PricedCart): Totals {
  const paidFen = cart.tenders.reduce((s, t) => s + t.amountFen, 0);
  const changeFen = cart.tenders.reduce((s, t) => s + t.changeFen, 0);
  return { totalFen: priced.totalFen, paidFen, roundingFen: cart.roundingFen, dueFen: priced.totalFen - cart.roundingFen - paidFen, changeFen };
}

/**
 * How a cash payment settles: with 抹零 to the jiao, the fen of what is left are waived when this
 * cash covers the rest; change is what was handed over beyond that.
 *
 * @example cashSettlement(1237, 2000, 'jiao') // { roundingFen: 7, appliedFen: 1230, changeFen: 770 }
 */
export function cashSettlement(dueFen: number, givenFen: number, rounding: 'none' | 'jiao'): { roundingFen: number; appliedFen: number; changeFen: number } {
  const roundingFen = rounding === 'jiao' ? dueFen % 10 : 0;
  const payable = dueFen - roundingFen;
  if (givenFen >= payable) return { roundingFen, appliedFen: payable, changeFen: givenFen - payable };
  return { roundingFen: 0, appliedFen: givenFen, changeFen: 0 };
}

export interface CartView {
  id: string;
  status: Cart['status'];
  terminalId: string;
  memberId: string | null;
  /** availablePoints: the balance less what this cart already spends (points tenders, gifts). */
  member: { cardNo: string; phone: string | null; tierName: string; pointsBalance: number; availablePoints: number } | null;
  lines: Array<Pick<CartLine, 'lineId' | 'skuId' | 'code' | 'name' | 'unit' | 'qty' | 'unitPriceFen' | 'isBundle'> & Pick<PricedLine, 'listFen' | 'discountFen' | 'totalFen' | 'promotions'> & { giftPoints: number }>;
  /** The coupon on the cart and what it takes off now (0 while the cart is under its minimum spend). */
  coupon: (Omit<CartCoupon, 'id'> & { discountFen: number }) | null;
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  roundingFen: number;
  paidFen: number;
  dueFen: number;
  changeFen: number;
  promotions: AppliedPromotion[];
  tenders: Array<Pick<CartTender, 'id' | 'method' | 'amountFen' | 'tenderedFen' | 'changeFen' | 'status' | 'reference' | 'cardLast4'>>;
  saleId: string | null;
}

export function viewOf(cart: Cart, priced: PricedCart): CartView {
  const totals = totalsOf(cart, priced);
  return {
    id: cart.id,
    status: cart.status,
    terminalId: cart.terminalId,
    memberId: cart.memberId,
    member: cart.member ? { cardNo: cart.member.cardNo, phone: cart.member.phone, tierName: cart.member.tierName, pointsBalance: cart.member.pointsBalance, availablePoints: cart.member.pointsBalance - pointsOnCart(cart) } : null,
    coupon: cart.coupon ? { code: cart.coupon.code, name: cart.coupon.name, valueFen: cart.coupon.valueFen, minSpendFen: cart.coupon.minSpendFen, lastDay: cart.coupon.lastDay, discountFen: priced.promotions.find((p) => p.promotionId === COUPON_PROMOTION_ID)?.discountFen ?? 0 } : null,
    lines: cart.lines.map((l, i) => {
      const p = priced.lines[i];
      return {
        lineId: l.lineId,
        skuId: l.skuId,
        code: l.code,
        name: l.name,
        unit: l.unit,
        qty: l.qty,
        unitPriceFen: l.unitPriceFen,
        listFen: p?.listFen ?? 0,
        discountFen: p?.discountFen ?? 0,
        totalFen: p?.totalFen ?? 0,
        isBundle: l.isBundle,
        promotions: p?.promotions ?? [],
        giftPoints: l.gift ? l.gift.points * l.qty : 0,
      };
    }),
    subtotalFen: priced.subtotalFen,
    discountFen: priced.discountFen,
    totalFen: totals.totalFen,
    roundingFen: totals.roundingFen,
    paidFen: totals.paidFen,
    dueFen: totals.dueFen,
    changeFen: totals.changeFen,
    promotions: priced.promotions,
    tenders: cart.tenders.map((t) => ({ id: t.id, method: t.method, amountFen: t.amountFen, tenderedFen: t.tenderedFen, changeFen: t.changeFen, status: t.status, reference: t.reference, cardLast4: t.cardLast4 })),
    saleId: cart.saleId,
  };
}
