// Alipay's 业务明细 trade bill (the GBK CSV, usually zipped, behind bill.downloadurl.query): read
// into ChannelLines only after the file agrees with its own totals; written back for the sandbox.
import { unzipSync, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { decodeText } from '../catalog/catalog-csv';
import { AppError } from '../platform/errors';
import { formatYuan, parseYuan } from '../platform/money';
import { isUtf8 } from 'node:buffer';
import { inflateRawSync } from 'node:zlib';
import { divideHalfEven, ownCopy, yuanToFen, yuanToFenHalfEven } from './amounts';
import { billColumns, BillRows, bytesAre, decimalUnitsAt, isAsciiAt, isAsciiSpace, isWallTimeAt, splitValues, KIND_PAY, KIND_REFUND, yuanFenAt, type BillColumns, type BillColumnsData } from './bill-columns';
import type { ChannelLine } from './types';

/** What the file's `#交易合计` and `#退款合计` lines state (and the rows were checked to add up to). */
export interface AlipayBillTotals {
  payCount: number;
  payFen: number;
  refundCount: number;
  /** Negative, as the file writes it. */
  refundFen: number;
}

export interface AlipayBill {
  lines: ChannelLine[];
  /** The Alipay account (PID) from `#账号：[…]`, or null when the header lacks it. */
  account: string | null;
  totals: AlipayBillTotals;
}

/** One row to write; amounts signed as in the file (a 退款 has negative fen). */
export interface AlipayBillRow {
  tradeNo: string;
  outTradeNo: string;
  kind: '交易' | '退款';
  subject: string;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  createdAt: string;
  /** `YYYY-MM-DD HH:mm:ss`, or '' to leave 完成时间 empty. */
  finishedAt: string;
  storeId: string;
  storeName: string;
  operator: string;
  terminalId: string;
  buyer: string;
  orderFen: number;
  receivedFen: number;
  refundRequestNo: string;
  /** 服务费（元） exactly as it should appear, merchant's view: "-0.12" charged, "0.12" returned. */
  serviceFeeExact: string;
}

export interface AlipayBillInput {
  account: string;
  /** Period and export time: `YYYY-MM-DD HH:mm:ss` or `YYYY-MM-DD` (midnight), Beijing time. */
  from: string;
  to: string;
  exportedAt: string;
  lines: AlipayBillRow[];
}

/**
 * The 25 columns in Alipay's order. `tab` marks the fields Alipay ends with a TAB (FORMATS.md):
 * it keeps Excel from turning a 28-digit 交易号 into 2.01708E+27.
 */
const COLUMNS = [
  { header: '支付宝交易号', tab: true },
  { header: '商户订单号', tab: true },
  { header: '业务类型', tab: true },
  { header: '商品名称', tab: false },
  { header: '创建时间', tab: false },
  { header: '完成时间', tab: false },
  { header: '门店编号', tab: true },
  { header: '门店名称', tab: true },
  { header: '操作员', tab: true },
  { header: '终端号', tab: true },
  { header: '对方账户', tab: true },
  { header: '订单金额（元）', tab: false },
  { header: '商家实收（元）', tab: false },
  { header: '支付宝红包（元）', tab: false },
  { header: '集分宝（元）', tab: false },
  { header: '支付宝优惠（元）', tab: false },
  { header: '商家优惠（元）', tab: false },
  { header: '券核销金额（元）', tab: false },
  { header: '券名称', tab: false },
  { header: '商家红包消费金额（元）', tab: true },
  { header: '卡消费金额（元）', tab: false },
  { header: '退款批次号/请求号', tab: true },
  { header: '服务费（元）', tab: false },
  { header: '分润（元）', tab: false },
  { header: '备注', tab: false },
] as const;

type Header = (typeof COLUMNS)[number]['header'];

/** The columns a ChannelLine is made of; the others may be missing without harm. */
const NEEDED: readonly Header[] = ['支付宝交易号', '商户订单号', '业务类型', '创建时间', '完成时间', '门店编号', '终端号', '商家实收（元）', '退款批次号/请求号', '服务费（元）'];

const LIST_START = '#-----------------------------------------业务明细列表----------------------------------------';
const LIST_END = '#-----------------------------------------业务明细列表结束------------------------------------';
const ACCOUNT = /^#账号[：:]\[(.*)\]/;
const PAY_TOTAL = /^#交易合计[：:](\d+)笔[，,]商家实收共(-?\d+(?:\.\d{1,2})?)元/;
const REFUND_TOTAL = /^#退款合计[：:](\d+)笔[，,]商家实收退款共(-?\d+(?:\.\d{1,2})?)元/;
const EXPORTED = /^#导出时间[：:]\[(\d{4})年(\d{2})月(\d{2})日 (\d{2}):(\d{2}):(\d{2})\]/;
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** A busy chain's day is a few MB; far above that, the zip is not a bill (or is a zip bomb). */
const MAX_CSV_BYTES = 200 * 1024 * 1024;
/** Enough to show the pattern of a damaged file without burying the user; all are counted. */
const MAX_REPORTED_PROBLEMS = 50;
const AGAIN = 'Download the bill again from Alipay (do not open and save it in Excel); nothing was imported.';

/** One problem with a row, at the file's physical line. */
export interface AlipayBillProblem {
  line: number;
  column: Header | null;
  message: string;
}

/**
 * Reads an Alipay 业务明细 bill — the zip Alipay serves or the `…业务明细.csv` inside it, GBK or
 * UTF-8 — into ChannelLines, after checking the rows against the file's `#交易合计` and
 * `#退款合计`. Either the whole file is good or AppError('BILL_INVALID' | 'BILL_TOTAL_MISMATCH')
 * says which line is wrong and nothing is returned.
 *
 * @example
 * const { lines, account, totals } = parseAlipayBill(readFileSync('20885212319120680156_20170831.csv.zip'));
 * // lines[0]: { channel: 'alipay', channelTxnId: '2017083121001004720299453898', kind: 'pay',
 * //   grossFen: 2000, feeFen: -12, feeExact: '-0.12', netFen: 1988, time: '2017-08-31T00:06:15+08:00', line: 6, … }
 */
export function parseAlipayBill(bytes: Buffer): AlipayBill {
  const { columns, account, totals } = readAlipayBillColumns(bytes);
  const lines = new Array<ChannelLine>(columns.count);
  for (let i = 0; i < columns.count; i++) lines[i] = columns.lineAt(i);
  return { lines, account, totals };
}

/** The bill as columns (see bill-columns.ts), with the same checks and errors as `parseAlipayBill`. */
export interface AlipayBillColumns extends Omit<AlipayBill, 'lines'> {
  columns: BillColumns;
}

/**
 * Reads an Alipay 业务明细 bill as `parseAlipayBill` does — every row, `#交易合计` and `#退款合计`
 * checked the same way, the same errors — into columns instead of an object per line: the bulk
 * path for a big day. Rows are read on the GBK (or UTF-8) bytes, whose ASCII columns and
 * 业务类型 need no decoding; a row that is not that plain form is read by the text rules.
 *
 * @example readAlipayBillColumns(zipBytes).columns.grossFen[0] // 2000
 */
export function readAlipayBillColumns(bytes: Buffer): AlipayBillColumns {
  const file = new CsvLines(isZip(bytes) ? detailFromZip(bytes) : bytes);
  const layout = findLayout(file);
  const columns = readHeader(file.text(layout.start + 1), layout.start + 2);

  const problems: AlipayBillProblem[] = [];
  let problemCount = 0;
  const report = (line: number, column: Header | null, message: string): void => {
    problemCount += 1;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ line, column, message });
  };
  const rows = readRows(file, layout, columns, report);
  const first = problems[0];
  if (first) {
    const where = first.column === null ? `Line ${first.line}` : `Line ${first.line}, ${first.column}`;
    const others = problemCount - 1;
    const more = others === 0 ? '' : others === 1 ? ' There is 1 more problem.' : ` There are ${others} more problems.`;
    throw new AppError('BILL_INVALID', `${where}: ${first.message}${more} ${AGAIN}`, {
      details: { problems, problemCount },
    });
  }

  const totals = readTotals(file, layout.end);
  checkTotals(rows.sums, totals, layout);
  return { columns: rows.columns, account: layout.account, totals: totals.stated };
}

