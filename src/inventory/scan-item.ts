// What a scan at the back door or on the count sheet names: the same classification as the till
// (barcode with check digit, internal code, PLU, scale label), then the SKU and the quantity.
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import type { CatalogIndex, Sku } from '../catalog/index';
import { checkoutSettings, classifyScan } from '../checkout/index';

export interface ScannedItem {
  sku: Sku;
  /** Pieces, or grams for a weighed SKU. */
  qty: number;
  code: string;
}

function found(sku: Sku | undefined, code: string): Sku {
  if (!sku) throw new AppError('PRODUCT_NOT_FOUND', `No product has the code ${code}. Check the code, or add the product in the back office.`, { status: 404, details: { code } });
  return sku;
}

/**
 * A SKU named on a document or a form by barcode or internal code (not a scale label: no
 * quantity). A 12-digit UPC-A is also tried as its EAN-13.
 *
 * @example skuByCode(index, '6901234567892').code // 'P000123'
 */
export function skuByCode(index: CatalogIndex, code: string): Sku {
  return found(findSkuByCode(index, code), code.trim());
}

/** As skuByCode, undefined when no SKU has the code. */
export function findSkuByCode(index: CatalogIndex, code: string): Sku | undefined {
  const c = code.trim();
  return index.byBarcodeKey(c) ?? index.byBarcodeKey(`0${c}`) ?? index.byInternalCode(c);
}

/**
 * Resolves a scanned or typed code to a SKU and a quantity. A scale label carries its own
 * weight (grams); otherwise `qty` (default 1) counts pieces, and a weighed SKU needs its grams
 * typed. Payment, member and receipt codes are refused with what was scanned.
 *
 * @example await scannedItem(ctx, index, storeId, '6901234567892', 12) // { sku, qty: 12, code }
 */
export async function scannedItem(ctx: Ctx, index: CatalogIndex, storeId: string, code: string, qty?: number): Promise<ScannedItem> {
  const settings = await checkoutSettings(ctx, storeId);
  const scan = classifyScan(code, settings.scan);
  switch (scan.kind) {
    case 'gtin':
    case 'internal': {
      const sku = found(scan.kind === 'gtin' ? index.byBarcodeKey(scan.code) : (index.byInternalCode(scan.code) ?? index.byPluCode(scan.code)), scan.code);
      if (sku.unit === 'kg' && qty === undefined) {
        throw new AppError('WEIGHT_REQUIRED', `${sku.name} is stocked by weight: type the grams, or scan a scale label.`, { details: { code: scan.code } });
      }
      return { sku, qty: qty ?? 1, code: scan.code };
    }
    case 'scale': {
      const sku = found(index.byPluCode(scan.label.plu), `PLU ${scan.label.plu}`);
      if (scan.label.kind === 'weight') return { sku, qty: scan.label.grams * (qty ?? 1), code: code.trim() };
      if (sku.unit === 'kg') throw new AppError('WEIGHT_REQUIRED', `${sku.name} is stocked by weight and this label carries a price: scan a weight label or type the grams.`, { details: { code } });
      return { sku, qty: qty ?? 1, code: code.trim() };
    }
    default:
      throw new AppError('SCAN_NOT_A_PRODUCT', `${code.trim()} is a ${scan.kind} code, not an item. Scan the item's barcode.`, { details: { code: code.trim(), kind: scan.kind } });
  }
}
