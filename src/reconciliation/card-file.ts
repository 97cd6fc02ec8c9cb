// The card acquirer's settlement file (收单机构结算明细): CSV exports that differ per acquirer in
// column names and order, read through a column-mapping profile (a strategy per acquirer) into
// ChannelLines; written in the `acquirer` layout for the sandbox (docs/reconciliation-formats.md).
import { parse as parseCsv } from 'csv-parse/sync';
import { decodeText } from '../catalog/catalog-csv';
import { AppError } from '../platform/errors';
import { formatYuan } from '../platform/money';
import { yuanToFen } from './amounts';
import type { ChannelLine } from './types';

/** Where each field is in an acquirer's export: header names, and how it writes kinds and totals. */
export interface CardFileProfile {
  name: string;
  columns: {
    merchant?: string;
    terminal: string;
    /** One column with date and time, or `date` + `time` in two. */
    time: string;
    date?: string;
    type: string;
    reference: string;
    batch?: string;
    voucher?: string;
    card?: string;
    /** On a refund (退货) row: the 参考号 of the payment it gives back, when the acquirer writes it. */
    originalReference?: string;
    amount: string;
    fee: string;
    net: string;
  };
  payTypes: readonly string[];
  refundTypes: readonly string[];
  /** Same-day voids (撤销): no money moves. */
  voidTypes: readonly string[];
  /** First cell of the totals row that ends the list. */
  totalRow: readonly string[];
}

/** The acquirer exports Tillpoint knows; `acquirer` is the sandbox's (FORMATS.md's columns). */
export const CARD_FILE_PROFILES = {
  acquirer: {
    name: 'acquirer',
    columns: { merchant: '商户号', terminal: '终端号', time: '交易时间', type: '交易类型', batch: '交易批次号', voucher: '凭证号', reference: '参考号', card: '卡号', amount: '交易金额', fee: '手续费', net: '结算金额', originalReference: '原参考号' },
    payTypes: ['消费'],
    refundTypes: ['退货'],
    voidTypes: ['消费撤销', '撤销'],
    totalRow: ['合计', '总计'],
  },
  // 银联商务-style export (column names as commonly seen; unconfirmed): date and time apart.
  chinaums: {
    name: 'chinaums',
    columns: { merchant: '商户编号', terminal: '终端编号', date: '交易日期', time: '交易时间', type: '交易类型', batch: '批次号', voucher: '凭证号', reference: '检索参考号', card: '卡号', amount: '交易金额', fee: '手续费', net: '清算金额', originalReference: '原交易参考号' },
    payTypes: ['消费', '预授权完成'],
    refundTypes: ['退货', '退款'],
    voidTypes: ['消费撤销', '撤销'],
    totalRow: ['合计', '总计'],
  },
} as const satisfies Record<string, CardFileProfile>;

export type CardFileProfileName = keyof typeof CARD_FILE_PROFILES;

/** One card transaction as the sandbox's acquirer writes it. */
export interface CardFileRow {
  merchantNo: string;
  terminal: string;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  time: string;
  kind: 'pay' | 'refund';
  batch: string;
  voucher: string;
  reference: string;
  cardMasked: string;
  /** Positive; a refund's amount is written as a positive 退货. */
  amountFen: number;
  /** Charged on a payment (positive), returned on a refund (positive, written negative). */
  feeFen: number;
  /** A refund's payment (its 参考号). */
  originalReference?: string;
}

const AGAIN = 'Export the file again from the acquirer (do not edit it in Excel); nothing was imported.';
const TIMES: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/, (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`],
  [/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`],
];

function fileError(line: number, column: string | null, message: string): AppError {
  return new AppError('BILL_INVALID', `Line ${line}${column ? `, ${column}` : ''}: ${message} ${AGAIN}`, { details: { line, field: column } });
}

