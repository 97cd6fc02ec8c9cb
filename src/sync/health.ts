// HQ's view of its chain: every store with its region and address, and each store node's health —
// online, last push and pull, queue, app version, clock skew, sync exceptions — as the nodes
// report it on every signed call.
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import type { Ctx } from '../platform/context';
import { listRegions, listStores, type Region, type Store } from '../platform/stores/service';
import type { listNodes } from './nodes';

/** This build's version (package.json), which a store node sends with every push and pull. */
export const APP_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** What a store node tells HQ about itself on every signed call (informational, not signed). */
export const NODE_REPORT_HEADERS = { version: 'x-tp-app-version', queued: 'x-tp-queued' } as const;

/**
 * A node is online when HQ heard from it within this long: it pulls at least every minute
 * (StoreSync's pullEveryMs), so three missed pulls mean it is down or cut off.
 */
export const ONLINE_WITHIN_MS = 3 * 60_000;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Records a verified call from node `nodeId`: when, its version, and its queue after this call
 * (`delivered`: events this call brought, taken off the queue it reported before sending them).
 *
 * @example await noteNodeContact(ctx, node.id, request.headers, ack.ackedSeq - node.lastSeq)
 */
export async function noteNodeContact(ctx: Ctx, nodeId: string, headers: Record<string, string | string[] | undefined>, delivered = 0): Promise<void> {
  const version = header(headers, NODE_REPORT_HEADERS.version)?.slice(0, 40);
  const queued = Number(header(headers, NODE_REPORT_HEADERS.queued));
  await ctx.db
    .updateTable('sync_nodes')
    .set({
      last_seen_at: ctx.clock.now().toISOString(),
      ...(version ? { app_version: version } : {}),
      ...(Number.isSafeInteger(queued) && queued >= 0 ? { queued_events: Math.max(0, queued - delivered) } : {}),
    })
    .where('id', '=', nodeId)
    .execute();
}

type NodeRow = Awaited<ReturnType<typeof listNodes>>[number];

export interface NodeHealth extends NodeRow {
  online: boolean;
  lastSeenAt: string | null;
  appVersion: string | null;
  queuedEvents: number | null;
}

export interface StoreHealth extends Store {
  regionCode: string | null;
  regionName: string | null;
  /** The store's node in use (the latest registered and not revoked), if any. */
  node: NodeHealth | null;
  /** Open sync exceptions HQ raised applying the store's documents (negative points, unknown member…). */
  syncExceptions: number;
}

export interface ChainHealth {
  onlineWithinMinutes: number;
  regions: Array<Region & { storeCodes: string[] }>;
  stores: StoreHealth[];
}

/** A node's health at `now` from what it last reported (pure). */
export function judgeNode(node: NodeRow, report: { lastSeenAt: string | null; appVersion: string | null; queuedEvents: number | null }, now: Date): NodeHealth {
  const seen = [report.lastSeenAt, node.lastPushAt, node.lastPullAt].filter((t): t is string => t !== null).sort().at(-1) ?? null;
  const online = !node.revoked && seen !== null && now.getTime() - Date.parse(seen) <= ONLINE_WITHIN_MS;
  return { ...node, online, lastSeenAt: seen, appVersion: report.appVersion, queuedEvents: report.queuedEvents };
}

/**
 * Every store with its region and node health, and every region with its stores, for HQ.
 *
 * @example const { stores } = await chainHealth(ctx, await listNodes(ctx)); stores[0].node?.online
 */
export async function chainHealth(ctx: Ctx, nodes: readonly NodeRow[]): Promise<ChainHealth> {
  const [stores, regions, reports, exceptions] = await Promise.all([
    listStores(ctx),
    listRegions(ctx),
    ctx.db.selectFrom('sync_nodes').select(['id', 'last_seen_at', 'app_version', 'queued_events', 'created_at']).execute(),
    ctx.db.selectFrom('sync_exceptions').select(['store_id', sql<number>`count(*)`.as('n')]).where('resolved_at', 'is', null).groupBy('store_id').execute(),
  ]);
  const now = ctx.clock.now();
  const report = new Map(reports.map((r) => [r.id, r]));
  const exceptionsOf = new Map(exceptions.map((e) => [e.store_id, Number(e.n)]));
  const regionOf = new Map(regions.map((r) => [r.id, r]));
  const nodeOf = new Map<string, { health: NodeHealth; createdAt: string }>();
  for (const n of nodes) {
    const r = report.get(n.nodeId);
    if (n.revoked || !r) continue;
    const current = nodeOf.get(n.storeId);
    if (current && current.createdAt > r.created_at) continue;
    const health = judgeNode(n, { lastSeenAt: r.last_seen_at, appVersion: r.app_version, queuedEvents: r.queued_events === null ? null : Number(r.queued_events) }, now);
    nodeOf.set(n.storeId, { health, createdAt: r.created_at });
  }
  return {
    onlineWithinMinutes: ONLINE_WITHIN_MS / 60_000,
    regions: regions.map((r) => ({ ...r, storeCodes: stores.filter((s) => s.regionId === r.id).map((s) => s.code) })),
    stores: stores.map((s) => {
      const region = s.regionId ? regionOf.get(s.regionId) : undefined;
      return {
        ...s,
        regionCode: region?.code ?? null,
        regionName: region?.name ?? null,
        node: nodeOf.get(s.id)?.health ?? null,
        syncExceptions: exceptionsOf.get(s.id) ?? 0,
      };
    }),
  };
}
