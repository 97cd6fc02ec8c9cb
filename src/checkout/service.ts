// Checkout: the cart a till works on (scan, change, hold, pay) and the sale it becomes. Completing
// a sale writes the sale, its stock moves, cash movements, audit entry and outbox event in one
// durable transaction (DESIGN §3), orchestrated here.
import { randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { allocateByLargestRemainder, applyRate, formatMoney } from '../platform/money';
import { businessDate } from '../platform/business-date';
import { inBatchCommit } from '../platform/db/group-commit';
import { appendAudit } from '../audit/index';
import { can, requirePermission, type Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { offlinePosture } from '../platform/offline';
import { activePromotions, catalogIndex, MAX_PRICE_FEN, type Sku } from '../catalog/index';
import { averageCosts, type StockMoveInput } from '../inventory/index';
import { cartMember, checkGift, checkRedemption, findMemberByPhone, memberIdByCode, membersConfig, pointsEarnedBy, pointsForFen, rewardOffers, usableCoupon } from '../members/index';
import { cardTerminalFor, chargePaymentCode, requestPaymentCancel } from '../payments/index';
import { assertEditable, assertOpen, assertPieces, cashSettlement, MAX_LINES, pointsOnCart, toPricingLines, totalsOf, viewOf, type Cart, type CartLine, type CartTender, type CartView, type TenderMethod } from './cart';
import { dropCart, getCart, putCart } from './cart-store';
import { COUPON_PROMOTION_ID, priceCart } from './promotions';
import { classifyScan } from './scan-code';
import { checkoutSettings } from './settings';
import { resolveTill } from './terminals';
import { loadSale, type SaleLineRecord, type SaleRecord } from './sale-repo';
import { saleWriter, type SalePlan } from './sale-writer';
import type { PricedCart } from './pricing-types';

function actorOf(ctx: Ctx): Actor {
  if (!ctx.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return ctx.actor;
}

function cartFor(ctx: Ctx, cartId: string): Cart {
  const actor = actorOf(ctx);
  return getCart(ctx.nodeId, cartId, (c) => can(actor, 'pos.sell', { storeId: c.storeId, regionId: c.till.regionId }));
}

async function price(ctx: Ctx, cart: Cart): Promise<PricedCart> {
  const member = cart.member ? { tierDiscountPercent: cart.member.tierDiscountPercent } : undefined;
  const coupon = cart.coupon ? { couponId: cart.coupon.id, name: cart.coupon.name, offFen: cart.coupon.valueFen, minSpendFen: cart.coupon.minSpendFen } : undefined;
  return priceCart(toPricingLines(cart), await activePromotions(ctx), { now: ctx.clock.now(), member, coupon });
}

async function view(ctx: Ctx, cart: Cart): Promise<CartView> {
  return viewOf(cart, await price(ctx, cart));
}

export async function createCart(ctx: Ctx, input: { storeCode?: string; terminalCode?: string } = {}): Promise<CartView> {
  const actor = actorOf(ctx);
  const till = await resolveTill(ctx, actor, input);
  const cart: Cart = {
    id: newId(),
    till,
    storeId: till.storeId,
    terminalId: till.terminalId,
    cashierId: actor.userId,
    status: 'open',
    lines: [],
    tenders: [],
    memberId: null,
    member: null,
    roundingFen: 0,
    nextLineNo: 1,
    saleId: null,
    createdAt: ctx.clock.now().toISOString(),
  };
  putCart(ctx.nodeId, cart);
  return view(ctx, cart);
}

export async function getCartView(ctx: Ctx, cartId: string): Promise<CartView> {
  return view(ctx, cartFor(ctx, cartId));
}

/** Notes an item scanned or added now (the cashier's scan speed is the time between scans). */
function noteScan(ctx: Ctx, cart: Cart): void {
  const now = ctx.clock.now().toISOString();
  cart.scans = cart.scans ? { first: cart.scans.first, last: now, count: cart.scans.count + 1 } : { first: now, last: now, count: 1 };
}

function addLine(cart: Cart, sku: Sku, vatRate: string, line: Pick<CartLine, 'qty' | 'unitPriceFen' | 'labelTotalFen' | 'gift'>): void {
  // Another scan of the same piece item adds to its line, as a receipt reads best (a gift is a line of its own).
  const same = line.labelTotalFen === undefined && line.gift === undefined && sku.unit === 'piece' ? cart.lines.find((l) => l.skuId === sku.id && !l.priceOverridden && l.labelTotalFen === undefined && !l.gift) : undefined;
  if (same) {
    assertPieces(same.qty + line.qty);
    same.qty += line.qty;
    return;
  }
  if (cart.lines.length >= MAX_LINES) throw new AppError('CART_TOO_LARGE', `A cart holds at most ${MAX_LINES} lines; finish this sale and start another.`);
  cart.lines.push({
    lineId: `L${cart.nextLineNo++}`,
    skuId: sku.id,
    code: sku.code,
    name: sku.name,
    unit: sku.unit,
    qty: line.qty,
    unitPriceFen: line.unitPriceFen,
    labelTotalFen: line.labelTotalFen,
    categoryId: sku.categoryId,
    vatRate: vatRate,
    isBundle: sku.components.length > 0,
    manualDiscountFen: 0,
    priceOverridden: false,
    ...(line.gift ? { gift: line.gift } : {}),
  });
}

function sellable(sku: Sku | undefined, code: string): Sku {
  if (!sku) throw new AppError('PRODUCT_NOT_FOUND', `No product has the code ${code}. Check the code, or add the product in the back office.`, { status: 404, details: { code } });
  if (!sku.active) throw new AppError('PRODUCT_INACTIVE', `${sku.name} (${sku.code}) is not for sale (inactive). Ask the store manager.`, { details: { code } });
  return sku;
}

/**
 * Adds whatever was scanned: a barcode, scale label or internal code becomes a line; a
 * customer's payment code pays what is due. Member and receipt codes are recognised and refused
 * with what to do until their domains land. A refused scan leaves the cart as it was.
 */
export async function scan(ctx: Ctx, cartId: string, input: { code: string; qty?: number }): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  const settings = await checkoutSettings(ctx, cart.storeId);
  const result = classifyScan(input.code, settings.scan);
  // The customer's payment code pays what is still due, with that code's wallet.
  if (result.kind === 'payment') return addTender(ctx, cartId, { method: result.channel, authCode: result.code });
  assertEditable(cart);
  const qty = input.qty ?? 1;
  assertPieces(qty);
  const index = await catalogIndex(ctx);
  const vat = (sku: Sku) => index.category(sku.categoryId)?.vatRate ?? '0.13';
  switch (result.kind) {
    case 'gtin':
    case 'internal': {
      const sku = sellable(result.kind === 'gtin' ? index.byBarcodeKey(result.code) : (index.byInternalCode(result.code) ?? index.byPluCode(result.code)), result.code);
      if (sku.unit === 'kg') throw new AppError('WEIGHT_REQUIRED', `${sku.name} is sold by weight: weigh it on the scale and scan the label.`);
      addLine(cart, sku, vat(sku), { qty, unitPriceFen: index.priceFor(cart.storeId, sku) });
      noteScan(ctx, cart);
      break;
    }
    case 'scale': {
      const sku = sellable(index.byPluCode(result.label.plu), `PLU ${result.label.plu}`);
      if (result.label.kind === 'weight') {
        if (sku.unit !== 'kg') throw new AppError('SCALE_LABEL_INVALID', `PLU ${result.label.plu} (${sku.name}) is not sold by weight; check the scale's PLU table.`);
        addLine(cart, sku, vat(sku), { qty: result.label.grams, unitPriceFen: index.priceFor(cart.storeId, sku) });
        noteScan(ctx, cart);
      } else {
        addLine(cart, sku, vat(sku), { qty: 1, unitPriceFen: result.label.priceFen, labelTotalFen: result.label.priceFen });
        noteScan(ctx, cart);
      }
      break;
    }
    case 'member':
      await attach(ctx, cart, await memberIdByCode(ctx, result.code));
      break;
    case 'receipt':
      throw new AppError('RECEIPT_SCANNED', `${result.receiptNo} is a receipt number: open Return (F7) to take goods back.`, { status: 409 });
  }
  return view(ctx, cart);
}

/** The cart's member: prices get the tier's discount, points can pay, the sale earns points. */
async function attach(ctx: Ctx, cart: Cart, memberId: string | null): Promise<void> {
  assertEditable(cart);
  if (cart.tenders.length > 0) throw new AppError('MEMBER_AFTER_PAYMENT', 'Scan the member before taking payment (the member’s prices change the total).', { status: 409 });
  if (memberId !== cart.memberId && (cart.coupon || cart.lines.some((l) => l.gift))) {
    throw new AppError('MEMBER_HAS_REWARDS', 'This cart holds the member’s gifts or coupon: void the gift lines and remove the coupon before changing the member.', { status: 409 });
  }
  cart.memberId = memberId;
  cart.member = memberId ? await cartMember(ctx, memberId) : null;
}

/** Attaches the member found by phone number, or detaches with `phone: null`. */
export async function setCartMember(ctx: Ctx, cartId: string, input: { phone: string | null }): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  if (input.phone === null) {
    await attach(ctx, cart, null);
    return view(ctx, cart);
  }
  const member = await findMemberByPhone(ctx, actorOf(ctx), input.phone);
  if (!member) throw new AppError('MEMBER_NOT_FOUND', 'No member has this phone number. Register the customer, or continue without a member.', { status: 404 });
  await attach(ctx, cart, member.id);
  return view(ctx, cart);
}

export async function addSku(ctx: Ctx, cartId: string, input: { skuId: string; qty?: number }): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  const index = await catalogIndex(ctx);
  const sku = sellable(index.sku(input.skuId), input.skuId);
  if (sku.unit === 'kg') throw new AppError('WEIGHT_REQUIRED', `${sku.name} is sold by weight: weigh it on the scale and scan the label.`);
  const qty = input.qty ?? 1;
  assertPieces(qty);
  addLine(cart, sku, index.category(sku.categoryId)?.vatRate ?? '0.13', { qty, unitPriceFen: index.priceFor(cart.storeId, sku) });
  noteScan(ctx, cart);
  return view(ctx, cart);
}

