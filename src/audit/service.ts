// Appends to and verifies the node's hash-chained audit log, and signs checkpoints of it.
import { newId } from '../platform/ids';
import { AppError } from '../platform/errors';
import { takeFromSequence } from '../platform/sequence';
import type { Ctx } from '../platform/context';
import type { Database } from '../platform/db/index';
import { auditHash, canonicalJson, canonicalRecordJson, findChainBreakBy, GENESIS_HASH, type AuditRecord } from './chain';
import { checkpointMac, findCheckpointBreak, type AuditCheckpoint } from './checkpoint';

export interface AuditEntry {
  action: string;
  /** Who acted, when not the context's actor (e.g. each cashier of a batch of sales). */
  actorId?: string | null;
  docType: string;
  docId: string;
  storeId?: string | null;
  data?: unknown;
  /**
   * Money the act moves (a sale +, a return −): the record then carries it and the node's
   * running grand total after it (`amountFen`, `grandTotalFen` in its data), both under the hash.
   */
  amountFen?: number;
}

export interface AuditNodeOptions {
  /** The node key (see loadAuditKey); checkpoints are signed with it. */
  key: Buffer;
  /** A checkpoint is written with every record whose seq is a multiple of this. */
  checkpointEvery?: number;
}

export const DEFAULT_CHECKPOINT_EVERY = 1000;

// Per node id, set where the node starts (createTillpoint, the CLI): services append through a
// ctx that carries no key, and the key must not live in the database it protects.
const signers = new Map<string, { key: Buffer; every: number }>();

/**
 * Gives a node its audit key (and checkpoint interval) for this process.
 *
 * @example configureAuditNode(nodeId, { key: loadAuditKey({ dataDir, create: true })! })
 */
export function configureAuditNode(nodeId: string, options: AuditNodeOptions): void {
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(every) || every < 1) throw new AppError('CONFIG_INVALID', `The audit checkpoint interval must be a whole number ≥ 1, got ${every}.`);
  signers.set(nodeId, { key: options.key, every });
}

/** Appends an entry inside the caller's transaction (the act and its audit commit together). */
export async function appendAudit(ctx: Ctx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  const [appended] = await appendAuditMany(ctx, [entry]);
  if (!appended) throw new Error('appendAudit appended nothing');
  return appended;
}

/**
 * Appends several entries, chained in order, with one read of the previous hash and one insert;
 * a record whose seq is a multiple of the node's checkpoint interval gets a signed checkpoint in
 * the same transaction.
 */
export async function appendAuditMany(ctx: Ctx, entries: readonly AuditEntry[]): Promise<Array<{ seq: number; hash: string }>> {
  if (entries.length === 0) return [];
  const seqs = await takeFromSequence(ctx.db, `audit:${ctx.nodeId}`, entries.length);
  const first = seqs[0] ?? 1;
  let prev =
    first === 1
      ? GENESIS_HASH
      : (await ctx.db.selectFrom('audit_log').select('hash').where('node_id', '=', ctx.nodeId).where('seq', '=', first - 1).executeTakeFirstOrThrow()).hash;
  const at = ctx.clock.now().toISOString();
  const totals = await runningGrandTotals(ctx, entries);
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
      data: entry.amountFen === undefined ? (entry.data ?? null) : { ...(entry.data as Record<string, unknown> | undefined), amountFen: entry.amountFen, grandTotalFen: totals[i] },
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
      // Stored canonical, so the verifier can hash the text as it is without re-serialising it.
      data: canonicalJson(record.data),
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
  const signer = signers.get(ctx.nodeId);
  const every = signer?.every ?? DEFAULT_CHECKPOINT_EVERY;
  const due = rows.filter((r) => r.seq % every === 0);
  if (due.length > 0) {
    if (signer) await ctx.db.insertInto('audit_checkpoints').values(due.map((r) => signed(signer.key, { nodeId: ctx.nodeId, seq: r.seq, hash: r.hash, at }))).execute();
    else ctx.log.warn({ seq: due.map((r) => r.seq) }, 'audit checkpoint skipped: this process has no audit key for the node');
  }
  return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
}

/**
 * The node's grand total after each entry that moves money (like a fiscal printer's GT): one
 * upsert adds the batch's sum to the node's counter, and each entry's total is counted back from it.
 */
async function runningGrandTotals(ctx: Ctx, entries: readonly AuditEntry[]): Promise<Array<number | undefined>> {
  const sum = entries.reduce((s, e) => s + (e.amountFen ?? 0), 0);
  if (!entries.some((e) => e.amountFen !== undefined)) return entries.map(() => undefined);
  const row = await ctx.db
    .insertInto('sequences')
    .values({ name: `audit-gt:${ctx.nodeId}`, last_value: sum })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ last_value: eb('sequences.last_value', '+', sum) })))
    .returning('last_value')
    .executeTakeFirstOrThrow();
  let total = Number(row.last_value) - sum;
  return entries.map((e) => {
    if (e.amountFen === undefined) return undefined;
    total += e.amountFen;
    return total;
  });
}

function signed(key: Buffer, cp: Omit<AuditCheckpoint, 'mac'>) {
  return { node_id: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, mac: checkpointMac(key, cp) };
}

/**
 * Signs a checkpoint at the node's last record now (e.g. before a backup or at shutdown), so
 * the records since the last periodic checkpoint are covered too. Null when the log is empty.
 */
