import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { manualClock } from '../platform/clock';
import { wechatChannel } from '../payments/wechat-client';
import { alipayChannel } from '../payments/alipay-client';
import { parseWechatBill } from '../reconciliation/wechat-bill';
import { parseAlipayBill } from '../reconciliation/alipay-bill';
import { runTillpoint } from '../platform/testing/cli';
import { startWechatSandbox } from './wechat-pay';
import { startAlipaySandbox } from './alipay';
import { exportSandboxBills, sandboxJournals } from './export';
import { DEMO_ALIPAY, DEMO_WECHAT } from './demo-merchants';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-sandbox-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sandbox bills', () => {
  it('exports the day\'s WeChat and Alipay bills from the sandboxes\' own records, which read back', async () => {
    // 2026-11-29 10:00 in Beijing
    const clock = manualClock('2026-11-29T02:00:00Z');
    const journals = sandboxJournals(dir);
    const wx = await startWechatSandbox({ ...DEMO_WECHAT, clock, journalFile: journals.wechat });
    const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const [merchant, alipayKeys] = [rsa(), rsa()];
    const ali = await startAlipaySandbox({ appId: DEMO_ALIPAY.appId, merchantPublicKeyPem: merchant.publicKey, alipayPrivateKeyPem: alipayKeys.privateKey, clock, journalFile: journals.alipay });
    const wechat = wechatChannel({ ...DEMO_WECHAT, baseUrl: wx.url, timeoutMs: 2000 });
    const alipay = alipayChannel({ gatewayUrl: ali.url, appId: DEMO_ALIPAY.appId, privateKeyPem: merchant.privateKey, alipayPublicKeyPem: alipayKeys.publicKey, timeoutMs: 2000 });
    await wechat.pay({ merchantOrderNo: 'S001A', amountFen: 1999, authCode: '134567890123456700', subject: 'x' });
    await wechat.pay({ merchantOrderNo: 'S001B', amountFen: 5000, authCode: '134567890123456700', subject: 'x' });
    await wechat.cancel('S001B');
    await alipay.pay({ merchantOrderNo: 'S001C', amountFen: 3000, authCode: '281234567890123420', subject: 'x' });
    await alipay.pay({ merchantOrderNo: 'S001D', amountFen: 1000, authCode: '281234567890123420', subject: 'x' });
    await alipay.cancel('S001D');
    clock.advance(24 * 3_600_000); // the next day's payment is not in this day's bill
    await wechat.pay({ merchantOrderNo: 'S001E', amountFen: 700, authCode: '134567890123456700', subject: 'x' });
    await Promise.all([wx.close(), ali.close()]);

    const out = path.join(dir, 'bills');
    const result = exportSandboxBills({ dataDir: dir, date: '2026-11-29', outDir: out, wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    expect(result).toMatchObject({ wechatLines: 2, alipayLines: 3 });

    const wxBill = parseWechatBill(fs.readFileSync(path.join(out, 'wechat-tradebill-2026-11-29.csv')));
    expect(wxBill.lines.map((l) => [l.merchantOrderNo, l.kind, l.grossFen, l.feeExact])).toEqual([
      ['S001A', 'pay', 1999, '0.11994'],
      ['S001B', 'reverse', 0, '0.00000'],
    ]);
    const aliBill = parseAlipayBill(fs.readFileSync(path.join(out, `${DEMO_ALIPAY.account}_20261129.zip`)));
    expect(aliBill.lines.map((l) => [l.merchantOrderNo, l.kind, l.grossFen, l.feeFen])).toEqual([
      ['S001C', 'pay', 3000, -18],
      ['S001D', 'pay', 1000, -6],
      ['S001D', 'refund', -1000, 6],
    ]);

    // …and a restarted sandbox still knows its orders.
    const again = await startWechatSandbox({ ...DEMO_WECHAT, clock, journalFile: journals.wechat });
    expect(again.orders.get('S001A')?.state).toBe('SUCCESS');
    await again.close();

    const cli = await runTillpoint(['sandbox', 'export', '--date', '2026-11-30', '--out', path.join(dir, 'cli'), '--data', dir]);
    expect(cli.stdout).toMatch(/Wrote wechat-tradebill-2026-11-30\.csv, 20885212319120680156_20261130\.zip \(1 WeChat and 0 Alipay lines\)/);
  });
});