function lineOf(cart: Cart, lineId: string): CartLine {
  const line = cart.lines.find((l) => l.lineId === lineId);
  if (!line) throw new AppError('LINE_NOT_FOUND', `Line ${lineId} is not in this cart.`, { status: 404 });
  return line;
}

export interface LineChange {
  qty?: number;
  /** Price override per piece (per kg): needs pos.price_override and a reason. */
  unitPriceFen?: number;
  /** Manual discount on the line: needs pos.price_override and a reason. */
  discountFen?: number;
  reason?: string;
}

export async function changeLine(ctx: Ctx, cartId: string, lineId: string, change: LineChange): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  const line = lineOf(cart, lineId);
  if (line.gift) throw new AppError('GIFT_LINE_FIXED', `${line.name} is a points gift: its quantity and price are fixed. Void the line and redeem the gift again.`, { status: 409 });
  const next = { ...line };
  if (change.qty !== undefined) {
    if (line.unit === 'kg' || line.labelTotalFen !== undefined) throw new AppError('WEIGHT_REQUIRED', 'A weighed line cannot change quantity; void it and weigh again.');
    assertPieces(change.qty);
    next.qty = change.qty;
  }
  if (change.unitPriceFen !== undefined || change.discountFen !== undefined) {
    requirePermission(actorOf(ctx), 'pos.price_override', { storeId: cart.storeId, regionId: cart.till.regionId });
    const reason = change.reason?.trim();
    if (!reason) throw new AppError('REASON_REQUIRED', 'Give a reason for the price change (it goes into the audit trail).', { status: 400, details: { field: 'reason' } });
    next.reason = reason;
    if (change.unitPriceFen !== undefined) {
      if (!Number.isSafeInteger(change.unitPriceFen) || change.unitPriceFen < 0 || change.unitPriceFen > MAX_PRICE_FEN) {
        throw new AppError('VALIDATION_FAILED', 'The price must be between ¥0.00 and ¥1,000,000.00.', { details: { field: 'unitPriceFen' } });
      }
      next.unitPriceFen = change.unitPriceFen;
      next.labelTotalFen = undefined;
      next.priceOverridden = true;
    }
    if (change.discountFen !== undefined) {
      if (!Number.isSafeInteger(change.discountFen) || change.discountFen < 0) throw new AppError('VALIDATION_FAILED', 'A discount is a whole number of fen, 0 or more.', { details: { field: 'discountFen' } });
      next.manualDiscountFen = change.discountFen;
    }
  }
  // Price the changed cart before keeping it, so a refused change leaves the cart untouched.
  const candidate: Cart = { ...cart, lines: cart.lines.map((l) => (l.lineId === lineId ? next : l)) };
  const priced = await price(ctx, candidate);
  const pricedLine = priced.lines.find((l) => l.lineId === lineId);
  if (change.discountFen !== undefined && pricedLine && change.discountFen > pricedLine.listFen) {
    throw new AppError('DISCOUNT_TOO_LARGE', `The discount ${formatMoney(change.discountFen)} is more than the line's ${formatMoney(pricedLine.listFen)}.`);
  }
  cart.lines = candidate.lines;
  return viewOf(cart, priced);
}