/** Whether the bytes are a zip (Alipay's bill as served), not the CSV itself. */
export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const KIND_BYTES = {
  utf8: [Buffer.from('交易', 'utf8'), Buffer.from('退款', 'utf8')],
  gbk: [iconv.encode('交易', 'gbk'), iconv.encode('退款', 'gbk')],
} as const;

/**
 * The file's lines as byte ranges (lines[i] is physical line i + 1, the number Notepad and Excel
 * show; a CR before the LF dropped), decoded only when asked: UTF-8, else GB18030, as a whole.
 */
class CsvLines {
  readonly body: Buffer;
  readonly utf8: boolean;
  readonly start: number[] = [];
  readonly end: number[] = [];

  constructor(bytes: Buffer) {
    const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
    this.body = body;
    this.utf8 = isUtf8(body);
    for (let at = 0; at <= body.length; ) {
      let lf = body.indexOf(0x0a, at);
      if (lf < 0) lf = body.length;
      this.start.push(at);
      this.end.push(lf > at && body[lf - 1] === 0x0d ? lf - 1 : lf);
      at = lf + 1;
    }
    if (this.start.at(-1) === body.length) {
      this.start.pop();
      this.end.pop();
    }
  }

  get count(): number {
    return this.start.length;
  }

  text(index: number): string {
    const bytes = this.body.subarray(this.start[index] ?? 0, this.end[index] ?? 0);
    return this.utf8 ? bytes.toString('utf8') : iconv.decode(bytes, 'gb18030');
  }

