// How far a store node may go while HQ is out of reach. The store node's sync reports it; the
// tills keep selling whatever it says (the shelf must sell), but past the limits they first warn,
// then restrict what cannot be checked locally: paying with points beyond the offline cap, and
// returns. The all-in-one node is never offline.
import { z } from 'zod';
import { readSetting } from './db/index';
import type { Ctx } from './context';

export const offlinePolicySchema = z.object({
  /** Offline longer than this: the till shows a warning. */
  warnAfterMinutes: z.number().int().min(1),
  /** Offline longer than this, or more unsynced sales than `maxUnsyncedFen`: restricted. */
  restrictAfterHours: z.number().int().min(1),
  maxUnsyncedFen: z.number().int().min(0),
  /** Points one member may redeem while the store is offline (HQ cannot see other stores' redemptions). */
  offlineRedeemCapPoints: z.number().int().min(0),
});
export type OfflinePolicy = z.infer<typeof offlinePolicySchema>;

export const DEFAULT_OFFLINE_POLICY: OfflinePolicy = { warnAfterMinutes: 30, restrictAfterHours: 24, maxUnsyncedFen: 5_000_000, offlineRedeemCapPoints: 2_000 };

export async function offlinePolicy(ctx: Ctx): Promise<OfflinePolicy> {
  const raw = await readSetting(ctx.db, 'sync:offline-policy');
  return raw ? offlinePolicySchema.parse(JSON.parse(raw)) : DEFAULT_OFFLINE_POLICY;
}

export interface OfflinePosture {
  offline: boolean;
  /** Since when nothing reached HQ (the last successful push), when offline. */
  offlineSince: string | null;
  unsyncedFen: number;
  level: 'ok' | 'warn' | 'restricted';
  reason: string | null;
  offlineRedeemCapPoints: number;
}

const ONLINE: OfflinePosture = { offline: false, offlineSince: null, unsyncedFen: 0, level: 'ok', reason: null, offlineRedeemCapPoints: Number.MAX_SAFE_INTEGER };

const providers = new Map<string, (ctx: Ctx) => Promise<OfflinePosture>>();

/** The store node's sync registers how it judges its posture (null when it stops). */
export function setOfflinePosture(nodeId: string, provider: ((ctx: Ctx) => Promise<OfflinePosture>) | null): void {
  if (provider) providers.set(nodeId, provider);
  else providers.delete(nodeId);
}

export function offlinePosture(ctx: Ctx): Promise<OfflinePosture> {
  return providers.get(ctx.nodeId)?.(ctx) ?? Promise.resolve(ONLINE);
}

/**
 * The posture by the policy: offline since `since` (null = online) with `unsyncedFen` of sales not
 * yet at HQ, at `now`.
 *
 * @example judgeOffline(DEFAULT_OFFLINE_POLICY, '2026-11-30T01:00:00Z', 0, new Date('2026-11-30T02:00:00Z')).level // 'warn'
 */
export function judgeOffline(policy: OfflinePolicy, since: string | null, unsyncedFen: number, now: Date): OfflinePosture {
  if (since === null) return { ...ONLINE, unsyncedFen };
  const minutes = (now.getTime() - Date.parse(since)) / 60_000;
  const base = { offline: true, offlineSince: since, unsyncedFen, offlineRedeemCapPoints: policy.offlineRedeemCapPoints };
  if (minutes >= policy.restrictAfterHours * 60) return { ...base, level: 'restricted', reason: `HQ has been out of reach for more than ${policy.restrictAfterHours} h` };
  if (unsyncedFen > policy.maxUnsyncedFen) return { ...base, level: 'restricted', reason: `more than ¥${(policy.maxUnsyncedFen / 100).toFixed(2)} of sales are not yet at HQ` };
  if (minutes >= policy.warnAfterMinutes) return { ...base, level: 'warn', reason: `HQ out of reach for ${Math.floor(minutes)} min` };
  return { ...base, level: 'ok', reason: null };
}