export async function voidLine(ctx: Ctx, cartId: string, lineId: string): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  requirePermission(actorOf(ctx), 'pos.void', { storeId: cart.storeId, regionId: cart.till.regionId });
  const line = lineOf(cart, lineId);
  // Audited: voids per cashier are a loss-prevention figure in the reports.
  await ctx.db.transaction().execute((tx) =>
    appendAudit({ ...ctx, db: tx }, { action: 'cart.line_voided', docType: 'cart', docId: cart.id, storeId: cart.storeId, data: { skuId: line.skuId, qty: line.qty, unitPriceFen: line.unitPriceFen } }),
  );
  cart.lines = cart.lines.filter((l) => l.lineId !== lineId);
  return view(ctx, cart);
}

export async function clearCart(ctx: Ctx, cartId: string): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  cart.lines = [];
  cart.coupon = null;
  return view(ctx, cart);
}

/** 挂单: puts the cart aside (in the database) so the till can serve the next customer. */
export async function holdCart(ctx: Ctx, cartId: string, label?: string): Promise<{ heldId: string }> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  if (cart.lines.length === 0) throw new AppError('CART_EMPTY', 'There is nothing to hold: the cart is empty.');
  await ctx.db
    .insertInto('held_carts')
    .values({
      store_id: cart.storeId,
      id: cart.id,
      terminal_id: cart.terminalId,
      cashier_id: cart.cashierId,
      label: (label ?? '').slice(0, 40) || `${cart.lines.length} 件 · ${cart.lines[0]?.name ?? ''}`,
      state: JSON.stringify(cart),
      held_at: ctx.clock.now().toISOString(),
    })
    .execute();
  dropCart(ctx.nodeId, cart.id);
  return { heldId: cart.id };
}

