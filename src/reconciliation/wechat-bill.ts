// WeChat Pay trade bill (交易账单, bill_type=ALL): read the file WeChat sends into ChannelLines,
// checked against the bill's own summary row, and write one the same way for the sandbox.
import { gunzipSync } from 'node:zlib';
import Big from 'big.js';
import { AppError } from '../platform/errors';
import { assertFen, formatYuan } from '../platform/money';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { decimalUnits, divideHalfEven, ownCopy, yuanToFen, yuanToFenHalfEven } from './amounts';
import { billColumns, BillRows, bytesAre, decimalUnitsAt, isAsciiAt, isAsciiSpace, isWallTimeAt, sameBytes, splitValues, KIND_PAY, KIND_REFUND, KIND_REVERSE, latin1, yuanFenAt, type BillColumns, type BillColumnsData } from './bill-columns';
import type { ChannelLine } from './types';

export type WechatBillLayout = 'all-27' | 'legacy';

/** The bill's summary row as WeChat states it: amounts positive, the fee total exactly as written. */
export interface WechatBillSummary {
  count: number;
  /** 应结订单总金额 (总交易额 in the older layout). */
  grossFen: number;
  /** 退款总金额 (总退款金额). */
  refundFen: number;
  /** 手续费总金额, e.g. "0.01000"; negative when refunds returned more fee than payments cost. */
  feeExact: string;
}

export interface WechatBill {
  lines: ChannelLine[];
  summary: WechatBillSummary;
  layout: WechatBillLayout;
  /** Each 商户号 in the bill with the first line it is on (a merchant's bill has one). */
  merchants: Map<string, number>;
}

/** One order or refund as the sandbox records it, to be written as a bill row. */
export interface WechatBillRecord {
  /** ISO-8601 with an offset or Z (written in Beijing time), or Beijing wall time "YYYY-MM-DD HH:mm:ss". */
  time: string;
  appId: string;
  mchId: string;
  deviceInfo: string | null;
  transactionId: string;
  outTradeNo: string;
  openId: string;
  state: 'SUCCESS' | 'REFUND' | 'REVOKED';
  /** The order's amount; written on SUCCESS and REVOKED rows (refund rows show 0.00, as WeChat's do). */
  totalFen: number;
  /** Required on REFUND rows. */
  refundId?: string;
  outRefundNo?: string;
  refundFen?: number;
  body: string;
  /** 手续费 in yuan with up to 5 decimals; negative on refunds (the fee returned). */
  feeExact: string;
  /** 费率 as WeChat writes it, e.g. "0.60%". */
  rate: string;
}

interface Layout {
  name: WechatBillLayout;
  columns: readonly string[];
  /** Where a payment's amount is: the older layout had no 应结 (to-settle) amount. */
  grossColumn: string;
  /** Checked to be amounts even where we do not use them: a damaged file shows there first. */
  amountColumns: readonly string[];
  summary: readonly string[];
  summaryGross: string;
  summaryRefund: string;
}

const ALL_27: Layout = {
  name: 'all-27',
  columns: [
    '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
    '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
    '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
  ],
  grossColumn: '应结订单金额',
  amountColumns: ['应结订单金额', '代金券金额', '退款金额', '充值券退款金额', '订单金额', '申请退款金额'],
  summary: ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'],
  summaryGross: '应结订单总金额',
  summaryRefund: '退款总金额',
};

const LEGACY: Layout = {
  name: 'legacy',
  columns: [
    '交易时间', '公众账号ID', '商户号', '子商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
    '付款银行', '货币种类', '总金额', '代金券或立减优惠金额', '微信退款单号', '商户退款单号', '退款金额', '代金券或立减优惠退款金额',
    '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率',
  ],
  grossColumn: '总金额',
  amountColumns: ['总金额', '代金券或立减优惠金额', '退款金额', '代金券或立减优惠退款金额'],
  summary: ['总交易单数', '总交易额', '总退款金额', '总代金券或立减优惠退款金额', '手续费总金额'],
  summaryGross: '总交易额',
  summaryRefund: '总退款金额',
};

const LAYOUTS = [ALL_27, LEGACY];

