// Returns bench (issue 6 budget: a return with approval < 20 ms p99, the provider's refund call
// excluded): a cash sale of a ¥300 item, a store manager's approval of its return (granted
// with the manager already verified, as after the PIN check), and the return taking that
// approval — each timed; the sale's completion in the same run is the baseline. The PIN check
// itself (argon2id, deliberately slow) is timed on its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { authenticate, verifyCredentials } from '../src/platform/auth/sessions';
import { createRateLimiter } from '../src/platform/auth/rate-limit';
import type { Ctx } from '../src/platform/context';
import { importSkus } from '../src/catalog/index';
import { withCheckDigit } from '../src/catalog/barcode';
import { addTender, completeSale, createCart, scan } from '../src/checkout/service';
import { openShift } from '../src/checkout/shifts';
import { approveAtTill } from '../src/returns/approvals';
import { createReturn } from '../src/returns/service';
import { machine } from './harness';

function percentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(3));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

export async function benchReturns(iterations = 400) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-returns-'));
  const config = loadConfig({ data: dir, logLevel: 'silent' }, {});
  const log = createLogger('silent');
  const tp = await createTillpoint({ config, clock: systemClock, log });
  try {
    const base: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log };
    await seedDemo(base, { products: 200 });
    const barcode = withCheckDigit('690000009991');
    await importSkus(base, [{ code: 'BENCH-KETTLE', name: '电水壶', unit: 'piece', categoryCode: 'C5001', priceFen: 30_000, costFen: 20_000, plu: null, barcodes: [barcode], active: true, components: [] }]);
    const pin = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    const actor = await authenticate(base, tp.app.sessionPolicy, (pin.json() as { token: string }).token);
    const ctx: Ctx = { ...base, actor };
    await openShift(ctx, { floatFen: 0 });
    const limiter = createRateLimiter(systemClock, { max: 1_000_000, windowMs: 60_000 });
    const verifyPin = () => verifyCredentials(base, tp.app.sessionPolicy, limiter, { username: 'manager', pin: '1234' }, { ip: '127.0.0.1' });
    const manager = await verifyPin();

    const saleMs: number[] = [];
    const approvalMs: number[] = [];
    const returnMs: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const cart = await createCart(ctx);
      await scan(ctx, cart.id, { code: barcode });
      await addTender(ctx, cart.id, { method: 'cash', amountFen: 30_000 });
      let t0 = performance.now();
      const sale = await completeSale(ctx, cart.id);
      saleMs.push(performance.now() - t0);
      const request = { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' };
      t0 = performance.now();
      const approval = await approveAtTill(ctx, actor, { return: request }, () => Promise.resolve(manager));
      approvalMs.push(performance.now() - t0);
      t0 = performance.now();
      const done = await createReturn(ctx, actor, { ...request, approvalId: approval.id });
      returnMs.push(performance.now() - t0);
      if (done.status !== 'completed') throw new Error(`return ${done.returnNo} ended ${done.status}`);
    }
    const pinMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await verifyPin();
      pinMs.push(performance.now() - t0);
    }
    // The first tenth warms the JIT and caches; the figures are over the rest.
    const steady = (xs: number[]) => percentiles(xs.slice(Math.floor(xs.length / 10)));
    return {
      subject: 'returns',
      machine: machine(),
      iterations,
      returnWithApproval: { name: 'POST /returns taking an approval (quote, limits, reserve, refund cash, stock, audit, outbox)', ...steady(returnMs) },
      approvalAtTill: { name: 'approval granted at the till (after the PIN check)', ...steady(approvalMs) },
      pinCheck: { name: 'the supervisor PIN check (argon2id)', ...percentiles(pinMs) },
      baseline: { name: 'completing the cash sale (same run)', ...steady(saleMs) },
      budgetP99Ms: 20,
    };
  } finally {
    await tp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