export async function listHeldCarts(ctx: Ctx, input: { storeCode?: string; terminalCode?: string }): Promise<Array<{ heldId: string; label: string; heldAt: string; lines: number }>> {
  const till = await resolveTill(ctx, actorOf(ctx), input);
  const rows = await ctx.db.selectFrom('held_carts').select(['id', 'label', 'held_at', 'state']).where('store_id', '=', till.storeId).orderBy('held_at').execute();
  return rows.map((r) => ({ heldId: r.id, label: r.label, heldAt: r.held_at, lines: (JSON.parse(r.state) as Cart).lines.length }));
}

/** 取单: brings a held cart back, repriced at today's prices and promotions. */
export async function recallCart(ctx: Ctx, heldId: string, input: { storeCode?: string; terminalCode?: string }): Promise<CartView> {
  const actor = actorOf(ctx);
  const till = await resolveTill(ctx, actor, input);
  const row = await ctx.db.selectFrom('held_carts').select('state').where('store_id', '=', till.storeId).where('id', '=', heldId).executeTakeFirst();
  if (!row) throw new AppError('CART_NOT_FOUND', 'That held cart is gone (already recalled?).', { status: 404 });
  const deleted = await ctx.db.deleteFrom('held_carts').where('store_id', '=', till.storeId).where('id', '=', heldId).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1) throw new AppError('CART_NOT_FOUND', 'That held cart was just recalled at another till.', { status: 404 });
  const cart = { ...(JSON.parse(row.state) as Cart), till, storeId: till.storeId, terminalId: till.terminalId, cashierId: actor.userId };
  putCart(ctx.nodeId, cart);
  return view(ctx, cart);
}

export interface TenderInput {
  method: TenderMethod;
  amountFen?: number;
  authCode?: string;
}

/**
 * Takes a payment. Cash may exceed what is due (change is given; 抹零 waives the fen when the
 * store rounds). A card pays at most what is due, through the store's card terminal.
 */
export async function addTender(ctx: Ctx, cartId: string, input: TenderInput): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertOpen(cart);
  if (cart.lines.length === 0) throw new AppError('CART_EMPTY', 'Scan something before taking payment.');
  const priced = await price(ctx, cart);
  const { dueFen } = totalsOf(cart, priced);
  if (dueFen <= 0) throw new AppError('ALREADY_PAID', 'Nothing is left to pay; finish the sale.', { status: 409 });
  const amountFen = input.amountFen ?? dueFen;
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0 || amountFen > MAX_PRICE_FEN) {
    throw new AppError('VALIDATION_FAILED', 'The amount must be above ¥0.00 and at most ¥1,000,000.00.', { details: { field: 'amountFen' } });
  }
  const base = { id: newId(), status: 'succeeded' as const, authCode: null, cardLast4: null, merchantOrderNo: null, channelTxnId: null, createdAt: ctx.clock.now().toISOString() };
  if (input.method === 'cash') {
    const settings = await checkoutSettings(ctx, cart.storeId);
    const settled = cashSettlement(dueFen, amountFen, settings.cashRounding);
    cart.roundingFen += settled.roundingFen;
    cart.tenders.push({ ...base, method: 'cash', amountFen: settled.appliedFen, tenderedFen: amountFen, changeFen: settled.changeFen, reference: null });
    return viewOf(cart, priced);
  }
  if (input.method === 'card') {
    if (amountFen > dueFen) {
      throw new AppError('TENDER_EXCEEDS_DUE', `A card pays at most what is due (${formatMoney(dueFen)}); only cash gives change.`, { details: { dueFen } });
    }
    const reference = `${cart.till.terminalCode}${base.id.replace(/-/g, '').slice(-10)}`;
    const result = await cardTerminalFor(cart.storeId).charge({ amountFen, reference });
    if (result.status === 'declined') {
      throw new AppError('CARD_DECLINED', `The card was declined (${result.responseCode}: ${result.message}). Ask for another card or method.`, { details: { responseCode: result.responseCode } });
    }
    if (result.status === 'timeout') {
      throw new AppError('CARD_TERMINAL_TIMEOUT', 'The card terminal did not answer. Check its last transaction before charging again.', { status: 504 });
    }
    cart.tenders.push({ ...base, method: 'card', amountFen, tenderedFen: amountFen, changeFen: 0, reference: result.terminalRef, authCode: result.authCode, cardLast4: result.cardLast4 });
    return viewOf(cart, priced);
  }
  if (input.method === 'points') return payByPoints(ctx, cart, base, amountFen, dueFen, priced);
  return payByCode(ctx, cart, input.method, input.authCode, amountFen, dueFen, priced);
}

