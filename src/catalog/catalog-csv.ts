// Catalog CSV import and export: the file store staff edit in Excel (often saved as GBK).
// An import is checked whole and either yields every row or throws every problem it found.
import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { AppError, isAppError } from '../platform/errors';
import { formatYuan, parseYuan } from '../platform/money';
import { isValidGtin, normalizeGtin } from './barcode';
import type { SkuInput, Unit } from './types';

/** One problem in a catalog CSV, at the file's physical line (the header is line 1). */
export interface CsvLineError {
  line: number;
  /** The column's English name (`price`, `barcodes`…), or null for a problem with the whole line. */
  field: string | null;
  message: string;
}

type Field = 'code' | 'name' | 'unit' | 'category' | 'price' | 'cost' | 'barcodes' | 'plu' | 'active' | 'components';

/** In export order; `header` is what we write, `aliases` what we accept (compared lower-cased). */
const COLUMNS: ReadonlyArray<{ field: Field; header: string; aliases: readonly string[]; required: boolean }> = [
  { field: 'code', header: '货号', aliases: ['货号', 'code'], required: true },
  { field: 'name', header: '名称', aliases: ['名称', 'name'], required: true },
  { field: 'unit', header: '单位', aliases: ['单位', 'unit'], required: true },
  { field: 'category', header: '分类', aliases: ['分类', '分类编码', 'category'], required: true },
  { field: 'price', header: '售价', aliases: ['售价', 'price'], required: true },
  { field: 'cost', header: '进价', aliases: ['进价', '成本', 'cost'], required: false },
  { field: 'barcodes', header: '条码', aliases: ['条码', 'barcodes'], required: false },
  { field: 'plu', header: 'PLU', aliases: ['plu'], required: false },
  { field: 'active', header: '状态', aliases: ['状态', 'active'], required: false },
  { field: 'components', header: '组合', aliases: ['组合', 'components'], required: false },
];

// Maps, not object literals, so a cell like "constructor" finds nothing instead of Object's.
const UNITS = new Map<string, Unit>([['件', 'piece'], ['个', 'piece'], ['piece', 'piece'], ['pcs', 'piece'], ['千克', 'kg'], ['公斤', 'kg'], ['kg', 'kg']]);
const UNIT_LABELS: Record<Unit, string> = { piece: '件', kg: '千克' };
const STATUSES = new Map<string, boolean>([['启用', true], ['停用', false], ['1', true], ['0', false], ['true', true], ['false', false], ['yes', true], ['no', false]]);

/** Excel opens a large file slowly and staff split catalogs by category long before this. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Enough to show the pattern of a mistake without burying the user; the total is still counted. */
const MAX_REPORTED_ERRORS = 50;
/** ¥1,000,000: above this a price is almost surely a misplaced decimal point or a pasted barcode. */
const MAX_PRICE_FEN = 100_000_000;
const CODE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_CATEGORY_CODE_CHARS = 32;
const MAX_NAME_CHARS = 120;
const PLU = /^\d{5}$/;
const COMPONENT = /^([A-Za-z0-9_-]{1,32})\s*\*\s*(\d{1,9})$/;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Decodes a text file that is UTF-8 (with or without BOM) or, failing that, GB18030 — what
 * Excel on a Chinese Windows writes for "CSV". GB18030 is a superset of GBK and GB2312, so one
 * fallback covers them all. Pure ASCII is reported as UTF-8.
 *
 * @example decodeText(iconv.encode('货号,名称', 'gbk')) // { text: '货号,名称', encoding: 'gb18030' }
 */
export function decodeText(bytes: Buffer): { text: string; encoding: 'utf-8' | 'gb18030' } {
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
  try {
    // fatal: a GBK file is almost never valid UTF-8, so a decoding error is the signal to fall back.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), encoding: 'utf-8' };
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return { text: decodeGb18030(body), encoding: 'gb18030' };
  }
}

/** Node's ICU decoder gives the same text as iconv-lite about 3× faster (a day's Alipay bill is 100 MB); builds without full ICU fall back. */
const icuGb18030 = (() => {
  try {
    return new TextDecoder('gb18030');
  } catch {
    return null;
  }
})();

function decodeGb18030(bytes: Buffer): string {
  return icuGb18030 ? icuGb18030.decode(bytes) : iconv.decode(bytes, 'gb18030');
}

