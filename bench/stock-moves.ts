// What stock moves add to a sale (issue 9 budget: < 0.5 ms): inside one open SQLite transaction
// (so the commit's fsync, paid once per sale either way, is left out), each iteration writes a
// 3-line sale's rows (the baseline) and then its 3 stock moves with their balance updates, each
// timed on its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { catalogIndex } from '../src/catalog/index';
import { insertSales, type SaleRecord } from '../src/checkout/index';
import { recordStockMoves } from '../src/inventory/index';
import { machine } from './harness';

function percentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(4));
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

export async function benchStockMoves(sales = 5_000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-moves-'));
  const tp = await createTillpoint({ config: loadConfig({ data: dir, logLevel: 'silent' }, {}), clock: systemClock, log: createLogger('silent') });
  try {
    const base: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log: createLogger('silent') };
    await seedDemo(base, { products: 2000 });
    const skus = (await catalogIndex(base)).search('', 500).items.filter((s) => s.unit === 'piece' && s.components.length === 0);
    const store = await base.db.selectFrom('stores').innerJoin('terminals', 'terminals.store_id', 'stores.id').select(['stores.id as storeId', 'terminals.id as terminalId']).executeTakeFirstOrThrow();
    const cashier = (await base.db.selectFrom('users').select('id').where('username', '=', 'cashier').executeTakeFirstOrThrow()).id;
    const shiftId = newId();
    const now = new Date().toISOString();
    await base.db.insertInto('shifts').values({ store_id: store.storeId, id: shiftId, terminal_id: store.terminalId, cashier_id: cashier, business_date: '2026-11-30', status: 'open', float_fen: 0, opened_at: now, closed_at: null, closed_by: null, counted_fen: null, expected_fen: null, over_short_fen: null, counted_detail: null }).execute();
    const saleMs: number[] = [];
    const movesMs: number[] = [];
    await base.db.transaction().execute(async (tx) => {
      const t: Ctx = { ...base, db: tx };
      for (let i = 0; i < sales; i++) {
        const id = newId();
        const picked = [0, 1, 2].map((k) => skus[(i * 3 + k) % skus.length]).filter((s) => s !== undefined);
        const lines = picked.map((s, k) => ({ lineNo: k + 1, skuId: s.id, name: s.name, unit: s.unit, qty: 1, unitPriceFen: s.priceFen, listFen: s.priceFen, discountFen: 0, totalFen: s.priceFen, costFen: s.costFen, vatRate: '0.13', categoryId: s.categoryId, promotions: [], components: [] }));
        const total = lines.reduce((sum, l) => sum + l.totalFen, 0);
        const sale: SaleRecord = {
          id, storeId: store.storeId, receiptNo: `B-${i}`, terminalId: store.terminalId, shiftId, cashierId: cashier, memberId: null, businessDate: '2026-11-30', createdAt: now,
          subtotalFen: total, discountFen: 0, roundingFen: 0, totalFen: total, paidFen: total, changeFen: 0, receiptToken: id, idempotencyKey: id, lines, promotions: [],
          tenders: [{ id: newId(), method: 'cash', amountFen: total, tenderedFen: total, changeFen: 0, status: 'succeeded', reference: null, authCode: null, cardLast4: null, merchantOrderNo: null, channelTxnId: null, createdAt: now }],
        };
        let t0 = performance.now();
        await insertSales(tx, [sale]);
        saleMs.push(performance.now() - t0);
        t0 = performance.now();
        await recordStockMoves(t, lines.map((l) => ({ storeId: store.storeId, skuId: l.skuId, qty: -1, kind: 'sale' as const, docType: 'sale', docId: id, costFen: l.costFen, businessDate: '2026-11-30' })));
        movesMs.push(performance.now() - t0);
      }
    });
    const skip = Math.floor(sales / 10);
    return {
      subject: 'stock-moves',
      machine: machine(),
      sales,
      stockMoves: { name: "a 3-line sale's stock moves and balance updates (in the sale's transaction)", ...percentiles(movesMs.slice(skip)) },
      baseline: { name: "the same sale's rows (sale, lines, tender)", ...percentiles(saleMs.slice(skip)) },
      budgetMs: 0.5,
    };
  } finally {
    await tp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