export async function writeCheckpoint(ctx: Ctx): Promise<AuditCheckpoint | null> {
  const signer = signers.get(ctx.nodeId);
  if (!signer) throw new AppError('AUDIT_KEY_MISSING', 'This process has no audit key for the node, so it cannot sign a checkpoint.');
  const last = await ctx.db.selectFrom('audit_log').select(['seq', 'hash']).where('node_id', '=', ctx.nodeId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!last) return null;
  const row = signed(signer.key, { nodeId: ctx.nodeId, seq: last.seq, hash: last.hash, at: ctx.clock.now().toISOString() });
  await ctx.db.insertInto('audit_checkpoints').values(row).onConflict((oc) => oc.columns(['node_id', 'seq']).doNothing()).execute();
  const kept = await ctx.db.selectFrom('audit_checkpoints').selectAll().where('node_id', '=', ctx.nodeId).where('seq', '=', last.seq).executeTakeFirstOrThrow();
  return { nodeId: kept.node_id, seq: kept.seq, hash: kept.hash, at: kept.at, mac: kept.mac };
}

export interface AuditVerification {
  records: number;
  checkpoints: number;
  intact: boolean;
  /** The first record that does not hold, in the first node (by id) with one. */
  firstBad: { nodeId: string; seq: number; reason: string } | null;
}

type LogRow = Omit<Database['audit_log'], 'prev_hash'> & { prevHash: string };

/** Rows read per query when verifying: a chain of millions never sits in memory at once. */
const VERIFY_PAGE = 20_000;

function recordOf(r: LogRow): Omit<AuditRecord, 'data'> {
  return { nodeId: r.node_id, seq: r.seq, id: r.id, at: r.at, actorId: r.actor_id, action: r.action, docType: r.doc_type, docId: r.doc_id, storeRef: r.store_ref };
}

/** The stored data as canonical JSON: rows written before data was stored canonical need this. */
function reparsed(r: LogRow): string {
  try {
    return canonicalRecordJson(recordOf(r), canonicalJson(JSON.parse(r.data)));
  } catch {
    return '';
  }
}

/** Walks one node's chain page by page; returns its first break, last seq and the hashes at `watch`. */
async function walkChain(ctx: Ctx, nodeId: string, watch: ReadonlySet<number>, pageSize: number) {
  const hashes = new Map<number, string>();
  let start = { seq: 1, prevHash: GENESIS_HASH };
  for (;;) {
    const page: LogRow[] = await ctx.db.selectFrom('audit_log').select(['node_id', 'seq', 'id', 'at', 'actor_id', 'action', 'doc_type', 'doc_id', 'store_ref', 'data', 'prev_hash as prevHash', 'hash']).where('node_id', '=', nodeId).where('seq', '>=', start.seq).orderBy('seq').limit(pageSize).execute();
    for (const r of page) if (watch.has(r.seq)) hashes.set(r.seq, r.hash);
    const broken = findChainBreakBy(page, (r) => canonicalRecordJson(recordOf(r), r.data), { recheck: reparsed, start });
    const last = page.at(-1);
    if (broken || !last || page.length < pageSize) return { broken, lastSeq: last?.seq ?? start.seq - 1, hashes };
    start = { seq: last.seq + 1, prevHash: last.hash };
  }
}

/**
 * Recomputes every node's chain from the start, checks each signed checkpoint against it (with
 * the node's key), and that the node's audit counter has not run past the last record. Reports
 * the first problem by seq within the first node that has one.
 */
export async function verifyAudit(ctx: Ctx, options: { pageSize?: number } = {}): Promise<AuditVerification> {
  const [total, chains, checkpoints, counters] = await Promise.all([
    ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('audit_log').select('node_id').distinct().execute(),
    ctx.db.selectFrom('audit_checkpoints').selectAll().orderBy('node_id').orderBy('seq').execute(),
    ctx.db.selectFrom('sequences').selectAll().where('name', 'like', 'audit:%').execute(),
  ]);
  const nodeIds = [...new Set([...chains.map((c) => c.node_id), ...checkpoints.map((c) => c.node_id)])].sort();
  let firstBad: AuditVerification['firstBad'] = null;
  for (const nodeId of nodeIds) {
    const signed = checkpoints.filter((c) => c.node_id === nodeId).map((c) => ({ nodeId, seq: c.seq, hash: c.hash, at: c.at, mac: c.mac }));
    const walk = await walkChain(ctx, nodeId, new Set(signed.map((c) => c.seq)), options.pageSize ?? VERIFY_PAGE);
    // A break ends the walk: checkpoints after it cannot be judged (and could not come first).
    const problems: Array<{ seq: number; reason: string }> = [];
    const broken = walk.broken;
    if (broken) problems.push(broken);
    const judged = broken ? signed.filter((c) => c.seq < broken.seq) : signed;
    const cpBreak = findCheckpointBreak(judged, { lastSeq: walk.lastSeq, hashAt: (seq) => walk.hashes.get(seq) }, signers.get(nodeId)?.key);
    if (cpBreak) problems.push(cpBreak);
    const counter = counters.find((c) => c.name === `audit:${nodeId}`)?.last_value ?? 0;
    if (!broken && counter > walk.lastSeq) {
      problems.push({ seq: walk.lastSeq + 1, reason: `records ${walk.lastSeq + 1}–${counter} are gone: the audit counter reached ${counter} but the last record is ${walk.lastSeq} (truncated)` });
    }
    const first = problems.sort((a, b) => a.seq - b.seq)[0];
    if (first) {
      firstBad = { nodeId, ...first };
      break;
    }
  }
  return { records: Number(total.n), checkpoints: checkpoints.length, intact: firstBad === null, firstBad };
}