// Bills from different years and service-provider accounts name a few columns differently with
// the same meaning and position; these are the variants seen in published bills.
const SAME_COLUMN = new Map<string, string>([
  ['子商户号', '特约商户号'],
  ['企业红包金额', '代金券或立减优惠金额'],
  ['企业红包退款金额', '代金券或立减优惠退款金额'],
  ['总企业红包退款金额', '总代金券或立减优惠退款金额'],
]);

const KINDS = new Map<string, ChannelLine['kind']>([['SUCCESS', 'pay'], ['REFUND', 'refund'], ['REVOKED', 'reverse']]);
const SUMMARY_START = '总交易单数';
const FEE = /^-?\d+(?:\.\d{1,5})?$/;
const COUNT = /^\d+$/;
/** WeChat writes "2021-01-28 17:07:11"; some older files have two spaces between date and time. */
const BILL_TIME = /^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const AGAIN = 'Download the bill again.';

interface TextLine {
  /** 1-based physical line in the file. */
  line: number;
  text: string;
}

/**
 * Parses a WeChat Pay trade bill (bill_type=ALL, the current 27-column layout or the older
 * 24-column one; plain or gzip; UTF-8 or GB18030) into ChannelLines. The file must agree with
 * its own summary (count, payments, refunds, exact fee total); if anything is wrong nothing is
 * returned and one AppError ('BILL_INVALID' or 'BILL_TOTAL_MISMATCH') names the line.
 *
 * A REVOKED (撤销) row becomes kind 'reverse' with grossFen 0 whatever amount it shows: a
 * reversed order settles no money, so the lines' netFen still add up to what WeChat pays out.
 *
 * @example
 * parseWechatBill(bytes).lines[0]
 * // { channel: 'wechat', channelTxnId: '4200000925202101284997714292', merchantOrderNo: 'S20210128170702357723',
 * //   refundNo: null, kind: 'pay', grossFen: 1, feeFen: 0, feeExact: '0.00000', netFen: 1,
 * //   time: '2021-01-28T17:07:11+08:00', store: null, terminal: null, line: 2 }
 */
export function parseWechatBill(bytes: Buffer): WechatBill {
  const { columns, summary, layout, merchants } = readWechatBillColumns(bytes);
  const lines = new Array<ChannelLine>(columns.count);
  for (let i = 0; i < columns.count; i++) lines[i] = columns.lineAt(i);
  return { lines, summary, layout, merchants };
}

/** The bill as columns (see bill-columns.ts), with the same checks and errors as `parseWechatBill`. */
export interface WechatBillColumns extends Omit<WechatBill, 'lines'> {
  columns: BillColumns;
}

/**
 * Reads a WeChat Pay trade bill as `parseWechatBill` does — every value, the summary and the
 * totals checked the same way, the same errors — into columns instead of an object per line:
 * the bulk path for a big day. Rows are read on the bytes; a row that is not plain ASCII where
 * it matters is read by the text rules of `parseWechatBill`.
 *
 * @example readWechatBillColumns(bytes).columns.grossFen[0] // 1
 */
