// HQ's applier of `price.overridden`: a store's own prices (set where HQ's policy allows) land in
// HQ's store_price_overrides, so HQ's reports and price lists for the store see them.
import type { Ctx } from '../platform/context';
import type { Tx } from '../platform/db/index';
import { applyPriceOverriddenEvents, invalidateCatalog, type PriceOverriddenEvent } from '../catalog/index';
import type { PushedEvent } from './apply';

/**
 * Applies a run of `price.overridden` events of one store, in the batch's transaction.
 *
 * @example APPLIERS['price.overridden'] = applyPriceOverrides
 */
export async function applyPriceOverrides(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  await applyPriceOverriddenEvents(t.db, events.map((e) => e.payload as PriceOverriddenEvent));
  // HQ's index shows the store's prices; it is rebuilt on next use (after this batch commits).
  invalidateCatalog(t);
}
