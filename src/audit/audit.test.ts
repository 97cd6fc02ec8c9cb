import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { manualClock } from '../platform/clock';
import { createLogger } from '../platform/logging';
import { describeEachDb } from '../platform/testing/databases';
import type { Ctx } from '../platform/context';
import { auditHash, canonicalJson, findChainBreak, GENESIS_HASH, type AuditRecord } from './chain';
import { appendAudit, appendAuditMany, configureAuditNode, verifyAudit, writeCheckpoint } from './service';

/** canonicalJson as first written (entries, filter, sort): the fast one must give the same bytes. */
function referenceCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${referenceCanonicalJson(v)}`).join(',')}}`;
}

const sampleRecord: AuditRecord = {
  nodeId: 'node-1',
  seq: 1,
  id: '0193a1b2-0000-7000-8000-000000000001',
  at: '2026-11-30T02:00:00.000Z',
  actorId: null,
  action: 'sale.completed',
  docType: 'sale',
  docId: 's1',
  storeRef: 'store-1',
  data: { totalFen: 2590, tenders: [{ method: 'cash', amountFen: 2590 }], note: '顾客 "VIP"\n', z: true, a: [1.5, null, { y: 1, x: -0 }] },
};

describe('audit chain hash', () => {
  it('is canonical: key order does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('gives the hash chains written before the speed-up have (existing chains still verify)', () => {
    // Computed with the first implementation (Object.entries + sort, createHash with three updates).
    expect(auditHash(GENESIS_HASH, sampleRecord)).toBe('e12b7aaccd0182dc2017d07d916003d6e0b65ad004b2fc64d1c27e90ef966622');
  });

  it('writes any JSON value byte for byte as the first implementation did', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.record({ actorId: fc.option(fc.string()), action: fc.string(), docId: fc.string(), storeRef: fc.option(fc.string()), data: fc.jsonValue() }), (r) => {
        const record = { ...sampleRecord, ...r };
        expect(auditHash(GENESIS_HASH, record)).toBe(auditHash(GENESIS_HASH, JSON.parse(referenceCanonicalJson(record)) as AuditRecord));
        expect(canonicalJson(record)).toBe(referenceCanonicalJson(record));
      }),
    );
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
    expect(findChainBreak(rows.slice(1))).toEqual({ seq: 1, reason: 'record 1 is missing' });
  });
});

const KEY = Buffer.alloc(32, 7);
const EVERY = 5;

