// The audit chain's hash: each record commits to the previous record's hash, so editing or
// deleting any record breaks every hash after it.
import { createHash } from 'node:crypto';

export interface AuditRecord {
  nodeId: string;
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  docType: string;
  docId: string;
  storeRef: string | null;
  data: unknown;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * SHA-256 over the previous hash and the canonical record.
 *
 * @example auditHash(GENESIS_HASH, record) // '9f2c…'
 */
export function auditHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(record)).digest('hex');
}

/** The first record (in seq order) whose hash or link does not hold, or null when intact. */
export function findChainBreak(rows: ReadonlyArray<AuditRecord & { prevHash: string; hash: string }>): { seq: number; reason: string } | null {
  let prev = GENESIS_HASH;
  let expectedSeq = rows[0]?.seq ?? 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { seq: expectedSeq, reason: `record ${expectedSeq} is missing` };
    if (row.prevHash !== prev) return { seq: row.seq, reason: 'its link to the previous record does not match' };
    const { prevHash: _p, hash, ...record } = row;
    if (auditHash(prev, record) !== hash) return { seq: row.seq, reason: 'its content does not match its hash (edited)' };
    prev = hash;
    expectedSeq += 1;
  }
  return null;
}
