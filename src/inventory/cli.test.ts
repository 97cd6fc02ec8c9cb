// `tillpoint stock verify`: exit 0 when every balance is the sum of its moves, else exit 1 with
// each differing balance listed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTillpoint } from '../platform/testing/cli';
import { migrate, openDatabase } from '../platform/db/index';
import { manualClock } from '../platform/clock';
import { createLogger } from '../platform/logging';
import { createStore } from '../platform/stores/service';
import { importCategories, importSkus } from '../catalog/index';
import type { Ctx } from '../platform/context';
import { recordStockMoves } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-stock-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tillpoint stock verify', () => {
  it('passes on an intact ledger and lists a tampered balance', async () => {
    const file = path.join(dir, 'stock.db');
    const handle = await openDatabase({ kind: 'sqlite', path: file });
    await migrate(handle.db);
    const ctx: Ctx = { actor: null, db: handle.db, clock: manualClock('2026-11-30T02:00:00Z'), nodeId: 'test-node', log: createLogger('silent') };
    const s1 = await createStore(ctx, { code: 'S001', name: 'One' });
    const s2 = await createStore(ctx, { code: 'S002', name: 'Two' });
    await importCategories(ctx, [{ code: 'C1', name: 'Drinks', parentCode: null, vatRate: '0.13' }]);
    await importSkus(ctx, [{ code: 'COLA', name: 'Cola', unit: 'piece', categoryCode: 'C1', priceFen: 350, costFen: 200, plu: null, barcodes: [], active: true, components: [] }]);
    const sku = await handle.db.selectFrom('skus').select('id').executeTakeFirstOrThrow();
    const move = { skuId: sku.id, kind: 'receipt' as const, docType: 'test', docId: 'd1', costFen: 0, businessDate: '2026-11-30' };
    await handle.db.transaction().execute((tx) => recordStockMoves({ ...ctx, db: tx }, [{ ...move, storeId: s1.id, qty: 12 }, { ...move, storeId: s2.id, qty: 3 }, { ...move, storeId: s1.id, qty: -2, kind: 'sale' }]));
    await handle.close();

    const intact = await runTillpoint(['stock', 'verify', '--db', `sqlite:${file}`]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toContain('Stock balances agree with the ledger: 2 balances in 2 stores.');

    const again = await openDatabase({ kind: 'sqlite', path: file });
    await again.db.updateTable('stock_balances').set({ qty: 11 }).where('store_id', '=', s1.id).execute();
    await again.close();
    const broken = await runTillpoint(['stock', 'verify', '--db', `sqlite:${file}`]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`S001 ${sku.id}: balance 11, ledger 10`);
    expect(broken.stderr.trim()).toBe('tillpoint: 1 stock balances differ from the ledger.');
    // The other store alone is intact.
    const other = await runTillpoint(['stock', 'verify', '--store', 'S002', '--json', '--db', `sqlite:${file}`]);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toEqual({ stores: 1, balances: 1, differences: [] });
  }, 60_000);
});
