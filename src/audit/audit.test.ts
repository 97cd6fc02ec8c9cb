import { describe, expect, it } from 'vitest';
import { manualClock } from '../platform/clock';
import { createLogger } from '../platform/logging';
import { describeEachDb } from '../platform/testing/databases';
import type { Ctx } from '../platform/context';
import { auditHash, canonicalJson, findChainBreak, GENESIS_HASH, type AuditRecord } from './chain';
import { appendAudit, verifyAudit } from './service';

describe('audit chain hash', () => {
  it('is canonical: key order does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('finds the first edited, missing or relinked record', () => {
    const rows: Array<AuditRecord & { prevHash: string; hash: string }> = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 4; seq++) {
      const record: AuditRecord = { nodeId: 'n', seq, id: `id${seq}`, at: '2026-11-30T02:00:00.000Z', actorId: 'u', action: 'sale.completed', docType: 'sale', docId: `s${seq}`, storeRef: 'S', data: { totalFen: seq * 100 } };
      const hash = auditHash(prev, record);
      rows.push({ ...record, prevHash: prev, hash });
      prev = hash;
    }
    expect(findChainBreak(rows)).toBeNull();
    expect(findChainBreak(rows.map((r) => (r.seq === 3 ? { ...r, data: { totalFen: 1 } } : r)))).toEqual({ seq: 3, reason: expect.stringMatching(/edited/) });
    expect(findChainBreak(rows.filter((r) => r.seq !== 2))).toEqual({ seq: 2, reason: 'record 2 is missing' });
  });
});

describeEachDb('audit log', (handle) => {
  it('verifies an intact chain and names the record someone edited in the database', async () => {
    const ctx: Ctx = { actor: null, db: handle().db, clock: manualClock('2026-11-30T02:00:00Z'), nodeId: 'node-audit', log: createLogger('silent') };
    for (let i = 1; i <= 3; i++) {
      await ctx.db.transaction().execute((tx) => appendAudit({ ...ctx, db: tx }, { action: 'refund.approved', docType: 'return', docId: `r${i}`, data: { amountFen: i * 1000 } }));
    }
    expect(await verifyAudit(ctx)).toEqual({ records: 3, intact: true, firstBad: null });
    await ctx.db.updateTable('audit_log').set({ data: JSON.stringify({ amountFen: 99 }) }).where('node_id', '=', 'node-audit').where('seq', '=', 2).execute();
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-audit', seq: 2 } });
  });
});
