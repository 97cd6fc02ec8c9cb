// Chinese banks' CSV exports of account activity (ICBC, CMB, or any bank through a column mapping):
// title rows, GBK or UTF-8, thousand separators and 合计 footers, read into one BankStatement.
import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { decodeText } from '../catalog/catalog-csv';
import { AppError, isAppError } from '../platform/errors';
import { formatYuan, parseYuan } from '../platform/money';
import { bankFileError, calendarDate } from './bank-checks';
import type { BankLine, BankStatement } from './types';

/**
 * Where a bank's export keeps each field. Each field lists the headers that may name it, in order
 * of preference (the first one the header row has wins); headers are compared without spaces and
 * with full-width brackets made ASCII, so `交易金额（收入）` matches `交易金额(收入)`.
 */
export interface BankCsvColumns {
  date: readonly string[];
  /** Money in (收入 / 贷方发生额). With `debit`, preferred over a signed `amount`. */
  credit?: readonly string[];
  /** Money out (支出 / 借方发生额), written with or without a minus: both mean money out. */
  debit?: readonly string[];
  /** One signed column: credit +, debit −. */
  amount?: readonly string[];
  /** The running balance (余额); when present every line is checked against it. */
  balance?: readonly string[];
  counterparty?: readonly string[];
  /** Used as the counterparty when no name is given: some settlements show only the paying account. */
  counterpartyAccount?: readonly string[];
  reference?: readonly string[];
  /** Unlike the other fields, every one of these found is used, joined with a space (摘要 and 备注 both carry words a match needs). */
  description?: readonly string[];
  currency?: readonly string[];
}

/** `icbc` and `cmb` use the built-in columns below; any other bank takes an explicit mapping. */
export type BankCsvProfile = 'icbc' | 'cmb' | { kind: 'generic'; columns: BankCsvColumns };

/**
 * Default columns for the two banks stores use most. The exact headers vary by export channel
 * (personal online banking, enterprise online banking 企业网银, the bank-enterprise link 银企直联)
 * and change over the years, so these are configuration: each field lists the variants seen, and a
 * store whose export differs uses a `generic` profile with its own headers.
 */
export const BANK_CSV_PROFILES: Readonly<Record<'icbc' | 'cmb', BankCsvColumns>> = {
  icbc: {
    date: ['交易日期', '记账日期', '交易时间'],
    // 记账金额 is in the account's currency and is what moved the balance, so it comes before 交易金额.
    credit: ['记账金额(收入)', '交易金额(收入)', '收入金额', '转入金额', '贷方发生额', '贷方金额'],
    debit: ['记账金额(支出)', '交易金额(支出)', '支出金额', '转出金额', '借方发生额', '借方金额'],
    balance: ['余额', '账户余额', '联机余额'],
    counterparty: ['对方户名', '对方单位名称', '对方账户名称', '对方名称'],
    counterpartyAccount: ['对方账号', '对方账户', '对方卡号'],
    reference: ['流水号', '交易流水号', '凭证号'],
    description: ['摘要', '交易详情', '用途', '附言'],
    currency: ['记账币种', '币种'],
  },
  cmb: {
    date: ['交易日', '交易日期', '记账日期'],
    credit: ['收入', '收入金额', '贷方金额'],
    debit: ['支出', '支出金额', '借方金额'],
    amount: ['交易金额'],
    balance: ['余额', '联机余额', '账户余额'],
    counterparty: ['对方户名', '对方名称'],
    counterpartyAccount: ['对方账号', '对方帐号'],
    reference: ['流水号', '交易流水号', '参考号'],
    description: ['交易类型', '摘要', '交易备注', '用途'],
    currency: ['币种'],
  },
};

interface Row {
  line: number;
  cells: string[];
}

type SingleField = Exclude<keyof BankCsvColumns, 'description'>;

interface Layout {
  header: Row;
  index: Partial<Record<SingleField, number>>;
  description: number[];
}

interface Movement extends BankLine {
  balanceFen: number | null;
  creditFen: number;
  debitFen: number;
}

