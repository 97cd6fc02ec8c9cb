import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIM_KINDS, rollupDeltas, type ReturnDoc, type SaleDoc } from './rollup-calc';
import { addMeasures, zeroMeasures } from './measures';

const line = fc.record({
  skuId: fc.constantFrom('A', 'B', 'C'),
  categoryId: fc.constantFrom('c1', 'c2'),
  vatRate: fc.constantFrom('0.13', '0.09'),
  unit: fc.constantFrom('piece', 'kg'),
  qty: fc.integer({ min: 1, max: 5 }),
  listFen: fc.integer({ min: 0, max: 10_000 }),
  discountPct: fc.integer({ min: 0, max: 50 }),
  costFen: fc.integer({ min: 0, max: 8_000 }),
});
const sale = fc.record({
  businessDate: fc.constantFrom('2026-11-29', '2026-11-30'),
  hour: fc.constantFrom('09', '18'),
  cashierId: fc.constantFrom('u1', 'u2'),
  lines: fc.array(line, { minLength: 1, maxLength: 4 }),
  card: fc.boolean(),
  member: fc.boolean(),
  reason: fc.constantFrom('damaged', 'changed_mind'),
});

type SaleInput = typeof sale extends fc.Arbitrary<infer T> ? T : never;

function saleDoc(input: SaleInput): SaleDoc {
  const lines = input.lines.map((l) => {
    const discountFen = Math.floor((l.listFen * l.discountPct) / 100);
    return { skuId: l.skuId, categoryId: l.categoryId, vatRate: l.vatRate, unit: l.unit, qty: l.qty, listFen: l.listFen, discountFen, totalFen: l.listFen - discountFen, costFen: l.costFen };
  });
  const total = lines.reduce((s, l) => s + l.totalFen, 0);
  const half = Math.floor(total / 2);
  const discountFen = lines.reduce((s, l) => s + l.discountFen, 0);
  return {
    storeId: 's1',
    businessDate: input.businessDate,
    hour: input.hour,
    cashierId: input.cashierId,
    memberId: input.member ? 'm1' : null,
    promotions: discountFen > 0 ? [{ promotionId: input.reason === 'damaged' ? 'p1' : 'p2', savingFen: discountFen }] : [],
    lines,
    tenders: input.card ? [{ method: 'card', amountFen: half }, { method: 'cash', amountFen: total - half }] : [{ method: 'cash', amountFen: total }] };
}

describe('rollup calculation', () => {
  it('every dimension adds up to the total to the fen, with returns and discounts (property)', () => {
    fc.assert(
      fc.property(fc.array(sale, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 100 }), (inputs, returnEvery) => {
        const sales = inputs.map((s) => saleDoc(s));
        // Some lines come back in full, refunded to cash.
        const returns: ReturnDoc[] = sales
          .filter((_, i) => returnEvery > 0 && i % Math.max(1, returnEvery % 5) === 0)
          .map((s) => {
            const l = s.lines[0] as SaleDoc['lines'][number];
            const reasonCode = s.promotions.length > 0 ? 'damaged' : 'changed_mind';
            return { storeId: s.storeId, businessDate: s.businessDate, hour: s.hour, cashierId: s.cashierId, reasonCode, memberSale: s.memberId !== null, lines: [{ skuId: l.skuId, categoryId: l.categoryId, vatRate: l.vatRate, qty: l.qty, refundFen: l.totalFen, costFen: l.costFen }], refunds: [{ method: 'cash', amountFen: l.totalFen }] };
          });
        const rows = [...rollupDeltas(sales, returns).values()];
        for (const date of ['2026-11-29', '2026-11-30']) {
          const ofDate = rows.filter((r) => r.businessDate === date);
          const total = ofDate.find((r) => r.dimKind === 'total') ?? { ...zeroMeasures() };
          const expectedNet = sales.filter((s) => s.businessDate === date).reduce((n, s) => n + s.lines.reduce((m, l) => m + l.totalFen, 0), 0) - returns.filter((r) => r.businessDate === date).reduce((n, r) => n + (r.lines[0]?.refundFen ?? 0), 0);
          expect(total.netFen).toBe(expectedNet);
          expect(total.netFen).toBe(total.grossFen - total.discountFen - total.returnsFen);
          const sumOf = (kind: string) => ofDate.filter((r) => r.dimKind === kind).reduce((acc, r) => addMeasures(acc, r), zeroMeasures());
          // Promotions hold discounts (here every discount came from one), reasons hold returns.
          expect([sumOf('promotion').discountFen, sumOf('promotion').netFen]).toEqual([total.discountFen, 0]);
          expect([sumOf('reason').returnsFen, sumOf('reason').returnCount]).toEqual([total.returnsFen, total.returnCount]);
          for (const kind of DIM_KINDS.filter((k) => k !== 'total' && k !== 'promotion' && k !== 'reason')) {
            const sum = ofDate.filter((r) => r.dimKind === kind).reduce((acc, r) => addMeasures(acc, r), zeroMeasures());
            expect(sum.netFen, kind).toBe(total.netFen);
            if (kind !== 'tender') expect([sum.grossFen, sum.discountFen, sum.costFen, sum.qty, sum.items], kind).toEqual([total.grossFen, total.discountFen, total.costFen, total.qty, total.items]);
          }
          expect(total.transactions).toBe(sales.filter((s) => s.businessDate === date).length);
        }
      }),
    );
  });

  it('a sale with two lines of one category counts once in that category; a weighed line is one item', () => {
    const s: SaleDoc = {
      storeId: 's1',
      businessDate: '2026-11-30',
      hour: '10',
      cashierId: 'u1',
      memberId: null,
      promotions: [],
      lines: [
        { skuId: 'A', categoryId: 'c1', vatRate: '0.13', unit: 'piece', qty: 3, listFen: 300, discountFen: 0, totalFen: 300, costFen: 150 },
        { skuId: 'B', categoryId: 'c1', vatRate: '0.09', unit: 'kg', qty: 1250, listFen: 1990, discountFen: 0, totalFen: 1990, costFen: 1000 },
      ],
      tenders: [{ method: 'cash', amountFen: 2290 }],
    };
    const rows = rollupDeltas([s], []);
    expect(rows.get('s1|2026-11-30|category|c1')).toMatchObject({ transactions: 1, items: 4, netFen: 2290 });
    expect(rows.get('s1|2026-11-30|rate|0.09')).toMatchObject({ transactions: 1, netFen: 1990 });
  });
});
