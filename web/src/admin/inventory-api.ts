// The back office's calls to the inventory API, typed by the server's own schemas.
import type { z } from 'zod';
import { api } from '../api';
import type { CountSheetOut, PurchaseOrderOut, ReorderOut, ShelfLocationOut, StockRowOut, SupplierOut, TransferOut, VarianceOut } from '../../../src/inventory/schema';

export type StockRow = z.infer<typeof StockRowOut>;
export type ReorderRow = z.infer<typeof ReorderOut>;
export type PurchaseOrder = z.infer<typeof PurchaseOrderOut>;
export type Supplier = z.infer<typeof SupplierOut>;
export type Transfer = z.infer<typeof TransferOut>;
export type CountSheet = z.infer<typeof CountSheetOut>;
export type Variance = z.infer<typeof VarianceOut>;
export type ShelfLocation = z.infer<typeof ShelfLocationOut>;
export interface PoRow {
  id: string;
  poNo: string;
  status: PurchaseOrder['status'];
  supplierCode: string;
  supplierName: string;
  createdAt: string;
}
export interface TransferRow {
  id: string;
  transferNo: string;
  status: Transfer['status'];
  fromStore: string;
  toStore: string;
  direction: 'in' | 'out';
  sentAt: string;
}
export interface CountRow {
  id: string;
  countNo: string;
  scope: CountSheet['scope'];
  locationCodes: string[];
  status: CountSheet['status'];
  createdAt: string;
}
export interface ScanLine {
  code: string;
  qty?: number;
}

const q = (params: Record<string, string | number | boolean | undefined>) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]]))).toString();

export const inventoryApi = {
  stock: (store: string, filter: { low?: boolean; q?: string }) => api<{ total: number; rows: StockRow[] }>('GET', `/stock?${q({ store, low: filter.low ? 'true' : undefined, q: filter.q, limit: 500 })}`),
  setMinLevel: (store: string, code: string, minQty: number) => api('PUT', '/stock/levels', { store, code, minQty }),
  reorder: (store: string) => api<{ suggestions: ReorderRow[] }>('GET', `/stock/reorder?${q({ store })}`),
  exportUrl: (store: string) => `/api/v1/stock/export.xlsx?${q({ store })}`,
  suppliers: () => api<{ suppliers: Supplier[] }>('GET', '/suppliers'),
  createSupplier: (code: string, name: string, contact?: string) => api<Supplier>('POST', '/suppliers', { code, name, contact: contact || undefined }),
  purchaseOrders: (store: string) => api<{ purchaseOrders: PoRow[] }>('GET', `/purchase-orders?${q({ store })}`),
  purchaseOrder: (store: string, id: string) => api<PurchaseOrder>('GET', `/purchase-orders/${encodeURIComponent(id)}?${q({ store })}`),
  createPurchaseOrder: (store: string, supplierCode: string, lines: Array<{ code: string; qty: number; unitCostFen: number }>, deliveryAddress?: string) =>
    api<PurchaseOrder>('POST', '/purchase-orders', { store, supplierCode, lines, deliveryAddress: deliveryAddress || undefined }),
  printUrl: (store: string, id: string) => `/api/v1/purchase-orders/${encodeURIComponent(id)}/print?${q({ store })}`,
  poExportUrl: (store: string, id: string, format: 'xlsx' | 'csv') => `/api/v1/purchase-orders/${encodeURIComponent(id)}/export?${q({ store, format })}`,
  sendPurchaseOrder: (store: string, id: string) => api<PurchaseOrder>('POST', `/purchase-orders/${encodeURIComponent(id)}/send?${q({ store })}`),
  receive: (store: string, id: string, lines: ScanLine[], over?: { reason: string }) =>
    api<PurchaseOrder>('POST', `/purchase-orders/${encodeURIComponent(id)}/receive?${q({ store })}`, { lines, ...(over ? { overReceipt: true, reason: over.reason } : {}) }),
  transfers: (store: string) => api<{ transfers: TransferRow[] }>('GET', `/transfers?${q({ store })}`),
  transfer: (id: string) => api<Transfer>('GET', `/transfers/${encodeURIComponent(id)}`),
  sendTransfer: (from: string, to: string, lines: ScanLine[]) => api<Transfer>('POST', '/transfers', { from, to, lines }),
  receiveTransfer: (store: string, id: string, lines?: ScanLine[]) => api<Transfer>('POST', `/transfers/${encodeURIComponent(id)}/receive?${q({ store })}`, { lines }),
  counts: (store: string) => api<{ counts: CountRow[] }>('GET', `/stock-counts?${q({ store })}`),
  createCount: (store: string, scope: CountSheet['scope'], options: { categoryCode?: string; locationCodes?: string[] }) => api<CountSheet>('POST', '/stock-counts', { store, scope, ...options }),
  locations: (store: string) => api<{ locations: ShelfLocation[] }>('GET', `/stock/locations?${q({ store })}`),
  setLocation: (store: string, code: string, location: string) => api('PUT', '/stock/locations', { store, code, location }),
  importLocations: (store: string, text: string) => api<{ placed: number; cleared: number }>('POST', '/stock/locations/import', { store, text }),
  countSheet: (store: string, id: string) => api<CountSheet>('GET', `/stock-counts/${encodeURIComponent(id)}?${q({ store })}`),
  countEntry: (store: string, id: string, code: string, qty?: number) => api<CountSheet>('POST', `/stock-counts/${encodeURIComponent(id)}/entries?${q({ store })}`, { code, qty }),
  submitCount: (store: string, id: string) => api<CountSheet>('POST', `/stock-counts/${encodeURIComponent(id)}/submit?${q({ store })}`),
  approveCount: (store: string, id: string) => api<Variance>('POST', `/stock-counts/${encodeURIComponent(id)}/approve?${q({ store })}`),
  variance: (store: string, id: string) => api<Variance>('GET', `/stock-counts/${encodeURIComponent(id)}/variance?${q({ store })}`),
};