describeEachDb('audit log', (handle) => {
  const ctxOf = (nodeId: string): Ctx => ({ actor: null, db: handle().db, clock: manualClock('2026-11-30T02:00:00Z'), nodeId, log: createLogger('silent') });

  /** A node with `count` records (amounts 1000, 2000, …), appended one or several per transaction, signed every 5. */
  async function chain(nodeId: string, count = 12): Promise<Ctx> {
    configureAuditNode(nodeId, { key: KEY, checkpointEvery: EVERY });
    const ctx = ctxOf(nodeId);
    for (let i = 1; i <= count; ) {
      const batch = Array.from({ length: Math.min(i % 3 === 0 ? 3 : 1, count - i + 1) }, (_, k) => ({ action: 'refund.approved', docType: 'return', docId: `r${i + k}`, storeId: 'store-1', data: { amountFen: (i + k) * 1000, note: 'ok' } }));
      await ctx.db.transaction().execute((tx) => appendAuditMany({ ...ctx, db: tx }, batch));
      i += batch.length;
    }
    return ctx;
  }

  const rowAt = (nodeId: string, seq: number) => handle().db.selectFrom('audit_log').selectAll().where('node_id', '=', nodeId).where('seq', '=', seq).executeTakeFirstOrThrow();

  afterEach(async () => {
    const db = handle().db;
    await db.deleteFrom('audit_log').execute();
    await db.deleteFrom('audit_checkpoints').execute();
    await db.deleteFrom('sequences').where('name', 'like', 'audit:%').execute();
  });

  it('verifies an intact chain and signs a checkpoint with every fifth record, in the same transaction', async () => {
    const ctx = await chain('node-a');
    expect(await verifyAudit(ctx)).toEqual({ records: 12, checkpoints: 2, intact: true, firstBad: null });
    const checkpoints = await ctx.db.selectFrom('audit_checkpoints').select(['seq', 'hash']).orderBy('seq').execute();
    expect(checkpoints).toEqual([
      { seq: 5, hash: (await rowAt('node-a', 5)).hash },
      { seq: 10, hash: (await rowAt('node-a', 10)).hash },
    ]);
    // A rolled-back append leaves neither the record nor its checkpoint behind.
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await appendAuditMany({ ...ctx, db: tx }, [1, 2, 3].map((n) => ({ action: 'x', docType: 'x', docId: `x${n}` })));
        throw new Error('the act failed');
      }),
    ).rejects.toThrow('the act failed');
    expect(await verifyAudit(ctx)).toMatchObject({ records: 12, checkpoints: 2, intact: true });
  });

  it('names the record whose data lost or changed one byte', async () => {
    const ctx = await chain('node-b');
    const row = await rowAt('node-b', 7);
    expect(row.data).toBe('{"amountFen":7000,"note":"ok"}');
    await ctx.db.updateTable('audit_log').set({ data: row.data.replace('7000', '7001') }).where('node_id', '=', 'node-b').where('seq', '=', 7).execute();
    expect(await verifyAudit(ctx)).toEqual({ records: 12, checkpoints: 2, intact: false, firstBad: { nodeId: 'node-b', seq: 7, reason: 'its content does not match its hash (edited)' } });
  });

  it('walks a long chain page by page, carrying the link across pages', async () => {
    const ctx = await chain('node-p');
    expect(await verifyAudit(ctx, { pageSize: 5 })).toEqual({ records: 12, checkpoints: 2, intact: true, firstBad: null });
    expect(await verifyAudit(ctx, { pageSize: 4 })).toMatchObject({ intact: true });
    await ctx.db.deleteFrom('audit_log').where('node_id', '=', 'node-p').where('seq', '=', 6).execute();
    expect(await verifyAudit(ctx, { pageSize: 5 })).toMatchObject({ records: 11, intact: false, firstBad: { seq: 6, reason: 'record 6 is missing' } });
  });

  it('names a deleted record', async () => {
    const ctx = await chain('node-c');
    await ctx.db.deleteFrom('audit_log').where('node_id', '=', 'node-c').where('seq', '=', 3).execute();
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-c', seq: 3, reason: 'record 3 is missing' } });
  });

  it('names the first of two records whose contents were swapped', async () => {
    const ctx = await chain('node-d');
    const [three, four] = [await rowAt('node-d', 3), await rowAt('node-d', 4)];
    const content = ({ node_id: _n, seq: _s, ...rest }: typeof three) => rest;
    await ctx.db.updateTable('audit_log').set(content(four)).where('node_id', '=', 'node-d').where('seq', '=', 3).execute();
    await ctx.db.updateTable('audit_log').set(content(three)).where('node_id', '=', 'node-d').where('seq', '=', 4).execute();
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-d', seq: 3 } });
  });

  it('detects a chain recomputed after an edit by the signed checkpoint after it', async () => {
    const ctx = await chain('node-e');
    // The forger edits record 2 and recomputes every hash and link after it: the chain links up.
    const rows = await ctx.db.selectFrom('audit_log').selectAll().where('node_id', '=', 'node-e').orderBy('seq').execute();
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const data = r.seq === 2 ? '{"amountFen":1,"note":"ok"}' : r.data;
      const hash = auditHash(prev, { nodeId: r.node_id, seq: r.seq, id: r.id, at: r.at, actorId: r.actor_id, action: r.action, docType: r.doc_type, docId: r.doc_id, storeRef: r.store_ref, data: JSON.parse(data) });
      await ctx.db.updateTable('audit_log').set({ data, prev_hash: prev, hash }).where('node_id', '=', 'node-e').where('seq', '=', r.seq).execute();
      prev = hash;
    }
    expect(await verifyAudit(ctx)).toEqual({
      records: 12,
      checkpoints: 2,
      intact: false,
      firstBad: { nodeId: 'node-e', seq: 5, reason: 'its hash differs from the one signed in checkpoint 5: the chain was rewritten at or before it' },
    });
    // Re-signing the checkpoints needs the node key, which is not in the database.
    for (const seq of [5, 10]) {
      await ctx.db.updateTable('audit_checkpoints').set({ hash: (await rowAt('node-e', seq)).hash, mac: 'f'.repeat(64) }).where('node_id', '=', 'node-e').where('seq', '=', seq).execute();
    }
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-e', seq: 5, reason: "checkpoint 5 is not signed by this node's key (forged or edited)" } });
  });

  it('detects a cut-off tail: by the checkpoint past the last record, or by the audit counter', async () => {
    const ctx = await chain('node-f');
    await ctx.db.deleteFrom('audit_log').where('node_id', '=', 'node-f').where('seq', '>', 11).execute();
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-f', seq: 12, reason: 'records 12–12 are gone: the audit counter reached 12 but the last record is 11 (truncated)' } });
    // The forger also winds the counter back; checkpoint 10 still says there was a record 10.
    await ctx.db.deleteFrom('audit_log').where('node_id', '=', 'node-f').where('seq', '>', 8).execute();
    await ctx.db.updateTable('sequences').set({ last_value: 8 }).where('name', '=', 'audit:node-f').execute();
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { nodeId: 'node-f', seq: 9, reason: 'records 9–10 are gone: checkpoint 10 is past the last record 8 (truncated)' } });
    // Every record gone: the checkpoints are left to say so.
    await ctx.db.deleteFrom('audit_log').where('node_id', '=', 'node-f').execute();
    expect(await verifyAudit(ctx)).toMatchObject({ records: 0, intact: false, firstBad: { nodeId: 'node-f', seq: 1 } });
  });

  it('signs a checkpoint on demand at the last record, and cannot check signatures without the key', async () => {
    const ctx = await chain('node-g', 7);
    expect(await writeCheckpoint(ctx)).toMatchObject({ nodeId: 'node-g', seq: 7, hash: (await rowAt('node-g', 7)).hash });
    expect(await writeCheckpoint(ctx)).toMatchObject({ seq: 7 });
    expect(await verifyAudit(ctx)).toMatchObject({ checkpoints: 2, intact: true });
    configureAuditNode('node-g', { key: Buffer.alloc(32, 9), checkpointEvery: EVERY });
    expect(await verifyAudit(ctx)).toMatchObject({ intact: false, firstBad: { seq: 5, reason: "checkpoint 5 is not signed by this node's key (forged or edited)" } });
  });

  it('appends without a checkpoint when the process has no key for the node, and says so', async () => {
    const warnings: unknown[] = [];
    const ctx: Ctx = { ...ctxOf('node-unkeyed'), log: { ...createLogger('silent'), warn: (o: unknown) => warnings.push(o) } as unknown as Ctx['log'] };
    await ctx.db.transaction().execute((tx) => appendAuditMany({ ...ctx, db: tx }, Array.from({ length: 1000 }, (_, i) => ({ action: 'x', docType: 'x', docId: `x${i}` }))));
    expect(warnings).toEqual([{ seq: [1000] }]);
    expect(await verifyAudit(ctx)).toMatchObject({ records: 1000, checkpoints: 0, intact: true });
  });

  it('still verifies records stored before data was kept canonical', async () => {
    const ctx = await chain('node-h', 2);
    // Written by the first version: data as JSON.stringify gave it, keys in insertion order.
    const record: AuditRecord = { ...sampleRecord, nodeId: 'node-h', seq: 3, data: { z: 1, a: { c: 2, b: [1, { y: 0, x: 'é' }] } } };
    const prev = (await rowAt('node-h', 2)).hash;
    await ctx.db
      .insertInto('audit_log')
      .values({ node_id: 'node-h', seq: 3, id: record.id, at: record.at, actor_id: null, action: record.action, doc_type: record.docType, doc_id: record.docId, store_ref: record.storeRef, data: JSON.stringify(record.data), prev_hash: prev, hash: auditHash(prev, record) })
      .execute();
    await ctx.db.updateTable('sequences').set({ last_value: 3 }).where('name', '=', 'audit:node-h').execute();
    await ctx.db.transaction().execute((tx) => appendAudit({ ...ctx, db: tx }, { action: 'y', docType: 'y', docId: 'y' }));
    expect(await verifyAudit(ctx)).toMatchObject({ records: 4, intact: true });
  });
});
