// The catalog's shapes, shared by services, pure logic and the web app.

/** 'piece' quantities count pieces; 'kg' quantities are grams (integer), priced per kg. */
export type Unit = 'piece' | 'kg';

export interface Category {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  /** VAT rate as a decimal string: '0.13', '0.09', '0.06', '0'. Prices include VAT. */
  vatRate: string;
}

export interface BundleComponent {
  skuId: string;
  /** Pieces (or grams for a 'kg' component) per one bundle. */
  qty: number;
}

export interface Sku {
  id: string;
  /** Internal code (货号), unique; also scannable. */
  code: string;
  name: string;
  unit: Unit;
  categoryId: string;
  /** Base price in fen: per piece, or per kg for 'kg' SKUs. */
  priceFen: number;
  /** Cost in fen per piece (or per kg), for margin. */
  costFen: number;
  /** 5-digit PLU for scale labels (weighted or priced-by-label items). */
  plu: string | null;
  barcodes: string[];
  active: boolean;
  /** A bundle (组合套餐) sells as one line and moves its components' stock. */
  components: BundleComponent[];
}

/** A category as imported or seeded, by code (ids are made on insert). */
export interface CategoryInput {
  code: string;
  name: string;
  parentCode: string | null;
  vatRate: string;
}

/** A SKU as imported (CSV) or seeded, referring to its category and components by code. */
export interface SkuInput {
  code: string;
  name: string;
  unit: Unit;
  categoryCode: string;
  priceFen: number;
  costFen: number;
  plu: string | null;
  barcodes: string[];
  active: boolean;
  components: Array<{ skuCode: string; qty: number }>;
}