  /** False when line `index`, trimmed, cannot start with "#" (its first byte past ASCII spaces is other ASCII). */
  mayStartWithHash(index: number): boolean {
    const b = this.body;
    const e = this.end[index] ?? 0;
    let s = this.start[index] ?? 0;
    while (s < e && isAsciiSpace(b[s] as number)) s++;
    return s < e && (b[s] === 0x23 || (b[s] as number) >= 0x80);
  }
}

/**
 * Splits a row at commas into fs/fe, each value trimmed of ASCII spaces; false for a "#" line, a
 * row with a quote (RFC 4180 quoting is read as text) or one without fs.length values.
 */
function splitCommas(b: Uint8Array, s: number, e: number, fs: Int32Array, fe: Int32Array, trimmed?: Int32Array): boolean {
  return b[s] !== 0x23 && splitValues(b, s, e, fs, fe, false, trimmed);
}

/**
 * The columns of an Alipay bill from their data (as `readAlipayBillColumns` made it, here or in
 * another thread): each line on demand, from its row's bytes or as the text rules read it.
 */
export function alipayColumns(data: BillColumnsData): BillColumns {
  return billColumns(data, splitCommas);
}

interface Rows {
  columns: BillColumns;
  sums: { payCount: number; payFen: number; refundCount: number; refundFen: number };
}

/**
 * Reads the list's rows: each on the bytes when it is the plain form (no quotes, the needed
 * values ASCII, the amounts, fee and times well formed), else through `readRow`, which reports
 * what is wrong with it.
 */
function readRows(
  file: CsvLines,
  layout: { start: number; end: number },
  header: { at: Map<Header, number>; width: number },
  report: (line: number, column: Header | null, message: string) => void,
): Rows {
  const b = file.body;
  const capacity = Math.max(0, layout.end - layout.start - 2);
  const col = (name: Header): number => header.at.get(name) ?? -1;
  const cTxn = col('支付宝交易号');
  const cOrder = col('商户订单号');
  const cType = col('业务类型');
  const cCreated = col('创建时间');
  const cFinished = col('完成时间');
  const cStore = col('门店编号');
  const cTerminal = col('终端号');
  const cReceived = col('商家实收（元）');
  const cRefundNo = col('退款批次号/请求号');
  const cFee = col('服务费（元）');
  const [payWord, refundWord] = file.utf8 ? KIND_BYTES.utf8 : KIND_BYTES.gbk;
  const width = header.width;
  const fs = new Int32Array(width);
  const fe = new Int32Array(width);
  const rows = new BillRows(b, capacity);
  const { kind, grossFen, feeFen, line, orders } = rows;
  const sums = { payCount: 0, payFen: 0, refundCount: 0, refundFen: 0 };
  let count = 0;

  const read = Int32Array.from([cTxn, cOrder, cType, cCreated, cFinished, cStore, cTerminal, cReceived, cRefundNo, cFee].filter((c) => c >= 0));
  const split = (index: number): boolean => splitCommas(b, file.start[index] as number, file.end[index] as number, fs, fe, read);
  const s = (c: number): number => fs[c] as number;
  const e = (c: number): number => fe[c] as number;
  const ascii = (c: number): boolean => isAsciiAt(b, s(c), e(c));

  /** Row `i` from line `index` on the bytes; false (nothing kept) when the text rules must read it. */
  const fast = (i: number, index: number): boolean => {
    if (!split(index)) return false;
    if (e(cTxn) === s(cTxn) || !ascii(cTxn) || !ascii(cStore) || !ascii(cTerminal) || !ascii(cRefundNo)) return false;
    const k = bytesAre(b, s(cType), e(cType), payWord) ? KIND_PAY : bytesAre(b, s(cType), e(cType), refundWord) ? KIND_REFUND : -1;
    if (k < 0) return false;
    const gross = yuanFenAt(b, s(cReceived), e(cReceived));
    if (!(k === KIND_PAY ? gross >= 0 : gross <= 0)) return false;
    const units = decimalUnitsAt(b, s(cFee), e(cFee), 5);
    if (Number.isNaN(units) || !isWallTimeAt(b, s(cCreated), e(cCreated))) return false;
    if (e(cFinished) !== s(cFinished) && !isWallTimeAt(b, s(cFinished), e(cFinished))) return false;
    if (!orders.setBytes(i, s(cOrder), e(cOrder))) return false;
    kind[i] = k;
    grossFen[i] = gross;
    feeFen[i] = divideHalfEven(units, 1000) + 0;
    return true;
  };

  const rowStart = new Int32Array(capacity);
  const rowEnd = new Int32Array(capacity);
  for (let index = layout.start + 2; index < layout.end; index += 1) {
    const i = count;
    if (!fast(i, index)) {
      const row = readRow(file.text(index), index + 1, header, report);
      if (!row) continue;
      rows.setLine(i, row);
    }
    line[i] = index + 1;
    rowStart[i] = file.start[index] as number;
    rowEnd[i] = file.end[index] as number;
    if (kind[i] === KIND_PAY) {
      sums.payCount += 1;
      sums.payFen += grossFen[i] as number;
    } else {
      sums.refundCount += 1;
      sums.refundFen += grossFen[i] as number;
    }
    count += 1;
  }

  const fields = { txn: cTxn, time: cCreated, finished: cFinished, refundNo: cRefundNo, fee: cFee, store: cStore, terminal: cTerminal };
  return { columns: rows.columns('alipay', count, { rowStart: rowStart.subarray(0, count), rowEnd: rowEnd.subarray(0, count), width, fields }, splitCommas), sums };
}

