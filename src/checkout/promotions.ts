// The pure pricing engine: list amounts, item promotions, 满减, member tier discount and manual
// discounts, taken off lines in whole fen so line totals always add up to the cart total.
import Big from 'big.js';
import { AppError } from '../platform/errors';
import { allocateByLargestRemainder, applyRate, roundHalfEven } from '../platform/money';
import type {
  AppliedPromotion,
  PricedCart,
  PricedLine,
  PricingContext,
  PricingLine,
  Promotion,
  PromotionRule,
  PromotionTarget,
} from './pricing-types';

type ItemRule = Exclude<PromotionRule, { kind: 'threshold' }>;
type ThresholdRule = Extract<PromotionRule, { kind: 'threshold' }>;

/** What a discount is recorded as: a promotion, or the tier / manual pseudo-promotions. */
interface DiscountSource {
  promotionId: string;
  name: string;
  exclusive: boolean;
}

const TIER: DiscountSource = { promotionId: 'tier', name: '会员折扣', exclusive: false };
const MANUAL: DiscountSource = { promotionId: 'manual', name: '手工折扣', exclusive: false };
/** The promotion id a member's coupon is recorded under on lines and on the sale. */
export const COUPON_PROMOTION_ID = 'coupon';
const RESERVED_IDS = new Set([TIER.promotionId, MANUAL.promotionId, COUPON_PROMOTION_ID]);

const PERCENT = /^\d+(\.\d+)?$/;
// An instant needs its offset: without one, Date.parse reads the time in the server's zone.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

interface LineState {
  line: PricingLine;
  inputIndex: number;
  listFen: number;
  remainingFen: number;
  promotions: AppliedPromotion[];
  /** Received an exclusive promotion: only the manual discount may follow. */
  closed: boolean;
}

/**
 * Prices a cart: list amount per line, then active promotions by priority (item rules, then 满减),
 * then the member's tier discount, then the member's coupon, then each line's manual discount. Every discount is in whole
 * fen on a line, so line totals add up to the cart total, and the result does not depend on the
 * order of `lines` (they are processed by lineId and returned in the caller's order).
 * A promotion counts as applied to a line only when it takes at least one fen off it.
 *
 * @example
 * priceCart(
 *   [{ lineId: 'a', skuId: 'tea', categoryId: 'drinks', unit: 'piece', qty: 2, unitPriceFen: 5000 }],
 *   [{ id: 'p1', name: '满100减20', target: { kind: 'all' }, priority: 1, exclusive: false,
 *      rule: { kind: 'threshold', thresholdFen: 10000, offFen: 2000, repeat: false } }],
 *   { now: new Date() },
 * ).totalFen // 8000
 */
