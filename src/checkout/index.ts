// What other domains and the composition root may use of checkout.
export { isCartOpen } from './cart-store';
export { completeSale, createCart, addSku, addTender, scan, getSale, type SaleView } from './service';
export { openShift, closeShift, shiftReport } from './shifts';
