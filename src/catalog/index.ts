// What other domains may use of the catalog.
export { catalogIndex, activePromotions, promotionsByIds, invalidateCatalog, importSkus, importCategories, setStorePrice, createPromotion, exportSkus, MAX_PRICE_FEN } from './service';
export type { CatalogIndex } from './catalog-index';
export type { Sku, Category, Unit, SkuInput, CategoryInput } from './types';