/** `2026-11-29 10:00:01`, `2026/11/29 10:00:01` or `20261129100001` → ISO with +08:00; null if no such time. */
function cardTime(text: string): string | null {
  for (const [pattern, iso] of TIMES) {
    const m = pattern.exec(text);
    if (!m) continue;
    const local = iso(m);
    const ms = Date.parse(`${local}Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === local ? `${local}+08:00` : null;
  }
  return null;
}

/**
 * Reads an acquirer's card settlement file through a profile. The header row is found wherever it
 * is (metadata lines may come first); amounts may have thousand separators; each row must add up
 * (交易金额 − 手续费 = 结算金额) and a totals row, when there is one, must agree with the rows.
 * A bad file raises AppError('BILL_INVALID' | 'BILL_TOTAL_MISMATCH') naming the line; nothing is returned.
 *
 * @example parseCardFile(bytes, CARD_FILE_PROFILES.acquirer).lines[0] // { channel: 'card', channelTxnId: '000123000001', terminal: 'T0000001', grossFen: 2580, feeFen: -15, … }
 */
export function parseCardFile(bytes: Buffer, profile: CardFileProfile = CARD_FILE_PROFILES.acquirer): { lines: ChannelLine[]; merchants: Map<string, number> } {
  let records: string[][];
  try {
    records = parseCsv(decodeText(bytes).text, { relax_column_count: true, skip_empty_lines: false, trim: true, bom: true }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    throw fileError(line, null, `the CSV cannot be read (${(error as Error).message}).`);
  }
  const c = profile.columns;
  const required = [c.terminal, c.time, c.type, c.reference, c.amount, c.fee, c.net, ...(c.date ? [c.date] : [])];
  const headerAt = records.findIndex((cells) => required.every((name) => cells.includes(name)));
  if (headerAt < 0) {
    throw new AppError('BILL_INVALID', `No row of this file has the columns of the ${profile.name} card settlement layout (${required.join(', ')}). Choose the profile of your acquirer. Nothing was imported.`, { details: { line: null, profile: profile.name } });
  }
  const header = records[headerAt] ?? [];
  const at = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const lines: ChannelLine[] = [];
  const merchants = new Map<string, number>();
  let totals: { line: number; cells: string[] } | null = null;
  for (let i = headerAt + 1; i < records.length; i++) {
    const cells = records[i] ?? [];
    const line = i + 1;
    if (cells.every((cell) => cell === '')) continue;
    if (profile.totalRow.some((word) => (cells[0] ?? '').startsWith(word))) {
      totals = { line, cells };
      break;
    }
    if (cells.length !== header.length) throw fileError(line, null, `the row has ${cells.length} fields but the header has ${header.length}: a column is missing or shifted.`);
    const cell = (name: string | undefined) => cells[at(name)] ?? '';
    const type = cell(c.type);
    const kind = profile.payTypes.includes(type) ? 'pay' : profile.refundTypes.includes(type) ? 'refund' : profile.voidTypes.includes(type) ? 'reverse' : null;
    if (!kind) throw fileError(line, c.type, `"${type}" is not a transaction type of the ${profile.name} layout (${[...profile.payTypes, ...profile.refundTypes, ...profile.voidTypes].join(', ')}).`);
    const timeText = c.date ? `${cell(c.date)} ${cell(c.time)}` : cell(c.time);
    const time = cardTime(timeText);
    if (!time) throw fileError(line, c.time, `"${timeText}" is not a time like 2026-11-29 10:00:01.`);
    const reference = cell(c.reference);
    if (!/^\d{6,20}$/.test(reference)) throw fileError(line, c.reference, `"${reference}" is not a reference number (参考号, digits).`);
    const money = (name: string) => {
      const fen = yuanToFen(cell(name).replace(/,/g, ''));
      if (fen === null) throw fileError(line, name, `"${cell(name)}" is not an amount like 1,234.56.`);
      return fen;
    };
    const amount = Math.abs(money(c.amount));
    const fee = money(c.fee);
    const net = money(c.net);
    // Refunds are written positive or negative by different acquirers; the type says which way.
    const grossFen = kind === 'pay' ? amount : kind === 'refund' ? -amount : 0;
    const feeFen = kind === 'refund' ? Math.abs(fee) : kind === 'pay' ? -fee : 0;
    if (kind !== 'reverse' && Math.abs(net) !== Math.abs(grossFen + feeFen)) throw fileError(line, c.net, `"${cell(c.net)}" is not ${c.amount} − ${c.fee} (${formatYuan(Math.abs(grossFen + feeFen))}): the row does not add up, or its columns are shifted.`);
    const merchant = cell(c.merchant);
    if (c.merchant && !merchants.has(merchant)) merchants.set(merchant, line);
    // A refund row names the payment it gives back (原参考号) where the layout has the column.
    const original = kind === 'refund' ? cell(c.originalReference) : '';
    if (original && !/^\d{6,20}$/.test(original)) throw fileError(line, c.originalReference ?? null, `"${original}" is not a reference number (参考号, digits).`);
    lines.push({ channel: 'card', channelTxnId: reference, merchantOrderNo: original || null, refundNo: kind === 'refund' ? reference : null, kind, grossFen, feeFen, feeExact: formatYuan(feeFen), netFen: grossFen + feeFen, time, store: null, terminal: cell(c.terminal) || null, line });
  }
  if (totals) checkTotals(lines, totals, profile);
  return { lines, merchants };
}

/** The totals row: `合计,count,amount,fee,net` (the acquirer layout); other layouts' totals are read as far as they go. */
function checkTotals(lines: ChannelLine[], totals: { line: number; cells: string[] }, profile: CardFileProfile): void {
  const [, count = '', amount = '', fee = '', net = ''] = totals.cells;
  const stated = [/^\d+$/.test(count) ? Number(count) : null, yuanToFen(amount.replace(/,/g, '')), yuanToFen(fee.replace(/,/g, '')), yuanToFen(net.replace(/,/g, ''))];
  const moving = lines.filter((l) => l.kind !== 'reverse');
  const actual = [lines.length, moving.reduce((s, l) => s + l.grossFen, 0), moving.reduce((s, l) => s - l.feeFen, 0), moving.reduce((s, l) => s + l.netFen, 0)];
  const names = ['笔数', profile.columns.amount, profile.columns.fee, profile.columns.net];
  const differs = stated.findIndex((v, i) => v !== null && v !== actual[i]);
  if (differs < 0) return;
  const show = (v: number | null | undefined) => (differs === 0 ? String(v) : formatYuan(v ?? 0));
  throw new AppError('BILL_TOTAL_MISMATCH', `The file's totals (line ${totals.line}) say ${names[differs] ?? ''} ${show(stated[differs])} but the rows add up to ${show(actual[differs])}: a row is missing or was changed. ${AGAIN}`, {
    details: { line: totals.line, field: names[differs], expected: stated[differs], actual: actual[differs] },
  });
}

