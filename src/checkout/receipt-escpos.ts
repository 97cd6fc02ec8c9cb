// ESC/POS bytes for 58/80 mm thermal printers with Chinese firmware: text in GB18030, laid out by
// display columns (a double-byte character prints two columns wide), the e-receipt QR drawn natively.
import iconv from 'iconv-lite';
import { AppError } from '../platform/errors';
import { formatMoney } from '../platform/money';
import type { ReceiptView } from './receipt';
import { RECEIPT_LABELS, formatLineQty, formatRatePercent, formatReceiptTime, tenderText } from './receipt';

export interface EscPosOptions {
  /** Paper width in mm: 58 mm prints 32 columns of Font A, 80 mm prints 48. */
  width: 58 | 80;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;

const COLUMNS: Record<number, number> = { 58: 32, 80: 48 };
// QR module size in dots: a 58 mm head is 384 dots wide, an 80 mm head 576; an e-receipt URL
// makes a version 3–5 code (29–37 modules), which fits with a quiet zone at these sizes.
const QR_MODULE_DOTS: Record<number, number> = { 58: 5, 80: 6 };
// Byte-mode capacity of the largest QR (version 40) at error correction M.
const QR_MAX_BYTES = 2331;

const INIT = [ESC, 0x40];
// FS &: Chinese firmware switches to double-byte (GB) characters; without it the bytes print as
// Latin-1 garbage.
const CHINESE_MODE = [FS, 0x26];
const alignCommand = (n: 0 | 1 | 2) => [ESC, 0x61, n];
const boldCommand = (on: boolean) => [ESC, 0x45, on ? 1 : 0];
// GS ! 0x11 doubles width and height, which halves the columns available.
const sizeCommand = (double: boolean) => [GS, 0x21, double ? 0x11 : 0x00];
// Function B: feed to the cutter, then cut leaving a hinge, so the slip does not fall.
const PARTIAL_CUT = [GS, 0x56, 66, 0];

/** Lengths of the fixed-size commands renderEscPos emits, keyed by their first two bytes. */
const FIXED_COMMAND_LENGTH = new Map<number, number>([
  [(ESC << 8) | 0x40, 2],
  [(ESC << 8) | 0x61, 3],
  [(ESC << 8) | 0x45, 3],
  [(FS << 8) | 0x26, 2],
  [(GS << 8) | 0x21, 3],
  [(GS << 8) | 0x56, 4],
]);

/**
 * Renders a receipt as ESC/POS bytes: header, lines with discounts, promotions, totals (the
 * amount due double size), VAT per rate, tenders and change, member points, the e-receipt QR,
 * then a partial cut. Every printed line fits the paper's columns.
 *
 * @example
 * const bytes = renderEscPos(view, { width: 58 });
 * socket.write(bytes); // a network printer on port 9100
 */
export function renderEscPos(view: ReceiptView, options: EscPosOptions): Buffer {
  const columns = COLUMNS[options.width];
  const moduleDots = QR_MODULE_DOTS[options.width];
  if (columns === undefined || moduleDots === undefined) {
    throw new AppError('VALIDATION_FAILED', `Receipt paper width must be 58 or 80 mm, got ${String(options.width)}.`, {
      details: { field: 'width', value: options.width },
    });
  }
  const t = RECEIPT_LABELS['zh-CN'];
  const slip = new Slip(columns);
  const rule = () => slip.text('-'.repeat(columns));

  slip.command(INIT, CHINESE_MODE, alignCommand(1), boldCommand(true));
  for (const part of wrap(printable(view.storeName), columns)) slip.text(part);
  slip.command(boldCommand(false), alignCommand(0));
  slip.row(t.store, view.storeCode);
  slip.row(t.receiptNo, view.receiptNo);
  slip.row(t.terminal, view.terminalCode);
  slip.row(t.cashier, view.cashierName);
  slip.row(t.time, formatReceiptTime(view.issuedAt, view.timeZone));
  rule();

  for (const line of view.lines) {
    for (const part of wrap(printable(line.name), columns)) slip.text(part);
    slip.row(`  ${formatLineQty(line)}`, formatMoney(line.totalFen));
    if (line.discountFen > 0) {
      slip.row(`  ${t.listPrice} ${formatMoney(line.listFen)}`, `${t.discount} ${formatMoney(-line.discountFen)}`);
    }
  }
  rule();

  if (view.promotions.length > 0) {
    for (const promotion of view.promotions) slip.row(promotion.name, formatMoney(-promotion.savingFen));
    rule();
  }

  slip.row(t.subtotal, formatMoney(view.subtotalFen));
  if (view.discountFen > 0) slip.row(t.discount, formatMoney(-view.discountFen));
  if (view.roundingFen > 0) slip.row(t.rounding, formatMoney(-view.roundingFen));
  slip.command(boldCommand(true), sizeCommand(true));
  slip.row(t.total, formatMoney(view.totalFen), Math.floor(columns / 2));
  slip.command(sizeCommand(false), boldCommand(false));

  if (view.taxes.length > 0) {
    rule();
    for (const tax of view.taxes) slip.row(`${t.vat} ${formatRatePercent(tax.rate)}:`, formatMoney(tax.taxFen));
  }
  rule();

  for (const tender of view.tenders) {
    slip.row(tenderText(tender, 'zh-CN'), formatMoney(tender.amountFen));
    if (tender.reference) slip.row(`  ${t.reference}`, tender.reference);
  }
  slip.row(t.change, formatMoney(view.changeFen));

  if (view.member) {
    rule();
    slip.row(t.member, view.member.maskedPhone);
    slip.row(t.pointsEarned, String(view.member.pointsEarned));
    slip.row(t.pointsBalance, String(view.member.pointsBalance));
  }
  rule();

  slip.command(alignCommand(1));
  slip.qr(Buffer.from(view.receiptUrl, 'utf8'), moduleDots);
  slip.text(t.scanForReceipt);
  slip.command(alignCommand(0), PARTIAL_CUT);
  return slip.bytes();
}

/**
 * The text a printer would show for bytes from renderEscPos: its commands (including the QR
 * payload) are skipped and the rest is decoded from GB18030. Used to check and preview slips.
 *
 * @example decodeEscPosText(renderEscPos(view, { width: 58 })).includes('应收') // true
 */
export function decodeEscPosText(bytes: Buffer): string {
  const text: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const b = bytes.readUInt8(at);
    if (b === ESC || b === GS || b === FS) {
      at += commandLength(bytes, at);
    } else {
      text.push(b);
      at += 1;
    }
  }
  return iconv.decode(Buffer.from(text), 'gb18030');
}

