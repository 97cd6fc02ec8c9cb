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
import { parseSettlementFile } from '../reconciliation/settlement-file';
import { parseBankStatement } from '../reconciliation/bank-statement';
import { runTillpoint } from '../platform/testing/cli';
import { startWechatSandbox } from './wechat-pay';
import { startAlipaySandbox } from './alipay';
import { exportSandboxBills, sandboxJournals } from './export';
import { DEMO_ALIPAY, DEMO_BANK, DEMO_WECHAT } from './demo-merchants';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-sandbox-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sandbox bills', () => {
  it('exports the day\'s WeChat and Alipay bills from the sandboxes\' own records, which read back', async () => {
    // 2026-11-29 10:00 in Beijing
    const clock = manualClock('2026-11-29T02:00:00Z');
    const journals = sandboxJournals(dir);
    const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const [merchant, alipayKeys] = [rsa(), rsa()];
    const wx = await startWechatSandbox({ ...DEMO_WECHAT, clock, journalFile: journals.wechat, v3: { merchantPublicKeyPem: merchant.publicKey, merchantSerialNo: 'M1', platformPrivateKeyPem: alipayKeys.privateKey, platformSerialNo: 'P1' } });
    const ali = await startAlipaySandbox({ appId: DEMO_ALIPAY.appId, merchantPublicKeyPem: merchant.publicKey, alipayPrivateKeyPem: alipayKeys.privateKey, clock, journalFile: journals.alipay });
    const wechat = wechatChannel({ ...DEMO_WECHAT, baseUrl: wx.url, timeoutMs: 2000, clock, v3: { merchantPrivateKeyPem: merchant.privateKey, merchantSerialNo: 'M1', platformPublicKeyPem: alipayKeys.publicKey, platformSerialNo: 'P1', apiV3Key: '0123456789abcdef0123456789abcdef' } });
    const alipay = alipayChannel({ gatewayUrl: ali.url, appId: DEMO_ALIPAY.appId, privateKeyPem: merchant.privateKey, alipayPublicKeyPem: alipayKeys.publicKey, timeoutMs: 2000 });
    await wechat.pay({ merchantOrderNo: 'S001A', amountFen: 1999, authCode: '134567890123456700', subject: 'x' });
    await wechat.pay({ merchantOrderNo: 'S001B', amountFen: 5000, authCode: '134567890123456700', subject: 'x' });
    await wechat.cancel('S001B');
    clock.advance(60_000);
    await wechat.refund({ merchantOrderNo: 'S001A', refundNo: 'RA1', refundFen: 500, totalFen: 1999, reason: '退货' });
    // Still PROCESSING at the end of the day: not in this day's bill.
    await wechat.refund({ merchantOrderNo: 'S001A', refundNo: 'RA2', refundFen: 207, totalFen: 1999, reason: '退货' });
    await alipay.pay({ merchantOrderNo: 'S001C', amountFen: 3000, authCode: '281234567890123420', subject: 'x' });
    await alipay.refund({ merchantOrderNo: 'S001C', refundNo: 'AR1', refundFen: 1000, totalFen: 3000, reason: '退货' });
    await alipay.refund({ merchantOrderNo: 'S001C', refundNo: 'AR2', refundFen: 550, totalFen: 3000, reason: '退货' });
    await alipay.pay({ merchantOrderNo: 'S001D', amountFen: 1000, authCode: '281234567890123420', subject: 'x' });
    await alipay.cancel('S001D');
    clock.advance(24 * 3_600_000); // the next day's payment is not in this day's bill
    await wechat.pay({ merchantOrderNo: 'S001E', amountFen: 700, authCode: '134567890123456700', subject: 'x' });
    await Promise.all([wx.close(), ali.close()]);

    const out = path.join(dir, 'bills');
    const result = exportSandboxBills({ dataDir: dir, date: '2026-11-29', outDir: out, wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    expect(result).toMatchObject({ wechatLines: 3, alipayLines: 5 });

    const wxBill = parseWechatBill(fs.readFileSync(path.join(out, 'wechat-tradebill-2026-11-29.csv')));
    expect(wxBill.lines.map((l) => [l.merchantOrderNo, l.kind, l.refundNo, l.grossFen, l.feeExact])).toEqual([
      ['S001A', 'pay', null, 1999, '0.11994'],
      ['S001B', 'reverse', null, 0, '0.00000'],
      ['S001A', 'refund', 'RA1', -500, '-0.03000'],
    ]);
    expect(wxBill.summary).toMatchObject({ grossFen: 1999, refundFen: 500, feeExact: '0.08994' });
    const aliBill = parseAlipayBill(fs.readFileSync(path.join(out, `${DEMO_ALIPAY.account}_20261129.zip`)));
    expect(aliBill.lines.map((l) => [l.merchantOrderNo, l.kind, l.refundNo, l.grossFen, l.feeFen])).toEqual([
      ['S001C', 'pay', null, 3000, -18],
      ['S001C', 'refund', 'AR1', -1000, 6],
      ['S001C', 'refund', 'AR2', -550, 3],
      ['S001D', 'pay', null, 1000, -6],
      ['S001D', 'refund', 'RS001D', -1000, 6],
    ]);

    // …and a restarted sandbox still knows its orders.
    const again = await startWechatSandbox({ ...DEMO_WECHAT, clock, journalFile: journals.wechat });
    expect(again.orders.get('S001A')?.state).toBe('SUCCESS');
    await again.close();

    // T+1 settlements (gross − fees − refunds) and the bank statement that pays them, in three formats.
    expect(result.settlements.map((b) => [b.channel, b.batchId, b.settleDate, b.count, b.grossFen, b.feeFen, b.refundFen, b.netFen])).toEqual([
      ['wechat', 'WX20261129', '2026-11-30', 2, 1999, 9, 500, 1490],
      ['alipay', 'AP20261129', '2026-11-30', 5, 4000, 9, 2550, 1441],
    ]);
    expect(parseSettlementFile(fs.readFileSync(path.join(out, 'wechat-settlement-2026-11-29.csv')))).toEqual([{ ...result.settlements[0], line: 3 }]);
    const credits = (file: string, profile?: 'icbc') => parseBankStatement(fs.readFileSync(path.join(out, file)), 'auto', profile).flatMap((st) => st.lines.map((l) => [st.account, l.valueDate, l.amountFen, l.reference, l.counterparty]));
    const expected = [
      [DEMO_BANK.account, '2026-11-30', 1490, 'WX20261129', '财付通支付科技有限公司'],
      [DEMO_BANK.account, '2026-11-30', 1441, 'AP20261129', '支付宝（中国）网络技术有限公司'],
    ];
    expect(credits('bank-statement-2026-11-30.mt940')).toEqual(expected);
    expect(credits('bank-statement-2026-11-30.camt053.xml')).toEqual(expected);
    expect(credits('bank-statement-2026-11-30.csv', 'icbc')).toEqual(expected);

    const cli = await runTillpoint(['sandbox', 'export', '--date', '2026-11-30', '--out', path.join(dir, 'cli'), '--data', dir, '--faults', '0', '--seed', '4']);
    expect(cli.stdout).toMatch(/Wrote wechat-tradebill-2026-11-30\.csv, 20885212319120680156_20261130\.zip, wechat-settlement-2026-11-30\.csv, alipay-settlement-2026-11-30\.csv, bank-statement-2026-12-01\.mt940, .* \(1 WeChat and 0 Alipay lines, 2 settlements, 1 bank credits, 0 faults\)/);
    expect((await runTillpoint(['sandbox', 'export', '--date', '2026-11-30', '--out', dir, '--faults', '2'])).stderr).toMatch(/--faults must be a rate between 0 and 1/);
  });
});

describe('sandbox journals written before partial refunds', () => {
  it('read a cancelled paid Alipay order (one refundedAt) as one refund of the whole order', () => {
    const old = path.join(dir, 'legacy');
    const journals = sandboxJournals(old);
    fs.mkdirSync(path.dirname(journals.alipay), { recursive: true });
    const paidAt = Date.parse('2026-11-29T02:00:00Z');
    fs.writeFileSync(journals.alipay, `${JSON.stringify({ outTradeNo: 'S001OLD', tradeNo: '2026000001', totalFen: 1200, authCode: '281234567890123420', status: 'TRADE_CLOSED', createdAt: paidAt, paidAt, refundedAt: paidAt + 60_000 })}\n`);
    const out = path.join(old, 'bills');
    expect(exportSandboxBills({ dataDir: old, date: '2026-11-29', outDir: out, wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account }).alipayLines).toBe(2);
    const bill = parseAlipayBill(fs.readFileSync(path.join(out, `${DEMO_ALIPAY.account}_20261129.zip`)));
    expect(bill.lines.map((l) => [l.kind, l.refundNo, l.grossFen])).toEqual([
      ['pay', null, 1200],
      ['refund', 'RS001OLD', -1200],
    ]);
  });
});
