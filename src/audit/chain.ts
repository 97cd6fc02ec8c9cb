// The audit chain's hash: each record commits to the previous record's hash, so editing or
// deleting any record breaks every hash after it.
import { hash as sha256 } from 'node:crypto';

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

export type ChainedRecord = AuditRecord & { prevHash: string; hash: string };

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with keys sorted at every level, so the same record always hashes the same.
 * Hand-written rather than `Object.entries(…).sort()` because it runs once per record in
 * `audit verify` (DESIGN §10: ≥ 200,000 records/s); the output is byte for byte what that
 * simpler form gave, so chains written before still verify.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return Array.isArray(value) ? arrayJson(value) : objectJson(value as Record<string, unknown>);
    default:
      return String(JSON.stringify(value));
  }
}

// A string with no quote, backslash, control character or surrogate is its own JSON body;
// testing that is about 3× faster than JSON.stringify, and ids, codes and dates all pass it.
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

function arrayJson(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(items[i]);
  return `${out}]`;
}

// Keys repeat record after record (totalFen, tenders, method…): quote each once.
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function objectJson(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  // Insertion sort in place: objects have a handful of keys, often already in order, and this
  // beats Array.prototype.sort there. Same order: string comparison by UTF-16 code units.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${quoteKey(key)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The canonical JSON of a record whose `data` is already canonical JSON text (as stored), so a
 * verifier need not parse and re-serialise it. Keys in sorted order, as `canonicalJson` gives.
 */
export function canonicalRecordJson(record: Omit<AuditRecord, 'data'>, dataJson: string): string {
  return (
    `{"action":${quote(record.action)},"actorId":${canonicalJson(record.actorId)},"at":${quote(record.at)},` +
    `"data":${dataJson},"docId":${quote(record.docId)},"docType":${quote(record.docType)},"id":${quote(record.id)},` +
    `"nodeId":${quote(record.nodeId)},"seq":${canonicalJson(record.seq)},"storeRef":${canonicalJson(record.storeRef)}}`
  );
}

/** The canonical JSON of a record: `canonicalJson(record)`, with the fixed top level written out. */
export function canonicalRecord(record: AuditRecord): string {
  // An absent field is left out by canonicalJson; the fast form always writes all ten.
  if (record.data === undefined || record.actorId === undefined || record.storeRef === undefined) return canonicalJson(record);
  return canonicalRecordJson(record, canonicalJson(record.data));
}

/** SHA-256 (hex) over the previous hash, a newline and the record's canonical JSON. */
export function auditHashOfJson(prevHash: string, recordJson: string): string {
  return sha256('sha256', `${prevHash}\n${recordJson}`, 'hex');
}

/**
 * SHA-256 over the previous hash and the canonical record.
 *
 * @example auditHash(GENESIS_HASH, record) // '9f2c…'
 */
export function auditHash(prevHash: string, record: AuditRecord): string {
  return auditHashOfJson(prevHash, canonicalRecord(record));
}

/** The first record (in seq order) whose hash or link does not hold, or null when intact. */
export function findChainBreak(rows: ReadonlyArray<ChainedRecord>): { seq: number; reason: string } | null {
  return findChainBreakBy(rows, (row) => canonicalRecord(row));
}

/**
 * `findChainBreak` over rows of any shape, given how to write a row's canonical JSON (the
 * database verifier splices the stored data text in rather than parsing it, and re-checks a
 * mismatch with `recheck`), from `start` (a later page of a long chain).
 */
export function findChainBreakBy<R extends { seq: number; prevHash: string; hash: string }>(
  rows: ReadonlyArray<R>,
  recordJson: (row: R) => string,
  options: { recheck?: (row: R) => string; start?: { seq: number; prevHash: string } } = {},
): { seq: number; reason: string } | null {
  let prev = options.start?.prevHash ?? GENESIS_HASH;
  let expectedSeq = options.start?.seq ?? 1;
  const recheck = options.recheck;
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { seq: expectedSeq, reason: `record ${expectedSeq} is missing` };
    if (row.prevHash !== prev) return { seq: row.seq, reason: 'its link to the previous record does not match' };
    if (auditHashOfJson(prev, recordJson(row)) !== row.hash && (!recheck || auditHashOfJson(prev, recheck(row)) !== row.hash)) {
      return { seq: row.seq, reason: 'its content does not match its hash (edited)' };
    }
    prev = row.hash;
    expectedSeq += 1;
  }
  return null;
}