/**
 * Writes the 业务明细 CSV exactly as Alipay lays it out (FORMATS.md): GBK, `#` header and footer,
 * a TAB after the fields Alipay pads, totals computed from the rows, CRLF line ends. Columns
 * Tillpoint does not model (红包, 集分宝, 优惠…) are 0.00 and 券名称/备注 are empty. A text field
 * with a comma, a quote or edge spaces is quoted as RFC 4180 does; characters outside GBK become
 * "?", as in any GBK export.
 *
 * @example
 * formatAlipayBill({ account: '20885212319120680156', from: '2017-08-31', to: '2017-09-01',
 *   exportedAt: '2017-09-01 06:27:10', lines: [{ tradeNo: '2017083121001004720299453898', kind: '交易',
 *   receivedFen: 2000, serviceFeeExact: '-0.12', … }] })
 * // GBK bytes of "#支付宝业务明细查询\r\n#账号：[20885212319120680156]\r\n…#交易合计：1笔，商家实收共20.00元，…"
 */
export function formatAlipayBill(input: AlipayBillInput): Buffer {
  const pays = input.lines.filter((row) => row.kind === '交易');
  const refunds = input.lines.filter((row) => row.kind === '退款');
  const sum = (rows: AlipayBillRow[]): number => rows.reduce((total, row) => total + row.receivedFen, 0);
  const text = [
    '#支付宝业务明细查询',
    `#账号：[${oneLine(input.account, 'account')}]`,
    `#起始日期：[${chineseTime(input.from, 'from')}]   终止日期：[${chineseTime(input.to, 'to')}]`,
    LIST_START,
    COLUMNS.map((column) => column.header).join(','),
    ...input.lines.map((row, index) => formatRow(row, index)),
    LIST_END,
    `#交易合计：${pays.length}笔，商家实收共${formatYuan(sum(pays))}元，商家优惠共0.00元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${formatYuan(sum(refunds))}元，商家优惠退款共0.00元`,
    `#导出时间：[${chineseTime(input.exportedAt, 'exportedAt')}]`,
  ];
  return iconv.encode(crlf(text), 'gbk');
}

/**
 * Zips a 业务明细 CSV the way Alipay serves it: `${name}_业务明细.csv` beside a minimal
 * `${name}_业务明细(汇总).csv` (the detail's `#` lines retitled 汇总 — account, period, totals,
 * export time — and no per-store rows; Tillpoint never reads it). Entry names are UTF-8 with the
 * zip's UTF-8 flag set, which fflate writes and every unzip tool reads; Alipay's own zips use GBK
 * names without the flag, which `parseAlipayBill` also reads. Entries are dated at the CSV's
 * `#导出时间` so the same bill always gives the same bytes. The CSV is not checked, so broken
 * bills can be served on purpose.
 *
 * @example zipAlipayBill(formatAlipayBill(input), '20885212319120680156_20170831')
 * // zip with 20885212319120680156_20170831_业务明细.csv and …_业务明细(汇总).csv
 */