const ACCOUNT_TITLE = /^(?:账号|帐号|账户|卡号|账户号码)\s*[:：]\s*(.*)$/;
const CURRENCY_TITLE = /^币种\s*[:：]\s*(.*)$/;
/** Page subtotals of paged exports are skipped; a grand total ends the data. */
const PAGE_SUBTOTAL = /^(?:本页|小计)/;
const GRAND_TOTAL = /^(?:人民币)?(?:合计|总计)/;
const DATE = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[\sT].*)?$/;
const AMOUNT = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;
const NO_AMOUNT = new Set(['', '-', '--']);

/**
 * Parses a bank's CSV export. The header row is the first row with the profile's date and amount
 * headers (exports start with title rows such as 账号/户名/起止日期; the account and 币种 are read
 * from them, else the account is '' for the caller to fill in). Rows with fewer than two values are
 * notes and skipped, as are page subtotals and repeated headers; 合计/总计 ends the data and, when its
 * 收入/支出 cells are amounts, must equal the lines' sums. With a 余额 column every line must follow
 * from the one before (oldest-first or newest-first, as the dates say). The whole file is checked
 * before anything is returned.
 *
 * @example
 * parseBankCsv(iconv.encode('账号：6222020200001234\n交易日期,摘要,收入金额,支出金额,余额\n2024-03-01,微信结算,"1,200.00",,"5,200.00"\n', 'gbk'), 'icbc')
 * // { account: '6222020200001234', currency: 'CNY', openingFen: 400000, closingFen: 520000,
 * //   fromDate: '2024-03-01', toDate: '2024-03-01', lines: [{ valueDate: '2024-03-01', bookingDate: null,
 * //   amountFen: 120000, currency: 'CNY', counterparty: null, reference: null, description: '微信结算', line: 3 }] }
 */
export function parseBankCsv(bytes: Buffer, profile: BankCsvProfile): BankStatement {
  const columns = typeof profile === 'string' ? BANK_CSV_PROFILES[profile] : profile.columns;
  const rows = readRows(decodeText(bytes).text);
  const layout = findHeader(rows, columns, typeof profile === 'string' ? profile.toUpperCase() : 'the column mapping');
  const titles = rows.filter((r) => r.line < layout.header.line).flatMap((r) => r.cells);
  const titleCurrency = titleValue(titles, CURRENCY_TITLE);
  const defaultCurrency = (titleCurrency && currencyCode(titleCurrency)) || 'CNY';

  const movements: Movement[] = [];
  for (const row of rows.filter((r) => r.line > layout.header.line)) {
    const values = row.cells.filter((c) => c !== '');
    const first = values[0] ?? '';
    if (GRAND_TOTAL.test(first)) {
      checkTotals(row, layout, movements);
      break;
    }
    if (values.length < 2 || PAGE_SUBTOTAL.test(first) || sameCells(row, layout.header)) continue;
    movements.push(readMovement(row, layout, defaultCurrency));
  }

  const currency = movements[0]?.currency ?? defaultCurrency;
  const foreign = movements.find((m) => m.currency !== currency);
  if (foreign) {
    throw bankFileError(foreign.line, `the line is in ${foreign.currency} but the lines before are in ${currency}. Export one currency at a time.`);
  }
  const balances = checkRunningBalance(movements);
  const dates = movements.map((m) => m.valueDate).sort();
  return {
    account: (titleValue(titles, ACCOUNT_TITLE) ?? '').replace(/\s/g, ''),
    currency,
    openingFen: balances?.openingFen ?? null,
    closingFen: balances?.closingFen ?? null,
    fromDate: dates[0] ?? null,
    toDate: dates[dates.length - 1] ?? null,
    lines: movements.map(({ balanceFen: _b, creditFen: _c, debitFen: _d, ...line }) => line),
  };
}

