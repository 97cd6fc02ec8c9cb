import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import { priceCart, type Promotion, type PricingLine } from '../checkout/index';
import { quoteReturn, routeRefund, type SoldLine } from './refund-calc';

const saleAt = new Date('2026-11-30T02:00:00Z');
const buy2get1: Promotion = { id: 'b2g1', name: '饮料买二送一', target: { kind: 'categories', categoryIds: ['drinks'] }, rule: { kind: 'buy_x_get_y', buy: 2, get: 1 }, priority: 1, exclusive: false };
const threshold: Promotion = { id: 'm100', name: '满100减20', target: { kind: 'all' }, rule: { kind: 'threshold', thresholdFen: 10_000, offFen: 2_000, repeat: false }, priority: 5, exclusive: false };

/** Sells `lines` through the real pricing engine, so the test sale is what the till would record. */
function sell(lines: PricingLine[], promotions: Promotion[]): { lines: SoldLine[]; paidFen: number } {
  const priced = priceCart(lines, promotions, { now: saleAt });
  return {
    paidFen: priced.totalFen,
    lines: priced.lines.map((l, i) => ({ lineNo: i + 1, skuId: l.skuId, name: `商品${i + 1}`, unit: l.unit, qty: l.qty, unitPriceFen: l.unitPriceFen, listFen: l.listFen, discountFen: l.discountFen, totalFen: l.totalFen, categoryId: l.categoryId, vatRate: '0.13', promotions: l.promotions })),
  };
}

const cola = (qty: number): PricingLine => ({ lineId: 'a', skuId: 'cola', categoryId: 'drinks', unit: 'piece', qty, unitPriceFen: 300 });

describe('quoteReturn', () => {
  it('buy 2 get 1: the first can back is the free one, the next two give back what was paid', () => {
    const sale = sell([cola(3)], [buy2get1]);
    expect(sale.paidFen).toBe(600);
    const base = { lines: sale.lines, promotions: [buy2get1], saleAt, paidFen: sale.paidFen };
    const first = quoteReturn({ ...base, returned: new Map(), refundedFen: 0, request: [{ lineNo: 1, qty: 1 }] });
    expect(first.refundFen).toBe(0);
    expect(first.keptValueFen).toBe(600);
    const second = quoteReturn({ ...base, returned: new Map([[1, 1]]), refundedFen: 0, request: [{ lineNo: 1, qty: 1 }] });
    expect(second.refundFen).toBe(300);
    const last = quoteReturn({ ...base, returned: new Map([[1, 2]]), refundedFen: 300, request: [{ lineNo: 1, qty: 1 }] });
    expect(last.refundFen).toBe(300);
  });

  it('满100减20: returning goods that take the basket under ¥100 gives back the price less the lost discount', () => {
    const sale = sell(
      [
        { lineId: 'a', skuId: 'rice', categoryId: 'food', unit: 'piece', qty: 1, unitPriceFen: 6_000 },
        { lineId: 'b', skuId: 'oil', categoryId: 'food', unit: 'piece', qty: 1, unitPriceFen: 6_000 },
      ],
      [threshold],
    );
    expect(sale.paidFen).toBe(10_000);
    const quote = quoteReturn({ lines: sale.lines, promotions: [threshold], saleAt, paidFen: 10_000, returned: new Map(), refundedFen: 0, request: [{ lineNo: 2, qty: 1 }] });
    expect(quote.refundFen).toBe(4_000);
    expect(quote.lines).toEqual([expect.objectContaining({ lineNo: 2, qty: 1, refundFen: 4_000 })]);
  });

  it('a plain partial return gives back the unit price, split over lines by what each was paid', () => {
    const sale = sell(
      [
        { lineId: 'a', skuId: 'pen', categoryId: 'office', unit: 'piece', qty: 4, unitPriceFen: 250 },
        { lineId: 'b', skuId: 'pad', categoryId: 'office', unit: 'piece', qty: 2, unitPriceFen: 990 },
      ],
      [],
    );
    const quote = quoteReturn({ lines: sale.lines, promotions: [], saleAt, paidFen: sale.paidFen, returned: new Map(), refundedFen: 0, request: [{ lineNo: 1, qty: 3 }, { lineNo: 2, qty: 1 }] });
    expect(quote.refundFen).toBe(750 + 990);
    expect(quote.lines.map((l) => l.refundFen)).toEqual([750, 990]);
  });

  it('refuses more than is left on a line, naming the line and what remains', () => {
    const sale = sell([cola(3)], [buy2get1]);
    const err = thrown(() => quoteReturn({ lines: sale.lines, promotions: [buy2get1], saleAt, paidFen: 600, returned: new Map([[1, 2]]), refundedFen: 300, request: [{ lineNo: 1, qty: 2 }] }));
    expect(err).toMatchObject({ code: 'RETURN_QTY_EXCEEDS', details: { lineNo: 1, sold: 3, returned: 2, remaining: 1 } });
    expect(err.message).toContain('at most 1 can be returned');
    expect(thrown(() => quoteReturn({ lines: sale.lines, promotions: [], saleAt, paidFen: 600, returned: new Map(), refundedFen: 0, request: [{ lineNo: 1, qty: -1 }] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(thrown(() => quoteReturn({ lines: sale.lines, promotions: [], saleAt, paidFen: 600, returned: new Map(), refundedFen: 0, request: [{ lineNo: 9, qty: 1 }] }))).toMatchObject({ code: 'RETURN_LINE_UNKNOWN' });
  });

  it('property: returning a sale in any sequence of parts gives back exactly what was paid, never a negative refund', () => {
    const line = fc.record({ qty: fc.integer({ min: 1, max: 6 }), price: fc.integer({ min: 1, max: 5_000 }), drink: fc.boolean() });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 }), (specs, picks) => {
        const sale = sell(
          specs.map((s, i) => ({ lineId: String(i), skuId: `sku${i}`, categoryId: s.drink ? 'drinks' : 'food', unit: 'piece', qty: s.qty, unitPriceFen: s.price })),
          [buy2get1, threshold],
        );
        const returned = new Map<number, number>();
        let refunded = 0;
        let pick = 0;
        for (;;) {
          const open = sale.lines.filter((l) => l.qty > (returned.get(l.lineNo) ?? 0));
          if (open.length === 0) break;
          const l = open[(picks[pick++ % picks.length] ?? 0) % open.length] as SoldLine;
          const qty = 1 + ((picks[pick++ % picks.length] ?? 0) % (l.qty - (returned.get(l.lineNo) ?? 0)));
          const q = quoteReturn({ lines: sale.lines, promotions: [buy2get1, threshold], saleAt, paidFen: sale.paidFen, returned, refundedFen: refunded, request: [{ lineNo: l.lineNo, qty }] });
          expect(q.refundFen).toBeGreaterThanOrEqual(0);
          expect(q.lines.reduce((s, x) => s + x.refundFen, 0)).toBe(q.refundFen);
          refunded += q.refundFen;
          returned.set(l.lineNo, (returned.get(l.lineNo) ?? 0) + qty);
        }
        expect(refunded).toBe(sale.paidFen);
      }),
    );
  });
});

