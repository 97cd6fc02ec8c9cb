// The aggregator's (聚合支付: UnionPay QuickPass, e-CNY) daily bill, `aggregator-bill-v1`, as the
// sandbox writes it (docs/reconciliation-formats.md): read into ChannelLines only once its 合计 row
// agrees with the rows; written back for the sandbox.
import { decodeText } from '../catalog/catalog-csv';
import { AppError } from '../platform/errors';
import { formatYuan } from '../platform/money';
import { yuanToFen } from './amounts';
import type { ChannelLine } from './types';

export const AGGREGATOR_BILL_TITLE = '# 聚合支付对账单 aggregator-bill-v1';
export const AGGREGATOR_BILL_HEADER = ['商户号', '交易时间', '交易类型', '支付方式', '平台订单号', '商户订单号', '商户退款单号', '交易金额', '手续费', '结算金额', '终端号'] as const;
const TOTAL = '合计';
const TIME = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const WALLETS = new Set(['unionpay', 'ecny']);
const AGAIN = 'Download the bill again; nothing was imported.';

/** One transaction of the aggregator, amounts in fen from the merchant's view (refunds negative). */
export interface AggregatorBillRow {
  merchantNo: string;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  time: string;
  kind: 'pay' | 'refund';
  wallet: 'unionpay' | 'ecny';
  tradeNo: string;
  outTradeNo: string;
  outRefundNo: string;
  amountFen: number;
  /** Fee charged (positive), or returned on a refund (negative). */
  feeFen: number;
  terminal: string;
}

export interface AggregatorBill {
  lines: ChannelLine[];
  /** Each 商户号 with the first line it is on. */
  merchants: Map<string, number>;
}

function billError(line: number, message: string): AppError {
  return new AppError('BILL_INVALID', `Line ${line}: ${message} ${AGAIN}`, { details: { line } });
}

/**
 * Reads an aggregator bill (UTF-8 or GBK). Every row must read and the 合计 row (count, amount,
 * fees, net) must agree with the rows, or AppError('BILL_INVALID' | 'BILL_TOTAL_MISMATCH') names
 * the line and nothing is returned.
 *
 * @example parseAggregatorBill(bytes).lines[0] // { channel: 'aggregator', merchantOrderNo: 'S001…', kind: 'pay', grossFen: 1290, feeFen: -8, … }
 */
