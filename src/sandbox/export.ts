// `tillpoint sandbox export`: the providers' files for one business date, made from the
// sandboxes' order journals: the bills in the providers' real layouts (WeChat ALL trade bill;
// Alipay 业务明细 zip, GBK) with fees at the demo contract rate of 0.6 %, each channel's T+1
// settlement file, and the merchant account's bank statement with the settlements' net credits
// (MT940, camt.053, ICBC CSV). Faults can be injected, so reconciliation has something to find.
import fs from 'node:fs';
import path from 'node:path';
import Big from 'big.js';
import { formatWechatBill, parseWechatBill, type WechatBillRecord } from '../reconciliation/wechat-bill';
import { billFileName } from '../reconciliation/fetch';
import { formatAlipayBill, parseAlipayBill, zipAlipayBill, type AlipayBillRow } from '../reconciliation/alipay-bill';
import { formatSettlementFile, type SettlementBatch } from '../reconciliation/settlement-file';
import { addDays, summariseBillLines } from '../reconciliation/match-settlement';
import { formatMt940 } from '../reconciliation/bank-mt940';
import { formatCamt053 } from '../reconciliation/bank-camt053';
import { formatBankCsv } from '../reconciliation/bank-csv';
import type { BankLine, ChannelLine } from '../reconciliation/types';
import { mulberry32 } from '../platform/random';
import { DEMO_AGGREGATOR, DEMO_BANK, DEMO_CARD } from './demo-merchants';
import { formatAggregatorBill, parseAggregatorBill, type AggregatorBillRow } from '../reconciliation/aggregator-bill';
import { formatCardFile, parseCardFile, type CardFileRow } from '../reconciliation/card-file';
import { applyRate } from '../platform/money';
import type { AggregatorOrder } from './aggregator';
import { loadCardJournal, type CardJournalEntry } from './card-terminal';
import { openJournal } from './journal';
import type { SandboxOrder } from './wechat-pay';
import { loadAlipayOrders, type AlipaySandboxOrder } from './alipay';

export const SANDBOX_FEE_RATE = '0.006';

/**
 * The journal files of the sandboxes under a data folder, and the folder of the bills they have
 * published (`published`: a day's bill once written there is the one they serve for that day).
 */
