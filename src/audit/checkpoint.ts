// Signed checkpoints of the audit chain: every so often the node signs (HMAC with its own key,
// kept outside the database) the hash a record of its chain had. A chain recomputed from an edit
// onwards links up again, but no longer has the signed hash at the checkpoint's seq.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AuditCheckpoint {
  nodeId: string;
  seq: number;
  hash: string;
  at: string;
  mac: string;
}

/**
 * HMAC-SHA256 (hex) of `nodeId|seq|hash|at` under the node key.
 *
 * @example checkpointMac(key, { nodeId: 'n1', seq: 1000, hash: 'ab…', at: '2026-11-30T02:00:00.000Z' })
 */
export function checkpointMac(key: Buffer, checkpoint: Omit<AuditCheckpoint, 'mac'>): string {
  return createHmac('sha256', key).update(`${checkpoint.nodeId}|${checkpoint.seq}|${checkpoint.hash}|${checkpoint.at}`).digest('hex');
}

function macMatches(key: Buffer, checkpoint: AuditCheckpoint): boolean {
  const expected = Buffer.from(checkpointMac(key, checkpoint), 'hex');
  const given = Buffer.from(checkpoint.mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The first checkpoint (in seq order) that does not hold for a node's chain: a bad signature, a
 * record that no longer has the signed hash (the chain was rewritten), or a checkpoint past the
 * last record (the tail was cut off). `hashAt` gives the stored hash of a record, if it exists.
 * Without the node's key no signature can be checked, and that is reported too.
 */
export function findCheckpointBreak(
  checkpoints: readonly AuditCheckpoint[],
  chain: { lastSeq: number; hashAt(seq: number): string | undefined },
  key: Buffer | undefined,
): { seq: number; reason: string } | null {
  for (const cp of checkpoints) {
    if (!key) return { seq: cp.seq, reason: `checkpoint ${cp.seq} cannot be checked: no audit key for this node (give its --data DIR or TILLPOINT_AUDIT_KEY)` };
    if (!macMatches(key, cp)) return { seq: cp.seq, reason: `checkpoint ${cp.seq} is not signed by this node's key (forged or edited)` };
    if (cp.seq > chain.lastSeq) {
      return { seq: chain.lastSeq + 1, reason: `records ${chain.lastSeq + 1}–${cp.seq} are gone: checkpoint ${cp.seq} is past the last record ${chain.lastSeq} (truncated)` };
    }
    const hash = chain.hashAt(cp.seq);
    if (hash !== undefined && hash !== cp.hash) {
      return { seq: cp.seq, reason: `its hash differs from the one signed in checkpoint ${cp.seq}: the chain was rewritten at or before it` };
    }
  }
  return null;
}