export function priceCart(lines: PricingLine[], promotions: Promotion[], ctx: PricingContext): PricedCart {
  validateContext(ctx);
  validateLines(lines);
  validatePromotions(promotions);

  const states: LineState[] = lines
    .map((line, inputIndex) => {
      const listFen = listAmountFen(line);
      return { line, inputIndex, listFen, remainingFen: listFen, promotions: [], closed: false };
    })
    .sort((a, b) => compareText(a.line.lineId, b.line.lineId));
  const subtotalFen = states.reduce((sum, s) => sum + s.listFen, 0);
  if (!Number.isSafeInteger(subtotalFen)) {
    throw new AppError('VALIDATION_FAILED', 'The cart subtotal is too large to price exactly: split the sale.');
  }

  const savings = new Map<string, AppliedPromotion>();
  const active = promotions
    .filter((p) => isActive(p, ctx))
    .sort((a, b) => a.priority - b.priority || compareText(a.id, b.id));
  // 满减 looks at what is left after every item promotion, whatever its priority.
  for (const promotion of active) {
    if (promotion.rule.kind !== 'threshold') applyItemPromotion(promotion, promotion.rule, states, savings);
  }
  for (const promotion of active) {
    if (promotion.rule.kind === 'threshold') applyThreshold(promotion, promotion.rule, states, savings);
  }

  const tierPercent = ctx.member?.tierDiscountPercent;
  if (tierPercent !== undefined) {
    const eligible = states.filter((s) => !s.line.priceOverridden && !s.closed);
    const baseFen = sumRemaining(eligible);
    // Computed once on the total, so the member saves what the percentage promises on the cart.
    const offFen = applyRate(baseFen, new Big(tierPercent).times('0.01'));
    grantAll(eligible, allocateByLargestRemainder(offFen, eligible.map((s) => s.remainingFen)), TIER, savings);
  }

  const coupon = ctx.coupon;
  if (coupon) {
    // Like 满减 on what the member pays after the tier discount; a cart under the minimum spend
    // simply gets no coupon discount (the till refuses to apply it, see the checkout service).
    const eligible = states.filter((s) => !s.line.priceOverridden && !s.closed);
    const baseFen = sumRemaining(eligible);
    if (baseFen > 0 && baseFen >= coupon.minSpendFen) {
      const source = { promotionId: COUPON_PROMOTION_ID, name: coupon.name, exclusive: false };
      grantAll(eligible, allocateByLargestRemainder(Math.min(baseFen, coupon.offFen), eligible.map((s) => s.remainingFen)), source, savings);
    }
  }

  for (const s of states) grant(s, Math.min(s.line.manualDiscountFen ?? 0, s.remainingFen), MANUAL, savings);

  const priced: PricedLine[] = [...states]
    .sort((a, b) => a.inputIndex - b.inputIndex)
    .map((s) => ({
      ...s.line,
      listFen: s.listFen,
      discountFen: s.listFen - s.remainingFen,
      totalFen: s.remainingFen,
      promotions: s.promotions,
    }));
  const totalFen = priced.reduce((sum, l) => sum + l.totalFen, 0);
  return {
    lines: priced,
    subtotalFen,
    discountFen: subtotalFen - totalFen,
    totalFen,
    promotions: [...savings.values()],
  };
}

function applyItemPromotion(promotion: Promotion, rule: ItemRule, states: LineState[], savings: Map<string, AppliedPromotion>): void {
  const eligible = eligibleLines(promotion, states);
  grantAll(eligible, itemDiscountsFen(rule, eligible), sourceOf(promotion), savings);
}

function itemDiscountsFen(rule: ItemRule, lines: LineState[]): number[] {
  switch (rule.kind) {
    case 'percent_off': {
      const rate = new Big(rule.percent).times('0.01');
      return lines.map((s) => applyRate(s.remainingFen, rate));
    }
    case 'fixed_off':
      return lines.map((s) => {
        const offFen = amountForQty(s.line, rule.amountFen);
        return offFen.gte(s.remainingFen) ? s.remainingFen : roundHalfEven(offFen);
      });
    case 'special_price':
      return lines.map((s) => {
        const priceFen = amountForQty(s.line, rule.priceFen);
        return priceFen.gte(s.remainingFen) ? 0 : s.remainingFen - roundHalfEven(priceFen);
      });
    case 'buy_x_get_y':
      return freeUnitDiscountsFen(rule.buy, rule.get, lines);
  }
}

/**
 * Every (buy + get) units of the piece lines together give `get` units free, the cheapest ones,
 * priced at what is left of their line after earlier promotions.
 */
function freeUnitDiscountsFen(buy: number, get: number, lines: LineState[]): number[] {
  const discounts = lines.map(() => 0);
  const pieces = lines.map((s, index) => ({ s, index })).filter(({ s }) => s.line.unit === 'piece');
  const units = pieces.reduce((n, { s }) => n + BigInt(s.line.qty), 0n);
  let free = (units / (BigInt(buy) + BigInt(get))) * BigInt(get);
  // Unit prices compared by cross-multiplying, exactly; the stable sort keeps lineId order on ties.
  pieces.sort((a, b) => {
    const left = BigInt(a.s.remainingFen) * BigInt(b.s.line.qty);
    const right = BigInt(b.s.remainingFen) * BigInt(a.s.line.qty);
    return left < right ? -1 : left > right ? 1 : 0;
  });
  for (const { s, index } of pieces) {
    if (free === 0n) break;
    const qty = BigInt(s.line.qty);
    const take = free < qty ? free : qty;
    free -= take;
    discounts[index] =
      take === qty ? s.remainingFen : roundHalfEven(new Big(s.remainingFen).times(take.toString()).div(s.line.qty));
  }
  return discounts;
}