export function zipAlipayBill(csv: Buffer, name: string): Buffer {
  const hashLines = decodeText(csv).text.split(/\r?\n/).filter((line) => line.startsWith('#'));
  const summary = iconv.encode(crlf(hashLines.map((line) => line.replace('业务明细', '业务汇总'))), 'gbk');
  const exported = hashLines.map((line) => EXPORTED.exec(line)).find((match) => match);
  const n = (i: number): number => Number(exported?.[i] ?? 0);
  // fflate writes the zip's local (DOS) time from the Date's local fields, so build it from them.
  const mtime = exported ? new Date(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) : new Date(1980, 0, 1);
  const zip = zipSync({ [`${name}_业务明细.csv`]: csv, [`${name}_业务明细(汇总).csv`]: summary }, { mtime });
  return Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
}

/** Where the list and the account are; throws when the file is not a whole 业务明细 bill. */
function findLayout(file: CsvLines): { account: string | null; start: number; end: number } {
  let account: string | null = null;
  let start = -1;
  for (let index = 0; index < file.count; index += 1) {
    // Inside the list only a "#" line matters: the rows are not decoded to look for it.
    if (start >= 0 && !file.mayStartWithHash(index)) continue;
    const line = file.text(index).trim();
    if (start < 0) {
      account ??= ACCOUNT.exec(line)?.[1]?.trim() ?? null;
      if (line.startsWith('#') && line.includes('业务明细列表') && !line.includes('结束')) start = index;
    } else if (line.startsWith('#') && line.includes('业务明细列表结束')) {
      return { account, start, end: index };
    }
  }
  if (start < 0) {
    const summary = Array.from({ length: file.count }, (_x, i) => file.text(i)).some((line) => line.startsWith('#') && line.includes('业务汇总'));
    throw new AppError(
      'BILL_INVALID',
      summary
        ? 'This is the 业务明细(汇总) summary, not the bill. Import the …业务明细.csv from the same zip, or the zip itself.'
        : 'This is not an Alipay 业务明细 bill: it has no "#----业务明细列表----" line. Download the trade bill (bill_type=trade) from Alipay and import the zip.',
      { details: { lineCount: file.count } },
    );
  }
  throw new AppError(
    'BILL_INVALID',
    `The bill stops at line ${file.count} without the "#----业务明细列表结束----" line: the file is cut off. ${AGAIN}`,
    { details: { line: file.count } },
  );
}

/** Maps each needed column to its position, so a reordered or widened layout still reads. */
function readHeader(text: string, line: number): { at: Map<Header, number>; width: number } {
  const cells = splitCells(text) ?? [];
  const at = new Map<Header, number>();
  for (const column of COLUMNS) {
    const position = cells.indexOf(column.header);
    if (position >= 0) at.set(column.header, position);
  }
  const missing = NEEDED.filter((header) => !at.has(header));
  if (missing.length > 0) {
    throw new AppError(
      'BILL_INVALID',
      `Line ${line} should be the column header of the 业务明细 list, but it lacks ${missing.join(', ')}. ${AGAIN}`,
      { details: { line, missing } },
    );
  }
  return { at, width: cells.length };
}

function readRow(
  text: string,
  line: number,
  columns: { at: Map<Header, number>; width: number },
  report: (line: number, column: Header | null, message: string) => void,
): ChannelLine | null {
  if (text.trim() === '') return null;
  if (text.startsWith('#')) {
    report(line, null, `a "#" line inside the 业务明细 list, before its "业务明细列表结束" line.`);
    return null;
  }
  const cells = splitCells(text);
  if (!cells) {
    report(line, null, 'a quoted field is not closed.');
    return null;
  }
  if (cells.length !== columns.width) {
    report(line, null, `the row has ${cells.length} fields but the header has ${columns.width}.`);
    return null;
  }
  const cell = (header: Header): string => cells[columns.at.get(header) ?? -1] ?? '';
  let bad = false;
  const problem = (column: Header, message: string): void => {
    bad = true;
    report(line, column, message);
  };

  const channelTxnId = cell('支付宝交易号');
  if (channelTxnId === '') problem('支付宝交易号', 'is empty.');
  const type = cell('业务类型');
  const kind = type === '交易' ? 'pay' : type === '退款' ? 'refund' : null;
  if (!kind) problem('业务类型', `"${type}" is neither 交易 nor 退款.`);

  const received = yuanToFen(cell('商家实收（元）'));
  if (received === null) problem('商家实收（元）', `"${cell('商家实收（元）')}" is not a yuan amount like 20.00.`);
  const grossFen = received ?? 0;
  if (kind === 'pay' && grossFen < 0) problem('商家实收（元）', `a 交易 row cannot be negative (${formatYuan(grossFen)}).`);
  if (kind === 'refund' && grossFen > 0) problem('商家实收（元）', `a 退款 row must be negative or zero, not ${formatYuan(grossFen)}.`);

  const feeExact = cell('服务费（元）');
  let feeFen = 0;
  if (DECIMAL.test(feeExact)) {
    feeFen = yuanToFenHalfEven(feeExact);
  } else {
    problem('服务费（元）', `"${feeExact}" is not a yuan amount like -0.12.`);
  }

  const created = cell('创建时间');
  const finished = cell('完成时间');
  const createdIso = isoTime(created);
  const finishedIso = finished === '' ? null : isoTime(finished);
  if (!createdIso) problem('创建时间', `"${created}" is not a time like 2017-08-31 00:06:14.`);
  if (finished !== '' && !finishedIso) problem('完成时间', `"${finished}" is not a time like 2017-08-31 00:06:15.`);

  if (bad || !kind || !createdIso) return null;
  return {
    channel: 'alipay',
    channelTxnId: ownCopy(channelTxnId),
    merchantOrderNo: ownCopy(cell('商户订单号')) || null,
    refundNo: kind === 'refund' ? cell('退款批次号/请求号') || null : null,
    kind,
    grossFen,
    feeFen,
    feeExact,
    netFen: grossFen + feeFen,
    time: finishedIso ?? createdIso,
    store: cell('门店编号') || null,
    terminal: cell('终端号') || null,
    line,
  };
}

