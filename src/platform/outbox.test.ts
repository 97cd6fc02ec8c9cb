import { expect, it } from 'vitest';
import { manualClock } from './clock';
import { createLogger } from './logging';
import { appendOutbox, bindOutboxToStore } from './outbox';
import { describeEachDb } from './testing/databases';
import type { Ctx } from './context';

describeEachDb('outbox', (handle) => {
  const ctxFor = (nodeId: string): Ctx => ({ actor: null, db: handle().db, clock: manualClock('2026-11-30T02:00:00Z'), nodeId, log: createLogger('silent') });

  it('numbers events 1, 2, 3… per node, inside the business transaction', async () => {
    const ctx = ctxFor('node-a');
    for (let i = 0; i < 3; i++) {
      await ctx.db.transaction().execute((tx) => appendOutbox({ ...ctx, db: tx }, { type: 'test.made', documentId: `d${i}`, payload: { i } }));
    }
    const rows = await ctx.db.selectFrom('outbox').select(['seq', 'document_id', 'payload']).where('node_id', '=', 'node-a').orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(JSON.parse(rows[2]?.payload ?? '{}')).toEqual({ i: 2 });
  });

  it("a store node refuses another store's document (HQ would refuse the batch and every one after it); chain-level and its own pass", async () => {
    const ctx = ctxFor('node-s');
    bindOutboxToStore('node-s', 'store-a');
    const append = (type: string, payload: unknown) => ctx.db.transaction().execute((tx) => appendOutbox({ ...ctx, db: tx }, { type, documentId: `${type}-${JSON.stringify(payload)}`, payload }));
    await append('sale.completed', { storeId: 'store-a' });
    await append('member.registered', { member: {} });
    await append('transfer.received', { fromStoreId: 'store-b', toStoreId: 'store-a' });
    await expect(append('transfer.received', { fromStoreId: 'store-a', toStoreId: 'store-c' })).rejects.toMatchObject({ code: 'STORE_NODE_OTHER_STORE', details: { storeId: 'store-c' } });
    await expect(append('stock_count.approved', { storeId: 'store-b' })).rejects.toMatchObject({ code: 'STORE_NODE_OTHER_STORE' });
    const rows = await ctx.db.selectFrom('outbox').select(['seq', 'type']).where('node_id', '=', 'node-s').orderBy('seq').execute();
    expect(rows).toEqual([
      { seq: 1, type: 'sale.completed' },
      { seq: 2, type: 'member.registered' },
      { seq: 3, type: 'transfer.received' },
    ]);
  });

  it('leaves no gap when a transaction rolls back', async () => {
    const ctx = ctxFor('node-b');
    await ctx.db.transaction().execute((tx) => appendOutbox({ ...ctx, db: tx }, { type: 't', documentId: 'ok1', payload: {} }));
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await appendOutbox({ ...ctx, db: tx }, { type: 't', documentId: 'lost', payload: {} });
        throw new Error('sale failed after the outbox write');
      }),
    ).rejects.toThrow('sale failed');
    await ctx.db.transaction().execute((tx) => appendOutbox({ ...ctx, db: tx }, { type: 't', documentId: 'ok2', payload: {} }));
    const rows = await ctx.db.selectFrom('outbox').select(['seq', 'document_id']).where('node_id', '=', 'node-b').orderBy('seq').execute();
    expect(rows).toEqual([
      { seq: 1, document_id: 'ok1' },
      { seq: 2, document_id: 'ok2' },
    ]);
  });

  it('stays gapless and unique under 40 concurrent transactions', async () => {
    const ctx = ctxFor('node-c');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => ctx.db.transaction().execute((tx) => appendOutbox({ ...ctx, db: tx }, { type: 't', documentId: `c${i}`, payload: {} }))),
    );
    const rows = await ctx.db.selectFrom('outbox').select('seq').where('node_id', '=', 'node-c').orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('refuses to write outside a transaction', async () => {
    await expect(appendOutbox(ctxFor('node-d'), { type: 't', documentId: 'x', payload: {} })).rejects.toThrow(/inside the transaction/);
  });
});