export function readWechatBillColumns(bytes: Buffer): WechatBillColumns {
  const file = new ByteFile(unzip(bytes));
  const header = file.record(0);
  if (!header) throw billError(1, null, 'the file is empty.');
  const layout = detectLayout(header);

  // The summary is found before any row is read: a file cut off in the middle of a row should
  // be reported as cut off, not as a row with too few columns.
  const summaryAt = file.findSummary();
  const last = file.record(file.count - 1) ?? header;
  if (summaryAt < 0) throw billError(last.line, null, `the bill ends here without its summary (${SUMMARY_START},…), so the file is cut off.`);
  const summaryHeader = file.record(summaryAt) ?? last;
  const summaryRow = file.record(summaryAt + 1);
  if (!summaryRow) throw billError(summaryHeader.line, null, 'the summary header is the last line: the summary values after it are missing, so the file is cut off.');
  const extra = file.record(summaryAt + 2);
  if (extra) throw billError(extra.line, null, 'the line comes after the summary, where a bill has nothing more: two files may have been joined.');
  checkSummaryHeader(summaryHeader, layout);

  const rows = readRows(file, summaryAt - 1, layout);
  const summary = readSummary(summaryRow, layout);
  checkTotals(rows, summary, { layout, summaryHeader, summaryRow });
  return { columns: rows.columns, summary, layout: layout.name, merchants: rows.merchants };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const STATE_BYTES: Array<[Uint8Array, number]> = [
  [Buffer.from('SUCCESS'), KIND_PAY],
  [Buffer.from('REFUND'), KIND_REFUND],
  [Buffer.from('REVOKED'), KIND_REVERSE],
];

/**
 * The file's non-empty lines, trimmed, as byte ranges with their physical line numbers (CRLF, LF
 * or CR ends), in UTF-8 or GB18030: every byte the bill's separators and ASCII values use means
 * the same in both. A line with other characters at an end is decoded to be trimmed as text.
 */
class ByteFile {
  readonly body: Buffer;
  readonly utf8: boolean;
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly line: number[] = [];
  /** Lines that had to be trimmed as text, by index. */
  readonly text = new Map<number, string>();

  constructor(bytes: Buffer) {
    const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
    this.body = body;
    this.utf8 = isUtf8(body);
    const n = body.length;
    let cr = body.indexOf(0x0d);
    let at = 0;
    for (let physical = 1; at <= n; physical++) {
      let lf = body.indexOf(0x0a, at);
      if (lf < 0) lf = n;
      if (cr >= 0 && cr < at) cr = body.indexOf(0x0d, at);
      let stop = lf;
      let next = lf + 1;
      if (cr >= 0 && cr < lf) {
        stop = cr;
        next = cr === lf - 1 ? lf + 1 : cr + 1;
      }
      this.add(at, stop, physical);
      at = next;
    }
  }

  private add(s: number, e: number, physical: number): void {
    const b = this.body;
    while (s < e && isAsciiSpace(b[s] as number)) s++;
    while (e > s && isAsciiSpace(b[e - 1] as number)) e--;
    if (s === e) return;
    if ((b[s] as number) >= 0x80 || (b[e - 1] as number) >= 0x80) {
      const text = this.decode(s, e).trim();
      if (text === '') return;
      this.text.set(this.start.length, text);
    }
    this.start.push(s);
    this.end.push(e);
    this.line.push(physical);
  }

  get count(): number {
    return this.start.length;
  }

  decode(s: number, e: number): string {
    const bytes = this.body.subarray(s, e);
    return this.utf8 ? bytes.toString('utf8') : iconv.decode(bytes, 'gb18030');
  }

  record(index: number): TextLine | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return { line: this.line[index] as number, text: this.text.get(index) ?? this.decode(this.start[index] as number, this.end[index] as number) };
  }

  /** Index of the first line after the header that (backtick aside) starts 总交易单数, or -1. */
  findSummary(): number {
    const b = this.body;
    for (let i = 1; i < this.count; i++) {
      let s = this.start[i] as number;
      if (b[s] === 0x60) s++;
      // Rows start with an ASCII digit; only a line starting otherwise can be the summary header.
      if (s < (this.end[i] as number) && (b[s] as number) < 0x80 && !this.text.has(i)) continue;
      if (stripTick(this.record(i)?.text ?? '').startsWith(SUMMARY_START)) return i;
    }
    return -1;
  }
}

/**
 * Splits a row at ",\`" (the first value's backtick dropped) into fs/fe, each value trimmed of
 * ASCII spaces; false when the row does not start with a backtick or has not fs.length values.
 */
function splitTicks(b: Uint8Array, s: number, e: number, fs: Int32Array, fe: Int32Array, trimmed?: Int32Array): boolean {
  return b[s] === 0x60 && splitValues(b, s + 1, e, fs, fe, true, trimmed);
}

/**
 * The columns of a WeChat bill from their data (as `readWechatBillColumns` made it, here or in
 * another thread): each line on demand, from its row's bytes or as the text rules read it.
 */
export function wechatColumns(data: BillColumnsData): BillColumns {
  return billColumns(data, splitTicks);
}

interface Rows {
  columns: BillColumns;
  merchants: Map<string, number>;
  payFen: number;
  refundFen: number;
  /** The exact sum of the 5-decimal fees. */
  fee: () => Big;
  /** Physical line of the k-th row. */
  lineOf: (k: number) => number;
}