/**
 * Cut off from HQ, this store cannot see points spent elsewhere: a member may spend up to a cap
 * (tenders and gifts together), and none when the posture is restricted.
 */
async function assertOfflinePoints(ctx: Ctx, cart: Cart, memberId: string, points: number): Promise<void> {
  const posture = await offlinePosture(ctx);
  if (!posture.offline) return;
  if (posture.level === 'restricted') throw new AppError('OFFLINE_RESTRICTED', `Points cannot be used while this store is cut off from HQ (${posture.reason ?? 'offline'}). Take another method.`, { status: 409 });
  const spent = await ctx.db
    .selectFrom('member_points')
    .select((eb) => eb.fn.sum<number>('points').as('p'))
    .where('member_id', '=', memberId)
    .where('kind', 'in', ['redeem', 'redeem_gift', 'redeem_coupon'])
    .where('created_at', '>=', posture.offlineSince ?? ctx.clock.now().toISOString())
    .executeTakeFirst();
  const offlineSoFar = -Number(spent?.p ?? 0) + pointsOnCart(cart);
  if (offlineSoFar + points > posture.offlineRedeemCapPoints) {
    throw new AppError('OFFLINE_REDEEM_CAP', `While this store is offline a member may redeem at most ${posture.offlineRedeemCapPoints} points; ${offlineSoFar} are already used. Take another method for the rest.`, { status: 409, details: { capPoints: posture.offlineRedeemCapPoints, usedPoints: offlineSoFar } });
  }
}

/**
 * 积分兑换礼品: adds a gift the chain offers for points (or points + cash) as a line of its own,
 * priced at its cash part. The member's current balance, less what the cart already spends, must
 * cover it (POINTS_INSUFFICIENT otherwise, nothing changed); the points are debited when the
 * sale completes, in its transaction, so two tills cannot both spend them.
 */
export async function redeemGift(ctx: Ctx, cartId: string, input: { skuId: string }): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  const member = cart.member;
  if (!member) throw new AppError('MEMBER_REQUIRED', 'Scan the member’s code before redeeming a gift.', { status: 409 });
  const gift = (await rewardOffers(ctx)).gifts.find((g) => g.skuId === input.skuId || g.code === input.skuId);
  if (!gift) throw new AppError('GIFT_NOT_FOUND', `${input.skuId} is not one of the chain's points gifts. Pick a gift from the list.`, { status: 404, details: { field: 'skuId' } });
  const index = await catalogIndex(ctx);
  const sku = sellable(index.sku(gift.skuId), gift.code);
  if (sku.unit === 'kg') throw new AppError('WEIGHT_REQUIRED', `${sku.name} is sold by weight and cannot be a points gift.`);
  await assertOfflinePoints(ctx, cart, member.id, gift.points);
  // The balance as it is now (another till may have spent points since the member was scanned).
  const balance = (await cartMember(ctx, member.id)).pointsBalance;
  const check = checkGift(balance - pointsOnCart(cart), gift, sku.name);
  if (!check.ok) throw new AppError(check.code, check.message, { status: 409, details: { points: gift.points, available: check.balance } });
  cart.member = { ...member, pointsBalance: balance };
  addLine(cart, sku, index.category(sku.categoryId)?.vatRate ?? '0.13', { qty: 1, unitPriceFen: gift.cashFen, gift: { points: gift.points } });
  return view(ctx, cart);
}

/**
 * Applies one of the member's coupons to the cart: refused when it is used, expired (with its
 * last day) or the cart is under its minimum spend (gifts do not count towards it). Its discount
 * is shared over the lines like 满减; the coupon is marked used when the sale completes.
 */
export async function applyCoupon(ctx: Ctx, cartId: string, input: { code: string }): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  if (!cart.member) throw new AppError('MEMBER_REQUIRED', 'Scan the member’s code before applying their coupon.', { status: 409 });
  const coupon = await usableCoupon(ctx, cart.member.id, input.code, cart.till.timeZone);
  const candidate: Cart = { ...cart, coupon: { id: coupon.id, code: coupon.code, name: coupon.name, valueFen: coupon.valueFen, minSpendFen: coupon.minSpendFen, lastDay: coupon.lastDay } };
  const priced = await price(ctx, candidate);
  if (!priced.promotions.some((p) => p.promotionId === COUPON_PROMOTION_ID)) {
    const without = await price(ctx, { ...cart, coupon: null });
    const countedFen = without.lines.filter((l) => !l.priceOverridden).reduce((sum, l) => sum + l.totalFen, 0);
    throw new AppError('COUPON_MIN_SPEND', `Coupon ${coupon.code} needs a purchase of at least ${formatMoney(coupon.minSpendFen)}; this cart comes to ${formatMoney(countedFen)} (gifts and hand-priced lines not counted).`, {
      status: 409,
      details: { minSpendFen: coupon.minSpendFen, cartFen: countedFen },
    });
  }
  cart.coupon = candidate.coupon;
  return viewOf(cart, priced);
}

