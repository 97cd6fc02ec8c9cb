// The demo's history and the fetch job agree: the days the history sold are reconciled on the
// bills it imported (faults and all), and those are the bills the wallets' sandboxes serve for
// those days afterwards, so the fetch job on T+1 and T+2 imports nothing new and changes no result.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { configureWallets } from '../payments/index';
import { startDemoWallets } from '../sandbox/demo-wallets';
import { DEMO_ALIPAY } from '../sandbox/demo-merchants';
import { billSources, fetchAndReconcile } from '../reconciliation/fetch';
import { runReconciliation } from '../reconciliation/run';
import { seedDemoHistory } from './demo-history';

describeEachDb('demo history and the bill fetch', (handle) => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    // 10:00 Beijing time on 2026-11-30: the history sells the 28th and the 29th.
    t = await startTestApp(handle(), { stores: 1, products: 40, start: '2026-11-30T02:00:00Z' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-demo-history-'));
    expect(await seedDemoHistory(t.ctx, { days: 2, dataDir, salesPerDay: 40, faultRate: 0.1 })).toBe(80);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fetches the very bills the history imported for its days: nothing new, the same result', async () => {
    const before = await Promise.all(['2026-11-28', '2026-11-29'].map((date) => runReconciliation(t.ctx, { date })));
    // The planted faults are there to be found.
    expect(before.reduce((n, run) => n + run.summary.exceptions, 0)).toBeGreaterThan(0);
    const wallets = await startDemoWallets({ clock: t.clock, dataDir, timeoutMs: 2000 });
    try {
      configureWallets('*', { ...wallets.settings, wait: async (ms) => t.clock.advance(ms) });
      const sources = billSources({ wechat: wallets.settings.wechat, alipay: wallets.settings.alipay, alipayAccount: DEMO_ALIPAY.account });
      for (const [k, date] of ['2026-11-28', '2026-11-29'].entries()) {
        const run = await fetchAndReconcile(t.ctx, { date, sources });
        expect(run.bills.map((b) => `${b.channel} ${b.status}`)).toEqual(['wechat unchanged', 'alipay unchanged']);
        expect(run.summary).toEqual(before[k]?.summary);
      }
    } finally {
      await wallets.close();
    }
  });
});