/**
 * Reads the `count` rows after the header: each on the bytes when its values are plain ASCII
 * (the bill as WeChat writes it), else through `readRow`, which also names what is wrong.
 */
function readRows(file: ByteFile, count: number, layout: Layout): Rows {
  const b = file.body;
  const width = layout.columns.length;
  const at = columnsAt(layout);
  const col = (name: string): number => at.get(name) ?? -1;
  const cTime = col('交易时间');
  const cMch = col('商户号');
  const cDevice = col('设备号');
  const cTxn = col('微信订单号');
  const cOrder = col('商户订单号');
  const cState = col('交易状态');
  const cRefundNo = col('商户退款单号');
  const cFee = col('手续费');
  const cGross = col(layout.grossColumn);
  const cRefund = col('退款金额');
  const amountColumns = layout.amountColumns.map(col);
  const rows = new BillRows(b, count);
  const { kind, grossFen, feeFen, line, orders } = rows;
  const merchants = new Map<string, number>();
  const fs = new Int32Array(width);
  const fe = new Int32Array(width);
  let lastMch = -1;
  let lastMchEnd = -1;
  let payFen = 0;
  let refundFen = 0;
  let feeUnits = 0;

  const read = Int32Array.from(new Set([cTime, cMch, cDevice, cTxn, cOrder, cState, cRefundNo, cFee, cGross, cRefund, ...amountColumns].filter((c) => c >= 0)));
  const split = (r: number): boolean => !file.text.has(r) && splitTicks(b, file.start[r] as number, file.end[r] as number, fs, fe, read);
  const s = (c: number): number => fs[c] as number;
  const e = (c: number): number => fe[c] as number;

  /** Row i on the bytes; false (nothing kept) when the text rules must read it. */
  const fast = (i: number): boolean => {
    if (!split(i + 1)) return false;
    if (!isWallTimeAt(b, s(cTime), e(cTime)) || e(cTxn) === s(cTxn) || !isAsciiAt(b, s(cTxn), e(cTxn))) return false;
    if (!isAsciiAt(b, s(cMch), e(cMch)) || !isAsciiAt(b, s(cDevice), e(cDevice)) || !isAsciiAt(b, s(cRefundNo), e(cRefundNo))) return false;
    let k = -1;
    for (const [word, code] of STATE_BYTES) if (bytesAre(b, s(cState), e(cState), word)) k = code;
    if (k < 0) return false;
    let gross = 0;
    for (const c of amountColumns) {
      const fen = yuanFenAt(b, s(c), e(c));
      if (!(fen >= 0)) return false;
      if (k === KIND_PAY && c === cGross) gross = fen;
      else if (k === KIND_REFUND && c === cRefund) gross = 0 - fen;
    }
    const units = decimalUnitsAt(b, s(cFee), e(cFee), 5);
    if (Number.isNaN(units)) return false;
    if (!orders.setBytes(i, s(cOrder), e(cOrder))) return false;
    kind[i] = k;
    grossFen[i] = gross;
    // Fees reduce what the merchant receives; on a refund WeChat returns the fee (negative 手续费).
    feeFen[i] = 0 - (divideHalfEven(units, 1000) + 0);
    feeUnits += units;
    if (lastMch < 0 || !sameBytes(b, s(cMch), e(cMch), b, lastMch, lastMchEnd)) {
      lastMch = s(cMch);
      lastMchEnd = e(cMch);
      const mchId = latin1(b, lastMch, lastMchEnd);
      if (!merchants.has(mchId)) merchants.set(mchId, file.line[i + 1] as number);
    }
    return true;
  };

  for (let i = 0; i < count; i++) {
    line[i] = file.line[i + 1] as number;
    if (!fast(i)) {
      const l = readRow(file.record(i + 1) as TextLine, layout, at, merchants);
      rows.setLine(i, l);
      feeUnits += decimalUnits(l.feeExact, 5) ?? Number.NaN;
      lastMch = -1;
    }
    if (kind[i] === KIND_PAY) payFen += grossFen[i] as number;
    else if (kind[i] === KIND_REFUND) refundFen -= grossFen[i] as number;
  }

  const rowStart = Int32Array.from(file.start.slice(1, count + 1));
  const rowEnd = Int32Array.from(file.end.slice(1, count + 1));
  const fields = { time: cTime, txn: cTxn, refundNo: cRefundNo, fee: cFee, terminal: cDevice };
  const columns = rows.columns('wechat', count, { rowStart, rowEnd, width, fields }, splitTicks);
  const { lineAt } = columns;
  // Exact: WeChat sums the unrounded 5-decimal fees, so rounding each line first would drift.
  const fee = (): Big => {
    if (Number.isSafeInteger(feeUnits)) return new Big(feeUnits).div(100_000);
    let sum = new Big(0);
    for (let i = 0; i < count; i++) sum = sum.plus(lineAt(i).feeExact);
    return sum;
  };
  return { columns, merchants, payFen, refundFen, fee, lineOf: (k) => file.line[k + 1] ?? 0 };
}

