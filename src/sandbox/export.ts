// `tillpoint sandbox export`: the providers' files for one business date, made from the
// sandboxes' order journals: the bills in the providers' real layouts (WeChat ALL trade bill;
// Alipay 业务明细 zip, GBK) with fees at the demo contract rate of 0.6 %, each channel's T+1
// settlement file, and the merchant account's bank statement with the settlements' net credits
// (MT940, camt.053, ICBC CSV). Faults can be injected, so reconciliation has something to find.
import fs from 'node:fs';
import path from 'node:path';
import Big from 'big.js';
import { formatWechatBill, parseWechatBill, type WechatBillRecord } from '../reconciliation/wechat-bill';
import { formatAlipayBill, parseAlipayBill, zipAlipayBill, type AlipayBillRow } from '../reconciliation/alipay-bill';
import { formatSettlementFile, type SettlementBatch } from '../reconciliation/settlement-file';
import { addDays, summariseBillLines } from '../reconciliation/match-settlement';
import { formatMt940 } from '../reconciliation/bank-mt940';
import { formatCamt053 } from '../reconciliation/bank-camt053';
import { formatBankCsv } from '../reconciliation/bank-csv';
import type { BankLine, ChannelLine } from '../reconciliation/types';
import { mulberry32 } from '../platform/random';
import { DEMO_BANK } from './demo-merchants';
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

/** Faults the export can inject: four in bill lines, three in a channel's money. */
export type SandboxFaultKind = 'drop' | 'amount' | 'fee' | 'duplicate' | 'late-settlement' | 'settlement-off' | 'bank-missing';

export interface SandboxFault {
  kind: SandboxFaultKind;
  channel: 'wechat' | 'alipay';
  /** Line faults: the order whose bill line was changed. */
  merchantOrderNo: string | null;
  /** The exception code reconciliation should find for it. */
  expectedCode: string;
}

const EXPECTED_CODE: Record<SandboxFaultKind, string> = {
  drop: 'POS_ONLY',
  amount: 'AMOUNT_MISMATCH',
  fee: 'FEE_MISMATCH',
  duplicate: 'DUPLICATE',
  'late-settlement': 'SETTLEMENT_MISSING',
  'settlement-off': 'SETTLEMENT_MISMATCH',
  'bank-missing': 'BANK_UNMATCHED',
};
const LINE_FAULTS: readonly SandboxFaultKind[] = ['drop', 'amount', 'fee', 'duplicate'];
const MONEY_FAULTS: readonly SandboxFaultKind[] = ['late-settlement', 'settlement-off', 'bank-missing'];

export interface SandboxExport {
  files: string[];
  wechatLines: number;
  alipayLines: number;
  settlements: SettlementBatch[];
  /** The credits on the bank statement (value date T+1). */
  bankCredits: number;
  faults: SandboxFault[];
}

/** Who pays each channel's settlement into the merchant's account, and the 摘要 it writes. */
const PAYERS = {
  wechat: { name: '财付通支付科技有限公司', summary: '微信支付结算', batch: 'WX' },
  alipay: { name: '支付宝（中国）网络技术有限公司', summary: '支付宝结算', batch: 'AP' },
} as const;
const OPENING_BALANCE_FEN = 100_000_000;

/**
 * Writes the day's bills, settlement files and bank statements into `outDir`. With `faults`, each
 * payment line is changed with probability `rate` (dropped, a fen more, a fee off the contract,
 * written twice) and each channel's money likewise (settlement late, settlement fees off by a fen,
 * bank credit missing), among `kinds` when given; the same seed gives the same faults. The faults
 * are listed in the result and in `faults-DATE.json`.
 *
 * @example exportSandboxBills({ dataDir: 'data', date: '2026-11-29', outDir: 'bills', wechat: { appId, mchId }, alipayAccount: '2088…', faults: { rate: 0.1, seed: 7 } })
 */
