// The till's calls to the checkout API, typed by the server's own schemas.
import type { z } from 'zod';
import { api } from '../api';
import type { CartOut, SaleOut, ShiftOut, ShiftReportOut } from '../../../src/checkout/schema';
import type { ApprovalOut, QuoteOut, ReceiptOut, ReturnIn, ReturnOut } from '../../../src/returns/schema';
import type { CouponOffer, CouponView, GiftView } from '../../../src/members/index';

export type Cart = z.infer<typeof CartOut>;
export type Sale = z.infer<typeof SaleOut>;
export type Shift = z.infer<typeof ShiftOut>;
export type ShiftReport = z.infer<typeof ShiftReportOut>;
export type ReturnRequest = z.infer<typeof ReturnIn>;
export type ReturnQuote = z.infer<typeof QuoteOut>;
export type ReturnDone = z.infer<typeof ReturnOut>;
export type ReceiptForReturn = z.infer<typeof ReceiptOut>;
export type Approval = z.infer<typeof ApprovalOut>;
export type RewardOffers = { gifts: GiftView[]; couponOffers: CouponOffer[] };

/** Which till a password session sells at (a PIN session is bound to one already). */
export interface TillChoice {
  storeCode?: string;
  terminalCode?: string;
}

function query(till: TillChoice): string {
  return till.storeCode && till.terminalCode ? `?storeCode=${encodeURIComponent(till.storeCode)}&terminalCode=${encodeURIComponent(till.terminalCode)}` : '';
}

export const tillApi = {
  currentShift: (till: TillChoice) => api<{ shift: Shift | null }>('GET', `/shifts/current${query(till)}`),
  openShift: (till: TillChoice, floatFen: number) => api<Shift>('POST', '/shifts/open', { ...till, floatFen }),
  closeShift: (shiftId: string, denominations: Record<string, number>) => api<ShiftReport>('POST', `/shifts/${shiftId}/close`, { denominations }),
  shiftReport: (shiftId: string) => api<ShiftReport>('GET', `/shifts/${shiftId}/report`),
  newCart: (till: TillChoice) => api<Cart>('POST', '/carts', till),
  getCart: (id: string) => api<Cart>('GET', `/carts/${id}`),
  scan: (id: string, code: string, qty?: number) => api<Cart>('POST', `/carts/${id}/scan`, { code, qty }),
  addSku: (id: string, skuId: string) => api<Cart>('POST', `/carts/${id}/lines`, { skuId }),
  setQty: (id: string, lineId: string, qty: number) => api<Cart>('PATCH', `/carts/${id}/lines/${lineId}`, { qty }),
  voidLine: (id: string, lineId: string) => api<Cart>('DELETE', `/carts/${id}/lines/${lineId}`),
  hold: (id: string) => api<{ heldId: string }>('POST', `/carts/${id}/hold`, {}),
  held: (till: TillChoice) => api<{ held: Array<{ heldId: string; label: string; heldAt: string; lines: number }> }>('GET', `/carts-held${query(till)}`),
  recall: (heldId: string, till: TillChoice) => api<Cart>('POST', `/carts-held/${heldId}/recall`, till),
  tender: (id: string, method: 'cash' | 'card' | 'points', amountFen: number) => api<Cart>('POST', `/carts/${id}/tenders`, { method, amountFen }),
  /** Attaches the member with this phone number (null detaches); the member's prices apply at once. */
  setMember: (id: string, phone: string | null) => api<Cart>('POST', `/carts/${id}/member`, { phone }),
  complete: (id: string) => api<Sale>('POST', `/carts/${id}/complete`),
  rewards: () => api<RewardOffers>('GET', '/members-rewards'),
  memberCoupons: (memberId: string) => api<{ coupons: CouponView[] }>('GET', `/members/${memberId}/coupons`),
  /** Converts the member's points into a coupon (debited at once). */
  issueCoupon: (memberId: string, offerId: string, till: TillChoice) => api<CouponView>('POST', `/members/${memberId}/coupons`, { ...till, offerId }),
  redeemGift: (id: string, skuId: string) => api<Cart>('POST', `/carts/${id}/gifts`, { skuId }),
  applyCoupon: (id: string, code: string) => api<Cart>('POST', `/carts/${id}/coupon`, { code }),
  removeCoupon: (id: string) => api<Cart>('DELETE', `/carts/${id}/coupon`),
  cancelWallet: (id: string) => api<{ cancelling: boolean }>('POST', `/carts/${id}/payments/cancel`),
  receiptForReturn: (receiptNo: string) => api<ReceiptForReturn>('GET', `/returns/receipt/${encodeURIComponent(receiptNo)}`),
  quoteReturn: (request: ReturnRequest) => api<ReturnQuote>('POST', '/returns/quote', request),
  takeReturn: (request: ReturnRequest, idempotencyKey: string) => api<ReturnDone>('POST', '/returns', request, { 'idempotency-key': idempotencyKey }),
  approveAtTill: (request: ReturnRequest, approver: { username: string; pin: string }) => api<Approval>('POST', '/approvals/at-till', { return: request, approver }),
  askApproval: (request: ReturnRequest) => api<Approval>('POST', '/approvals', { return: request }),
  approval: (id: string) => api<Approval>('GET', `/approvals/${id}`),
  search: (q: string) => api<{ total: number; products: Array<{ skuId: string; code: string; name: string; priceFen: number; unit: string }> }>('GET', `/products?q=${encodeURIComponent(q)}&limit=20`),
};
