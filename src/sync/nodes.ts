// HQ's side of node identity: registering a store node (its secret shown once, kept sealed) and
// checking every sync request's signature, time window and nonce before anything is read.
import { randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';
import { findStoreByCode } from '../platform/stores/service';
import { openSecret, sealSecret, type NodeCredential } from './keys';
import { changesBehind } from './changes';
import { SIGNATURE_HEADERS, SIGNATURE_WINDOW_MS, signatureMatches } from './signing';

export interface SyncNode {
  id: string;
  storeId: string;
  outboxNodeId: string | null;
  lastSeq: number;
}

/**
 * Registers a store node for `storeCode`; the answer holds the secret, which is never shown again.
 *
 * @example const credential = await registerNode(ctx, syncKey, 'S001')
 */
export async function registerNode(ctx: Ctx, syncKey: Buffer, storeCode: string): Promise<NodeCredential> {
  const store = await findStoreByCode(ctx, storeCode);
  const secret = randomBytes(32);
  const id = newId();
  await ctx.db
    .insertInto('sync_nodes')
    .values({ store_id: store.id, id, secret_sealed: sealSecret(syncKey, secret), outbox_node_id: null, last_seq: 0, last_push_at: null, last_pull_at: null, clock_skew_ms: null, created_at: ctx.clock.now().toISOString(), revoked_at: null })
    .execute();
  return { nodeId: id, secret: secret.toString('base64url'), storeId: store.id, storeCode: store.code };
}

export interface IncomingRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function header(req: IncomingRequest, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}

/**
 * The node that signed `req`, after checking the signature, that the timestamp is within ±5
 * minutes of HQ's clock, and that the nonce is new. Refusals: SYNC_NODE_UNKNOWN,
 * SYNC_SIGNATURE_INVALID, SYNC_REPLAYED (a stale timestamp says how far the node's clock is off).
 */
export async function verifySyncRequest(ctx: Ctx, syncKey: Buffer, req: IncomingRequest): Promise<SyncNode & { skewMs: number }> {
  const nodeId = header(req, SIGNATURE_HEADERS.node);
  const row = nodeId ? await ctx.db.selectFrom('sync_nodes').selectAll().where('id', '=', nodeId).executeTakeFirst() : undefined;
  if (!row || row.revoked_at) {
    ctx.log.warn({ nodeId }, 'sync request from an unknown node refused');
    throw new AppError('SYNC_NODE_UNKNOWN', `Node ${nodeId || '(none)'} is not registered at HQ (or was revoked). Register the store node again.`, { status: 401 });
  }
  const timestamp = header(req, SIGNATURE_HEADERS.timestamp);
  const nonce = header(req, SIGNATURE_HEADERS.nonce);
  const parts = { method: req.method, path: req.url, timestamp, nonce, body: req.body };
  if (!nonce || !/^\d{1,16}$/.test(timestamp) || !signatureMatches(openSecret(syncKey, row.secret_sealed), parts, header(req, SIGNATURE_HEADERS.signature))) {
    ctx.log.warn({ nodeId, url: req.url }, 'sync request with a bad signature refused');
    throw new AppError('SYNC_SIGNATURE_INVALID', 'The request signature does not match: the batch was altered on the way, or the node secret is wrong.', { status: 401 });
  }
  const now = ctx.clock.now().getTime();
  const skewMs = Number(timestamp) - now;
  if (Math.abs(skewMs) > SIGNATURE_WINDOW_MS) {
    ctx.log.warn({ nodeId, skewMs }, 'sync request outside the time window refused');
    throw new AppError('SYNC_REPLAYED', `The request is ${Math.round(skewMs / 60_000)} minutes off HQ's clock (the window is ±5): a replay, or the store's clock is wrong.`, { status: 401, details: { hqNow: now, skewMs } });
  }
  const fresh = await ctx.db.insertInto('sync_nonces').values({ node_id: row.id, nonce, seen_at: new Date(now).toISOString() }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (Number(fresh.numInsertedOrUpdatedRows ?? 0) !== 1) {
    ctx.log.warn({ nodeId }, 'replayed sync request refused');
    throw new AppError('SYNC_REPLAYED', 'This request was received before (same nonce); nothing was applied again.', { status: 401 });
  }
  // A nonce only needs keeping while its timestamp could still pass the window.
  await ctx.db.deleteFrom('sync_nonces').where('seen_at', '<', new Date(now - 2 * SIGNATURE_WINDOW_MS).toISOString()).execute();
  return { id: row.id, storeId: row.store_id, outboxNodeId: row.outbox_node_id, lastSeq: row.last_seq, skewMs };
}

/** Every node with its health, for HQ's back office. */
export async function listNodes(ctx: Ctx): Promise<Array<{ nodeId: string; storeId: string; storeCode: string; lastSeq: number; lastPushAt: string | null; lastPullAt: string | null; pulledChangeNo: number; pullBehind: number; clockSkewMs: number | null; revoked: boolean }>> {
  const rows = await ctx.db
    .selectFrom('sync_nodes')
    .innerJoin('stores', 'stores.id', 'sync_nodes.store_id')
    .select(['sync_nodes.id', 'sync_nodes.store_id', 'stores.code', 'sync_nodes.last_seq', 'sync_nodes.last_push_at', 'sync_nodes.last_pull_at', 'sync_nodes.pulled_change_no', 'sync_nodes.clock_skew_ms', 'sync_nodes.revoked_at'])
    .orderBy('stores.code')
    .execute();
  // Rows changed at HQ since each node's last pull (one indexed count per node).
  const behind = await Promise.all(rows.map((r) => changesBehind(ctx.db, r.pulled_change_no ?? 0)));
  return rows.map((r, i) => ({ nodeId: r.id, storeId: r.store_id, storeCode: r.code, lastSeq: r.last_seq, lastPushAt: r.last_push_at, lastPullAt: r.last_pull_at, pulledChangeNo: r.pulled_change_no ?? 0, pullBehind: behind[i] ?? 0, clockSkewMs: r.clock_skew_ms, revoked: r.revoked_at !== null }));
}
