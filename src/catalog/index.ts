// What other domains may use of the catalog.
export { catalogIndex, activePromotions, promotionsByIds, invalidateCatalog, importSkus, importCategories, setStorePrice, createPromotion, exportSkus, MAX_PRICE_FEN } from './service';
export type { CatalogIndex } from './catalog-index';
export type { Sku, Category, Unit, SkuInput, CategoryInput } from './types';
export { PRICE_OVERRIDDEN, setPriceOverride, clearPriceOverride, revokePriceOverride, listPriceOverrides, priceOverridePolicyFor, savePriceOverridePolicy, applyPriceOverriddenEvents, type PriceOverriddenEvent, type PriceOverrideView } from './price-overrides';
export { PRICE_OVERRIDE_SETTINGS_PREFIX, type PriceOverridePolicy, type PolicyScope as PriceOverrideScope } from './price-override-policy';
