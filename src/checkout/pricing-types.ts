// Inputs and outputs of the pure pricing engine (promotions.ts).
import type { Unit } from '../catalog/types';

export interface PricingLine {
  lineId: string;
  skuId: string;
  categoryId: string;
  unit: Unit;
  /** Pieces, or grams when unit is 'kg'. Always > 0. */
  qty: number;
  /** Per piece, or per kg when unit is 'kg'. */
  unitPriceFen: number;
  /**
   * Set for a scale label that carries its own line price (format 20…): the line's list amount
   * is exactly this, whatever qty/unitPriceFen say.
   */
  labelTotalFen?: number;
  /** Cashier's manual discount on the line (permission checked by the caller), in fen. */
  manualDiscountFen?: number;
  /** The cashier overrode the price: promotions do not apply to this line. */
  priceOverridden?: boolean;
}

export type PromotionTarget = { kind: 'all' } | { kind: 'skus'; skuIds: string[] } | { kind: 'categories'; categoryIds: string[] };

export type PromotionRule =
  /** percent off each targeted line, e.g. '10' = 10 % off */
  | { kind: 'percent_off'; percent: string }
  /** fixed amount off per piece (per kg for kg lines) of targeted lines, never below zero */
  | { kind: 'fixed_off'; amountFen: number }
  /** buy X get Y free among targeted piece lines (the cheapest units are the free ones) */
  | { kind: 'buy_x_get_y'; buy: number; get: number }
  /** 满减: when targeted lines' amount (after item promotions) reaches threshold, take off offFen; repeat per multiple if repeat */
  | { kind: 'threshold'; thresholdFen: number; offFen: number; repeat: boolean }
  /** special price per piece (per kg) for targeted SKUs (e.g. member price) */
  | { kind: 'special_price'; priceFen: number };

export interface Promotion {
  id: string;
  name: string;
  target: PromotionTarget;
  rule: PromotionRule;
  /** Lower runs first. */
  priority: number;
  /** An exclusive promotion, once applied to a line, stops every later promotion on that line. */
  exclusive: boolean;
  /** ISO instants; the promotion applies when startsAt <= now < endsAt. */
  startsAt?: string;
  endsAt?: string;
  /** Only for members (member price, member-only deals). */
  membersOnly?: boolean;
}

export interface MemberPricing {
  /** Tier discount on the whole cart after promotions, e.g. '5' = 5 % off (applied last). */
  tierDiscountPercent?: string;
}

/** A member's coupon on the cart: `offFen` off once the eligible lines reach `minSpendFen`. */
export interface CouponPricing {
  couponId: string;
  name: string;
  offFen: number;
  minSpendFen: number;
}

export interface PricingContext {
  now: Date;
  member?: MemberPricing;
  coupon?: CouponPricing;
}

export interface AppliedPromotion {
  promotionId: string;
  name: string;
  discountFen: number;
}

export interface PricedLine extends PricingLine {
  /** qty × unit price (rounded half-even for grams), or labelTotalFen. */
  listFen: number;
  /** Everything taken off this line: promotions, tier discount, manual discount. */
  discountFen: number;
  /** listFen − discountFen, never negative. */
  totalFen: number;
  promotions: AppliedPromotion[];
}

export interface PricedCart {
  lines: PricedLine[];
  /** Sum of listFen. */
  subtotalFen: number;
  /** Sum of discountFen. */
  discountFen: number;
  /** Sum of totalFen = subtotalFen − discountFen. */
  totalFen: number;
  /** Each promotion (and 'tier' / 'manual') with its total saving, in the order applied. */
  promotions: AppliedPromotion[];
}