/**
 * Writes records as a WeChat Pay ALL trade bill in the current 27-column layout, as WeChat
 * does: UTF-8 without BOM, CRLF lines, every value prefixed with a backtick, amounts in yuan,
 * fees with 5 decimals, and the summary rows with the totals computed from the rows.
 *
 * @example
 * formatWechatBill({ lines: [{ time: '2021-01-28T17:07:11+08:00', appId: 'wx81be3101902f7cb2', mchId: '1601959334',
 *   deviceInfo: null, transactionId: '4200000925202101284997714292', outTradeNo: 'S20210128170702357723',
 *   openId: 'ofyak5q', state: 'SUCCESS', totalFen: 1, body: 'for testing', feeExact: '0', rate: '0.60%' }] })
 * // '交易时间,…,费率备注\r\n`2021-01-28 17:07:11,`wx81be3101902f7cb2,…,`0.00000,`0.60%,`0.01,`0.00,`\r\n
 * //  总交易单数,…\r\n`1,`0.01,`0.00,`0.00,`0.00000,`0.01,`0.00\r\n'
 */
export function formatWechatBill(input: { lines: WechatBillRecord[] }): Buffer {
  const rows = [ALL_27.columns.join(',')];
  let settledFen = 0;
  let refundFen = 0;
  let orderFen = 0;
  let fee = new Big(0);
  input.lines.forEach((record, index) => {
    const where = `Bill record ${index + 1}`;
    assertFen(record.totalFen, 'totalFen');
    const refund = record.state === 'REFUND' ? refundOf(record, where) : null;
    const feeExact = formatFee(record.feeExact, where);
    // 应结 (to settle) is what the merchant is owed for the order: nothing for a reversed one.
    const settled = record.state === 'SUCCESS' ? record.totalFen : 0;
    const ordered = record.state === 'REFUND' ? 0 : record.totalFen;
    settledFen += settled;
    refundFen += refund?.fen ?? 0;
    orderFen += ordered;
    fee = fee.plus(feeExact);
    const values = [
      beijingWallTime(record.time, where), record.appId, record.mchId, '0', record.deviceInfo ?? '', record.transactionId,
      record.outTradeNo, record.openId, 'MICROPAY', record.state, 'OTHERS', 'CNY', formatYuan(settled), '0.00',
      refund?.id ?? '0', refund?.outRefundNo ?? '0', formatYuan(refund?.fen ?? 0), '0.00', refund ? 'ORIGINAL' : '',
      refund ? 'SUCCESS' : '', record.body, '', feeExact, record.rate, formatYuan(ordered), formatYuan(refund?.fen ?? 0), '',
    ];
    values.forEach((value, column) => checkWritable(value, `${where}, ${ALL_27.columns[column] ?? ''}`));
    rows.push(tickRow(values));
  });
  rows.push(ALL_27.summary.join(','));
  const totals = [String(input.lines.length), formatYuan(settledFen), formatYuan(refundFen), '0.00', fee.toFixed(5), formatYuan(orderFen), formatYuan(refundFen)];
  rows.push(tickRow(totals));
  return Buffer.from(rows.map((row) => `${row}\r\n`).join(''), 'utf8');
}

