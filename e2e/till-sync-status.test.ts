// Browser test of the till's sync status. On the all-in-one node the header shows none. A store
// node's answers (its GET /sync/status, served to the page, with the page's clock fixed at 14:00
// Shanghai time) give a green dot with "2 分钟前", an orange one with the last sync at 12:00 and
// 12 documents queued since 12:05, and a red one (restricted) a day later, with the banner.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SyncStatus } from '../src/sync/index';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';

const NOW = new Date('2026-11-30T06:00:00Z'); // 14:00 in Shanghai
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function storeStatus(over: Partial<SyncStatus>): SyncStatus {
  return {
    role: 'store',
    nodeId: '0193a000-0000-7000-8000-000000000001',
    storeCode: 'S001',
    hqUrl: 'http://hq.example:8080',
    hqReachable: true,
    lastPushAt: ago(5),
    lastAttemptAt: ago(2),
    lastError: null,
    lastPullAt: ago(2),
    pulledChangeNo: 40,
    pullBehind: 0,
    ackedSeq: 120,
    queuedEvents: 0,
    oldestUnsyncedAt: null,
    clockSkewMs: 0,
    posture: { offline: false, offlineSince: null, unsyncedFen: 0, level: 'ok', reason: null, offlineRedeemCapPoints: Number.MAX_SAFE_INTEGER },
    ...over,
  };
}

/** Reloads the till with `status` as the node's answer and waits for the header's badge. */
async function showStatus(page: Page, status: SyncStatus): Promise<void> {
  await page.unroute('**/api/v1/sync/status');
  await page.route('**/api/v1/sync/status', (route) => route.fulfill({ json: status }));
  await page.reload();
  await page.getByTestId('sync-status').waitFor();
}

/** Points at the badge (from elsewhere, so the pointer enters it) and waits for its details. */
async function openDetails(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.getByTestId('sync-status').hover();
  await page.getByTestId('sync-status-details').waitFor();
}

describe.skipIf(chromiumMissing())('browser: the till’s sync status', () => {
  const env = serverAndBrowser('tp-e2e-till-sync-');

  it('shows nothing on the all-in-one node; on a store node the dot, last sync, queue and oldest unsynced', async () => {
    const page = await env.browser().newPage({ viewport: { width: 1280, height: 800 } });
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/sync/status'));
    await signInAtTill(page, env.server().url, { username: 'cashier' });
    const allInOne = (await (await answered).json()) as { role: string };
    expect(allInOne.role).toBe('all');
    await page.getByTestId('open-shift').click();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    await expect(page.getByTestId('sync-status').count()).resolves.toBe(0);
    await expect(page.getByTestId('sync-banner').count()).resolves.toBe(0);

    await page.clock.setFixedTime(NOW);
    // Online: pushed 5 and pulled 2 minutes ago, nothing queued.
    await showStatus(page, storeStatus({}));
    const badge = page.getByTestId('sync-status');
    await expect(badge.getAttribute('data-level')).resolves.toBe('online');
    await expect(badge.locator('[aria-label="已连接总部"]').count()).resolves.toBe(1);
    await expect(page.getByTestId('sync-last').textContent()).resolves.toBe('上次同步 2 分钟前');
    await expect(page.getByTestId('sync-queued').textContent()).resolves.toBe('待传 0 笔');
    await openDetails(page);
    await expect(page.getByTestId('sync-status-details').textContent()).resolves.toContain('上次同步：13:58');
    await expect(page.getByTestId('sync-oldest').textContent()).resolves.toBe('没有待同步的单据');
    await expect(page.getByTestId('sync-banner').count()).resolves.toBe(0);

    // HQ out of reach since the 12:00 push (past the 30-minute warning): 12 documents since 12:05.
    await showStatus(page, storeStatus({ hqReachable: false, lastPushAt: ago(120), lastPullAt: ago(121), queuedEvents: 12, oldestUnsyncedAt: ago(115), posture: { offline: true, offlineSince: ago(120), unsyncedFen: 86_400, level: 'warn', reason: 'HQ out of reach for 120 min', offlineRedeemCapPoints: 2_000 } }));
    await expect(badge.getAttribute('data-level')).resolves.toBe('warn');
    await expect(page.getByTestId('sync-last').textContent()).resolves.toBe('上次同步 12:00');
    await expect(page.getByTestId('sync-queued').textContent()).resolves.toBe('待传 12 笔');
    await openDetails(page);
    await expect(page.getByTestId('sync-oldest').textContent()).resolves.toBe('最早未同步：12:05（共 12 笔）');
    await expect(page.getByTestId('sync-banner').textContent()).resolves.toContain('与总部断开 120 分钟');

    // A day and three hours without HQ: restricted; the times carry their date.
    await showStatus(page, storeStatus({ hqReachable: false, lastPushAt: ago(27 * 60), lastPullAt: null, queuedEvents: 340, oldestUnsyncedAt: ago(27 * 60 - 10), posture: { offline: true, offlineSince: ago(27 * 60), unsyncedFen: 3_200_000, level: 'restricted', reason: 'HQ has been out of reach for more than 24 h', offlineRedeemCapPoints: 2_000 } }));
    await expect(badge.getAttribute('data-level')).resolves.toBe('restricted');
    await expect(badge.locator('[aria-label="离线受限"]').count()).resolves.toBe(1);
    await expect(page.getByTestId('sync-last').textContent()).resolves.toBe('上次同步 11-29 11:00');
    await expect(page.getByTestId('sync-queued').textContent()).resolves.toBe('待传 340 笔');
    await openDetails(page);
    await expect(page.getByTestId('sync-oldest').textContent()).resolves.toBe('最早未同步：11-29 11:10（共 340 笔）');
    await expect(page.getByTestId('sync-status-details').textContent()).resolves.toContain('离线受限上次同步：11-29 11:00');
    await expect(page.getByTestId('sync-banner').textContent()).resolves.toContain('积分抵扣和退货暂停');
    await page.close();
  });
});
