// Browser test of a transfer between stores: S001's manager sends two items to S002, the transfer
// shows in transit at both ends, and the regional manager, at S002, receives it by scanning what
// arrived — one item short — and the difference is recorded on the line and in the ledger.
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { apiAs, onHandAt, signInAtBackOffice } from './back-office';
import { demoCatalog } from './demo-products';

interface Transfer {
  id: string;
  transferNo: string;
  status: string;
  lines: Array<{ code: string; qtySent: number; qtyReceived: number | null; difference: number | null; result: string | null }>;
}

describe.skipIf(chromiumMissing())('browser: a transfer from S001 to S002', () => {
  const env = serverAndBrowser('tp-e2e-transfer-', { stores: 2 });

  it('S001 sends 4 + 3, it is in transit, S002 receives 4 + 2 and the short one is recorded', async () => {
    const url = env.server().url;
    const manager = await apiAs(url, 'manager');
    const regional = await apiAs(url, 'regional');
    const { products } = await demoCatalog(url);
    const [a, b] = products.filter((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0 && p.active);
    if (!a || !b) throw new Error('the demo catalog has no two piece items with barcodes');
    const [barA, barB] = [a.barcodes[0] as string, b.barcodes[0] as string];
    // S001 has the goods: a delivery of 10 of each.
    await manager('POST', '/suppliers', { code: 'E2E', name: '测试供应商' });
    const po = await manager<{ id: string }>('POST', '/purchase-orders', { store: 'S001', supplierCode: 'E2E', lines: [{ code: barA, qty: 10, unitCostFen: 300 }, { code: barB, qty: 10, unitCostFen: 500 }] });
    await manager('POST', `/purchase-orders/${po.id}/send?store=S001`);
    await manager('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: barA, qty: 10 }, { code: barB, qty: 10 }] });
    const s001 = { a: await onHandAt(manager, 'S001', barA), b: await onHandAt(manager, 'S001', barB) };
    const s002 = { a: await onHandAt(regional, 'S002', barA), b: await onHandAt(regional, 'S002', barB) };

    // S001 sends.
    const sender = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtBackOffice(sender, url, 'manager');
    await sender.getByTestId('admin-nav').getByText('库存').click();
    await sender.getByRole('tab', { name: '调拨' }).click();
    await sender.getByTestId('transfer-to').fill('S002');
    await sender.getByTestId('transfer-qty').fill('4');
    await sender.getByTestId('transfer-scan').fill(barA);
    await sender.getByTestId('transfer-scan').press('Enter');
    await sender.getByTestId('transfer-qty').fill('3');
    await sender.getByTestId('transfer-scan').fill(barB);
    await sender.getByTestId('transfer-scan').press('Enter');
    await sender.getByTestId('transfer-send').click();
    await sender.getByTestId('transfer-detail').waitFor();
    await expect(sender.getByTestId('transfer-status').textContent()).resolves.toBe('在途');
    await expect(sender.getByTestId('transfer-lines').locator('tbody tr').allTextContents()).resolves.toEqual([`${a.code}${a.name}4在途`, `${b.code}${b.name}3在途`]);
    const row = sender.getByTestId('transfer-table').locator('tbody tr').first();
    await expect(row.textContent()).resolves.toMatch(/^TR-S001-\d{6}→ S002在途$/);
    const transferNo = ((await row.textContent()) ?? '').slice(0, 'TR-S001-000001'.length);
    // Stock left S001 when the goods left; S002 has nothing yet.
    expect(await onHandAt(manager, 'S001', barA)).toBe(s001.a - 4);
    expect(await onHandAt(manager, 'S001', barB)).toBe(s001.b - 3);
    expect(await onHandAt(regional, 'S002', barA)).toBe(s002.a);
    await sender.close();

    // S002 receives: the regional manager switches to S002, sees it in transit and scans what arrived.
    const receiver = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtBackOffice(receiver, url, 'regional');
    await receiver.getByTestId('admin-nav').getByText('库存').click();
    await receiver.getByTestId('inventory-store').click();
    await receiver.locator('.ant-select-item-option', { hasText: 'S002' }).click();
    await receiver.getByRole('tab', { name: '调拨' }).click();
    const incoming = receiver.getByTestId('transfer-table').locator('tbody tr', { hasText: transferNo });
    await expect(incoming.textContent()).resolves.toContain('← S001在途');
    await incoming.click();
    await receiver.getByTestId('transfer-detail').waitFor();
    await receiver.getByTestId('transfer-in-qty').fill('4');
    await receiver.getByTestId('transfer-in-scan').fill(barA);
    await receiver.getByTestId('transfer-in-scan').press('Enter');
    await receiver.getByTestId('transfer-in-qty').fill('2');
    await receiver.getByTestId('transfer-in-scan').fill(barB);
    await receiver.getByTestId('transfer-in-scan').press('Enter');
    await receiver.getByTestId('transfer-receive-scanned').click();
    await receiver.getByTestId('transfer-status').getByText('已收货').waitFor();
    await expect(receiver.getByTestId('transfers-message').textContent()).resolves.toContain(`调拨单 ${transferNo} 已收货`);
    await expect(receiver.getByTestId('transfer-lines').locator('tbody tr').allTextContents()).resolves.toEqual([`${a.code}${a.name}44`, `${b.code}${b.name}32短少 -1`]);
    await receiver.close();

    // The difference is on the transfer, and each store's ledger moved by what really moved.
    const { transfers } = await regional<{ transfers: Array<{ id: string; transferNo: string }> }>('GET', '/transfers?store=S002&status=received');
    const id = transfers.find((t) => t.transferNo === transferNo)?.id ?? '';
    const received = await regional<Transfer>('GET', `/transfers/${id}`);
    expect(received.status).toBe('received');
    expect(received.lines.map((l) => [l.code, l.qtySent, l.qtyReceived, l.difference, l.result])).toEqual([
      [a.code, 4, 4, 0, 'ok'],
      [b.code, 3, 2, -1, 'short'],
    ]);
    expect(await onHandAt(regional, 'S002', barA)).toBe(s002.a + 4);
    expect(await onHandAt(regional, 'S002', barB)).toBe(s002.b + 2);
    expect(await onHandAt(manager, 'S001', barB)).toBe(s001.b - 3);
    const moves = await regional<{ moves: Array<{ kind: string; qty: number; reason: string | null }> }>('GET', `/stock/moves?store=S002&code=${barB}`);
    expect(moves.moves[0]).toMatchObject({ kind: 'transfer_in', qty: 2, reason: 'sent 3' });
  });
});