/**
 * Writes card transactions in the `acquirer` layout: a title line, the header, one row per
 * transaction (refunds as positive 退货 with the fee returned as a negative 手续费 and the payment's
 * 参考号 in 原参考号), a 合计 row.
 *
 * @example formatCardFile([{ merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 10:00:01', kind: 'pay', batch: '000123', voucher: '000001', reference: '000123000001', cardMasked: '622588******6688', amountFen: 2580, feeFen: 15 }])
 */
export function formatCardFile(rows: readonly CardFileRow[]): Buffer {
  const c = CARD_FILE_PROFILES.acquirer.columns;
  const out = ['# 收单机构结算明细 card-settlement-v1', [c.merchant, c.terminal, c.time, c.type, c.batch, c.voucher, c.reference, c.card, c.amount, c.fee, c.net, c.originalReference].join(',')];
  let amount = 0;
  let fee = 0;
  for (const r of rows) {
    const sign = r.kind === 'pay' ? 1 : -1;
    amount += sign * r.amountFen;
    fee += sign * r.feeFen;
    out.push([r.merchantNo, r.terminal, r.time, r.kind === 'pay' ? '消费' : '退货', r.batch, r.voucher, r.reference, r.cardMasked, formatYuan(r.amountFen), formatYuan(sign * r.feeFen), formatYuan(r.amountFen - r.feeFen), r.kind === 'refund' ? (r.originalReference ?? '') : ''].join(','));
  }
  out.push(['合计', String(rows.length), formatYuan(amount), formatYuan(fee), formatYuan(amount - fee), '', '', '', '', '', '', ''].join(','));
  return Buffer.from(`${out.join('\n')}\n`, 'utf8');
}
