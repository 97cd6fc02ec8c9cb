// MT940 customer statements (SWIFT), as banks send them host-to-host or offer in online banking:
// one BankStatement per :20: … :62F: message, amounts exact to the fen, every :61: at its line.
import { parseYuan } from '../platform/money';
import { assertBalanced, bankFileError, calendarDate } from './bank-checks';
import type { BankLine, BankStatement } from './types';

/** One field: its tag, its text lines (the first without the tag) and the line the tag is on. */
interface Field {
  tag: string;
  text: string[];
  line: number;
}

interface Balance {
  fen: number;
  currency: string;
  date: string;
}

interface Draft {
  reference: string;
  line: number;
  account: string | null;
  opening: Balance | null;
  closing: (Balance & { line: number }) | null;
  lines: BankLine[];
}

const TAG = /^:(\d{2}[A-Z]?):(.*)$/;
/** `C230102CNY1234,56`: mark, YYMMDD, currency, amount with a decimal comma (SWIFT 15d). */
const BALANCE = /^([CD])(\d{6})([A-Z]{3})(\d{1,14},\d*)$/;
/**
 * `:61:` subfields: value date YYMMDD, entry date MMDD, mark (RC/RD are reversals), funds code
 * (the currency's third letter, ignored), amount, transaction type (`NTRF`, `S103`), then the
 * customer reference and, after `//`, the bank's reference.
 */
const STATEMENT_LINE = /^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?(\d{1,14},\d*)([A-Z][A-Z0-9]{3})(.*)$/;
/** `:86:` lines are at most 65 characters; a full line was cut by the width, not at a word. */
const INFO_LINE_WIDTH = 65;
/** German-style structured `:86:`: a three-digit business code, then `?NN` subfields. */
const STRUCTURED_INFO = /^\d{3}\?/;

/**
 * Parses an MT940 file into its statements. Each statement must have :20:, :25:, an opening
 * (:60F:/:60M:) and a closing (:62F:/:62M:) balance in one currency, and opening + movements =
 * closing (else BANK_BALANCE_MISMATCH names the :20: reference and the :62F: line). A file cut
 * off before a closing balance is refused: nothing is returned unless the whole file is good.
 * Years are 20YY: these statements are never from the last century.
 *
 * @example
 * parseMt940(':20:STMT1\n:25:ICBCCNBJ/6222020200001234\n:60F:C240301CNY1000,00\n' +
 *   ':61:2403010301C200,00NTRFWX20240301//B1\n:86:WECHAT SETTLEMENT\n:62F:C240301CNY1200,00\n-')
 * // [{ account: 'ICBCCNBJ/6222020200001234', currency: 'CNY', openingFen: 100000, closingFen: 120000,
 * //    fromDate: '2024-03-01', toDate: '2024-03-01', lines: [{ valueDate: '2024-03-01',
 * //    bookingDate: '2024-03-01', amountFen: 20000, currency: 'CNY', counterparty: null,
 * //    reference: 'WX20240301', description: 'WECHAT SETTLEMENT', line: 4 }] }]
 */
export function parseMt940(text: string): BankStatement[] {
  const statements: BankStatement[] = [];
  let draft: Draft | null = null;
  let previous: Field | null = null;
  for (const field of readFields(text)) {
    if (field.tag === '20' || field.tag === '-') {
      if (draft) statements.push(finish(draft, field));
      draft = field.tag === '20' ? { reference: field.text.join(' ').trim(), line: field.line, account: null, opening: null, closing: null, lines: [] } : null;
    } else if (!draft) {
      throw bankFileError(field.line, `the field :${field.tag}: comes before any :20: statement reference. This is not an MT940 statement, or its start is missing; download it from the bank again.`);
    } else {
      readField(draft, field, previous);
    }
    previous = field;
  }
  if (draft) statements.push(finish(draft, null));
  if (statements.length === 0) {
    throw bankFileError(null, 'the file holds no MT940 statement (no :20: field). Check that this is the MT940 export of the account.');
  }
  return statements;
}