describe('routeRefund', () => {
  it('a split cash/WeChat/points sale: non-cash tenders first, in proportion, the rest in cash', () => {
    const tenders = [
      { id: 'cash', method: 'cash', amountFen: 6_000, refundedFen: 0 },
      { id: 'wx', method: 'wechat', amountFen: 3_000, refundedFen: 0 },
      { id: 'pts', method: 'points', amountFen: 1_000, refundedFen: 0 },
    ];
    expect(routeRefund(2_000, tenders)).toEqual([
      { tenderId: 'wx', method: 'wechat', amountFen: 1_500 },
      { tenderId: 'pts', method: 'points', amountFen: 500 },
    ]);
    expect(routeRefund(5_000, tenders)).toEqual([
      { tenderId: 'wx', method: 'wechat', amountFen: 3_000 },
      { tenderId: 'pts', method: 'points', amountFen: 1_000 },
      { tenderId: 'cash', method: 'cash', amountFen: 1_000 },
    ]);
  });

  it('skips what earlier returns already gave back, and refuses more than is left', () => {
    const tenders = [
      { id: 'cash', method: 'cash', amountFen: 500, refundedFen: 0 },
      { id: 'card', method: 'card', amountFen: 1_000, refundedFen: 1_000 },
    ];
    expect(routeRefund(300, tenders)).toEqual([{ tenderId: 'cash', method: 'cash', amountFen: 300 }]);
    expect(thrown(() => routeRefund(501, tenders))).toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
  });

  it('property: the parts add up to the refund and no tender gives back more than it has left', () => {
    const tender = fc.record({ method: fc.constantFrom('cash', 'card', 'wechat', 'alipay'), amountFen: fc.integer({ min: 0, max: 100_000 }), refundedFen: fc.integer({ min: 0, max: 100_000 }) });
    fc.assert(
      fc.property(fc.array(tender, { minLength: 1, maxLength: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (raw, f) => {
        const tenders = raw.map((t, i) => ({ ...t, id: String(i), refundedFen: Math.min(t.refundedFen, t.amountFen) }));
        const left = tenders.reduce((s, t) => s + t.amountFen - t.refundedFen, 0);
        const refund = Math.floor(left * f);
        const routed = routeRefund(refund, tenders);
        expect(routed.reduce((s, r) => s + r.amountFen, 0)).toBe(refund);
        for (const r of routed) {
          const t = tenders.find((x) => x.id === r.tenderId);
          expect(r.amountFen).toBeLessThanOrEqual((t?.amountFen ?? 0) - (t?.refundedFen ?? 0));
        }
        const nonCashLeft = tenders.filter((t) => t.method !== 'cash').reduce((s, t) => s + t.amountFen - t.refundedFen, 0);
        const cashOut = routed.filter((r) => r.method === 'cash').reduce((s, r) => s + r.amountFen, 0);
        expect(cashOut).toBe(Math.max(0, refund - nonCashLeft));
      }),
    );
  });
});