interface StatedTotals {
  stated: AlipayBillTotals;
  payLine: number;
  refundLine: number;
}

function readTotals(file: CsvLines, end: number): StatedTotals {
  const lines = Array.from({ length: Math.max(0, file.count - end - 1) }, (_x, i) => file.text(end + 1 + i));
  const find = (prefix: string, pattern: RegExp, what: string): { match: RegExpExecArray; line: number } => {
    const found = lines.findIndex((line) => line.startsWith(prefix));
    const index = found < 0 ? -1 : end + 1 + found;
    if (index < 0) {
      throw new AppError(
        'BILL_INVALID',
        `The bill has no ${prefix} line after its list ends at line ${end + 1}: the file is cut off. ${AGAIN}`,
        { details: { line: end + 1, missing: prefix } },
      );
    }
    const match = pattern.exec((lines[found] ?? '').trim());
    if (!match) {
      throw new AppError('BILL_INVALID', `Line ${index + 1}: the ${prefix} line does not read as ${what}. ${AGAIN}`, {
        details: { line: index + 1 },
      });
    }
    return { match, line: index + 1 };
  };
  const pay = find('#交易合计', PAY_TOTAL, '"#交易合计：N笔，商家实收共X元，…"');
  const refund = find('#退款合计', REFUND_TOTAL, '"#退款合计：N笔，商家实收退款共-Y元，…"');
  return {
    stated: {
      payCount: Number(pay.match[1]),
      payFen: parseYuan(pay.match[2] ?? '', '#交易合计'),
      refundCount: Number(refund.match[1]),
      refundFen: parseYuan(refund.match[2] ?? '', '#退款合计'),
    },
    payLine: pay.line,
    refundLine: refund.line,
  };
}

function checkTotals(sums: Rows['sums'], totals: StatedTotals, layout: { start: number; end: number }): void {
  const span = `between the header on line ${layout.start + 2} and the end on line ${layout.end + 1}`;
  const check = (kind: 'pay' | 'refund', statedCount: number, statedFen: number, line: number): void => {
    const [label, noun, type, sumName] =
      kind === 'pay' ? ['#交易合计', 'payments', '交易', '商家实收'] : ['#退款合计', 'refunds', '退款', '商家实收退款'];
    const rowCount = kind === 'pay' ? sums.payCount : sums.refundCount;
    const fen = kind === 'pay' ? sums.payFen : sums.refundFen;
    const details = { line, statedCount, rowCount, statedFen, rowFen: fen };
    if (rowCount !== statedCount) {
      const cause = rowCount < statedCount ? `${statedCount - rowCount} row(s) are missing` : `${rowCount - statedCount} row(s) too many`;
      throw new AppError(
        'BILL_TOTAL_MISMATCH',
        `The bill's ${label} (line ${line}) says ${statedCount} ${noun} but the file has ${rowCount} ${type} rows (${span}): ${cause}. ${AGAIN}`,
        { details },
      );
    }
    if (fen !== statedFen) {
      throw new AppError(
        'BILL_TOTAL_MISMATCH',
        `The bill's ${label} (line ${line}) says ${sumName} ${formatYuan(statedFen)} yuan but its ${statedCount} ${type} rows (${span}) add up to ${formatYuan(fen)}: a row was changed. ${AGAIN}`,
        { details },
      );
    }
  };
  check('pay', totals.stated.payCount, totals.stated.payFen, totals.payLine);
  check('refund', totals.stated.refundCount, totals.stated.refundFen, totals.refundLine);
}

/**
 * Splits one line at commas and trims each field (Alipay pads many with a TAB and spaces). A
 * field that starts with a quote is RFC 4180 quoted and kept as is. Null when a quote is open.
 */
