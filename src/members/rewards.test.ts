import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { verifyAudit } from '../audit/index';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import type { ReturnView } from '../returns/index';
import { DEFAULT_MEMBERS_CONFIG, saveMembersConfig } from './config';
import { checkGift, couponLastDay, couponState, giftPointsBack } from './rewards';
import type { CouponView } from './coupons';
import type { MemberView } from './service';

const EAN = { rice: withCheckDigit('690000000501'), noodles: withCheckDigit('690000000502'), cup: withCheckDigit('690000000503'), towel: withCheckDigit('690000000504') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

describe('rewards rules', () => {
  it('a coupon is usable through the local day validDays after it was issued', () => {
    // 10:00 in Shanghai on 30 November, valid 30 days: to the end of 30 December there.
    expect(couponLastDay(new Date('2026-11-30T02:00:00Z'), 30)).toBe('2026-12-30');
    expect(couponState({ status: 'issued', lastDay: '2026-12-30' }, new Date('2026-12-30T15:59:59Z'))).toBe('issued');
    expect(couponState({ status: 'issued', lastDay: '2026-12-30' }, new Date('2026-12-30T16:00:00Z'))).toBe('expired');
    expect(couponState({ status: 'used', lastDay: '2026-12-30' }, new Date('2026-12-01T00:00:00Z'))).toBe('used');
  });
  it('a gift needs the points available; its points come back in whole with the goods', () => {
    expect(checkGift(3_500, { points: 3_000 })).toEqual({ ok: true });
    expect(checkGift(2_999, { points: 3_000 }, '保温杯')).toMatchObject({ ok: false, code: 'POINTS_INSUFFICIENT', balance: 2_999, message: '保温杯 needs 3000 points; the member has 2999 available.' });
    expect(giftPointsBack(3_000, 1, 1)).toBe(3_000);
    expect(giftPointsBack(1_000, 3, 1) + giftPointsBack(1_000, 3, 2, 1)).toBe(1_000);
  });
});

describeEachDb('members: points gifts and coupons at the till and in the portal', (handle) => {
  let t: TestApp;
  let cashier: string;
  let cashier2: string;
  let member: MemberView;
  const call = (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? cashier}` } });
  };
  const setBalance = (points: number) => t.ctx.db.updateTable('members').set({ points_balance: points }).where('id', '=', member.id).execute();
  const balance = async () => Number((await t.ctx.db.selectFrom('members').select('points_balance').where('id', '=', member.id).executeTakeFirstOrThrow()).points_balance);
  const skuId = async (code: string) => (await t.ctx.db.selectFrom('skus').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;

  /** A cart with the member and `codes` scanned, then `steps` (gift, coupon) on it. */
  async function cartWith(codes: string[], token = cashier): Promise<CartView> {
    let cart = (await call({ method: 'POST', url: '/api/v1/carts', token })).json() as CartView;
    for (const code of [member.cardNo, ...codes]) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code }, token });
      expect(res.statusCode, res.body).toBe(200);
      cart = res.json() as CartView;
    }
    return cart;
  }
  const redeem = (cart: CartView, sku: string, token = cashier) => call({ method: 'POST', url: `/api/v1/carts/${cart.id}/gifts`, payload: { skuId: sku }, token });
  const applyCoupon = (cart: CartView, code: string, token = cashier) => call({ method: 'POST', url: `/api/v1/carts/${cart.id}/coupon`, payload: { code }, token });
  async function payAndComplete(cart: CartView, token = cashier) {
    const paid = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: 100_000 }, token });
    expect(paid.statusCode, paid.body).toBe(200);
    return call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete`, token });
  }
  const issue = async (offerId: string) => {
    const res = await call({ method: 'POST', url: `/api/v1/members/${member.id}/coupons`, payload: { offerId } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as CouponView;
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'R-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'R-NOODLE', name: '挂面', categoryCode: 'C2001', priceFen: 1200, costFen: 800, barcodes: [EAN.noodles] },
      { ...piece, code: 'R-CUP', name: '保温杯', categoryCode: 'C5001', priceFen: 8900, costFen: 4000, barcodes: [EAN.cup] },
      { ...piece, code: 'R-TOWEL', name: '毛巾', categoryCode: 'C5001', priceFen: 2990, costFen: 900, barcodes: [EAN.towel] },
    ]);
    await saveMembersConfig(t.ctx, {
      ...DEFAULT_MEMBERS_CONFIG,
      gifts: [
        { skuId: await skuId('R-CUP'), points: 3_000 },
        { skuId: await skuId('R-TOWEL'), points: 1_000, cashFen: 990 },
      ],
      couponOffers: [{ id: 'C10', name: '¥10 优惠券', points: 500, valueFen: 1_000, minSpendFen: 5_000, validDays: 30 }],
    });
    cashier = await t.openTill('cashier', 'T01');
    cashier2 = await t.openTill('cashier2', 'T02');
    const res = await call({ method: 'POST', url: '/api/v1/members', payload: { phone: '13912345678', consentVersion: 'v1', consentAccepted: true } });
    member = res.json() as MemberView;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the gifts with their SKUs and the coupon offers', async () => {
    const offers = (await call({ method: 'GET', url: '/api/v1/members-rewards' })).json() as { gifts: Array<{ name: string; points: number; cashFen: number }>; couponOffers: unknown[] };
    expect(offers.gifts.map((g) => [g.name, g.points, g.cashFen])).toEqual([['保温杯', 3000, 0], ['毛巾', 1000, 990]]);
    expect(offers.couponOffers).toHaveLength(1);
  });

  it('redeems a 3,000-point gift from 3,500: 500 left plus what the rice earns, the gift at ¥0 and out of promotions and points', async () => {
    await setBalance(3_500);
    const cart = await cartWith([EAN.rice]);
    const res = await redeem(cart, await skuId('R-CUP'));
    expect(res.statusCode, res.body).toBe(200);
    const withGift = res.json() as CartView;
    expect(withGift.lines.map((l) => [l.name, l.totalFen, l.giftPoints])).toEqual([['五常大米 5kg', 4990, 0], ['保温杯', 0, 3000]]);
    expect(withGift).toMatchObject({ totalFen: 4990, member: { pointsBalance: 3500, availablePoints: 500 } });
    const done = await payAndComplete(withGift);
    expect(done.statusCode, done.body).toBe(200);
    const sale = done.json() as SaleView;
    expect(sale.totalFen).toBe(4990);
    // ¥49.90 of rice earns 49 points; the gift earns none.
    expect(sale.points).toMatchObject({ earned: 49, redeemed: 3000, giftPoints: 3000, balance: 549 });
    expect(await balance()).toBe(549);
    const ledger = await t.ctx.db.selectFrom('member_points').select(['kind', 'points']).where('doc_id', '=', sale.id).orderBy('kind').execute();
    expect(ledger).toEqual([{ kind: 'earn', points: 49 }, { kind: 'redeem_gift', points: -3000 }]);
    const cup = await t.ctx.db.selectFrom('stock_moves').select(['qty']).where('doc_id', '=', sale.id).where('sku_id', '=', await skuId('R-CUP')).executeTakeFirstOrThrow();
    expect(cup.qty).toBe(-1);
    const audit = await t.ctx.db.selectFrom('audit_log').select('data').where('doc_id', '=', sale.id).where('action', '=', 'sale.completed').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.data)).toMatchObject({ rewards: { giftPoints: 3000, gifts: [{ points: 3000, cashFen: 0 }], couponId: null } });

    // Returning the gift gives its 3,000 points back, and claws back nothing (it earned nothing).
    const back = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 2, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    expect((back.json() as ReturnView).refundFen).toBe(0);
    expect(await balance()).toBe(3549);
  });

  it('a points + cash gift is priced at its cash part, which neither triggers 满100减20 nor earns points', async () => {
    await setBalance(1_200);
    const cart = await cartWith([EAN.rice, EAN.rice]);
    const withGift = (await redeem(cart, 'R-TOWEL')).json() as CartView;
    // ¥99.80 of rice + ¥9.90 would pass ¥100, but the gift is not part of any promotion.
    expect(withGift).toMatchObject({ totalFen: 9980 + 990, discountFen: 0, member: { availablePoints: 200 } });
    const sale = (await payAndComplete(withGift)).json() as SaleView;
    expect(sale.lines.map((l) => [l.totalFen, l.giftPoints])).toEqual([[9980, 0], [990, 1000]]);
    expect(sale.points).toMatchObject({ earned: 99, giftPoints: 1000, balance: 299 });
  });

  it('refuses a gift the points do not cover, and leaves the cart as it was', async () => {
    await setBalance(2_999);
    const cart = await cartWith([EAN.rice]);
    const res = await redeem(cart, 'R-CUP');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'POINTS_INSUFFICIENT', detail: '保温杯 needs 3000 points; the member has 2999 available.' });
    expect(((await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` })).json() as CartView).lines).toHaveLength(1);
    const gone = await redeem(cart, 'R-RICE');
    expect(gone.json()).toMatchObject({ code: 'GIFT_NOT_FOUND' });
  });

  it('two tills redeeming the same 3,000 points at once: one sale completes, the other is refused, the balance never goes negative', async () => {
    await setBalance(3_000);
    const a = (await redeem(await cartWith([EAN.rice]), 'R-CUP', cashier)).json() as CartView;
    const b = (await redeem(await cartWith([EAN.rice], cashier2), 'R-CUP', cashier2)).json() as CartView;
    expect([a.member?.availablePoints, b.member?.availablePoints]).toEqual([0, 0]);
    const results = await Promise.all([payAndComplete(a, cashier), payAndComplete(b, cashier2)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.statusCode === 409)?.json()).toMatchObject({ code: 'POINTS_INSUFFICIENT' });
    // 3,000 − 3,000 + 49 earned by the one sale's rice.
    expect(await balance()).toBe(49);
    const ledger = await t.ctx.db.selectFrom('member_points').select((eb) => eb.fn.sum<number>('points').as('p')).where('member_id', '=', member.id).where('kind', '=', 'redeem_gift').executeTakeFirstOrThrow();
    // Three gifts taken over the suite so far (3,000 + 1,000 + 3,000), the refused one not among them.
    expect(Number(ledger.p)).toBe(-7000);
  });

  it('converts 500 points into a ¥10 coupon valid 30 days; applies only from ¥50, split over the lines; used once', async () => {
    await setBalance(1_000);
    const coupon = await issue('C10');
    expect(coupon).toMatchObject({ name: '¥10 优惠券', valueFen: 1000, minSpendFen: 5000, points: 500, state: 'issued', lastDay: '2026-12-30' });
    expect(coupon.code).toMatch(/^Q[2-9A-Z]{10}$/);
    expect(await balance()).toBe(500);
    const entry = await t.ctx.db.selectFrom('member_points').select(['kind', 'points', 'doc_type']).where('doc_id', '=', coupon.id).executeTakeFirstOrThrow();
    expect(entry).toEqual({ kind: 'redeem_coupon', points: -500, doc_type: 'coupon' });

    const small = await cartWith([EAN.rice]);
    const refused = await applyCoupon(small, coupon.code);
    expect(refused.json()).toMatchObject({ code: 'COUPON_MIN_SPEND', detail: `Coupon ${coupon.code} needs a purchase of at least ¥50.00; this cart comes to ¥49.90 (gifts and hand-priced lines not counted).` });

    const cart = await cartWith([EAN.rice, EAN.noodles]);
    const applied = await applyCoupon(cart, coupon.code.toLowerCase());
    expect(applied.statusCode, applied.body).toBe(200);
    const priced = applied.json() as CartView;
    // ¥10.00 over ¥49.90 and ¥12.00 by largest remainder: 806.14 → 806, 193.86 → 194.
    expect(priced.lines.map((l) => [l.discountFen, l.totalFen])).toEqual([[806, 4184], [194, 1006]]);
    expect(priced).toMatchObject({ totalFen: 5190, discountFen: 1000, coupon: { code: coupon.code, discountFen: 1000 } });

    // Another till holds the same coupon: whichever commits first uses it.
    const other = (await applyCoupon(await cartWith([EAN.rice, EAN.noodles], cashier2), coupon.code, cashier2)).json() as CartView;
    const results = await Promise.all([payAndComplete(priced, cashier), payAndComplete(other, cashier2)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.statusCode === 409)?.json()).toMatchObject({ code: 'COUPON_USED' });
    const sale = results.find((r) => r.statusCode === 200)?.json() as SaleView;
    expect(sale).toMatchObject({ totalFen: 5190, points: { couponId: coupon.id } });
    expect(sale.promotions).toContainEqual({ promotionId: 'coupon', name: '¥10 优惠券', savingFen: 1000 });

    const again = await applyCoupon(await cartWith([EAN.rice, EAN.noodles]), coupon.code);
    expect(again.json()).toMatchObject({ code: 'COUPON_USED' });
    const listed = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/coupons` })).json() as { coupons: CouponView[] };
    expect(listed.coupons.find((c) => c.id === coupon.id)?.state).toBe('used');

    // Returning the whole sale makes the coupon usable again (still within its days).
    const back = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }, { lineNo: 2, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    expect((back.json() as ReturnView).refundFen).toBe(5190);
    const restored = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/coupons` })).json() as { coupons: CouponView[] };
    expect(restored.coupons.find((c) => c.id === coupon.id)?.state).toBe('issued');
    expect(await verifyAudit(t.ctx)).toMatchObject({ intact: true });
  });

  it('a partial return of a coupon sale refunds what the returned goods cost after the coupon, and the rest exactly', async () => {
    await setBalance(500);
    const coupon = await issue('C10');
    const cart = (await applyCoupon(await cartWith([EAN.rice, EAN.noodles]), coupon.code)).json() as CartView;
    const done = await payAndComplete(cart);
    expect(done.statusCode, done.body).toBe(200);
    const sale = done.json() as SaleView;
    const giveBack = async (lineNo: number) => {
      const res = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo, qty: 1 }], reasonCode: 'changed_mind' } });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as ReturnView).refundFen;
    };
    // The noodles cost ¥12.00 − ¥1.94 of the coupon; the rice kept keeps its ¥8.06 share.
    expect(await giveBack(2)).toBe(1006);
    const kept = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/coupons` })).json() as { coupons: CouponView[] };
    expect(kept.coupons.find((c) => c.id === coupon.id)?.state).toBe('used');
    expect(await giveBack(1)).toBe(4184);
  });

  it('refuses a coupon past its last day, naming the day, and a conversion the points do not cover', async () => {
    await setBalance(500);
    const coupon = await issue('C10');
    expect(await balance()).toBe(0);
    const poor = await call({ method: 'POST', url: `/api/v1/members/${member.id}/coupons`, payload: { offerId: 'C10' } });
    expect(poor.json()).toMatchObject({ code: 'POINTS_INSUFFICIENT' });
    expect((await t.ctx.db.selectFrom('member_coupons').select('id').where('member_id', '=', member.id).execute()).length).toBe(3);
    t.clock.advance(31 * 86_400_000);
    const pin = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    cashier = (pin.json() as { token: string }).token;
    const res = await applyCoupon(await cartWith([EAN.rice, EAN.noodles]), coupon.code);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'COUPON_EXPIRED', detail: `Coupon ${coupon.code} expired: it was valid until 2026-12-30.` });
  });
});