/** Where each named column is in a layout, computed once per file rather than per cell. */
function columnsAt(layout: Layout): Map<string, number> {
  return new Map(layout.columns.map((name, i) => [name, i]));
}

function unzip(bytes: Buffer): Buffer {
  if (!bytes.subarray(0, 2).equals(GZIP_MAGIC)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new AppError('BILL_INVALID', `The file is gzip-compressed but cannot be unpacked (${(error as Error).message}): it is damaged or cut off. ${AGAIN}`, {
      details: { line: null, field: null },
      cause: error,
    });
  }
}

function billError(line: number, field: string | null, message: string, value?: string): AppError {
  const where = field === null ? `Line ${line}` : `Line ${line}, ${field}`;
  return new AppError('BILL_INVALID', `${where}: ${message} ${AGAIN}`, { details: { line, field, value } });
}

function stripTick(value: string): string {
  return value.startsWith('`') ? value.slice(1) : value;
}

function sameColumn(name: string): string {
  return SAME_COLUMN.get(name) ?? name;
}

function headerCells(record: TextLine): string[] {
  return record.text.split(',').map((cell) => stripTick(cell.trim()).trim());
}

function namesMatch(cells: readonly string[], expected: readonly string[]): boolean {
  return cells.length === expected.length && cells.every((cell, i) => sameColumn(cell) === sameColumn(expected[i] ?? ''));
}

function detectLayout(header: TextLine): Layout {
  const cells = headerCells(header);
  const layout = LAYOUTS.find((candidate) => namesMatch(cells, candidate.columns));
  if (layout) return layout;
  const sameWidth = LAYOUTS.find((candidate) => candidate.columns.length === cells.length);
  const column = sameWidth?.columns.findIndex((name, i) => sameColumn(name) !== sameColumn(cells[i] ?? '')) ?? -1;
  const detail =
    sameWidth && column >= 0
      ? ` Column ${column + 1} is "${cells[column] ?? ''}" where ${sameWidth.columns[column] ?? ''} is expected.`
      : ` It has ${cells.length} columns; the ALL bill has 27 (24 in the older layout) and starts 交易时间,公众账号ID,商户号.`;
  throw billError(header.line, null, `this is not the header of a WeChat Pay trade bill of type ALL (全部订单).${detail} Choose the ALL bill when downloading.`);
}

function checkSummaryHeader(record: TextLine, layout: Layout): void {
  if (namesMatch(headerCells(record), layout.summary)) return;
  throw billError(record.line, null, `the summary header should be ${layout.summary.join(',')} for this layout.`);
}

/**
 * Splits a value line. WeChat prefixes every value with a backtick (so Excel keeps long ids as
 * text), which also makes ",`" the true separator: a comma inside 商品名称 stays in its value.
 */
function tickCells(record: TextLine, width: number): string[] {
  if (!record.text.startsWith('`')) {
    throw billError(record.line, null, 'the line does not start with a backtick (`): WeChat writes every value as `value, so this line was changed or is not from the bill.');
  }
  // Split at ",`": the first cell keeps its leading backtick, the others lose theirs to the split.
  const cells = record.text.split(',`');
  for (let i = 0; i < cells.length; i++) cells[i] = (i === 0 ? (cells[i] ?? '').slice(1) : (cells[i] ?? '')).trim();
  if (cells.length !== width) {
    throw billError(
      record.line,
      null,
      `the line has ${cells.length} values but the bill has ${width} columns (a value that lost its leading backtick joins the one before it).`,
    );
  }
  return cells;
}

