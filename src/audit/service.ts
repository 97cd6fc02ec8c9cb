// Appends to and verifies the node's hash-chained audit log.
import { newId } from '../platform/ids';
import { takeFromSequence } from '../platform/sequence';
import type { Ctx } from '../platform/context';
import { auditHash, findChainBreak, GENESIS_HASH, type AuditRecord } from './chain';

export interface AuditEntry {
  action: string;
  /** Who acted, when not the context's actor (e.g. each cashier of a batch of sales). */
  actorId?: string | null;
  docType: string;
  docId: string;
  storeId?: string | null;
  data?: unknown;
}

/** Appends an entry inside the caller's transaction (the act and its audit commit together). */
export async function appendAudit(ctx: Ctx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  const [appended] = await appendAuditMany(ctx, [entry]);
  if (!appended) throw new Error('appendAudit appended nothing');
  return appended;
}

/** Appends several entries, chained in order, with one read of the previous hash and one insert. */
export async function appendAuditMany(ctx: Ctx, entries: readonly AuditEntry[]): Promise<Array<{ seq: number; hash: string }>> {
  if (entries.length === 0) return [];
  const seqs = await takeFromSequence(ctx.db, `audit:${ctx.nodeId}`, entries.length);
  const first = seqs[0] ?? 1;
  let prev =
    first === 1
      ? GENESIS_HASH
      : (await ctx.db.selectFrom('audit_log').select('hash').where('node_id', '=', ctx.nodeId).where('seq', '=', first - 1).executeTakeFirstOrThrow()).hash;
  const at = ctx.clock.now().toISOString();
  const rows = entries.map((entry, i) => {
    const record: AuditRecord = {
      nodeId: ctx.nodeId,
      seq: seqs[i] ?? 0,
      id: newId(),
      at,
      actorId: entry.actorId !== undefined ? entry.actorId : (ctx.actor?.userId ?? null),
      action: entry.action,
      docType: entry.docType,
      docId: entry.docId,
      storeRef: entry.storeId ?? null,
      data: entry.data ?? null,
    };
    const hash = auditHash(prev, record);
    const row = {
      node_id: record.nodeId,
      seq: record.seq,
      id: record.id,
      at,
      actor_id: record.actorId,
      action: record.action,
      doc_type: record.docType,
      doc_id: record.docId,
      store_ref: record.storeRef,
      data: JSON.stringify(record.data),
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
  return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
}

export interface AuditVerification {
  records: number;
  intact: boolean;
  firstBad: { nodeId: string; seq: number; reason: string } | null;
}

/** Recomputes every node's chain from the start. */
export async function verifyAudit(ctx: Ctx): Promise<AuditVerification> {
  const rows = await ctx.db.selectFrom('audit_log').selectAll().orderBy('node_id').orderBy('seq').execute();
  const byNode = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byNode.get(r.node_id) ?? [];
    list.push(r);
    byNode.set(r.node_id, list);
  }
  for (const [nodeId, list] of byNode) {
    const broken = findChainBreak(
      list.map((r) => ({
        nodeId: r.node_id,
        seq: r.seq,
        id: r.id,
        at: r.at,
        actorId: r.actor_id,
        action: r.action,
        docType: r.doc_type,
        docId: r.doc_id,
        storeRef: r.store_ref,
        data: JSON.parse(r.data) as unknown,
        prevHash: r.prev_hash,
        hash: r.hash,
      })),
    );
    if (broken) return { records: rows.length, intact: false, firstBad: { nodeId, ...broken } };
  }
  return { records: rows.length, intact: true, firstBad: null };
}
