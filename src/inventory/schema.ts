// Zod shapes of the inventory API, shared with the web app.
import { z } from 'zod';

const Qty = z.number().int().describe('pieces, or grams for weighed items');
export const ScanLine = z.object({ code: z.string().max(64).describe('barcode, item code or scale label, as scanned'), qty: Qty.optional().describe('default 1 piece; a scale label carries its grams') });

export const StockRowOut = z.object({
  skuId: z.string(),
  code: z.string(),
  name: z.string(),
  unit: z.string(),
  categoryId: z.string(),
  qty: z.number().int(),
  minQty: z.number().int().nullable(),
  low: z.boolean(),
  avgCostFen: z.number().int(),
  valueFen: z.number().int(),
});

export const SupplierIn = z.object({ code: z.string().max(32), name: z.string().max(100), contact: z.string().max(200).optional() });
export const SupplierOut = z.object({ id: z.string(), code: z.string(), name: z.string(), contact: z.string().nullable() });

export const PO_STATUSES = ['draft', 'ordered', 'partly_received', 'received'] as const;
export const PurchaseOrderIn = z.object({
  store: z.string().max(16),
  supplierCode: z.string().max(32),
  note: z.string().max(200).optional(),
  deliveryAddress: z.string().max(200).optional().describe('where the supplier delivers; default the store'),
  lines: z.array(z.object({ code: z.string().max(64), qty: Qty, unitCostFen: z.number().int().describe('per piece, or per kg') })).max(1000),
});
export const PurchaseOrderOut = z.object({
  id: z.string(),
  poNo: z.string(),
  storeId: z.string(),
  supplier: SupplierOut,
  status: z.enum(PO_STATUSES),
  note: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  sentBy: z.string().nullable(),
  receivedAt: z.string().nullable(),
  deliveryAddress: z.string().nullable(),
  totalCostFen: z.number().int(),
  lines: z.array(z.object({ lineNo: z.number().int(), skuId: z.string(), code: z.string(), name: z.string(), unit: z.string(), qtyOrdered: z.number().int(), qtyReceived: z.number().int(), unitCostFen: z.number().int() })),
  receiptId: z.string().optional(),
});
export const ReceiveIn = z.object({
  lines: z.array(ScanLine).max(5000),
  overReceipt: z.boolean().optional().describe('confirm receiving more than ordered (needs a reason)'),
  reason: z.string().max(200).optional(),
});

export const TransferIn = z.object({ from: z.string().max(16), to: z.string().max(16), note: z.string().max(200).optional(), lines: z.array(ScanLine).max(5000) });
export const TransferReceiveIn = z.object({ lines: z.array(ScanLine).max(5000).optional().describe('what arrived; omit to receive exactly what was sent') });
export const TransferOut = z.object({
  id: z.string(),
  transferNo: z.string(),
  fromStoreId: z.string(),
  toStoreId: z.string(),
  status: z.enum(['in_transit', 'received']),
  note: z.string().nullable(),
  sentAt: z.string(),
  receivedAt: z.string().nullable(),
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      skuId: z.string(),
      code: z.string(),
      name: z.string(),
      unit: z.string(),
      qtySent: z.number().int(),
      qtyReceived: z.number().int().nullable(),
      difference: z.number().int().nullable(),
      result: z.enum(['ok', 'short', 'over']).nullable(),
      unitCostFen: z.number().int(),
    }),
  ),
});

export const COUNT_SCOPES = ['full', 'category', 'location'] as const;
export const CountIn = z.object({
  store: z.string().max(16),
  scope: z.enum(COUNT_SCOPES),
  categoryCode: z.string().max(32).optional(),
  locationCodes: z.array(z.string().max(32)).max(100).optional().describe("scope 'location': shelf locations such as A-03-2, or A-03 for all of A-03-…"),
});
export const CountEntryIn = z.object({ code: z.string().max(64), qty: z.number().int().optional(), mode: z.enum(['add', 'set']).optional().describe("'set' replaces the item's counted total") });
/** The blind count sheet: what was counted, never what was expected. */
export const CountSheetOut = z.object({
  id: z.string(),
  countNo: z.string(),
  storeId: z.string(),
  status: z.enum(['open', 'submitted', 'approved', 'cancelled']),
  scope: z.enum(COUNT_SCOPES),
  categoryId: z.string().nullable(),
  locationCodes: z.array(z.string()),
  createdAt: z.string(),
  submittedAt: z.string().nullable(),
  approvedAt: z.string().nullable(),
  lines: z.array(z.object({ skuId: z.string(), code: z.string(), name: z.string(), unit: z.string(), location: z.string().nullable(), counted: z.number().int() })),
});
export const VarianceOut = z.object({
  countId: z.string(),
  countNo: z.string(),
  status: z.enum(['open', 'submitted', 'approved', 'cancelled']),
  posted: z.boolean(),
  lines: z.array(
    z.object({ skuId: z.string(), code: z.string(), name: z.string(), unit: z.string(), location: z.string().nullable(), expected: z.number().int(), counted: z.number().int(), difference: z.number().int(), unitCostFen: z.number().int(), varianceFen: z.number().int() }),
  ),
  totals: z.object({ overQty: z.number().int(), shortQty: z.number().int(), overFen: z.number().int(), shortFen: z.number().int(), netFen: z.number().int() }),
});

export const ReorderOut = StockRowOut.extend({ suggestQty: z.number().int(), reason: z.enum(['min_level', 'cover']), daysOfCover: z.number().nullable(), perDay: z.number(), soldLast28: z.number().int() });

export const ShelfLocationIn = z.object({ store: z.string().max(16), code: z.string().max(64).describe('barcode or item code'), location: z.string().max(32).describe('e.g. A-03-2; empty clears it') });
export const ShelfLocationsImportIn = z.object({ store: z.string().max(16), text: z.string().max(2_000_000).describe('lines of "item code,location" (comma or tab), an optional header; an empty location clears') });
export const ShelfLocationOut = z.object({ skuId: z.string(), code: z.string(), name: z.string(), location: z.string() });