/** Takes the coupon off the cart (it stays the member's). */
export async function removeCoupon(ctx: Ctx, cartId: string): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertEditable(cart);
  cart.coupon = null;
  return view(ctx, cart);
}

/** Points as money (e.g. 100 points = ¥1), within the chain's per-sale cap and the member's balance. */
async function payByPoints(ctx: Ctx, cart: Cart, base: Omit<CartTender, 'method' | 'amountFen' | 'tenderedFen' | 'changeFen' | 'reference'>, amountFen: number, dueFen: number, priced: PricedCart): Promise<CartView> {
  if (!cart.member) throw new AppError('MEMBER_REQUIRED', 'Scan the member’s code before paying with points.', { status: 409 });
  const rules = (await membersConfig(ctx)).redeem;
  const points = pointsForFen(rules, amountFen);
  const already = cart.tenders.filter((t) => t.method === 'points');
  await assertOfflinePoints(ctx, cart, cart.member.id, points);
  const check = checkRedemption(cart.member.pointsBalance - pointsOnCart(cart), dueFen, rules, points, {
    saleTotalFen: priced.totalFen,
    redeemedFen: already.reduce((s, t) => s + t.amountFen, 0),
  });
  if (!check.ok) throw new AppError(check.code, check.message, { status: 409, details: { points } });
  cart.tenders.push({ ...base, method: 'points', amountFen: check.fen, tenderedFen: check.fen, changeFen: 0, reference: String(check.points) });
  return viewOf(cart, priced);
}

const WALLET_NAMES: Record<string, string> = { wechat: 'WeChat Pay', alipay: 'Alipay', unionpay: 'UnionPay QuickPass', ecny: 'e-CNY' };

async function payByCode(ctx: Ctx, cart: Cart, method: 'wechat' | 'alipay' | 'unionpay' | 'ecny', authCode: string | undefined, amountFen: number, dueFen: number, priced: PricedCart): Promise<CartView> {
  const name = WALLET_NAMES[method] ?? method;
  if (!authCode) throw new AppError('AUTH_CODE_REQUIRED', `Scan the customer's ${name} payment code.`, { status: 400, details: { field: 'authCode' } });
  const settings = await checkoutSettings(ctx, cart.storeId);
  const code = classifyScan(authCode, settings.scan);
  if (code.kind !== 'payment' || code.channel !== method) {
    throw new AppError('AUTH_CODE_INVALID', `That is not a ${name} payment code. Ask the customer to show the code again.`, { details: { field: 'authCode' } });
  }
  if (amountFen > dueFen) throw new AppError('TENDER_EXCEEDS_DUE', `A wallet pays at most what is due (${formatMoney(dueFen)}); only cash gives change.`, { details: { dueFen } });
  const result = await chargePaymentCode(ctx, { storeId: cart.storeId, storeCode: cart.till.storeCode, cartId: cart.id, channel: method, authCode: code.code, amountFen, description: `${cart.till.storeName} ${cart.lines[0]?.name ?? ''}`.trim() });
  if (result.status === 'succeeded') {
    cart.tenders.push({ id: result.id, method, amountFen, tenderedFen: amountFen, changeFen: 0, status: 'succeeded', reference: null, authCode: null, cardLast4: null, merchantOrderNo: result.merchantOrderNo, channelTxnId: result.channelTxnId, createdAt: ctx.clock.now().toISOString() });
    return viewOf(cart, priced);
  }
  if (result.status === 'failed') {
    throw new AppError('PAYMENT_FAILED', `${name} refused the payment (${result.errorCode ?? 'error'}: ${result.message ?? ''}). Ask the customer to check their wallet, or use another method.`, { details: { errorCode: result.errorCode, merchantOrderNo: result.merchantOrderNo } });
  }
  if (result.status === 'cancelled') {
    throw new AppError('PAYMENT_CANCELLED', `The customer did not confirm in ${name} in time; the payment was reversed. Scan a fresh code or use another method.`, { status: 409, details: { merchantOrderNo: result.merchantOrderNo } });
  }
  throw new AppError('PAYMENT_UNKNOWN', `${name} has not answered; the payment is being checked. Do not charge the customer again.`, { status: 504, details: { merchantOrderNo: result.merchantOrderNo } });
}

/** The cashier stops waiting for a customer's wallet confirmation; the charge is reversed. */
export async function cancelWalletPayment(ctx: Ctx, cartId: string): Promise<{ cancelling: boolean }> {
  const cart = cartFor(ctx, cartId);
  return { cancelling: await requestPaymentCancel(ctx, cart.storeId, cart.id) };
}