/**
 * Parses a catalog CSV (UTF-8 or GBK, Chinese or English headers) into SKU inputs. The whole
 * file is checked first: if any row is wrong, nothing is returned and one
 * AppError('CSV_INVALID') lists the problems by physical line, so an import is never half done.
 *
 * @example
 * parseCatalogCsv(Buffer.from('货号,名称,单位,分类,售价\nP000001,可口可乐 330ml,件,0101,3.50\n'))
 * // [{ code: 'P000001', name: '可口可乐 330ml', unit: 'piece', categoryCode: '0101', priceFen: 350,
 * //    costFen: 0, plu: null, barcodes: [], active: true, components: [] }]
 */
export function parseCatalogCsv(bytes: Buffer): SkuInput[] {
  if (bytes.length > MAX_FILE_BYTES) {
    const mb = (bytes.length / 1024 / 1024).toFixed(1);
    throw new AppError('CSV_TOO_LARGE', `The file is ${mb} MB; a catalog CSV can be at most 20 MB. Split it into several files and import them one by one.`, {
      status: 413,
      details: { sizeBytes: bytes.length, limitBytes: MAX_FILE_BYTES },
    });
  }
  const errors = new ErrorList();
  const records = readRecords(Buffer.from(decodeText(bytes).text, 'utf8'), errors);
  const header = records[0];
  if (!header) {
    errors.add(1, null, `the file is empty. The first line must be the header: ${COLUMNS.map((c) => c.header).join(',')}.`);
    errors.throwIfAny();
    return [];
  }
  const columns = readHeader(header, errors);
  // Without the columns we cannot read any row, so header problems are reported alone.
  errors.throwIfAny();

  const file: FileContext = { columns, headerWidth: header.cells.length, errors, firstSeen: new Map() };
  const rows: SkuInput[] = [];
  for (const record of records.slice(1)) {
    const row = readRow(record, file);
    if (row) rows.push(row);
  }
  errors.throwIfAny();
  return rows;
}

/**
 * Writes SKUs as the catalog CSV that `parseCatalogCsv` reads back unchanged: UTF-8 with a BOM
 * (without it Excel shows Chinese as mojibake), Chinese headers, CRLF lines, yuan with two
 * decimals. Text that Excel would run as a formula (=, +, -, @) gets a leading ' .
 *
 * @example formatCatalogCsv(rows).toString('utf8') // '\uFEFF货号,名称,单位,分类,售价,进价,条码,PLU,状态,组合\r\nP000001,可口可乐 330ml,件,0101,3.50,2.10,6901234567892,,启用,\r\n'
 */
export function formatCatalogCsv(rows: SkuInput[]): Buffer {
  const lines = [COLUMNS.map((c) => c.header)];
  for (const row of rows) {
    lines.push([
      guardFormula(row.code),
      guardFormula(row.name),
      UNIT_LABELS[row.unit],
      guardFormula(row.categoryCode),
      formatYuan(row.priceFen),
      formatYuan(row.costFen),
      row.barcodes.join('|'),
      row.plu ?? '',
      row.active ? '启用' : '停用',
      guardFormula(row.components.map((c) => `${c.skuCode}*${c.qty}`).join('|')),
    ]);
  }
  const text = lines.map((cells) => cells.map(quoteCell).join(',') + '\r\n').join('');
  return Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]);
}

/** Collects problems in file order, keeping the first few and counting all. */
class ErrorList {
  readonly kept: CsvLineError[] = [];
  total = 0;

  add(line: number, field: string | null, message: string): void {
    this.total += 1;
    if (this.kept.length < MAX_REPORTED_ERRORS) this.kept.push({ line, field, message });
  }

  throwIfAny(): void {
    const first = this.kept[0];
    if (!first) return;
    const where = first.field === null ? `Line ${first.line}` : `Line ${first.line}, ${first.field}`;
    const others = this.total - 1;
    const more = others === 0 ? '' : others === 1 ? ' There is 1 more problem.' : ` There are ${others} more problems.`;
    throw new AppError('CSV_INVALID', `${where}: ${first.message}${more} Fix the file and import it again; nothing was imported.`, {
      details: { errors: this.kept, errorCount: this.total },
    });
  }
}

interface CsvRecord {
  line: number;
  cells: string[];
}

/** What every row is read against: the header's columns and what earlier rows already used. */
interface FileContext {
  columns: Map<Field, number>;
  headerWidth: number;
  errors: ErrorList;
  /** Where each code, barcode and PLU was first seen, keyed like "code:P000001". */
  firstSeen: Map<string, { line: number; value: string }>;
}