/** Splits the text into fields; the SWIFT block wrapper `{1:…}{4:` … `-}` is unwrapped. */
function readFields(text: string): Field[] {
  const fields: Field[] = [];
  let current: Field | null = null;
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = index + 1;
    let content = raw;
    if (content.startsWith('{')) {
      const body = content.indexOf('{4:');
      if (body < 0) return;
      content = content.slice(body + 3);
    }
    const trimmed = content.trim();
    if (trimmed === '-' || trimmed.startsWith('-}')) {
      fields.push({ tag: '-', text: [], line });
      current = null;
      return;
    }
    const tag = TAG.exec(content);
    if (tag) {
      current = { tag: tag[1] ?? '', text: [tag[2] ?? ''], line };
      fields.push(current);
    } else if (trimmed !== '') {
      // Text outside any field (ABN AMRO starts files with "ABNANL2A" / "940") is not statement content.
      current?.text.push(content);
    }
  });
  return fields;
}

function readField(draft: Draft, field: Field, previous: Field | null): void {
  switch (field.tag) {
    case '25':
      draft.account = field.text.join('').trim();
      break;
    case '60F':
    case '60M':
      draft.opening = readBalance(field, 'opening');
      break;
    case '62F':
    case '62M':
      draft.closing = { ...readBalance(field, 'closing'), line: field.line };
      break;
    case '61':
      if (draft.closing) {
        throw bankFileError(field.line, `a :61: movement comes after the closing balance of statement "${draft.reference}" (line ${draft.closing.line}); a :20: line is probably missing. Download the statement again.`);
      }
      draft.lines.push(readMovement(field));
      break;
    case '86':
      // Information after a :61: describes that movement; elsewhere it describes the account, which lines do not carry.
      if (previous?.tag === '61') attachInformation(draft.lines[draft.lines.length - 1], field);
      break;
    default:
    // :21:, :28C:, :64:, :65:, :34F:, :13D:, :90C:/:90D: and banks' own tags carry nothing a BankLine holds.
  }
}

function readBalance(field: Field, which: 'opening' | 'closing'): Balance {
  const text = field.text.join('').trim();
  const m = BALANCE.exec(text);
  const date = m ? swiftDate(m[2] ?? '') : null;
  if (!m || !date) {
    throw bankFileError(field.line, `the ${which} balance :${field.tag}:${text} cannot be read. It should look like C240301CNY1234,56 (C or D, date YYMMDD, currency, amount with a decimal comma). Download the statement again.`);
  }
  const fen = swiftAmount(m[4] ?? '', field);
  // 0 - fen, not -fen: a debit balance of 0,00 is 0, never −0.
  return { fen: m[1] === 'D' ? 0 - fen : fen, currency: m[3] ?? '', date };
}

function readMovement(field: Field): BankLine {
  const [first = '', ...supplementary] = field.text;
  const m = STATEMENT_LINE.exec(first.trim());
  const valueDate = m ? swiftDate(m[1] ?? '') : null;
  if (!m || !valueDate) {
    throw bankFileError(field.line, `the movement :61:${first.trim()} cannot be read. It should hold the value date YYMMDD, an optional entry date MMDD, C/D/RC/RD, an amount like 200,00 and a type like NTRF. Download the statement again.`);
  }
  const bookingDate = m[2] ? entryDate(valueDate, m[2]) : null;
  if (m[2] && !bookingDate) {
    throw bankFileError(field.line, `the entry date ${m[2]} (MMDD) in :61: is not a calendar day. Download the statement again.`);
  }
  // A reversal of a credit takes money out, a reversal of a debit puts it back.
  const credit = m[3] === 'C' || m[3] === 'RD';
  const fen = swiftAmount(m[5] ?? '', field);
  const [customerRef = '', bankRef = ''] = (m[7] ?? '').split('//', 2).map((s) => s.trim());
  return {
    valueDate,
    bookingDate,
    amountFen: credit ? fen : 0 - fen,
    // :61: has no currency of its own: `finish` gives every movement the statement's.
    currency: '',
    counterparty: null,
    // NONREF is SWIFT's word for "the customer gave none"; the bank's own reference is then the best handle.
    reference: customerRef !== '' && customerRef !== 'NONREF' ? customerRef : bankRef || null,
    description: supplementary.join(' ').trim(),
    line: field.line,
  };
}