function applyThreshold(promotion: Promotion, rule: ThresholdRule, states: LineState[], savings: Map<string, AppliedPromotion>): void {
  const eligible = eligibleLines(promotion, states);
  const baseFen = sumRemaining(eligible);
  if (baseFen < rule.thresholdFen) return;
  const times = rule.repeat ? Math.floor(baseFen / rule.thresholdFen) : 1;
  // A product past 2^53 is inexact but still above baseFen, so the cap still holds.
  const offFen = Math.min(baseFen, rule.offFen * times);
  grantAll(eligible, allocateByLargestRemainder(offFen, eligible.map((s) => s.remainingFen)), sourceOf(promotion), savings);
}

function eligibleLines(promotion: Promotion, states: LineState[]): LineState[] {
  return states.filter(
    (s) =>
      !s.line.priceOverridden &&
      !s.closed &&
      !(promotion.exclusive && s.promotions.length > 0) &&
      isTargeted(promotion.target, s.line),
  );
}

function isTargeted(target: PromotionTarget, line: PricingLine): boolean {
  switch (target.kind) {
    case 'all':
      return true;
    case 'skus':
      return target.skuIds.includes(line.skuId);
    case 'categories':
      return target.categoryIds.includes(line.categoryId);
  }
}

function isActive(promotion: Promotion, ctx: PricingContext): boolean {
  const now = ctx.now.getTime();
  if (promotion.startsAt !== undefined && now < Date.parse(promotion.startsAt)) return false;
  if (promotion.endsAt !== undefined && now >= Date.parse(promotion.endsAt)) return false;
  return !promotion.membersOnly || ctx.member !== undefined;
}

function grantAll(lines: LineState[], discountsFen: number[], source: DiscountSource, savings: Map<string, AppliedPromotion>): void {
  lines.forEach((s, i) => grant(s, discountsFen[i] ?? 0, source, savings));
}

function grant(s: LineState, discountFen: number, source: DiscountSource, savings: Map<string, AppliedPromotion>): void {
  if (discountFen <= 0) return;
  s.remainingFen -= discountFen;
  s.promotions.push({ promotionId: source.promotionId, name: source.name, discountFen });
  if (source.exclusive) s.closed = true;
  const saved = savings.get(source.promotionId);
  if (saved) saved.discountFen += discountFen;
  else savings.set(source.promotionId, { promotionId: source.promotionId, name: source.name, discountFen });
}

function sourceOf(promotion: Promotion): DiscountSource {
  return { promotionId: promotion.id, name: promotion.name, exclusive: promotion.exclusive };
}

function listAmountFen(line: PricingLine): number {
  if (line.labelTotalFen !== undefined) return line.labelTotalFen;
  // Pieces are whole-number arithmetic; decimal math only where grams make fractions (every scan
  // reprices the cart, so this is the hot path).
  if (line.unit === 'piece') {
    const fen = line.unitPriceFen * line.qty;
    if (Number.isSafeInteger(fen)) return fen;
  }
  const exact = amountForQty(line, line.unitPriceFen);
  if (exact.gt(Number.MAX_SAFE_INTEGER)) {
    throw invalidLine(line, 'qty', 'qty × unitPriceFen is too large to price exactly: check the quantity and price.');
  }
  return roundHalfEven(exact);
}

/** Fen per piece × pieces, or fen per kg × grams / 1000 — exact, left to the caller to round. */
function amountForQty(line: PricingLine, fenPerUnit: number): Big {
  const amount = new Big(fenPerUnit).times(line.qty);
  return line.unit === 'kg' ? amount.div(1000) : amount;
}