export function sandboxJournals(dataDir: string): { wechat: string; alipay: string; aggregator: string; card: string; published: string } {
  const at = (name: string) => path.join(dataDir, 'sandbox', name);
  return { wechat: at('wechat-orders.jsonl'), alipay: at('alipay-orders.jsonl'), aggregator: at('aggregator-orders.jsonl'), card: at('card-journal.jsonl'), published: at('published') };
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

/** Faults the export can inject: four in bill lines, three in a channel's money, one in a store's cash deposit. */
export type SandboxFaultKind = 'drop' | 'amount' | 'fee' | 'duplicate' | 'late-settlement' | 'settlement-off' | 'bank-missing' | 'deposit-short';

export interface SandboxFault {
  kind: SandboxFaultKind;
  channel: 'wechat' | 'alipay' | 'aggregator' | 'card' | 'cash';
  /** Line faults: the order whose bill line was changed (a deposit's: its slip number). */
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
  'deposit-short': 'CASH_SHORT',
};
const LINE_FAULTS: readonly SandboxFaultKind[] = ['drop', 'amount', 'fee', 'duplicate'];
const MONEY_FAULTS: readonly SandboxFaultKind[] = ['late-settlement', 'settlement-off', 'bank-missing'];
const DEPOSIT_FAULTS: readonly SandboxFaultKind[] = ['deposit-short'];
/** A deposit hit by `deposit-short` reaches the bank ¥10.00 short. */
const DEPOSIT_SHORT_FEN = 1_000;

/** A store's cash taken to the bank for the day, which the statement credits as 现金存款 naming the slip. */
export interface SandboxCashDeposit {
  storeCode: string;
  amountFen: number;
  slipNo: string;
}

export interface SandboxExport {
  files: string[];
  wechatLines: number;
  alipayLines: number;
  /** Lines of the aggregator's bill and the card acquirer's file (written only on a day that has some). */
  aggregatorLines: number;
  cardLines: number;
  settlements: SettlementBatch[];
  /** The credits on the bank statement (value date T+1). */
  bankCredits: number;
  faults: SandboxFault[];
}

/** Who pays each channel's settlement into the merchant's account, and the 摘要 it writes. */
const PAYERS = {
  wechat: { name: '财付通支付科技有限公司', summary: '微信支付结算', batch: 'WX' },
  alipay: { name: '支付宝（中国）网络技术有限公司', summary: '支付宝结算', batch: 'AP' },
  aggregator: { name: '聚合支付科技有限公司', summary: '聚合支付结算', batch: 'AG' },
  card: { name: '银联商务股份有限公司', summary: 'POS结算', batch: 'CD' },
} as const;
const OPENING_BALANCE_FEN = 100_000_000;

/**
 * Writes the day's bills, settlement files and bank statements into `outDir`. With `faults`, each
 * payment line is changed with probability `rate` (dropped, a fen more, a fee off the contract,
 * written twice) and each channel's money likewise (settlement late, settlement fees off by a fen,
 * bank credit missing), among `kinds` when given; the same seed gives the same faults. The faults
 * are listed in the result and in `faults-DATE.json`. `cashDeposits` (the stores' cash taken to the
 * bank for the day) are credited on the T+1 statement as 现金存款 naming the slip (`deposit-short`: ¥10 less).
 *
 * @example exportSandboxBills({ dataDir: 'data', date: '2026-11-29', outDir: 'bills', wechat: { appId, mchId }, alipayAccount: '2088…', faults: { rate: 0.1, seed: 7 } })
 */
export function exportSandboxBills(input: { dataDir: string; date: string; outDir: string; wechat: { appId: string; mchId: string }; alipayAccount: string; faults?: { rate: number; seed: number; kinds?: readonly SandboxFaultKind[] }; cashDeposits?: readonly SandboxCashDeposit[] }): SandboxExport {
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

  const onFault = (fault: SandboxFault) => faults.push(fault);
  const write = (name: string, bytes: Buffer): Buffer => {
    const file = path.join(input.outDir, name);
    fs.writeFileSync(file, bytes);
    files.push(file);
    return bytes;
  };
  const wechatLines = wechatBillRecords(openJournal<SandboxOrder>(journals.wechat, 'outTradeNo').load(), input.date, input.wechat, { pick, onFault });
  const wechatFile = path.join(input.outDir, billFileName('wechat', input.date));
  const wechatBill = formatWechatBill({ lines: wechatLines });
  fs.writeFileSync(wechatFile, wechatBill);
  files.push(wechatFile);

  const compact = input.date.replace(/-/g, '');
  const alipayFile = path.join(input.outDir, billFileName('alipay', input.date, input.alipayAccount));
  const alipayZip = alipayBillZip(loadAlipayOrders(journals.alipay), input.date, input.alipayAccount, { pick, onFault });
  fs.writeFileSync(alipayFile, alipayZip);
  const alipayLines = parseAlipayBill(alipayZip).lines;
  files.push(alipayFile);

  // T+1 settlements, made from the bills as written (so only the money faults below show in layer 2).
  const settleDate = addDays(input.date, 1);
  const settlements: SettlementBatch[] = [];
  const credits: BankLine[] = [];
  // The aggregator's bill and the acquirer's card file, on a day with such payments.
  const aggregatorRows = aggregatorBillRows(openJournal<AggregatorOrder>(journals.aggregator, 'outTradeNo').load(), input.date, DEMO_AGGREGATOR.merchantNo);
  const cardRows = cardFileRows(loadCardJournal(journals.card), input.date);
  const aggregatorLines = aggregatorRows.length > 0 ? parseAggregatorBill(write(`aggregator-bill-${input.date}.csv`, formatAggregatorBill(aggregatorRows))).lines : [];
  const cardLines = cardRows.length > 0 ? parseCardFile(write(`card-settlement-detail-${input.date}.csv`, formatCardFile(cardRows))).lines : [];
  const billed: Array<readonly ['wechat' | 'alipay' | 'aggregator' | 'card', string, ChannelLine[]]> = [
    ['wechat', input.wechat.mchId, parseWechatBill(wechatBill).lines],
    ['alipay', input.alipayAccount, alipayLines],
    ...(aggregatorLines.length > 0 ? [['aggregator', DEMO_AGGREGATOR.merchantNo, aggregatorLines] as const] : []),
    ...(cardLines.length > 0 ? [['card', DEMO_CARD.merchantNo, cardLines] as const] : []),
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

  for (const d of [...(input.cashDeposits ?? [])].sort((a, b) => a.storeCode.localeCompare(b.storeCode))) {
    const fault = pick(DEPOSIT_FAULTS);
    if (fault) faults.push({ kind: fault, channel: 'cash', merchantOrderNo: d.slipNo, expectedCode: EXPECTED_CODE[fault] });
    credits.push({ valueDate: settleDate, bookingDate: settleDate, amountFen: d.amountFen - (fault ? DEPOSIT_SHORT_FEN : 0), currency: 'CNY', counterparty: null, reference: d.slipNo, description: `现金存款 ${d.storeCode} 缴款单号${d.slipNo}`, line: 0 });
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
  return { files, wechatLines: wechatLines.length, alipayLines: alipayLines.length, aggregatorLines: aggregatorLines.length, cardLines: cardLines.length, settlements, bankCredits: credits.length, faults };
}

/**
 * The aggregator's bill rows for a Beijing date: each order paid that day (a cancelled one moved
 * no money and is left out), then each refund made that day; fees at the contract rate.
 *
 * @example formatAggregatorBill(aggregatorBillRows(orders, '2026-11-29', 'M8880001'))
 */
export function aggregatorBillRows(orders: readonly AggregatorOrder[], date: string, merchantNo: string): AggregatorBillRow[] {
  const rows: AggregatorBillRow[] = [];
  const wallet = (o: AggregatorOrder) => (o.wallet === 'ecny' ? 'ecny' : 'unionpay');
  for (const o of [...orders].sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))) {
    if (o.status !== 'CLOSED' && onDate(o.paidAt, date)) {
      rows.push({ merchantNo, time: beijing(o.paidAt), kind: 'pay', wallet: wallet(o), tradeNo: o.tradeNo, outTradeNo: o.outTradeNo, outRefundNo: '', amountFen: o.totalFen, feeFen: applyRate(o.totalFen, SANDBOX_FEE_RATE), terminal: '' });
    }
    for (const r of o.refunds) {
      if (onDate(r.refundedAt, date)) rows.push({ merchantNo, time: beijing(r.refundedAt), kind: 'refund', wallet: wallet(o), tradeNo: r.refundId, outTradeNo: o.outTradeNo, outRefundNo: r.outRefundNo, amountFen: -r.refundFen, feeFen: -applyRate(r.refundFen, SANDBOX_FEE_RATE), terminal: '' });
    }
  }
  return rows.sort((a, b) => a.time.localeCompare(b.time));
}

/**
 * The acquirer's card settlement rows for a Beijing date, from the sandbox terminal's journal.
 *
 * @example formatCardFile(cardFileRows(loadCardJournal(file), '2026-11-29'))
 */
export function cardFileRows(entries: readonly CardJournalEntry[], date: string): CardFileRow[] {
  return entries
    .filter((e) => onDate(e.at, date))
    .sort((a, b) => a.at - b.at || a.reference.localeCompare(b.reference))
    .map((e) => ({ merchantNo: DEMO_CARD.merchantNo, terminal: e.terminalId, time: beijing(e.at), kind: e.kind === 'charge' ? 'pay' : 'refund', batch: e.batch, voucher: e.voucher, reference: e.reference, cardMasked: `622588******${e.cardLast4}`, amountFen: e.amountFen, feeFen: applyRate(e.amountFen, SANDBOX_FEE_RATE), originalReference: e.originalReference }));
}

/** How an export injects line faults; without it the bill is written as the provider would. */
interface LineFaults {
  pick: (among: readonly SandboxFaultKind[]) => SandboxFaultKind | null;
  onFault: (fault: SandboxFault) => void;
}

/**
 * The WeChat ALL trade bill's rows for a Beijing business date, from the sandbox's orders: each
 * order paid (or reversed) that day, then one REFUND row per refund that went through that day.
 *
 * @example formatWechatBill({ lines: wechatBillRecords([...sandbox.orders.values()], '2026-11-29', DEMO_WECHAT) })
 */
export function wechatBillRecords(orders: readonly SandboxOrder[], date: string, merchant: { appId: string; mchId: string }, faults?: LineFaults): WechatBillRecord[] {
  const wechatRecord = (o: SandboxOrder, at: number) => ({
    time: `${beijing(at).replace(' ', 'T')}+08:00`,
    appId: merchant.appId,
    mchId: merchant.mchId,
    deviceInfo: null,
    transactionId: o.transactionId,
    outTradeNo: o.outTradeNo,
    openId: 'oSandboxOpenId0000000000000',
    totalFen: o.totalFee,
    body: 'Tillpoint 消费',
    rate: '0.60%',
  });
  const wechatLines: WechatBillRecord[] = [];
  for (const o of [...orders].sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))) {
    if (onDate(o.paidAt, date) && (o.state === 'SUCCESS' || o.state === 'REVOKED')) {
      const line: WechatBillRecord = { ...wechatRecord(o, o.paidAt), state: o.state, feeExact: o.state === 'SUCCESS' ? fee(o.totalFee, 5) : '0.00000' };
      const fault = o.state === 'SUCCESS' && faults ? faults.pick(LINE_FAULTS) : null;
      if (fault) faults?.onFault({ kind: fault, channel: 'wechat', merchantOrderNo: o.outTradeNo, expectedCode: EXPECTED_CODE[fault] });
      if (fault === 'amount') wechatLines.push({ ...line, totalFen: line.totalFen + 1, feeExact: fee(line.totalFen + 1, 5) });
      else if (fault === 'fee') wechatLines.push({ ...line, feeExact: offContract(line.totalFen, 5) });
      else if (fault === 'duplicate') wechatLines.push(line, line);
      else if (fault !== 'drop') wechatLines.push(line);
    }
    // One REFUND row per refund that went through that day; WeChat returns its share of the fee.
    for (const r of o.refunds ?? []) {
      if (r.status !== 'SUCCESS' || !onDate(r.successAt, date)) continue;
      const returned = fee(r.refundFee, 5);
      wechatLines.push({ ...wechatRecord(o, r.successAt), state: 'REFUND', refundId: r.refundId, outRefundNo: r.outRefundNo, refundFen: r.refundFee, feeExact: Number(returned) === 0 ? returned : `-${returned}` });
    }
  }
  // Beijing times with one offset sort as text.
  wechatLines.sort((a, b) => a.time.localeCompare(b.time));
  return wechatLines;
}