export function exportSandboxBills(input: { dataDir: string; date: string; outDir: string; wechat: { appId: string; mchId: string }; alipayAccount: string; faults?: { rate: number; seed: number; kinds?: readonly SandboxFaultKind[] } }): SandboxExport {
  const journals = sandboxJournals(input.dataDir);
  fs.mkdirSync(input.outDir, { recursive: true });
  const files: string[] = [];
  const random = mulberry32(input.faults?.seed ?? 0);
  const rate = input.faults?.rate ?? 0;
  const faults: SandboxFault[] = [];
  /** Picks a fault for a line (or a channel) with probability `rate`. */
  const pick = (among: readonly SandboxFaultKind[]): SandboxFaultKind | null => {
    const kinds = among.filter((k) => input.faults?.kinds?.includes(k) ?? true);
    return kinds.length > 0 && rate > 0 && random() < rate ? (kinds[Math.floor(random() * kinds.length)] ?? null) : null;
  };

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
  for (const o of wechatOrders.sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))) {
    if (onDate(o.paidAt, input.date) && (o.state === 'SUCCESS' || o.state === 'REVOKED')) {
      const line: WechatBillRecord = { ...wechatRecord(o, o.paidAt), state: o.state, feeExact: o.state === 'SUCCESS' ? fee(o.totalFee, 5) : '0.00000' };
      const fault = o.state === 'SUCCESS' ? pick(LINE_FAULTS) : null;
      if (fault) faults.push({ kind: fault, channel: 'wechat', merchantOrderNo: o.outTradeNo, expectedCode: EXPECTED_CODE[fault] });
      if (fault === 'amount') wechatLines.push({ ...line, totalFen: line.totalFen + 1, feeExact: fee(line.totalFen + 1, 5) });
      else if (fault === 'fee') wechatLines.push({ ...line, feeExact: offContract(line.totalFen, 5) });
      else if (fault === 'duplicate') wechatLines.push(line, line);
      else if (fault !== 'drop') wechatLines.push(line);
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
  const wechatBill = formatWechatBill({ lines: wechatLines });
  fs.writeFileSync(wechatFile, wechatBill);
  files.push(wechatFile);

  const alipayOrders = loadAlipayOrders(journals.alipay);
  const rows: AlipayBillRow[] = [];
  const base = (o: AlipaySandboxOrder) => ({ tradeNo: o.tradeNo, outTradeNo: o.outTradeNo, subject: 'Tillpoint 消费', createdAt: beijing(o.createdAt), storeId: '', storeName: '', operator: '', terminalId: '', buyer: '*顾(138****0000)', orderFen: o.totalFen });
  for (const o of alipayOrders.sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))) {
    if (onDate(o.paidAt, input.date)) {
      const row: AlipayBillRow = { ...base(o), kind: '交易', finishedAt: beijing(o.paidAt), receivedFen: o.totalFen, refundRequestNo: '', serviceFeeExact: `-${fee(o.totalFen, 2)}` };
      // A paid order the till cancelled is not a sale: faults go where reconciliation has a sale to hold them against.
      const fault = o.refunds.some((r) => r.outRequestNo === `R${o.outTradeNo}`) ? null : pick(LINE_FAULTS);
      if (fault) faults.push({ kind: fault, channel: 'alipay', merchantOrderNo: o.outTradeNo, expectedCode: EXPECTED_CODE[fault] });
      if (fault === 'amount') rows.push({ ...row, orderFen: row.orderFen + 1, receivedFen: row.receivedFen + 1, serviceFeeExact: `-${fee(o.totalFen + 1, 2)}` });
      else if (fault === 'fee') rows.push({ ...row, serviceFeeExact: `-${offContract(o.totalFen, 2)}` });
      else if (fault === 'duplicate') rows.push(row, row);
      else if (fault !== 'drop') rows.push(row);
    }
    // One 退款 row per partial refund, under its request number; Alipay returns its share of the fee.
    for (const r of o.refunds) {
      if (onDate(r.refundedAt, input.date)) rows.push({ ...base(o), kind: '退款', finishedAt: beijing(r.refundedAt), receivedFen: -r.refundFen, refundRequestNo: r.outRequestNo, serviceFeeExact: fee(r.refundFen, 2) });
    }
  }
  rows.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const compact = input.date.replace(/-/g, '');
  const csv = formatAlipayBill({ account: input.alipayAccount, from: `${input.date} 00:00:00`, to: `${input.date} 23:59:59`, exportedAt: `${input.date} 23:59:59`, lines: rows });
  const alipayFile = path.join(input.outDir, `${input.alipayAccount}_${compact}.zip`);
  const alipayZip = zipAlipayBill(csv, `${input.alipayAccount}_${compact}`);
  fs.writeFileSync(alipayFile, alipayZip);
  files.push(alipayFile);

  // T+1 settlements, made from the bills as written (so only the money faults below show in layer 2).
  const settleDate = addDays(input.date, 1);
  const settlements: SettlementBatch[] = [];
  const credits: BankLine[] = [];
  const billed: Array<['wechat' | 'alipay', string, ChannelLine[]]> = [
    ['wechat', input.wechat.mchId, parseWechatBill(wechatBill).lines],
    ['alipay', input.alipayAccount, parseAlipayBill(alipayZip).lines],
  ];
  for (const [channel, merchantId, lines] of billed) {
    const day = summariseBillLines(lines).get(channel) ?? { count: 0, grossFen: 0, feeFen: 0, refundFen: 0, netFen: 0 };
    const fault = lines.length > 0 ? pick(MONEY_FAULTS) : null;
    if (fault) faults.push({ kind: fault, channel, merchantOrderNo: null, expectedCode: EXPECTED_CODE[fault] });
    if (fault === 'late-settlement') continue;
    const feeFen = day.feeFen + (fault === 'settlement-off' ? 1 : 0);
    const batch: SettlementBatch = { channel, merchantId, businessDate: input.date, settleDate, batchId: `${PAYERS[channel].batch}${compact}`, count: day.count, grossFen: day.grossFen, feeFen, refundFen: day.refundFen, netFen: day.grossFen - feeFen - day.refundFen, line: 3 };
    const file = path.join(input.outDir, `${channel}-settlement-${input.date}.csv`);
    fs.writeFileSync(file, formatSettlementFile([batch]));
    files.push(file);
    settlements.push(batch);
    if (fault !== 'bank-missing' && batch.netFen > 0) {
      credits.push({ valueDate: settleDate, bookingDate: settleDate, amountFen: batch.netFen, currency: 'CNY', counterparty: PAYERS[channel].name, reference: batch.batchId, description: `${PAYERS[channel].summary} ${batch.batchId}`, line: 0 });
    }
  }

  const statement = { account: DEMO_BANK.account, currency: 'CNY', openingFen: OPENING_BALANCE_FEN, closingFen: credits.reduce((sum, c) => sum + c.amountFen, OPENING_BALANCE_FEN), fromDate: settleDate, toDate: settleDate, lines: credits };
  const bankName = path.join(input.outDir, `bank-statement-${settleDate}`);
  fs.writeFileSync(`${bankName}.mt940`, formatMt940([statement], `STMT${settleDate.replace(/-/g, '')}`));
  fs.writeFileSync(`${bankName}.camt053.xml`, formatCamt053([statement], { messageId: `STMT${settleDate.replace(/-/g, '')}`, createdAt: `${settleDate}T23:59:59+08:00` }));
  fs.writeFileSync(`${bankName}.csv`, formatBankCsv(statement));
  files.push(`${bankName}.mt940`, `${bankName}.camt053.xml`, `${bankName}.csv`);
  if (input.faults) {
    const manifest = path.join(input.outDir, `faults-${input.date}.json`);
    fs.writeFileSync(manifest, `${JSON.stringify(faults, null, 2)}\n`);
    files.push(manifest);
  }
  return { files, wechatLines: wechatLines.length, alipayLines: rows.length, settlements, bankCredits: credits.length, faults };
}

/** A fee off the contract: the contract's plus five fen, more than any rounding explains. */
function offContract(totalFen: number, decimals: number): string {
  return new Big(fee(totalFen, decimals)).plus('0.05').toFixed(decimals);
}
