// `tillpoint sandbox export`: the providers' bills for one business date, made from the
// sandboxes' order journals in the providers' real layouts (WeChat ALL trade bill; Alipay 业务明细
// zip, GBK), with fees at the demo contract rate of 0.6 %.
import fs from 'node:fs';
import path from 'node:path';
import Big from 'big.js';
import { formatWechatBill, type WechatBillRecord } from '../reconciliation/wechat-bill';
import { formatAlipayBill, zipAlipayBill, type AlipayBillRow } from '../reconciliation/alipay-bill';
import { openJournal } from './journal';
import type { SandboxOrder } from './wechat-pay';
import { loadAlipayOrders, type AlipaySandboxOrder } from './alipay';

export const SANDBOX_FEE_RATE = '0.006';

/** The journal files of the sandboxes under a data folder. */
export function sandboxJournals(dataDir: string): { wechat: string; alipay: string } {
  return { wechat: path.join(dataDir, 'sandbox', 'wechat-orders.jsonl'), alipay: path.join(dataDir, 'sandbox', 'alipay-orders.jsonl') };
}

/** Beijing wall time `YYYY-MM-DD HH:mm:ss` of an epoch millisecond. */
function beijing(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

function onDate(ms: number | null | undefined, date: string): ms is number {
  return typeof ms === 'number' && beijing(ms).startsWith(date);
}

/** Fee in yuan at the contract rate: WeChat writes 5 decimals, Alipay 2 (rounded half-even). */
function fee(totalFen: number, decimals: number): string {
  return new Big(totalFen).times(SANDBOX_FEE_RATE).div(100).round(decimals, Big.roundHalfEven).toFixed(decimals);
}

export interface SandboxExport {
  files: string[];
  wechatLines: number;
  alipayLines: number;
}

/**
 * Writes the day's bills into `outDir`.
 *
 * @example exportSandboxBills({ dataDir: 'data', date: '2026-11-29', outDir: 'bills', wechat: { appId, mchId }, alipayAccount: '2088…' })
 */
export function exportSandboxBills(input: { dataDir: string; date: string; outDir: string; wechat: { appId: string; mchId: string }; alipayAccount: string }): SandboxExport {
  const journals = sandboxJournals(input.dataDir);
  fs.mkdirSync(input.outDir, { recursive: true });
  const files: string[] = [];

  const wechatOrders = openJournal<SandboxOrder>(journals.wechat, 'outTradeNo').load();
  const wechatRecord = (o: SandboxOrder, at: number) => ({
    time: `${beijing(at).replace(' ', 'T')}+08:00`,
    appId: input.wechat.appId,
    mchId: input.wechat.mchId,
    deviceInfo: null,
    transactionId: o.transactionId,
    outTradeNo: o.outTradeNo,
    openId: 'oSandboxOpenId0000000000000',
    totalFen: o.totalFee,
    body: 'Tillpoint 消费',
    rate: '0.60%',
  });
  const wechatLines: WechatBillRecord[] = [];
  for (const o of wechatOrders) {
    if (onDate(o.paidAt, input.date) && (o.state === 'SUCCESS' || o.state === 'REVOKED')) {
      wechatLines.push({ ...wechatRecord(o, o.paidAt), state: o.state, feeExact: o.state === 'SUCCESS' ? fee(o.totalFee, 5) : '0.00000' });
    }
    // One REFUND row per refund that went through that day; WeChat returns its share of the fee.
    for (const r of o.refunds ?? []) {
      if (r.status !== 'SUCCESS' || !onDate(r.successAt, input.date)) continue;
      const returned = fee(r.refundFee, 5);
      wechatLines.push({ ...wechatRecord(o, r.successAt), state: 'REFUND', refundId: r.refundId, outRefundNo: r.outRefundNo, refundFen: r.refundFee, feeExact: Number(returned) === 0 ? returned : `-${returned}` });
    }
  }
  // Beijing times with one offset sort as text.
  wechatLines.sort((a, b) => a.time.localeCompare(b.time));
  const wechatFile = path.join(input.outDir, `wechat-tradebill-${input.date}.csv`);
  fs.writeFileSync(wechatFile, formatWechatBill({ lines: wechatLines }));
  files.push(wechatFile);

  const alipayOrders = loadAlipayOrders(journals.alipay);
  const rows: AlipayBillRow[] = [];
  const base = (o: AlipaySandboxOrder) => ({ tradeNo: o.tradeNo, outTradeNo: o.outTradeNo, subject: 'Tillpoint 消费', createdAt: beijing(o.createdAt), storeId: '', storeName: '', operator: '', terminalId: '', buyer: '*顾(138****0000)', orderFen: o.totalFen });
  for (const o of alipayOrders) {
    if (onDate(o.paidAt, input.date)) rows.push({ ...base(o), kind: '交易', finishedAt: beijing(o.paidAt), receivedFen: o.totalFen, refundRequestNo: '', serviceFeeExact: `-${fee(o.totalFen, 2)}` });
    // One 退款 row per partial refund, under its request number; Alipay returns its share of the fee.
    for (const r of o.refunds) {
      if (onDate(r.refundedAt, input.date)) rows.push({ ...base(o), kind: '退款', finishedAt: beijing(r.refundedAt), receivedFen: -r.refundFen, refundRequestNo: r.outRequestNo, serviceFeeExact: fee(r.refundFen, 2) });
    }
  }
  rows.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const compact = input.date.replace(/-/g, '');
  const csv = formatAlipayBill({ account: input.alipayAccount, from: `${input.date} 00:00:00`, to: `${input.date} 23:59:59`, exportedAt: `${input.date} 23:59:59`, lines: rows });
  const alipayFile = path.join(input.outDir, `${input.alipayAccount}_${compact}.zip`);
  fs.writeFileSync(alipayFile, zipAlipayBill(csv, `${input.alipayAccount}_${compact}`));
  files.push(alipayFile);
  return { files, wechatLines: wechatLines.length, alipayLines: rows.length };
}
