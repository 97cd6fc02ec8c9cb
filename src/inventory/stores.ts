// The store an inventory act is for: its scope for permission checks and its business date.
import { businessDate } from '../platform/business-date';
import { requirePermission, type Actor, type Permission } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { takeFromSequence } from '../platform/sequence';
import type { Store } from '../platform/stores/service';

/** The signed-in actor, if they hold `permission` at `store` (403 otherwise). */
export function actorAt(ctx: Ctx, store: Store, permission: Permission): Actor {
  return requirePermission(ctx.actor, permission, { storeId: store.id, regionId: store.regionId });
}

/** Today's business date at the store (its time zone and day cutover). */
export function businessDateAt(ctx: Ctx, store: Store): string {
  return businessDate(ctx.clock.now(), store.timeZone, store.dayCutover);
}

/**
 * The next document number of a kind at a store, gapless inside the caller's transaction.
 *
 * @example await nextDocumentNo(tx, 'PO', store) // 'PO-S001-000001'
 */
export async function nextDocumentNo(ctx: Ctx, kind: 'PO' | 'TR' | 'SC', store: Store): Promise<string> {
  const [seq] = await takeFromSequence(ctx.db, `${kind.toLowerCase()}:${store.id}`, 1);
  return `${kind}-${store.code}-${String(seq).padStart(6, '0')}`;
}
