// Zod shapes of the returns API, shared with the web app.
import { z } from 'zod';

/** Why goods come back; defective and expired goods go to the damaged location, not the shelf. */
export const REASON_CODES = ['defective', 'expired', 'wrong_item', 'changed_mind', 'not_as_described', 'other'] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const ReturnLineIn = z.object({
  lineNo: z.number().int().optional().describe('receipt line (with a receipt)'),
  code: z.string().max(64).optional().describe('item barcode or code (without a receipt)'),
  qty: z.number().int().describe('pieces, or grams for weighed goods'),
  restock: z.enum(['shelf', 'damaged']).optional(),
});

export const ReturnIn = z.object({
  receiptNo: z.string().max(40).optional(),
  lines: z.array(ReturnLineIn).max(500),
  reasonCode: z.enum(REASON_CODES),
  note: z.string().max(200).optional(),
  approvalId: z.string().max(64).optional(),
  storeCode: z.string().max(16).optional(),
  terminalCode: z.string().max(16).optional(),
});

const Refund = z.object({ id: z.string(), method: z.string(), amountFen: z.number().int(), status: z.string(), refundNo: z.string().nullable(), errorCode: z.string().nullable(), message: z.string().nullable() });

export const ReturnOut = z.object({
  id: z.string(),
  returnNo: z.string(),
  receiptNo: z.string().nullable(),
  cashierId: z.string(),
  status: z.enum(['refunding', 'completed', 'refund_failed']),
  businessDate: z.string(),
  reasonCode: z.string(),
  refundFen: z.number().int(),
  lines: z.array(z.object({ lineNo: z.number().int(), saleLineNo: z.number().int().nullable(), skuId: z.string(), name: z.string(), qty: z.number().int(), refundFen: z.number().int(), restock: z.string() })),
  refunds: z.array(Refund),
  approvalId: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

export const QuoteOut = z.object({
  receiptNo: z.string().nullable(),
  refundFen: z.number().int(),
  keptValueFen: z.number().int(),
  lines: z.array(z.object({ lineNo: z.number().int(), skuId: z.string(), name: z.string(), qty: z.number().int(), refundFen: z.number().int() })),
  refunds: z.array(z.object({ method: z.string(), amountFen: z.number().int() })),
  decision: z.object({ ok: z.boolean(), code: z.string().optional(), requiredRole: z.string().optional(), needs: z.array(z.string()).optional(), message: z.string().optional() }),
});

export const ReceiptOut = z.object({
  saleId: z.string(),
  receiptNo: z.string(),
  storeId: z.string(),
  businessDate: z.string(),
  paidFen: z.number().int(),
  refundedFen: z.number().int(),
  lines: z.array(z.object({ lineNo: z.number().int(), skuId: z.string(), name: z.string(), unit: z.string(), qty: z.number().int(), totalFen: z.number().int(), returned: z.number().int(), remaining: z.number().int() })),
  tenders: z.array(z.object({ method: z.string(), amountFen: z.number().int(), refundedFen: z.number().int() })),
});

const Person = z.object({ id: z.string(), name: z.string(), method: z.string() });
export const ApprovalOut = z.object({
  id: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'used']),
  kind: z.string(),
  storeId: z.string(),
  amountFen: z.number().int(),
  requiredRole: z.string(),
  reason: z.string(),
  requester: Person,
  approver: Person.nullable(),
  note: z.string().nullable(),
  subject: z.unknown(),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
  expired: z.boolean(),
});
