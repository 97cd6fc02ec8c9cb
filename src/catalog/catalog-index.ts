// The in-memory catalog the till scans against: barcode, code and PLU maps over every SKU,
// plus per-store price overrides. Built from the database, replaced whole when the catalog
// changes, never mutated in place (so a lookup never sees half a change).
import type { Category, Sku } from './types';

export interface CatalogSnapshot {
  categories: Category[];
  skus: Sku[];
  storePrices: Array<{ storeId: string; skuId: string; priceFen: number }>;
}

export class CatalogIndex {
  readonly size: number;
  private readonly byId = new Map<string, Sku>();
  private readonly byBarcode = new Map<string, Sku>();
  private readonly byCode = new Map<string, Sku>();
  private readonly byPlu = new Map<string, Sku>();
  private readonly categories = new Map<string, Category>();
  private readonly prices = new Map<string, Map<string, number>>();

  constructor(snapshot: CatalogSnapshot) {
    for (const c of snapshot.categories) this.categories.set(c.id, c);
    for (const sku of snapshot.skus) {
      this.byId.set(sku.id, sku);
      this.byCode.set(sku.code.toUpperCase(), sku);
      if (sku.plu) this.byPlu.set(sku.plu, sku);
      for (const b of sku.barcodes) this.byBarcode.set(b, sku);
    }
    for (const p of snapshot.storePrices) {
      let store = this.prices.get(p.storeId);
      if (!store) this.prices.set(p.storeId, (store = new Map()));
      store.set(p.skuId, p.priceFen);
    }
    this.size = snapshot.skus.length;
  }

  /** By normalised GTIN (UPC-A as its EAN-13 form). */
  byBarcodeKey(code: string): Sku | undefined {
    return this.byBarcode.get(code);
  }

  byInternalCode(code: string): Sku | undefined {
    return this.byCode.get(code.toUpperCase());
  }

  byPluCode(plu: string): Sku | undefined {
    return this.byPlu.get(plu);
  }

  sku(id: string): Sku | undefined {
    return this.byId.get(id);
  }

  category(id: string): Category | undefined {
    return this.categories.get(id);
  }

  allCategories(): Category[] {
    return [...this.categories.values()];
  }

  /** The store's price override, else the base price. */
  priceFor(storeId: string, sku: Sku): number {
    return this.prices.get(storeId)?.get(sku.id) ?? sku.priceFen;
  }

  /**
   * Finds SKUs for the search box: exact barcode or code first, then codes starting with and
   * names containing the query (case-insensitive), active ones only unless asked.
   */
  search(query: string, limit: number, offset = 0, includeInactive = false): { total: number; items: Sku[] } {
    const q = query.trim().toUpperCase();
    const keep = (s: Sku) => includeInactive || s.active;
    if (!q) {
      const all = [...this.byId.values()].filter(keep);
      return { total: all.length, items: all.slice(offset, offset + limit) };
    }
    const exact = this.byBarcode.get(q) ?? this.byCode.get(q);
    const seen = new Set<string>();
    const hits: Sku[] = [];
    if (exact && keep(exact)) {
      hits.push(exact);
      seen.add(exact.id);
    }
    for (const s of this.byId.values()) {
      if (seen.has(s.id) || !keep(s)) continue;
      if (s.code.toUpperCase().startsWith(q) || s.name.toUpperCase().includes(q) || s.plu === q) hits.push(s);
    }
    return { total: hits.length, items: hits.slice(offset, offset + limit) };
  }
}