/**
 * The Alipay 业务明细 rows for a Beijing business date, from the sandbox's orders: each order
 * paid that day, then one 退款 row per refund made that day.
 *
 * @example formatAlipayBill({ account, from, to, exportedAt, lines: alipayBillRows([...sandbox.orders.values()], '2026-11-29') })
 */
export function alipayBillRows(orders: readonly AlipaySandboxOrder[], date: string, faults?: LineFaults): AlipayBillRow[] {
  const rows: AlipayBillRow[] = [];
  const base = (o: AlipaySandboxOrder) => ({ tradeNo: o.tradeNo, outTradeNo: o.outTradeNo, subject: 'Tillpoint 消费', createdAt: beijing(o.createdAt), storeId: '', storeName: '', operator: '', terminalId: '', buyer: '*顾(138****0000)', orderFen: o.totalFen });
  for (const o of [...orders].sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))) {
    if (onDate(o.paidAt, date)) {
      const row: AlipayBillRow = { ...base(o), kind: '交易', finishedAt: beijing(o.paidAt), receivedFen: o.totalFen, refundRequestNo: '', serviceFeeExact: `-${fee(o.totalFen, 2)}` };
      // A paid order the till cancelled is not a sale: faults go where reconciliation has a sale to hold them against.
      const fault = !faults || o.refunds.some((r) => r.outRequestNo === `R${o.outTradeNo}`) ? null : faults.pick(LINE_FAULTS);
      if (fault) faults?.onFault({ kind: fault, channel: 'alipay', merchantOrderNo: o.outTradeNo, expectedCode: EXPECTED_CODE[fault] });
      if (fault === 'amount') rows.push({ ...row, orderFen: row.orderFen + 1, receivedFen: row.receivedFen + 1, serviceFeeExact: `-${fee(o.totalFen + 1, 2)}` });
      else if (fault === 'fee') rows.push({ ...row, serviceFeeExact: `-${offContract(o.totalFen, 2)}` });
      else if (fault === 'duplicate') rows.push(row, row);
      else if (fault !== 'drop') rows.push(row);
    }
    // One 退款 row per partial refund, under its request number; Alipay returns its share of the fee.
    for (const r of o.refunds) {
      if (onDate(r.refundedAt, date)) rows.push({ ...base(o), kind: '退款', finishedAt: beijing(r.refundedAt), receivedFen: -r.refundFen, refundRequestNo: r.outRequestNo, serviceFeeExact: fee(r.refundFen, 2) });
    }
  }
  rows.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  return rows;
}

/**
 * The Alipay bill zip for a business date as `bill.downloadurl.query` serves it.
 *
 * @example alipayBillZip([...sandbox.orders.values()], '2026-11-29', DEMO_ALIPAY.account)
 */
export function alipayBillZip(orders: readonly AlipaySandboxOrder[], date: string, account: string, faults?: LineFaults): Buffer {
  const compact = date.replace(/-/g, '');
  const csv = formatAlipayBill({ account, from: `${date} 00:00:00`, to: `${date} 23:59:59`, exportedAt: `${date} 23:59:59`, lines: alipayBillRows(orders, date, faults) });
  return zipAlipayBill(csv, `${account}_${compact}`);
}

/** A fee off the contract: the contract's plus five fen, more than any rounding explains. */
function offContract(totalFen: number, decimals: number): string {
  return new Big(fee(totalFen, decimals)).plus('0.05').toFixed(decimals);
}