/** Splits the text into non-blank rows, each with the physical line it starts on. */
function readRows(text: string): Row[] {
  const utf8 = Buffer.from(text, 'utf8');
  const rows: Row[] = [];
  // csv-parse's own line count drifts on line breaks inside quotes, so lines are counted from
  // the byte offset where each record starts; records arrive in order, so counting is one pass.
  let line = 1;
  let counted = 0;
  const lineAt = (offset: number): number => {
    for (; counted < offset; counted++) {
      const byte = utf8[counted];
      if (byte === 0x0a || (byte === 0x0d && utf8[counted + 1] !== 0x0a)) line++;
    }
    return line;
  };
  let start = 0;
  try {
    parse(utf8, {
      relax_column_count: true,
      // Exports write ="6222…" so Excel keeps long numbers as text: a quote inside a value is normal here.
      relax_quotes: true,
      on_record: (cells: string[], info) => {
        const row = { line: lineAt(start), cells: cells.map(cleanCell) };
        if (row.cells.some((c) => c !== '')) rows.push(row);
        start = info.bytes;
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw bankFileError(lineAt(start), `the line cannot be read as CSV (${error.message}). Export the statement from the bank again, and open it in Excel only to look.`);
  }
  return rows;
}

/** Removes Excel's protection (a leading tab, ="…") and surrounding spaces. */
function cleanCell(cell: string): string {
  const trimmed = cell.trim();
  return (/^="(.*)"$/.exec(trimmed)?.[1] ?? trimmed).trim();
}

function findHeader(rows: Row[], columns: BankCsvColumns, profileName: string): Layout {
  for (const row of rows) {
    const headers = row.cells.map(normalizeHeader);
    const find = (aliases: readonly string[] | undefined): number | undefined =>
      aliases?.map((a) => headers.indexOf(normalizeHeader(a))).find((i) => i >= 0);
    const index: Layout['index'] = {};
    for (const field of ['date', 'credit', 'debit', 'amount', 'balance', 'counterparty', 'counterpartyAccount', 'reference', 'currency'] as const) {
      index[field] = find(columns[field]);
    }
    if (index.credit !== undefined || index.debit !== undefined) delete index.amount;
    if (index.date === undefined || (index.credit === undefined && index.debit === undefined && index.amount === undefined)) continue;
    const description = (columns.description ?? []).map((a) => headers.indexOf(normalizeHeader(a))).filter((i) => i >= 0);
    return { header: row, index, description: [...new Set(description)] };
  }
  const amounts = [...(columns.credit ?? []), ...(columns.debit ?? []), ...(columns.amount ?? [])];
  throw bankFileError(
    null,
    `no header row with a date column (${columns.date.join('/')}) and an amount column (${amounts.join('/')}) was found. ` +
      `Check that the file is a bank statement export for ${profileName}, or choose the profile of the bank it comes from.`,
  );
}

function normalizeHeader(header: string): string {
  return header.replace(/\s/g, '').replace(/（/g, '(').replace(/）/g, ')');
}

function readMovement(row: Row, layout: Layout, defaultCurrency: string): Movement {
  const { index } = layout;
  const cell = (i: number | undefined): string => (i === undefined ? '' : (row.cells[i] ?? ''));
  const headerOf = (i: number | undefined): string => (i === undefined ? '' : (layout.header.cells[i] ?? ''));

  const rawDate = cell(index.date);
  const valueDate = csvDate(rawDate);
  if (!valueDate) {
    throw bankFileError(row.line, `${headerOf(index.date)} "${rawDate}" is not a date like 2024-03-01. If the row is a note or a footer, delete it and import again.`);
  }
  let creditFen = 0;
  let debitFen = 0;
  if (index.amount !== undefined) {
    const amount = csvAmount(row, layout, index.amount);
    if (amount === null) throw bankFileError(row.line, `${headerOf(index.amount)} is empty. Export the statement from the bank again.`);
    if (amount >= 0) creditFen = amount;
    else debitFen = -amount;
  } else {
    const credit = csvAmount(row, layout, index.credit);
    const debit = csvAmount(row, layout, index.debit);
    if (credit === null && debit === null) {
      throw bankFileError(row.line, `neither ${headerOf(index.credit) || 'the credit column'} nor ${headerOf(index.debit) || 'the debit column'} has an amount. Export the statement from the bank again.`);
    }
    if (credit && debit) {
      throw bankFileError(row.line, `both ${headerOf(index.credit)} and ${headerOf(index.debit)} have an amount; a line is money in or money out. Export the statement from the bank again.`);
    }
    creditFen = credit ?? 0;
    debitFen = Math.abs(debit ?? 0);
  }
  const balanceFen = index.balance === undefined ? null : csvAmount(row, layout, index.balance);
  if (index.balance !== undefined && balanceFen === null) {
    throw bankFileError(row.line, `${headerOf(index.balance)} is empty, so the running balance cannot be checked. Export the statement from the bank again.`);
  }
  const rawCurrency = cell(index.currency);
  const currency = rawCurrency === '' ? defaultCurrency : currencyCode(rawCurrency);
  if (!currency) {
    throw bankFileError(row.line, `${headerOf(index.currency)} "${rawCurrency}" is not a currency Tillpoint knows (人民币, CNY, or a three-letter code).`);
  }
  const descriptions = layout.description.map((i) => row.cells[i] ?? '').filter((d) => d !== '');
  return {
    valueDate,
    bookingDate: null,
    amountFen: creditFen - debitFen,
    currency,
    counterparty: cell(index.counterparty) || cell(index.counterpartyAccount) || null,
    reference: cell(index.reference) || null,
    description: [...new Set(descriptions)].join(' '),
    line: row.line,
    balanceFen,
    creditFen,
    debitFen,
  };
}

/** An amount cell in fen, or null when empty ('', '-', '--'); thousand separators and ¥ are allowed. */
function csvAmount(row: Row, layout: Layout, index: number | undefined): number | null {
  if (index === undefined) return null;
  const raw = row.cells[index] ?? '';
  const text = raw.replace(/^\+/, '').replace(/[¥￥\s]/g, '');
  if (NO_AMOUNT.has(text)) return null;
  const header = layout.header.cells[index] ?? '';
  if (!AMOUNT.test(text)) {
    throw bankFileError(row.line, `${header} "${raw}" is not an amount like 1,234.56. Export the statement from the bank again; if you edited it in Excel, keep the amount columns as numbers.`, { field: header });
  }
  try {
    return parseYuan(text.replace(/,/g, ''), header);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw bankFileError(row.line, `${header} "${raw}" has more than two decimals; bank amounts are in fen. Export the statement from the bank again.`, { field: header });
  }
}

function csvDate(raw: string): string | null {
  const m = DATE.exec(raw);
  if (!m) return null;
  return calendarDate(Number(m[1]), Number(m[2] ?? m[4]), Number(m[3] ?? m[5]));
}

function currencyCode(raw: string): string | null {
  const value = raw.trim().toUpperCase();
  if (value === '人民币' || value === 'RMB' || value === '本币') return 'CNY';
  return /^[A-Z]{3}$/.test(value) ? value : null;
}

/** A title row's value: "账号：6222…" in one cell, or "账号：" with the value in the next. */
function titleValue(cells: string[], title: RegExp): string | null {
  for (const [i, cell] of cells.entries()) {
    const m = title.exec(cell);
    if (m) return m[1] || cells[i + 1] || null;
  }
  return null;
}

function sameCells(row: Row, header: Row): boolean {
  return row.cells.length === header.cells.length && row.cells.every((c, i) => c === header.cells[i]);
}

/** The 合计 row's 收入/支出 cells, when they are amounts, must equal the lines' sums. */
function checkTotals(row: Row, layout: Layout, movements: Movement[]): void {
  for (const [side, index] of [['creditFen', layout.index.credit], ['debitFen', layout.index.debit]] as const) {
    let statedFen: number | null;
    try {
      statedFen = csvAmount(row, layout, index);
    } catch (error) {
      // A footer that writes "收入3笔" instead of an amount states nothing we can check.
      if (isAppError(error)) continue;
      throw error;
    }
    const sumFen = movements.reduce((sum, m) => sum + m[side], 0);
    if (statedFen === null || Math.abs(statedFen) === sumFen) continue;
    const header = layout.header.cells[index ?? -1] ?? '';
    throw new AppError(
      'BANK_TOTAL_MISMATCH',
      `Line ${row.line}: the total row says ${header} ${formatYuan(Math.abs(statedFen))}, but the ${movements.length} lines above add up to ${formatYuan(sumFen)}. ` +
        'Lines are missing or were edited: export the statement from the bank again. Nothing was imported.',
      { details: { line: row.line, field: header, statedFen: Math.abs(statedFen), sumFen } },
    );
  }
}

/**
 * Checks each 余额 against the one before: previous balance + amount = balance. Exports list
 * oldest first or newest first; the dates decide, and within one day the first pair does.
 */
function checkRunningBalance(movements: Movement[]): { openingFen: number; closingFen: number } | null {
  const first = movements[0];
  const last = movements[movements.length - 1];
  if (!first || !last || first.balanceFen === null || last.balanceFen === null) return null;
  const second = movements[1];
  const newestFirst =
    first.valueDate !== last.valueDate
      ? first.valueDate > last.valueDate
      : second !== undefined && second.balanceFen !== null &&
        second.balanceFen + first.amountFen === first.balanceFen && first.balanceFen + second.amountFen !== second.balanceFen;
  const ordered = newestFirst ? [...movements].reverse() : movements;
  for (let i = 1; i < ordered.length; i++) {
    const before = ordered[i - 1];
    const after = ordered[i];
    if (!before || !after || before.balanceFen === null || after.balanceFen === null) continue;
    const expectedFen = before.balanceFen + after.amountFen;
    if (expectedFen === after.balanceFen) continue;
    throw new AppError(
      'BANK_BALANCE_MISMATCH',
      `Line ${after.line}: the balance ${formatYuan(after.balanceFen)} does not follow from line ${before.line}: ` +
        `${formatYuan(before.balanceFen)} ${after.amountFen < 0 ? '−' : '+'} ${formatYuan(Math.abs(after.amountFen))} = ${formatYuan(expectedFen)}. ` +
        'A line between them is missing or was edited: export the statement from the bank again. Nothing was imported.',
      { details: { line: after.line, previousLine: before.line, balanceFen: after.balanceFen, expectedFen } },
    );
  }
  const oldest = ordered[0] ?? first;
  const newest = ordered[ordered.length - 1] ?? last;
  return { openingFen: (oldest.balanceFen ?? 0) - oldest.amountFen, closingFen: newest.balanceFen ?? 0 };
}

/** Yuan with thousand separators, as bank exports write them: 1234567 → "12,345.67". */
function groupedYuan(fen: number): string {
  const [whole = '0', decimals = '00'] = formatYuan(Math.abs(fen)).split('.');
  return `${fen < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${decimals}`;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Writes a statement as an ICBC-style CSV export in GBK: title rows (账号, 起止日期, 币种), the
 * header, oldest line first with its running 余额, and a 合计 row — the inverse of
 * `parseBankCsv(bytes, 'icbc')` for a statement with lines and an opening balance.
 *
 * @example formatBankCsv({ account: '6222020200001234567', currency: 'CNY', openingFen: 0, closingFen: 120000, fromDate: '2026-12-01', toDate: '2026-12-01', lines })
 */
export function formatBankCsv(statement: BankStatement): Buffer {
  let balanceFen = statement.openingFen ?? 0;
  let creditFen = 0;
  let debitFen = 0;
  const rows = statement.lines.map((l) => {
    balanceFen += l.amountFen;
    if (l.amountFen < 0) debitFen -= l.amountFen;
    else creditFen += l.amountFen;
    const cells = [l.valueDate, l.description, l.amountFen >= 0 ? groupedYuan(l.amountFen) : '', l.amountFen < 0 ? groupedYuan(-l.amountFen) : '', groupedYuan(balanceFen), l.counterparty ?? '', l.reference ?? ''];
    return cells.map(csvCell).join(',');
  });
  const text = [
    '中国工商银行账户历史明细',
    `账号：${statement.account}`,
    `起止日期：${statement.fromDate ?? ''} 至 ${statement.toDate ?? ''},币种：${statement.currency === 'CNY' ? '人民币' : statement.currency}`,
    '交易日期,摘要,收入金额,支出金额,余额,对方户名,流水号',
    ...rows,
    ['合计', '', groupedYuan(creditFen), groupedYuan(debitFen), '', '', ''].map(csvCell).join(','),
    '',
  ].join('\r\n');
  return iconv.encode(text, 'gbk');
}