/** Sets a movement's description from :86:, and its counterparty when the text is structured. */
function attachInformation(movement: BankLine | undefined, field: Field): void {
  if (!movement) return;
  const structured = STRUCTURED_INFO.test(field.text[0] ?? '');
  // Structured subfields carry their own markers, so a line break there is only the width.
  const text = structured ? field.text.join('') : joinWrapped(field.text);
  movement.description = text.trim();
  movement.counterparty = structured ? subfieldName(text) : keywordName(text);
}

function joinWrapped(lines: string[]): string {
  return lines.reduce((text, line, index) => {
    if (index === 0) return line;
    return (lines[index - 1] ?? '').length >= INFO_LINE_WIDTH ? text + line : `${text} ${line}`;
  }, '');
}

/** `?32` and `?33` hold the counterparty's name in the German (DFÜ/ZKA) layout. */
function subfieldName(text: string): string | null {
  const parts = new Map<string, string>();
  for (const m of text.matchAll(/\?(\d{2})([^?]*)/g)) parts.set(m[1] ?? '', m[2] ?? '');
  const name = `${parts.get('32') ?? ''}${parts.get('33') ?? ''}`.trim();
  return name === '' ? null : name;
}

/** SEPA-style keyword text (`/EREF/…/NAME/ACME LTD/REMI/…`) names the counterparty after /NAME/. */
function keywordName(text: string): string | null {
  const name = /\/NAME\/([^/]*)/.exec(text)?.[1]?.trim();
  return name ? name : null;
}

function swiftAmount(text: string, field: Field): number {
  const [whole = '', decimals = ''] = text.split(',');
  if (decimals.length > 2) {
    throw bankFileError(field.line, `the amount ${text} in :${field.tag}: has more than two decimals, which no fen amount has. Check that the statement is for a CNY-like currency account.`);
  }
  return parseYuan(decimals === '' ? whole : `${whole}.${decimals}`, `:${field.tag}: amount`);
}

function swiftDate(yymmdd: string): string | null {
  return calendarDate(2000 + Number(yymmdd.slice(0, 2)), Number(yymmdd.slice(2, 4)), Number(yymmdd.slice(4, 6)));
}

/** The entry date has no year: take the one that puts it nearest the value date (a year-end booking). */
function entryDate(valueDate: string, mmdd: string): string | null {
  const year = Number(valueDate.slice(0, 4));
  const value = Date.parse(valueDate);
  let best: string | null = null;
  for (const candidate of [year - 1, year, year + 1]) {
    const date = calendarDate(candidate, Number(mmdd.slice(0, 2)), Number(mmdd.slice(2, 4)));
    if (date && (best === null || Math.abs(Date.parse(date) - value) < Math.abs(Date.parse(best) - value))) best = date;
  }
  return best;
}

