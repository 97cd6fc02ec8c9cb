// The audit trail as people read it: newest first, filtered by person, action, store and time,
// with names instead of ids, and only the stores the reader may see.
import { sql } from 'kysely';
import { AppError } from '../platform/errors';
import { requirePermission, storeFilter } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import type { AuditRecordOut, AuditTrailOut, AuditTrailQuery } from './schema';

const DEFAULT_ZONE = 'Asia/Shanghai';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Minutes east of UTC of `timeZone` at `instantMs` (+480 for Asia/Shanghai). */
function offsetMinutes(instantMs: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instantMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * The UTC instant (ISO) at which a bound starts: a date is that day's local midnight in the
 * zone (the next day's, for an upper bound, so `to` takes in the whole day); an instant is itself.
 */
export function boundInstant(value: string, timeZone: string, upper: boolean): string {
  if (!DATE.test(value)) return new Date(value).toISOString();
  const dayMs = Date.parse(`${value}T00:00:00Z`) + (upper ? 86_400_000 : 0);
  return new Date(dayMs - offsetMinutes(dayMs, timeZone) * 60_000).toISOString();
}

/**
 * One page of a node's audit trail for the signed-in reader (`audit.view`): a store-scoped
 * reader sees only records of their stores, and none of the node's own (store-less) records.
 *
 * @example await listAuditTrail(ctx, { action: 'sale', from: '2026-11-30', limit: 50 })
 */
export async function listAuditTrail(ctx: Ctx, query: AuditTrailQuery): Promise<AuditTrailOut> {
  const actor = requirePermission(ctx.actor, 'audit.view');
  const stores = await ctx.db.selectFrom('stores').select(['id as storeId', 'region_id as regionId', 'code', 'time_zone']).execute();
  const store = query.store ? stores.find((s) => s.code === query.store) : undefined;
  if (query.store && !store) throw new AppError('NOT_FOUND', `Store ${query.store} does not exist. Check the store code.`);
  if (store) requirePermission(actor, 'audit.view', store);
  const visible = storeFilter(actor, 'audit.view', stores);
  const timeZone = store?.time_zone ?? DEFAULT_ZONE;
  const nodeId = query.node ?? ctx.nodeId;

  let q = ctx.db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .leftJoin('stores as s', 's.id', 'a.store_ref')
    .select(['a.node_id', 'a.seq', 'a.id', 'a.at', 'a.action', 'a.doc_type', 'a.doc_id', 'a.actor_id', 'a.data', 'a.hash', 'u.username', 'u.display_name', 's.code as store_code'])
    .where('a.node_id', '=', nodeId);
  if (store) q = q.where('a.store_ref', '=', store.storeId);
  if (visible !== 'all') q = visible.length ? q.where('a.store_ref', 'in', visible) : q.where(sql<boolean>`1 = 0`);
  if (query.before !== undefined) q = q.where('a.seq', '<', query.before);
  if (query.from) q = q.where('a.at', '>=', boundInstant(query.from, timeZone, false));
  if (query.to) q = q.where('a.at', '<', boundInstant(query.to, timeZone, true));
  if (query.action) {
    const action = query.action;
    q = action.includes('.') ? q.where('a.action', '=', action) : q.where((eb) => eb.or([eb('a.action', '=', action), eb('a.action', 'like', `${likeEscaped(action)}.%`)]));
  }
  if (query.actor) {
    const person = query.actor;
    q = q.where((eb) => eb.or([eb('u.username', '=', person), sql<boolean>`${sql.ref('u.display_name')} like ${`%${likeEscaped(person)}%`} escape '\\'`]));
  }
  const rows = await q.orderBy('a.seq', 'desc').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  const records: AuditRecordOut[] = page.map((r) => ({
    nodeId: r.node_id,
    seq: r.seq,
    id: r.id,
    at: r.at,
    action: r.action,
    docType: r.doc_type,
    docId: r.doc_id,
    actor: r.actor_id && r.username ? { id: r.actor_id, username: r.username, displayName: r.display_name ?? r.username } : null,
    storeCode: r.store_code ?? null,
    data: JSON.parse(r.data) as unknown,
    hash: r.hash,
  }));
  return { nodeId, records, nextBefore: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null };
}

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