function readRow(record: TextLine, layout: Layout, at: Map<string, number>, merchants: Map<string, number>): ChannelLine {
  const cells = tickCells(record, layout.columns.length);
  const cell = (name: string): string => cells[at.get(name) ?? -1] ?? '';
  const { line } = record;
  const mchId = cell('商户号');
  if (!merchants.has(mchId)) merchants.set(mchId, line);

  const time = billTimeToIso(cell('交易时间'));
  if (time === null) throw billError(line, '交易时间', `"${cell('交易时间')}" is not a time like 2021-01-28 17:07:11.`, cell('交易时间'));
  const channelTxnId = cell('微信订单号');
  if (channelTxnId === '') throw billError(line, '微信订单号', 'the WeChat order number is empty.');
  const state = cell('交易状态');
  const kind = KINDS.get(state);
  if (!kind) throw billError(line, '交易状态', `"${state}" is not a trade state this importer knows (SUCCESS, REFUND, REVOKED).`, state);

  let grossFen = 0;
  for (const name of layout.amountColumns) {
    const fen = readAmount(record, name, cell(name));
    if (kind === 'pay' && name === layout.grossColumn) grossFen = fen;
    else if (kind === 'refund' && name === '退款金额') grossFen = 0 - fen;
  }
  const feeExact = cell('手续费');
  if (!FEE.test(feeExact)) throw billError(line, '手续费', `"${feeExact}" is not a fee like 0.00600 (yuan, at most 5 decimals).`, feeExact);

  // Fees reduce what the merchant receives; on a refund WeChat returns the fee (negative 手续费).
  const feeFen = 0 - yuanToFenHalfEven(feeExact);
  return {
    channel: 'wechat',
    channelTxnId: ownCopy(channelTxnId),
    merchantOrderNo: ownCopy(cell('商户订单号')) || null,
    refundNo: kind === 'refund' ? cell('商户退款单号') || null : null,
    kind,
    grossFen,
    feeFen,
    feeExact,
    netFen: grossFen + feeFen,
    time,
    store: null,
    terminal: cell('设备号') || null,
    line,
  };
}

function readAmount(record: TextLine, field: string, text: string, allowNegative = false): number {
  const fen = yuanToFen(text);
  if (fen === null) throw billError(record.line, field, `"${text}" is not an amount like 12.34 (yuan, at most two decimals).`, text);
  if (fen < 0 && !allowNegative) throw billError(record.line, field, `"${text}" is negative; WeChat writes this amount without a sign.`, text);
  return fen;
}

function readSummary(record: TextLine, layout: Layout): WechatBillSummary {
  const cells = tickCells(record, layout.summary.length);
  const cell = (name: string): string => cells[layout.summary.indexOf(name)] ?? '';
  const countText = cell(SUMMARY_START);
  if (!COUNT.test(countText)) throw billError(record.line, SUMMARY_START, `"${countText}" is not a number of transactions.`, countText);
  const feeExact = cell('手续费总金额');
  if (!FEE.test(feeExact)) throw billError(record.line, '手续费总金额', `"${feeExact}" is not a fee total like 0.01000.`, feeExact);
  layout.summary.slice(1).filter((name) => name !== '手续费总金额').forEach((name) => readAmount(record, name, cell(name), true));
  return {
    count: Number(countText),
    grossFen: readAmount(record, layout.summaryGross, cell(layout.summaryGross)),
    refundFen: readAmount(record, layout.summaryRefund, cell(layout.summaryRefund)),
    feeExact,
  };
}

function checkTotals(rows: Rows, summary: WechatBillSummary, file: { layout: Layout; summaryHeader: TextLine; summaryRow: TextLine }): void {
  const says = `The bill's summary (line ${file.summaryRow.line}) says`;
  const mismatch = (field: string, message: string, expected: string, actual: string) =>
    new AppError('BILL_TOTAL_MISMATCH', `${says} ${message} ${AGAIN}`, { details: { line: file.summaryRow.line, field, expected, actual } });
  const rowCount = rows.columns.count;

  if (summary.count > rowCount) {
    const missing = summary.count - rowCount;
    throw mismatch(
      SUMMARY_START,
      `${summary.count} transactions but the file has ${rowCount}: ${missing === 1 ? 'a line is' : `${missing} lines are`} missing before line ${file.summaryHeader.line}, so the file is cut off.`,
      String(summary.count),
      String(rowCount),
    );
  }
  if (summary.count < rowCount) {
    const first = rows.lineOf(summary.count);
    throw mismatch(
      SUMMARY_START,
      `${summary.count} transactions but the file has ${rowCount}: the rows from line ${first} on are not counted, so lines were added to the file.`,
      String(summary.count),
      String(rowCount),
    );
  }

  const { payFen, refundFen } = rows;
  if (payFen !== summary.grossFen) {
    throw mismatch(file.layout.summaryGross, `${file.layout.summaryGross} is ${formatYuan(summary.grossFen)} but the SUCCESS rows add up to ${formatYuan(payFen)}.`, formatYuan(summary.grossFen), formatYuan(payFen));
  }
  if (refundFen !== summary.refundFen) {
    throw mismatch(file.layout.summaryRefund, `${file.layout.summaryRefund} is ${formatYuan(summary.refundFen)} but the REFUND rows add up to ${formatYuan(refundFen)}.`, formatYuan(summary.refundFen), formatYuan(refundFen));
  }
  const fee = rows.fee();
  if (!fee.eq(summary.feeExact)) {
    throw mismatch('手续费总金额', `手续费总金额 is ${summary.feeExact} but the 手续费 column adds up to ${fee.toFixed(5)}.`, summary.feeExact, fee.toFixed(5));
  }
}