function splitCells(text: string): string[] | null {
  const cells: string[] = [];
  let at = 0;
  for (;;) {
    let quoted: string | null = null;
    if (text[at] === '"') {
      quoted = '';
      at += 1;
      for (;;) {
        const close = text.indexOf('"', at);
        if (close < 0) return null;
        quoted += text.slice(at, close);
        at = close + 1;
        if (text[at] !== '"') break;
        quoted += '"';
        at += 1;
      }
    }
    const comma = text.indexOf(',', at);
    const rest = text.slice(at, comma < 0 ? text.length : comma);
    cells.push(quoted === null ? rest.trim() : quoted + rest.trim());
    if (comma < 0) return cells;
    at = comma + 1;
  }
}

/** `2017-08-31 00:06:15` (Beijing) → `2017-08-31T00:06:15+08:00`; null unless a real time. */
/** Dates already checked to exist: a bill has one or two, so each is checked once. */
const realDates = new Map<string, boolean>();

function isoTime(text: string): string | null {
  if (!TIME.test(text)) return null;
  // A time of day exists when its fields are in range; the date is checked once through Date.
  if (text.slice(11, 13) < '24' && text.slice(14, 16) < '60' && text.slice(17, 19) < '60') {
    const date = text.slice(0, 10);
    let real = realDates.get(date);
    if (real === undefined) {
      real = isoTimeSlow(`${date} 00:00:00`) !== null;
      if (realDates.size < 10_000) realDates.set(date, real);
    }
    return real ? `${date}T${text.slice(11)}+08:00` : null;
  }
  return isoTimeSlow(text);
}

function isoTimeSlow(text: string): string | null {
  const iso = `${text.slice(0, 10)}T${text.slice(11)}+08:00`;
  const ms = Date.parse(iso);
  // Date.parse rolls 02-30 over to 03-02; writing it back in +08:00 exposes that.
  if (Number.isNaN(ms) || new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19) !== iso.slice(0, 19)) return null;
  return iso;
}

function formatRow(row: AlipayBillRow, index: number): string {
  const where = `lines[${index}]`;
  if (!isoTime(row.createdAt)) invalid(`${where}.createdAt`, row.createdAt, A_TIME);
  if (row.finishedAt !== '' && !isoTime(row.finishedAt)) invalid(`${where}.finishedAt`, row.finishedAt, A_TIME);
  if (!DECIMAL.test(row.serviceFeeExact)) invalid(`${where}.serviceFeeExact`, row.serviceFeeExact, 'a yuan amount like -0.12');
  const values: Record<Header, string> = {
    支付宝交易号: row.tradeNo,
    商户订单号: row.outTradeNo,
    业务类型: row.kind,
    商品名称: row.subject,
    创建时间: row.createdAt,
    完成时间: row.finishedAt,
    门店编号: row.storeId,
    门店名称: row.storeName,
    操作员: row.operator,
    终端号: row.terminalId,
    对方账户: row.buyer,
    '订单金额（元）': formatYuan(row.orderFen),
    '商家实收（元）': formatYuan(row.receivedFen),
    '支付宝红包（元）': '0.00',
    '集分宝（元）': '0.00',
    '支付宝优惠（元）': '0.00',
    '商家优惠（元）': '0.00',
    '券核销金额（元）': '0.00',
    券名称: '',
    '商家红包消费金额（元）': '0.00',
    '卡消费金额（元）': '0.00',
    '退款批次号/请求号': row.refundRequestNo,
    '服务费（元）': row.serviceFeeExact,
    '分润（元）': '0.00',
    备注: '',
  };
  return COLUMNS.map((column) => {
    const value = oneLine(values[column.header], `${where} ${column.header}`);
    const field = /[",]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    return column.tab ? `${field}\t` : field;
  }).join(',');
}

/** `2017-08-31` or `2017-08-31 00:00:00` → `2017年08月31日 00:00:00`, as Alipay writes its header. */
function chineseTime(text: string, field: string): string {
  const full = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00:00` : text;
  if (!isoTime(full)) invalid(field, text, `${A_TIME} or 2017-08-31`);
  return `${full.slice(0, 4)}年${full.slice(5, 7)}月${full.slice(8, 10)}日 ${full.slice(11)}`;
}

/** A line break inside a field would split the row, so the writer refuses it. */
function oneLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) {
    throw new AppError('VALIDATION_FAILED', `${field} must not contain a line break.`, { details: { field } });
  }
  return value;
}

const A_TIME = 'a time like 2017-08-31 00:06:15';

function invalid(field: string, value: string, expected: string): never {
  throw new AppError('VALIDATION_FAILED', `${field} "${value}" is not ${expected}.`, {
    details: { field, value },
  });
}

function crlf(list: string[]): string {
  return list.map((line) => `${line}\r\n`).join('');
}

/**
 * The one `…业务明细.csv` in Alipay's zip (names may be GBK, with no UTF-8 flag, or UTF-8), as
 * `readAlipayBillColumns` unpacks it; the reconciliation bench gives DuckDB the same file.
 */
export function detailFromZip(bytes: Buffer): Buffer {
  const directory = zipDirectory(bytes);
  // zlib inflates natively (a 111 MB day in a third of the time); zips it does not read here (zip64,
  // encryption, other methods) go to fflate, which reads them or says what is wrong.
  if (!directory) return detailByFflate(bytes);
  const entry = oneDetail(directory);
  const data = bytes.subarray(entry.dataAt, entry.dataAt + entry.compressedSize);
  if (entry.method === 0) return data;
  try {
    // One output chunk of the stated size: zlib then has no chunks to join.
    return inflateRawSync(data, { maxOutputLength: MAX_CSV_BYTES, chunkSize: Math.max(64 * 1024, Math.min(entry.originalSize, MAX_CSV_BYTES)) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('BILL_INVALID', `The zip is damaged (${reason}). Download the bill again from Alipay.`, { cause: error });
  }
}

interface ZipEntry {
  name: string;
  originalSize: number;
}

/** The wanted entry among the zip's, or the reason there is none to read. */
function oneDetail<E extends ZipEntry>(entries: readonly E[]): E {
  const seen = entries.map((entry) => entry.name);
  const wanted = entries.filter((entry) => entry.name.endsWith('业务明细.csv') && !entry.name.endsWith('(汇总).csv'));
  const tooLarge = wanted.filter((entry) => entry.originalSize > MAX_CSV_BYTES).map((entry) => entry.name);
  if (tooLarge.length > 0) {
    throw new AppError('BILL_INVALID', `${tooLarge.join(', ')} in the zip unpacks to more than 200 MB; that is not an Alipay bill.`, {
      details: { names: tooLarge },
    });
  }
  const [only] = wanted;
  if (wanted.length !== 1 || !only) {
    const message =
      wanted.length === 0
        ? `The zip holds no …业务明细.csv (it has ${seen.join(', ') || 'nothing'}). Import the zip Alipay's trade bill (bill_type=trade) downloads as.`
        : `The zip holds ${wanted.length} …业务明细.csv files; import them one zip per bill.`;
    throw new AppError('BILL_INVALID', message, { details: { entries: seen } });
  }
  return only;
}

