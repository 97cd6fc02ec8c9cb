// Zod schemas of checkout's HTTP shapes (OpenAPI and the web app read the same ones).
import { z } from 'zod';

const Fen = z.number().int();
const Promo = z.object({ promotionId: z.string(), name: z.string(), discountFen: Fen });

const CartTenderOut = z.object({
  id: z.string(),
  method: z.string(),
  amountFen: Fen,
  tenderedFen: Fen,
  changeFen: Fen,
  status: z.string(),
  reference: z.string().nullable(),
  cardLast4: z.string().nullable(),
});

export const CartOut = z.object({
  id: z.string(),
  status: z.enum(['open', 'completed']),
  terminalId: z.string(),
  memberId: z.string().nullable(),
  member: z.object({ cardNo: z.string(), phone: z.string().nullable().describe('masked'), tierName: z.string(), pointsBalance: z.number().int(), availablePoints: z.number().int().describe('balance less the points this cart already spends') }).nullable(),
  coupon: z.object({ code: z.string(), name: z.string(), valueFen: Fen, minSpendFen: Fen, lastDay: z.string(), discountFen: Fen.describe('what it takes off now') }).nullable(),
  lines: z.array(
    z.object({
      lineId: z.string(),
      skuId: z.string(),
      code: z.string(),
      name: z.string(),
      unit: z.enum(['piece', 'kg']),
      qty: z.number().int().describe('pieces, or grams when unit is kg'),
      unitPriceFen: Fen,
      listFen: Fen,
      discountFen: Fen,
      totalFen: Fen,
      isBundle: z.boolean(),
      promotions: z.array(Promo),
      giftPoints: z.number().int().describe('points paid for this line as a gift; 0 on other lines'),
    }),
  ),
  subtotalFen: Fen,
  discountFen: Fen,
  totalFen: Fen,
  roundingFen: Fen,
  paidFen: Fen,
  dueFen: Fen,
  changeFen: Fen,
  promotions: z.array(Promo),
  tenders: z.array(CartTenderOut),
  saleId: z.string().nullable(),
});

const TenderOut = CartTenderOut.extend({
  authCode: z.string().nullable(),
  merchantOrderNo: z.string().nullable(),
  channelTxnId: z.string().nullable(),
  createdAt: z.string(),
});

export const SaleOut = z.object({
  id: z.string(),
  receiptNo: z.string(),
  businessDate: z.string(),
  storeId: z.string(),
  terminalId: z.string(),
  cashierId: z.string(),
  createdAt: z.string(),
  subtotalFen: Fen,
  discountFen: Fen,
  roundingFen: Fen,
  totalFen: Fen,
  paidFen: Fen,
  changeFen: Fen,
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      skuId: z.string(),
      name: z.string(),
      unit: z.enum(['piece', 'kg']),
      qty: z.number().int(),
      unitPriceFen: Fen,
      listFen: Fen,
      discountFen: Fen,
      totalFen: Fen,
      vatRate: z.string(),
      categoryId: z.string(),
      promotions: z.array(Promo),
      components: z.array(z.object({ skuId: z.string(), qty: z.number().int(), revenueFen: Fen })),
      giftPoints: z.number().int().optional(),
    }),
  ),
  tenders: z.array(TenderOut),
  promotions: z.array(z.object({ promotionId: z.string(), name: z.string(), savingFen: Fen })),
  points: z.object({ memberId: z.string(), earned: z.number().int(), redeemed: z.number().int(), giftPoints: z.number().int(), couponId: z.string().nullable(), balance: z.number().int(), tier: z.object({ code: z.string(), name: z.string() }), upgraded: z.boolean() }).optional(),
  receiptUrl: z.string(),
});

export const TillIn = z.object({ storeCode: z.string().max(16).optional(), terminalCode: z.string().max(16).optional() });

export const ShiftOut = z.object({
  id: z.string(),
  storeId: z.string(),
  terminalId: z.string(),
  cashierId: z.string(),
  businessDate: z.string(),
  status: z.enum(['open', 'closed']),
  floatFen: Fen,
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  countedFen: Fen.nullable(),
  expectedFen: Fen.nullable(),
  overShortFen: Fen.nullable(),
});

export const ShiftReportOut = z.object({
  shift: ShiftOut,
  sales: z.object({ count: z.number().int(), grossFen: Fen, discountFen: Fen, roundingFen: Fen, netFen: Fen }),
  byMethod: z.array(z.object({ method: z.string(), count: z.number().int(), amountFen: Fen })),
  cash: z.object({ floatFen: Fen, salesFen: Fen, changeFen: Fen, refundsFen: Fen, inFen: Fen, outFen: Fen, expectedFen: Fen }),
  countedFen: Fen.nullable(),
  overShortFen: Fen.nullable(),
});