/** Dates already checked to exist: a bill has one or two, so each is checked once. */
const realDates = new Map<string, boolean>();

function billTimeToIso(text: string): string | null {
  const m = BILL_TIME.exec(text);
  if (!m) return null;
  const date = m[1] ?? '';
  const clock = m[2] ?? '';
  // A time of day exists when its fields are in range; the date is checked once through Date.
  if (clock.slice(0, 2) < '24' && clock.slice(3, 5) < '60' && clock.slice(6, 8) < '60') {
    let real = realDates.get(date);
    if (real === undefined) {
      real = billTimeToIsoSlow(`${date} 00:00:00`) !== null;
      if (realDates.size < 10_000) realDates.set(date, real);
    }
    return real ? `${date}T${clock}+08:00` : null;
  }
  return billTimeToIsoSlow(text);
}

function billTimeToIsoSlow(text: string): string | null {
  const m = BILL_TIME.exec(text);
  if (!m) return null;
  const local = `${m[1] ?? ''}T${m[2] ?? ''}`;
  // Date.UTC rolls 2021-02-30 over to March; comparing back rejects dates that do not exist.
  const ms = Date.parse(`${local}Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== local) return null;
  return `${local}+08:00`;
}

/** WeChat's bill times are Beijing wall time; an ISO time with another offset is converted. */
function beijingWallTime(time: string, where: string): string {
  const wall = BILL_TIME.exec(time);
  if (wall && billTimeToIso(time) !== null) return `${wall[1] ?? ''} ${wall[2] ?? ''}`;
  const ms = ISO_TIME.test(time) ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new AppError('VALIDATION_FAILED', `${where}: time "${time}" is neither ISO-8601 with an offset nor "YYYY-MM-DD HH:mm:ss".`, { details: { field: 'time', value: time } });
  }
  const beijing = new Date(Math.floor(ms / 1000) * 1000 + BEIJING_OFFSET_MS).toISOString();
  return `${beijing.slice(0, 10)} ${beijing.slice(11, 19)}`;
}

function refundOf(record: WechatBillRecord, where: string): { id: string; outRefundNo: string; fen: number } {
  const { refundId, outRefundNo, refundFen } = record;
  if (refundId === undefined || outRefundNo === undefined || refundFen === undefined) {
    throw new AppError('VALIDATION_FAILED', `${where}: a REFUND row needs refundId, outRefundNo and refundFen.`, { details: { field: 'refundFen' } });
  }
  assertFen(refundFen, 'refundFen');
  return { id: refundId, outRefundNo, fen: refundFen };
}

function formatFee(feeExact: string, where: string): string {
  if (!FEE.test(feeExact.trim())) {
    throw new AppError('VALIDATION_FAILED', `${where}: fee "${feeExact}" must be yuan with at most 5 decimals.`, { details: { field: 'feeExact', value: feeExact } });
  }
  return new Big(feeExact.trim()).toFixed(5);
}

/** A line break or ",`" inside a value would split it on reading, so such a value cannot be written. */
function checkWritable(value: string, where: string): void {
  if (/[\r\n]|,`/.test(value)) {
    throw new AppError('VALIDATION_FAILED', `${where}: "${value}" contains a line break or ",\`", which a WeChat bill cannot hold.`, { details: { field: where, value } });
  }
}

function tickRow(values: readonly string[]): string {
  return values.map((value) => `\`${value}`).join(',');
}
