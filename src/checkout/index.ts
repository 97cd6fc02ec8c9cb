// What other domains and the composition root may use of checkout.
export { isCartOpen } from './cart-store';
export { completeSale, createCart, addSku, addTender, scan, getSale, type SaleView } from './service';
export { openShift, closeShift, shiftReport } from './shifts';
export { priceCart, COUPON_PROMOTION_ID } from './promotions';
export { loadSale, insertSales, type SaleRecord, type SaleLineRecord } from './sale-repo';
export type { AppliedPromotion, PricingLine, Promotion } from './pricing-types';
export type { TenderMethod } from './cart';
export { resolveTill, type TillContext } from './terminals';
export { taxBreakdown, type TaxGroup } from './tax';
export { classifyScan, type ScanResult } from './scan-code';
export { checkoutSettings } from './settings';
export { formatReceiptTime } from './receipt';