/** Removes a cash payment (handing the money back); card payments are reversed at the terminal. */
export async function removeTender(ctx: Ctx, cartId: string, tenderId: string): Promise<CartView> {
  const cart = cartFor(ctx, cartId);
  assertOpen(cart);
  const tender = cart.tenders.find((t) => t.id === tenderId);
  if (!tender) throw new AppError('TENDER_NOT_FOUND', 'No such payment on this cart.', { status: 404 });
  if (tender.method !== 'cash') throw new AppError('TENDER_NOT_REMOVABLE', 'Only cash payments can be removed here; void a card payment at the card terminal.', { status: 409 });
  cart.tenders = cart.tenders.filter((t) => t.id !== tenderId);
  cart.roundingFen = 0;
  return view(ctx, cart);
}

export type SaleView = Omit<SaleRecord, 'receiptToken' | 'idempotencyKey' | 'shiftId' | 'memberId' | 'lines'> & {
  lines: Array<Omit<SaleLineRecord, 'costFen'>>;
  receiptUrl: string;
};

/** What the API shows of a sale: no cost prices, and the e-receipt link instead of its token. */
export function saleView(s: SaleRecord): SaleView {
  const { receiptToken, idempotencyKey: _key, shiftId: _shift, memberId: _member, lines, ...rest } = s;
  return { ...rest, lines: lines.map(({ costFen: _cost, ...l }) => l), receiptUrl: `/r/${receiptToken}` };
}

/** Bundle revenue goes to its components by their list value, so reports see what was sold. */
function componentRevenue(sku: Sku, lineTotalFen: number, lineQty: number, priceOf: (id: string) => number): SaleLineRecord['components'] {
  const weights = sku.components.map((c) => priceOf(c.skuId) * c.qty);
  const parts = allocateByLargestRemainder(lineTotalFen, weights);
  return sku.components.map((c, i) => ({ skuId: c.skuId, qty: c.qty * lineQty, revenueFen: parts[i] ?? 0 }));
}

/** The cost of `qty` of a SKU at `unitCostFen` (per piece, or per kg for weighed goods, in grams). */
function lineCostFen(sku: Sku, qty: number, unitCostFen: number): number {
  return sku.unit === 'kg' ? applyRate(unitCostFen, String(qty / 1000)) : unitCostFen * qty;
}

/**
 * Completes the sale once the tenders cover it. The same cart (or the same idempotency key)
 * completed twice gives the one sale. Durable before it returns.
 */
const completing = new Map<string, Promise<SaleView>>();

export async function completeSale(ctx: Ctx, cartId: string, input: { idempotencyKey?: string } = {}): Promise<SaleView> {
  const cart = cartFor(ctx, cartId);
  // A double click sends two requests at once: the second waits for the first's sale.
  const inFlight = completing.get(cart.id);
  if (inFlight) return inFlight;
  const run = completeOnce(ctx, cart, input).finally(() => completing.delete(cart.id));
  completing.set(cart.id, run);
  return run;
}