/** Completes a statement when the next :20: or the end of message comes (`end`; null at the end of the file). */
function finish(draft: Draft, end: Field | null): BankStatement {
  const label = `Statement "${draft.reference}" (line ${draft.line})`;
  const until = end ? `before line ${end.line}` : 'before the end of the file';
  const { opening, closing, account } = draft;
  if (!closing) {
    throw bankFileError(end?.line ?? null, `${label} has no closing balance (:62F:) ${until}. The file looks cut off: download the statement again.`, { statement: draft.reference });
  }
  if (!opening) {
    throw bankFileError(draft.line, `${label} has no opening balance (:60F:). Download the statement again.`, { statement: draft.reference });
  }
  if (!account) {
    throw bankFileError(draft.line, `${label} has no account (:25:). Download the statement again.`, { statement: draft.reference });
  }
  if (closing.currency !== opening.currency) {
    throw bankFileError(closing.line, `${label} opens in ${opening.currency} but closes in ${closing.currency}. Download the statement again.`, { statement: draft.reference });
  }
  const statement: BankStatement = {
    account,
    currency: opening.currency,
    openingFen: opening.fen,
    closingFen: closing.fen,
    fromDate: opening.date,
    toDate: closing.date,
    lines: draft.lines.map((l) => ({ ...l, currency: opening.currency })),
  };
  assertBalanced(statement, label, closing.line);
  return statement;
}

/**
 * Breaks `:86:` text so each line stays within 65 characters: at a space where there is one (the
 * reader joins those with a space), else a hard cut at exactly 65 (the reader joins without one).
 *
 * @example wrapMt940Information('WECHAT PAY SETTLEMENT …') // ['WECHAT PAY …', 'TECHNOLOGY CO LTD']
 */
export function wrapMt940Information(text: string): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > INFO_LINE_WIDTH) {
    const space = rest.lastIndexOf(' ', INFO_LINE_WIDTH - 1);
    const cut = space > 0 ? space : INFO_LINE_WIDTH;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(space > 0 ? cut + 1 : cut);
  }
  return [...lines, rest];
}

/**
 * Writes statements as MT940 (CRLF, one `:20:` … `-` message each), the inverse of parseMt940 for
 * statements with both balances and dates: a movement's reference is its customer reference (or
 * NONREF), its description the `:86:` text; a counterparty is written as SEPA-style `/NAME/…/`
 * text ahead of the description, which is how parseMt940 finds it again.
 *
 * @example formatMt940([{ account: 'ICBKCNBJ/6222…', currency: 'CNY', openingFen: 0, closingFen: 100, fromDate: '2026-11-30', toDate: '2026-12-01', lines }], 'STMT261201')
 */
export function formatMt940(statements: readonly BankStatement[], reference: string): string {
  const yymmdd = (date: string) => date.slice(2).replace(/-/g, '');
  const amount = (fen: number) => `${Math.trunc(Math.abs(fen) / 100)},${String(Math.abs(fen) % 100).padStart(2, '0')}`;
  const balance = (fen: number, date: string, currency: string) => `${fen < 0 ? 'D' : 'C'}${yymmdd(date)}${currency}${amount(fen)}`;
  const out: string[] = [];
  statements.forEach((s, index) => {
    const from = s.fromDate ?? s.lines[0]?.valueDate ?? '2000-01-01';
    const to = s.toDate ?? from;
    const opening = s.openingFen ?? 0;
    const closing = s.closingFen ?? s.lines.reduce((sum, l) => sum + l.amountFen, opening);
    out.push(`:20:${statements.length > 1 ? `${reference}-${index + 1}` : reference}`, `:25:${s.account}`, `:28C:${index + 1}/1`, `:60F:${balance(opening, from, s.currency)}`);
    for (const l of s.lines) {
      const entry = l.bookingDate ? yymmdd(l.bookingDate).slice(2) : '';
      out.push(`:61:${yymmdd(l.valueDate)}${entry}${l.amountFen < 0 ? 'D' : 'C'}${amount(l.amountFen)}NTRF${l.reference ?? 'NONREF'}`);
      const info = l.counterparty && !l.description.includes('/NAME/') ? `/NAME/${l.counterparty}/REMI/${l.description}` : l.description;
      if (info !== '') {
        const [head = '', ...rest] = wrapMt940Information(info);
        out.push(`:86:${head}`, ...rest);
      }
    }
    out.push(`:62F:${balance(closing, to, s.currency)}`, '-');
  });
  return `${out.join('\r\n')}\r\n`;
}