function commandLength(bytes: Buffer, at: number): number {
  const prefix = bytes.readUInt8(at);
  const op = at + 1 < bytes.length ? bytes.readUInt8(at + 1) : -1;
  let length = FIXED_COMMAND_LENGTH.get((prefix << 8) | op);
  // GS ( k pL pH …: a 2D-code function whose parameter count is pL + pH × 256.
  if (length === undefined && prefix === GS && op === 0x28 && at + 4 < bytes.length && bytes.readUInt8(at + 2) === 0x6b) {
    length = 5 + bytes.readUInt16LE(at + 3);
  }
  if (length === undefined || at + length > bytes.length) {
    const shown = [...bytes.subarray(at, at + 3)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new AppError('VALIDATION_FAILED', `Unknown or cut-off ESC/POS command (${shown}) at byte ${at}: only bytes from renderEscPos can be decoded.`, {
      details: { offset: at },
    });
  }
  return length;
}

/** Collects a slip's bytes; every text line is made printable and fitted to the columns. */
class Slip {
  private readonly chunks: Buffer[] = [];

  constructor(private readonly columns: number) {}

  command(...commands: number[][]): void {
    for (const c of commands) this.chunks.push(Buffer.from(c));
  }

  text(line: string): void {
    this.chunks.push(iconv.encode(`${printable(line)}\n`, 'gb18030'));
  }

  /** A label on the left and a value aligned right; when both do not fit, the value gets its own line. */
  row(left: string, right: string, columns = this.columns): void {
    const l = printable(left);
    const r = printable(right);
    const gap = columns - displayWidth(l) - displayWidth(r);
    if (gap >= 1) {
      this.text(l + ' '.repeat(gap) + r);
      return;
    }
    for (const part of wrap(l, columns)) this.text(part);
    for (const part of wrap(r, columns)) this.text(' '.repeat(columns - displayWidth(part)) + part);
  }

  /** GS ( k model 2: select the model, module size and error correction, store the data, print. */
  qr(data: Buffer, moduleDots: number): void {
    if (data.length > QR_MAX_BYTES) {
      throw new AppError('VALIDATION_FAILED', `The receipt URL is ${data.length} bytes; a QR code holds at most ${QR_MAX_BYTES}. Use a shorter receipt link.`);
    }
    const stored = data.length + 3;
    this.command(
      [GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00],
      [GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, moduleDots],
      // Error correction M (15 %): survives a smudged or creased slip without growing the code much.
      [GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31],
      [GS, 0x28, 0x6b, stored & 0xff, stored >> 8, 0x31, 0x50, 0x30],
    );
    this.chunks.push(data);
    this.command([GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30]);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const HAN = /\p{Script=Han}/u;

/**
 * Makes user text safe and printable: control characters (which would be read as printer
 * commands) become spaces; '¥' becomes the full-width '￥', because U+00A5 is a four-byte GB18030
 * code that GBK firmware cannot print; other four-byte codes print only on GB18030 firmware, so
 * Han characters are kept and the rest (emoji and the like) become '?'.
 */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else if (ch === '¥') out += '￥';
    else if (code < 0x80 || HAN.test(ch) || iconv.encode(ch, 'gb18030').length === 2) out += ch;
    else out += '?';
  }
  return out;
}

/** Columns a printable string takes: one per single-byte (ASCII) character, two per double-byte. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

function charWidth(ch: string): number {
  return (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2;
}

/** Breaks printable text into lines of at most `columns`, never splitting a character. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let current = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (width + w > columns) {
      lines.push(current.trimEnd());
      current = '';
      width = 0;
      if (ch === ' ') continue;
    }
    current += ch;
    width += w;
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines;
}