async function completeOnce(ctx: Ctx, cart: Cart, input: { idempotencyKey?: string }): Promise<SaleView> {
  const idempotencyKey = input.idempotencyKey ?? cart.id;
  if (cart.status === 'completed' && cart.saleId) {
    const done = await loadSale(ctx.db, { storeId: cart.storeId, id: cart.saleId });
    if (done) return saleView(done);
  }
  if (cart.lines.length === 0) throw new AppError('CART_EMPTY', 'The cart is empty.');
  const priced = await price(ctx, cart);
  const totals = totalsOf(cart, priced);
  if (totals.dueFen > 0) {
    throw new AppError('CART_NOT_PAID', `${formatMoney(totals.dueFen)} is still due. Take payment first.`, { status: 409, details: { dueFen: totals.dueFen } });
  }
  const index = await catalogIndex(ctx);
  const now = ctx.clock.now();
  const date = businessDate(now, cart.till.timeZone, cart.till.dayCutover);
  const saleId = newId();
  const priceOf = (id: string) => {
    const c = index.sku(id);
    return c ? index.priceFor(cart.storeId, c) : 0;
  };
  // Costs are the store's moving average where goods were received (margin reports use it), else the catalog's.
  const costSkus = [...new Set(cart.lines.flatMap((cl) => [cl.skuId, ...(index.sku(cl.skuId)?.components.map((c) => c.skuId) ?? [])]))];
  const costs = await averageCosts(ctx, index, cart.storeId, costSkus);
  const costOf = (s: Sku, qty: number) => lineCostFen(s, qty, costs.get(s.id) ?? s.costFen);
  const lines: SaleLineRecord[] = priced.lines.map((p, i) => {
    const cl = cart.lines[i] as CartLine;
    const sku = index.sku(cl.skuId);
    const bundle = sku && sku.components.length ? sku : undefined;
    return {
      lineNo: i + 1,
      skuId: cl.skuId,
      name: cl.name,
      unit: cl.unit,
      qty: cl.qty,
      unitPriceFen: cl.unitPriceFen,
      listFen: p.listFen,
      discountFen: p.discountFen,
      totalFen: p.totalFen,
      costFen: !sku ? 0 : bundle ? bundle.components.reduce((s, c) => s + costOf(index.sku(c.skuId) ?? bundle, c.qty * cl.qty), 0) : costOf(sku, cl.qty),
      vatRate: cl.vatRate,
      categoryId: cl.categoryId,
      promotions: p.promotions,
      components: bundle ? componentRevenue(bundle, p.totalFen, cl.qty, priceOf) : [],
      giftPoints: cl.gift ? cl.gift.points * cl.qty : 0,
    };
  });
  const pointsTenders = cart.tenders.filter((t) => t.method === 'points');
  const couponUsed = cart.coupon && priced.promotions.some((p) => p.promotionId === COUPON_PROMOTION_ID) ? cart.coupon.id : null;
  const points = cart.member
    ? {
        memberId: cart.member.id,
        earned: await pointsEarnedBy(ctx, cart.member.tierCode, lines.map((l) => ({ categoryId: l.categoryId, paidFen: l.totalFen, gift: (l.giftPoints ?? 0) > 0 })), pointsTenders.reduce((s, t) => s + t.amountFen, 0)),
        redeemed: pointsTenders.reduce((s, t) => s + Number(t.reference ?? 0), 0),
        giftPoints: lines.reduce((s, l) => s + (l.giftPoints ?? 0), 0),
        couponId: couponUsed,
      }
    : null;
  const moves: StockMoveInput[] = lines.flatMap((l) => {
    const parts = l.components.length ? l.components.map((c) => ({ skuId: c.skuId, qty: c.qty })) : [{ skuId: l.skuId, qty: l.qty }];
    return parts.map((p) => {
      const s = index.sku(p.skuId);
      return { storeId: cart.storeId, skuId: p.skuId, qty: -p.qty, kind: 'sale' as const, docType: 'sale', docId: saleId, costFen: s ? costOf(s, p.qty) : 0, businessDate: date };
    });
  });
  const plan: SalePlan = {
    ctx,
    cart,
    record: {
      id: saleId,
      storeId: cart.storeId,
      terminalId: cart.terminalId,
      cashierId: cart.cashierId,
      memberId: cart.memberId,
      businessDate: date,
      createdAt: now.toISOString(),
      subtotalFen: priced.subtotalFen,
      discountFen: priced.discountFen,
      roundingFen: totals.roundingFen,
      totalFen: priced.totalFen - totals.roundingFen,
      paidFen: totals.paidFen,
      changeFen: totals.changeFen,
      receiptToken: randomBytes(16).toString('base64url'),
      idempotencyKey,
      lines,
      tenders: cart.tenders.map((tn: CartTender) => ({ ...tn })),
      promotions: priced.promotions.map((p) => ({ promotionId: p.promotionId, name: p.name, savingFen: p.discountFen })),
    },
    moves,
    points,
    scan: cart.scans ? { ms: Date.parse(cart.scans.last) - Date.parse(cart.scans.first), scans: cart.scans.count } : null,
    overrides: cart.lines.filter((l) => l.priceOverridden || l.manualDiscountFen > 0).map((l) => ({ skuId: l.skuId, unitPriceFen: l.unitPriceFen, discountFen: l.manualDiscountFen, reason: l.reason })),
  };
  let sale: SaleRecord;
  try {
    // Sales completed at the same moment on several tills share one durable commit.
    sale = await inBatchCommit(ctx.db, saleWriter, plan);
  } catch (err) {
    // The same idempotency key completed meanwhile (another request): that sale is the answer.
    const other = await loadSale(ctx.db, { storeId: cart.storeId, idempotencyKey });
    if (other) return saleView(other);
    throw err;
  }
  cart.status = 'completed';
  cart.saleId = sale.id;
  return saleView(sale);
}


export async function getSale(ctx: Ctx, saleId: string): Promise<SaleView> {
  const actor = actorOf(ctx);
  const row = await ctx.db.selectFrom('sales').innerJoin('stores', 'stores.id', 'sales.store_id').select(['sales.store_id as storeId', 'stores.region_id as regionId']).where('sales.id', '=', saleId).executeTakeFirst();
  if (!row || !can(actor, 'store.view', row)) throw new AppError('SALE_NOT_FOUND', 'No such sale.', { status: 404 });
  const sale = await loadSale(ctx.db, { storeId: row.storeId, id: saleId });
  if (!sale) throw new AppError('SALE_NOT_FOUND', 'No such sale.', { status: 404 });
  return saleView(sale);
}

export async function saleByReceiptToken(ctx: Ctx, token: string): Promise<SaleRecord | undefined> {
  if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return undefined;
  return loadSale(ctx.db, { receiptToken: token });
}