/** Splits the file into records that have a value, each with the physical line it starts on. */
function readRecords(utf8: Buffer, errors: ErrorList): CsvRecord[] {
  // csv-parse's own line counter drifts on CRLF inside quoted values, so lines are counted
  // here from the byte offset where each record ends (info.bytes is exact).
  const lineAt = lineLocator(utf8);
  const records: CsvRecord[] = [];
  let start = 0;
  try {
    parse(utf8, {
      relax_column_count: true,
      on_record: (cells: string[], info) => {
        if (cells.some((cell) => cell.trim() !== '')) records.push({ line: lineAt(start), cells });
        start = info.bytes;
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The broken record is the one after the last good one: point at where it starts.
    const message =
      error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quoted value that starts on this line is never closed. Add the closing " or remove the opening one.'
        : `the line cannot be read as CSV (${error.message}). A " inside a value must be written as "" and the value quoted.`;
    errors.add(lineAt(start), null, message);
    errors.throwIfAny();
  }
  return records;
}

/** Returns a function from byte offset to 1-based line number; CRLF, LF and lone CR each end a line. */
function lineLocator(utf8: Buffer): (offset: number) => number {
  const lineStarts = [0];
  for (let i = 0; i < utf8.length; i++) {
    const byte = utf8[i];
    if (byte === 0x0a || (byte === 0x0d && utf8[i + 1] !== 0x0a)) lineStarts.push(i + 1);
  }
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

function readHeader(header: CsvRecord, errors: ErrorList): Map<Field, number> {
  const columns = new Map<Field, number>();
  header.cells.forEach((cell, index) => {
    const name = cell.trim().toLowerCase();
    const column = COLUMNS.find((c) => c.aliases.includes(name));
    if (!column) return; // Unknown columns (notes, stock counts…) are allowed and ignored.
    const earlier = columns.get(column.field);
    if (earlier !== undefined) {
      errors.add(header.line, column.field, `two columns mean the same thing: "${header.cells[earlier]?.trim()}" and "${cell.trim()}". Keep one of them.`);
    } else {
      columns.set(column.field, index);
    }
  });
  for (const column of COLUMNS) {
    if (column.required && !columns.has(column.field)) {
      const names = column.aliases.map((a) => `"${a}"`).join(' or ');
      errors.add(header.line, column.field, `the header has no ${column.field} column. Add a column named ${names}.`);
    }
  }
  return columns;
}

function readRow(record: CsvRecord, file: FileContext): SkuInput | null {
  const { line, cells } = record;
  const { columns, headerWidth, errors } = file;
  // A value past the last header column usually means an unquoted comma shifted the row.
  if (cells.slice(headerWidth).some((cell) => cell.trim() !== '')) {
    errors.add(line, null, `the line has ${cells.length} values but the header has ${headerWidth} columns. Put quotes around values that contain a comma.`);
    return null;
  }
  const before = errors.total;
  const report = (field: Field, message: string) => errors.add(line, field, message);
  const cell = (field: Field): string => {
    const index = columns.get(field);
    return index === undefined ? '' : unguardFormula((cells[index] ?? '').trim());
  };
  const required = (field: Field): string | null => {
    const value = cell(field);
    if (value === '') report(field, `the cell is empty; every SKU needs a ${field}.`);
    return value === '' ? null : value;
  };

  const code = required('code');
  if (code !== null && !CODE.test(code)) report('code', `${show(code)} is not a valid code: use 1–32 letters, digits, _ or -.`);
  else if (code !== null) checkUnique(file, 'code', code, line);

  const name = required('name');
  if (name !== null && [...name].length > MAX_NAME_CHARS) report('name', `the name is ${[...name].length} characters long; at most ${MAX_NAME_CHARS} fit on receipts and labels.`);

  const unitText = required('unit');
  const unit = unitText === null ? undefined : UNITS.get(unitText.toLowerCase());
  if (unitText !== null && !unit) report('unit', `${show(unitText)} is not a unit. Use 件 (or 个, piece, pcs) or 千克 (or 公斤, kg).`);

  const categoryCode = required('category');
  if (categoryCode !== null && [...categoryCode].length > MAX_CATEGORY_CODE_CHARS) {
    report('category', `${show(categoryCode)} is longer than ${MAX_CATEGORY_CODE_CHARS} characters; use the category's code, not its path.`);
  }

  const priceText = required('price');
  const priceFen = priceText === null ? null : readYuan(priceText, (message) => report('price', message));
  const costText = cell('cost');
  const costFen = costText === '' ? 0 : readYuan(costText, (message) => report('cost', message));
  const barcodes = readBarcodes(cell('barcodes'), (message) => report('barcodes', message));
  for (const barcode of barcodes) checkUnique(file, 'barcodes', barcode, line);

  const plu = cell('plu');
  if (plu !== '' && !PLU.test(plu)) {
    report('plu', `${show(plu)} is not a PLU: it must be exactly 5 digits like 00123. If Excel dropped the leading zeros, format the column as Text.`);
  } else if (plu !== '') {
    checkUnique(file, 'plu', plu, line);
  }

  const activeText = cell('active');
  const active = activeText === '' ? true : STATUSES.get(activeText.toLowerCase());
  if (active === undefined) report('active', `${show(activeText)} is not a status. Use 启用 or 停用 (or 1/0, true/false, yes/no).`);

  const components = readComponents(cell('components'), code, (message) => report('components', message));

  if (errors.total > before || code === null || name === null || !unit || categoryCode === null) return null;
  if (priceFen === null || costFen === null || active === undefined) return null;
  return { code, name, unit, categoryCode, priceFen, costFen, plu: plu === '' ? null : plu, barcodes, active, components };
}

function readYuan(text: string, report: (message: string) => void): number | null {
  let fen: number;
  try {
    fen = parseYuan(text);
  } catch (error) {
    if (!isAppError(error)) throw error;
    report(`${show(text)} is not a yuan amount like 12.34 (at most two decimals).`);
    return null;
  }
  if (fen < 0) report(`${show(text)} is negative; amounts are 0 or more.`);
  else if (fen > MAX_PRICE_FEN) report(`${show(text)} is more than ¥1,000,000; check the decimal point.`);
  else return fen;
  return null;
}

function readBarcodes(text: string, report: (message: string) => void): string[] {
  const barcodes: string[] = [];
  for (const barcode of text.split(/[|;\s]+/).filter((b) => b !== '')) {
    if (/e\+/i.test(barcode)) {
      report(`${show(barcode)} is a barcode Excel turned into a number. Format the column as Text and type the barcodes again.`);
    } else if (!isValidGtin(barcode)) {
      report(`${show(barcode)} is not a valid barcode: use 8, 12 or 13 digits with a correct check digit (EAN-8, UPC-A, EAN-13).`);
    } else {
      const twin = barcodes.find((b) => normalizeGtin(b) === normalizeGtin(barcode));
      if (twin === undefined) barcodes.push(barcode);
      else report(twin === barcode ? `${show(barcode)} is listed twice.` : `${show(barcode)} is the same barcode as ${twin} (UPC-A with a leading 0 is EAN-13).`);
    }
  }
  return barcodes;
}

function readComponents(text: string, code: string | null, report: (message: string) => void): SkuInput['components'] {
  const components: SkuInput['components'] = [];
  for (const part of text.split(/[|;]/).map((p) => p.trim()).filter((p) => p !== '')) {
    const [, skuCode = '', qtyText = '0'] = COMPONENT.exec(part) ?? [];
    const qty = Number(qtyText);
    if (qty < 1) {
      report(`${show(part)} is not a component: write code*quantity with a whole quantity of 1 or more, like P000001*2.`);
    } else if (skuCode === code) {
      report(`${show(part)}: a bundle cannot contain itself.`);
    } else if (components.some((c) => c.skuCode === skuCode)) {
      report(`${skuCode} is listed twice; give it once with the total quantity.`);
    } else {
      components.push({ skuCode, qty });
    }
  }
  return components;
}

/**
 * Codes and barcodes identify a SKU at the till, and a PLU on a scale label: each must be unique.
 * Barcodes compare by their lookup key, because a UPC-A scans as the same product as its EAN-13.
 */
function checkUnique(file: FileContext, field: 'code' | 'barcodes' | 'plu', value: string, line: number): void {
  const key = `${field}:${field === 'barcodes' ? normalizeGtin(value) : value}`;
  const first = file.firstSeen.get(key);
  if (first === undefined) {
    file.firstSeen.set(key, { line, value });
    return;
  }
  const label = { code: 'code', barcodes: 'barcode', plu: 'PLU' }[field];
  const same = first.value === value ? '' : ` as ${first.value}`;
  file.errors.add(line, field, `${label} ${value} is already used${same} on line ${first.line}; each ${label} can belong to one SKU only.`);
}

/** Quotes a value in a message, showing line breaks and cutting long ones. */
function show(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
}

// Formula injection (OWASP "CSV Injection"): Excel runs a cell that starts with = + - @ as a
// formula. A leading ' makes it text. Cells that start with ' get one too, so that stripping
// exactly one ' before [=+-@'] on import gives back every value unchanged.
const NEEDS_GUARD = /^[=+\-@']/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
const GUARDED = /^'[=+\-@']/;

function guardFormula(value: string): string {
  return NEEDS_GUARD.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

function unguardFormula(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}

function quoteCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