export function parseAggregatorBill(bytes: Buffer): AggregatorBill {
  const rows = decodeText(bytes).text.split('\n').map((text) => text.replace(/\r$/, ''));
  if (rows.at(-1) === '') rows.pop();
  const headerAt = rows.findIndex((text) => !text.startsWith('#') && text.trim() !== '');
  if (headerAt < 0 || rows[headerAt] !== AGGREGATOR_BILL_HEADER.join(',')) {
    throw billError(headerAt < 0 ? 1 : headerAt + 1, `this is not an aggregator bill: the header should be ${AGGREGATOR_BILL_HEADER.join(',')}.`);
  }
  const lines: ChannelLine[] = [];
  const merchants = new Map<string, number>();
  let total: { line: number; cells: string[] } | null = null;
  for (let i = headerAt + 1; i < rows.length; i++) {
    const text = rows[i] ?? '';
    const line = i + 1;
    if (text.trim() === '') continue;
    if (total) throw billError(line, 'the line comes after the 合计 row, where the bill ends: two files may have been joined.');
    const cells = text.split(',').map((c) => c.trim());
    if (cells[0] === TOTAL) {
      total = { line, cells };
      continue;
    }
    if (cells.length !== AGGREGATOR_BILL_HEADER.length) throw billError(line, `the row has ${cells.length} fields but the header has ${AGGREGATOR_BILL_HEADER.length}: a column is missing or shifted.`);
    const [merchantNo = '', time = '', type = '', wallet = '', tradeNo = '', outTradeNo = '', outRefundNo = '', amount = '', fee = '', net = '', terminal = ''] = cells;
    if (!TIME.test(time)) throw billError(line, `交易时间 "${time}" is not a time like 2026-11-29 10:00:01.`);
    const kind = type === '支付' ? 'pay' : type === '退款' ? 'refund' : null;
    if (!kind) throw billError(line, `交易类型 "${type}" is neither 支付 nor 退款.`);
    if (!WALLETS.has(wallet)) throw billError(line, `支付方式 "${wallet}" is neither unionpay nor ecny.`);
    if (tradeNo === '') throw billError(line, '平台订单号 is empty.');
    const [grossFen, feeFen, netFen] = [amount, fee, net].map((v) => yuanToFen(v));
    if (grossFen === null || grossFen === undefined || (kind === 'pay' ? grossFen < 0 : grossFen > 0)) throw billError(line, `交易金额 "${amount}" is not ${kind === 'pay' ? 'a positive' : 'a negative'} amount like ${kind === 'pay' ? '12.90' : '-12.90'}.`);
    if (feeFen === null || feeFen === undefined) throw billError(line, `手续费 "${fee}" is not an amount like 0.08.`);
    if (netFen !== grossFen - feeFen) throw billError(line, `结算金额 "${net}" is not 交易金额 − 手续费 (${formatYuan(grossFen - feeFen)}).`);
    if (kind === 'refund' && outRefundNo === '') throw billError(line, 'a 退款 row needs its 商户退款单号.');
    if (!merchants.has(merchantNo)) merchants.set(merchantNo, line);
    lines.push({ channel: 'aggregator', channelTxnId: tradeNo, merchantOrderNo: outTradeNo || null, refundNo: kind === 'refund' ? outRefundNo : null, kind, grossFen, feeFen: -feeFen, feeExact: formatYuan(-feeFen), netFen, time: `${time.replace(' ', 'T')}+08:00`, store: null, terminal: terminal || null, line });
  }
  const last = rows.length;
  if (!total) throw billError(last, `the bill ends here without its 合计 row, so the file is cut off.`);
  const stated = total.cells.slice(1).map((v, i) => (i === 0 ? (/^\d+$/.test(v) ? Number(v) : null) : yuanToFen(v)));
  const actual = [lines.length, lines.reduce((s, l) => s + l.grossFen, 0), lines.reduce((s, l) => s - l.feeFen, 0), lines.reduce((s, l) => s + l.netFen, 0)];
  const names = ['笔数', '交易金额', '手续费', '结算金额'];
  if (stated.length !== 4 || stated.some((v) => v === null)) throw billError(total.line, 'the 合计 row should read 合计,count,amount,fees,net.');
  const differs = names.findIndex((_n, i) => stated[i] !== actual[i]);
  if (differs >= 0) {
    const show = (v: number | null | undefined) => (differs === 0 ? String(v) : formatYuan(v ?? 0));
    throw new AppError('BILL_TOTAL_MISMATCH', `The bill's 合计 (line ${total.line}) says ${names[differs] ?? ''} ${show(stated[differs])} but the rows add up to ${show(actual[differs])}. ${AGAIN}`, {
      details: { line: total.line, field: names[differs], expected: stated[differs], actual: actual[differs] },
    });
  }
  return { lines, merchants };
}

/**
 * Writes an aggregator bill: title, header, one row per transaction, the 合计 row. UTF-8, LF.
 *
 * @example formatAggregatorBill([{ merchantNo: 'M8880001', time: '2026-11-29 10:00:01', kind: 'pay', wallet: 'unionpay', tradeNo: 'AGG1', outTradeNo: 'S001…', outRefundNo: '', amountFen: 1290, feeFen: 8, terminal: '' }])
 */
export function formatAggregatorBill(rows: readonly AggregatorBillRow[]): Buffer {
  const out = [AGGREGATOR_BILL_TITLE, AGGREGATOR_BILL_HEADER.join(',')];
  for (const r of rows) {
    out.push([r.merchantNo, r.time, r.kind === 'pay' ? '支付' : '退款', r.wallet, r.tradeNo, r.outTradeNo, r.outRefundNo, formatYuan(r.amountFen), formatYuan(r.feeFen), formatYuan(r.amountFen - r.feeFen), r.terminal].join(','));
  }
  const sum = (f: (r: AggregatorBillRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  out.push([TOTAL, String(rows.length), formatYuan(sum((r) => r.amountFen)), formatYuan(sum((r) => r.feeFen)), formatYuan(sum((r) => r.amountFen - r.feeFen))].join(','));
  return Buffer.from(`${out.join('\n')}\n`, 'utf8');
}