const CENTRAL_END = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/**
 * The entries of a plain zip from its central directory (name, method, sizes, where the data
 * starts), or null for a zip this reader leaves to fflate: zip64, encrypted, or not deflate/stored.
 */
function zipDirectory(bytes: Buffer): Array<ZipEntry & { method: number; compressedSize: number; dataAt: number }> | null {
  const end = bytes.lastIndexOf(CENTRAL_END);
  if (end < 0 || end + 22 > bytes.length) return null;
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return null;
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const originalSize = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const local = bytes.readUInt32LE(at + 42);
    if (flags & 1 || (method !== 0 && method !== 8) || [compressedSize, originalSize, local].includes(0xffffffff)) return null;
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) return null;
    const raw = bytes.subarray(at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (dataAt + compressedSize > bytes.length) return null;
    entries.push({ name: flags & 0x800 ? raw.toString('utf8') : entryName(raw.toString('latin1')), originalSize, method, compressedSize, dataAt });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

function detailByFflate(bytes: Buffer): Buffer {
  const listed: ZipEntry[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (file) => {
        const entry = { name: entryName(file.name), originalSize: file.originalSize };
        listed.push(entry);
        return entry.name.endsWith('业务明细.csv') && !entry.name.endsWith('(汇总).csv') && entry.originalSize <= MAX_CSV_BYTES;
      },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('BILL_INVALID', `The zip is damaged (${reason}). Download the bill again from Alipay.`, { cause: error });
  }
  oneDetail(listed);
  // The filter let exactly the one detail through.
  const [only = new Uint8Array(0)] = Object.values(entries);
  return Buffer.from(only.buffer, only.byteOffset, only.byteLength);
}

/**
 * fflate decodes a name without the UTF-8 flag as Latin-1, one char per byte; Alipay's names are
 * GBK, so take the bytes back and decode them as we decode the CSV.
 */
function entryName(name: string): string {
  const raw = Buffer.from(name, 'latin1');
  // Only a name of one-byte chars survives Latin-1 unchanged; a flagged UTF-8 name is kept.
  return raw.toString('latin1') === name ? decodeText(raw).text : name;
}