function sumRemaining(lines: LineState[]): number {
  return lines.reduce((sum, s) => sum + s.remainingFen, 0);
}

/** Code-unit order, not localeCompare: the same on every till whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validateContext(ctx: PricingContext): void {
  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) {
    throw new AppError('VALIDATION_FAILED', 'The pricing clock gave no valid time: check the till clock.', {
      details: { field: 'now' },
    });
  }
  if (ctx.coupon && (!isWhole(ctx.coupon.offFen, 1) || !isWhole(ctx.coupon.minSpendFen, 0))) {
    throw new AppError('VALIDATION_FAILED', `Coupon ${JSON.stringify(ctx.coupon.couponId)}: its value must be whole fen above 0 and its minimum spend whole fen, 0 or more.`, {
      details: { field: 'coupon' },
    });
  }
  const percent = ctx.member?.tierDiscountPercent;
  if (percent !== undefined && !isPercent(percent)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The member's tierDiscountPercent must be a number from 0 to 100 such as "5" or "2.5", got ${JSON.stringify(percent)}.`,
      { details: { field: 'tierDiscountPercent' } },
    );
  }
}

function validateLines(lines: PricingLine[]): void {
  const seen = new Set<string>();
  for (const line of lines) {
    if (typeof line.lineId !== 'string' || line.lineId === '') {
      throw new AppError('VALIDATION_FAILED', 'Every cart line needs a non-empty lineId.', { details: { field: 'lineId' } });
    }
    if (seen.has(line.lineId)) {
      throw invalidLine(line, 'lineId', 'appears twice: give every cart line its own lineId.');
    }
    seen.add(line.lineId);
    if (typeof line.skuId !== 'string' || line.skuId === '') throw invalidLine(line, 'skuId', 'skuId must be a non-empty id.');
    if (typeof line.categoryId !== 'string' || line.categoryId === '') {
      throw invalidLine(line, 'categoryId', 'categoryId must be a non-empty id.');
    }
    if (line.unit !== 'piece' && line.unit !== 'kg') {
      throw invalidLine(line, 'unit', `unit must be 'piece' or 'kg', got ${JSON.stringify(line.unit)}.`);
    }
    const qtyMeaning = line.unit === 'kg' ? 'grams' : 'pieces';
    if (!isWhole(line.qty, 1)) throw invalidLine(line, 'qty', `qty must be a whole number of ${qtyMeaning} of at least 1, got ${line.qty}.`);
    requireFen(line, 'unitPriceFen', line.unitPriceFen);
    if (line.labelTotalFen !== undefined) requireFen(line, 'labelTotalFen', line.labelTotalFen);
    if (line.manualDiscountFen !== undefined) requireFen(line, 'manualDiscountFen', line.manualDiscountFen);
  }
}

function requireFen(line: PricingLine, field: string, value: number): void {
  if (!isWhole(value, 0)) throw invalidLine(line, field, `${field} must be a whole number of fen, 0 or more, got ${value}.`);
}

function invalidLine(line: PricingLine, field: string, problem: string): AppError {
  return new AppError('VALIDATION_FAILED', `Line ${JSON.stringify(line.lineId)}: ${problem}`, {
    details: { lineId: line.lineId, field },
  });
}

// The till passes the same cached promotion list on every scan: check each list once.
const validatedLists = new WeakSet<Promotion[]>();

function validatePromotions(promotions: Promotion[]): void {
  if (validatedLists.has(promotions)) return;
  validateEachPromotion(promotions);
  validatedLists.add(promotions);
}

function validateEachPromotion(promotions: Promotion[]): void {
  const seen = new Set<string>();
  for (const p of promotions) {
    if (typeof p.id !== 'string' || p.id === '') {
      throw new AppError('VALIDATION_FAILED', 'Every promotion needs a non-empty id.', { details: { field: 'id' } });
    }
    if (RESERVED_IDS.has(p.id)) {
      throw invalidPromotion(p, 'id', 'this id is reserved for the tier and manual discounts: give the promotion another id.');
    }
    if (seen.has(p.id)) throw invalidPromotion(p, 'id', 'appears twice: give every promotion its own id.');
    seen.add(p.id);
    if (!Number.isFinite(p.priority)) throw invalidPromotion(p, 'priority', `priority must be a finite number, got ${p.priority}.`);
    for (const field of ['startsAt', 'endsAt'] as const) {
      const value = p[field];
      if (value !== undefined && (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) {
        throw invalidPromotion(
          p,
          field,
          `${field} must be an ISO instant with its offset, such as 2025-01-01T00:00:00+08:00, got ${JSON.stringify(value)}.`,
        );
      }
    }
    validateTarget(p);
    validateRule(p);
  }
}

function validateTarget(p: Promotion): void {
  const { target } = p;
  switch (target.kind) {
    case 'all':
      return;
    case 'skus':
      if (!isIdList(target.skuIds)) throw invalidPromotion(p, 'target.skuIds', 'target.skuIds must be a list of SKU ids.');
      return;
    case 'categories':
      if (!isIdList(target.categoryIds)) {
        throw invalidPromotion(p, 'target.categoryIds', 'target.categoryIds must be a list of category ids.');
      }
      return;
    default:
      throw invalidPromotion(p, 'target.kind', `target.kind ${JSON.stringify((target as { kind: unknown }).kind)} is unknown.`);
  }
}

function validateRule(p: Promotion): void {
  const { rule } = p;
  switch (rule.kind) {
    case 'percent_off':
      if (!isPercent(rule.percent)) {
        throw invalidPromotion(p, 'rule.percent', `percent must be a number from 0 to 100 such as "10", got ${JSON.stringify(rule.percent)}.`);
      }
      return;
    case 'fixed_off':
      if (!isWhole(rule.amountFen, 0)) throw invalidPromotion(p, 'rule.amountFen', `amountFen must be whole fen, 0 or more, got ${rule.amountFen}.`);
      return;
    case 'special_price':
      if (!isWhole(rule.priceFen, 0)) throw invalidPromotion(p, 'rule.priceFen', `priceFen must be whole fen, 0 or more, got ${rule.priceFen}.`);
      return;
    case 'buy_x_get_y':
      if (!isWhole(rule.buy, 1)) throw invalidPromotion(p, 'rule.buy', `buy must be a whole number of at least 1, got ${rule.buy}.`);
      if (!isWhole(rule.get, 1)) throw invalidPromotion(p, 'rule.get', `get must be a whole number of at least 1, got ${rule.get}.`);
      return;
    case 'threshold':
      if (!isWhole(rule.thresholdFen, 1)) {
        throw invalidPromotion(p, 'rule.thresholdFen', `thresholdFen must be whole fen above 0, got ${rule.thresholdFen}.`);
      }
      if (!isWhole(rule.offFen, 1)) throw invalidPromotion(p, 'rule.offFen', `offFen must be whole fen above 0, got ${rule.offFen}.`);
      if (typeof rule.repeat !== 'boolean') throw invalidPromotion(p, 'rule.repeat', 'repeat must be true or false.');
      return;
    default:
      throw invalidPromotion(p, 'rule.kind', `rule.kind ${JSON.stringify((rule as { kind: unknown }).kind)} is unknown.`);
  }
}

function invalidPromotion(p: Promotion, field: string, problem: string): AppError {
  return new AppError('VALIDATION_FAILED', `Promotion ${JSON.stringify(p.id)} (${p.name}): ${problem}`, {
    details: { promotionId: p.id, field },
  });
}

function isWhole(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function isPercent(value: unknown): boolean {
  return typeof value === 'string' && PERCENT.test(value) && new Big(value).lte(100);
}

function isIdList(value: unknown): boolean {
  return Array.isArray(value) && value.every((id) => typeof id === 'string');
}
