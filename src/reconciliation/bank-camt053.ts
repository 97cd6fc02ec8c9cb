// camt.053 (ISO 20022 end-of-day account statement): one BankStatement per Stmt, one BankLine per
// transaction so a batch booking's parts can be matched one by one; each at the line its Ntry starts.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isAppError } from '../platform/errors';
import { formatYuan, parseYuan } from '../platform/money';
import { assertBalanced, bankFileError, calendarDate } from './bank-checks';
import type { BankLine, BankStatement } from './types';

type XmlNode = Record<string, unknown>;

interface Amount {
  fen: number;
  currency: string;
}

/** Elements that may repeat; the parser makes them arrays even when one is present. */
const REPEATED = new Set(['Stmt', 'Bal', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Strings, not numbers: "0012.30" must stay text until it is parsed exactly to fen.
  parseTagValue: false,
  parseAttributeValue: false,
  // No entity expansion at all (billion-laughs, external entities); the five XML ones are decoded by `xmlText`.
  processEntities: false,
  removeNSPrefix: true,
  isArray: (name) => REPEATED.has(name),
});

/** SEPA's and CBPR+'s placeholder for "the sender gave no end-to-end id". */
const NO_REFERENCE = 'NOTPROVIDED';

/**
 * Parses a camt.053 document. Pending (`PDNG`) and information-only entries are skipped: they are
 * not booked money and are not in the balances. Opening (OPBD, else PRCD) + booked entries =
 * closing (CLBD) is checked when both balances are there. A DOCTYPE is refused outright.
 *
 * An entry with several TxDtls (a batch booking) becomes one line per TxDtls carrying its own
 * amount, and those must add up to the entry's; if any part has no amount the entry stays one
 * line, as the parts could not be told apart by amount anyway. A single TxDtls takes the entry's
 * booked amount, which is what moved the balance.
 *
 * @example
 * parseCamt053(xml)[0].lines[0]
 * // { valueDate: '2024-03-02', bookingDate: '2024-03-02', amountFen: 150000, currency: 'CNY',
 * //   counterparty: '财付通支付科技有限公司', reference: 'WX-SETTLE-0301', description: '微信支付结算', line: 29 }
 */
export function parseCamt053(xml: string): BankStatement[] {
  const doctype = /<!DOCTYPE/i.exec(xml);
  if (doctype) {
    throw bankFileError(lineOf(xml, doctype.index), 'the XML declares a DOCTYPE. A camt.053 statement never needs one, and it can make an XML reader expand entities or fetch other files, so the file is refused. Export the statement from online banking again.');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw bankFileError(valid.err.line, `the XML is not well formed (${valid.err.msg}). The file may be cut off: download the statement again.`);
  }
  const root = asNode(asNode(parser.parse(xml) as unknown).Document);
  const statementsXml = list(asNode(root.BkToCstmrStmt), 'Stmt');
  if (statementsXml.length === 0) {
    const what = 'BkToCstmrAcctRpt' in root ? 'a camt.052 intraday report' : 'BkToCstmrDbtCdtNtfctn' in root ? 'a camt.054 notification' : 'not a camt.053 statement';
    throw bankFileError(null, `the XML is ${what}: it has no Document/BkToCstmrStmt/Stmt. Export the end-of-day statement (camt.053) instead.`);
  }
  const stmtLines = tagLines(xml, 'Stmt');
  const entryLines = tagLines(xml, 'Ntry');
  let entryIndex = 0;
  return statementsXml.map((stmt, index) => {
    const stmtLine = stmtLines[index] ?? 1;
    const entries = list(stmt, 'Ntry').map((entry) => ({ entry, line: entryLines[entryIndex++] ?? stmtLine }));
    return readStatement(stmt, stmtLine, entries);
  });
}

function readStatement(stmt: XmlNode, line: number, entries: Array<{ entry: XmlNode; line: number }>): BankStatement {
  const label = `Statement "${text(stmt, 'Id') ?? '(no Id)'}" (line ${line})`;
  const account = text(stmt, 'Acct', 'Id', 'IBAN') ?? text(stmt, 'Acct', 'Id', 'Othr', 'Id');
  if (!account) {
    throw bankFileError(line, `${label} has no account (Acct/Id/IBAN or Acct/Id/Othr/Id). Export the statement again.`);
  }
  const balances = list(stmt, 'Bal');
  const balance = (code: string) => balances.find((b) => text(b, 'Tp', 'CdOrPrtry', 'Cd') === code);
  // Some banks state the opening as the previous day's closing (PRCD) instead of OPBD.
  const openingXml = balance('OPBD') ?? balance('PRCD');
  const closingXml = balance('CLBD');
  const opening = openingXml ? signedAmount(openingXml, line) : null;
  const closing = closingXml ? signedAmount(closingXml, line) : null;
  const entryCurrency = entries[0] ? amountOf(entries[0].entry.Amt, entries[0].line)?.currency : undefined;
  const currency = text(stmt, 'Acct', 'Ccy') ?? opening?.currency ?? closing?.currency ?? entryCurrency ?? 'CNY';

  const lines = entries.flatMap(({ entry, line: entryLine }) => readEntry(entry, entryLine, currency));
  const statement: BankStatement = {
    account,
    currency,
    openingFen: opening?.fen ?? null,
    closingFen: closing?.fen ?? null,
    fromDate: isoDate(text(stmt, 'FrToDt', 'FrDtTm')) ?? balanceDate(openingXml),
    toDate: isoDate(text(stmt, 'FrToDt', 'ToDtTm')) ?? balanceDate(closingXml),
    lines,
  };
  assertBalanced(statement, label, line);
  return statement;
}

function readEntry(entry: XmlNode, line: number, currency: string): BankLine[] {
  const status = text(entry, 'Sts', 'Cd') ?? text(entry, 'Sts');
  if (status !== null && status !== 'BOOK') return [];
  const amount = signedAmount(entry, line);
  if (amount.currency !== currency) {
    throw bankFileError(line, `the entry is in ${amount.currency} but the account is in ${currency}. Export the statement again, or ask the bank why the entry is not in the account's currency.`);
  }
  const bookingDate = dateOf(entry, 'BookgDt', line);
  const valueDate = dateOf(entry, 'ValDt', line) ?? bookingDate;
  if (!valueDate) {
    throw bankFileError(line, 'the entry has neither a value date (ValDt) nor a booking date (BookgDt). Export the statement again.');
  }
  const entryReference = text(entry, 'AcctSvcrRef');
  const entryInfo = text(entry, 'AddtlNtryInf');
  const base = { valueDate, bookingDate, currency, line };
  const details = list(entry, 'NtryDtls').flatMap((d) => list(d, 'TxDtls'));
  if (details.length === 0) {
    return [{ ...base, amountFen: amount.fen, counterparty: null, reference: entryReference, description: entryInfo ?? '' }];
  }
  const parts = details.map((tx) => {
    const credit = (text(tx, 'CdtDbtInd') ?? text(entry, 'CdtDbtInd')) === 'CRDT';
    const txAmount = ownAmount(tx, currency, line);
    return {
      amountFen: txAmount === null ? null : credit ? txAmount : 0 - txAmount,
      // Whoever paid us on a credit, whoever we paid on a debit.
      counterparty: partyName(tx, credit ? 'Dbtr' : 'Cdtr'),
      reference: endToEndId(tx) ?? text(tx, 'Refs', 'AcctSvcrRef') ?? entryReference,
      description: list(tx, 'RmtInf', 'Ustrd').map(xmlText).join(' ').trim() || text(tx, 'AddtlTxInf') || entryInfo || '',
    };
  });
  if (parts.length === 1 || parts.some((p) => p.amountFen === null)) {
    const names = new Set(parts.map((p) => p.counterparty));
    return [{
      ...base,
      amountFen: amount.fen,
      counterparty: names.size === 1 ? (parts[0]?.counterparty ?? null) : null,
      reference: parts.length === 1 ? (parts[0]?.reference ?? null) : entryReference,
      description: parts.map((p) => p.description).filter((d) => d !== '').join('; ') || entryInfo || '',
    }];
  }
  const sumFen = parts.reduce((sum, p) => sum + (p.amountFen ?? 0), 0);
  if (sumFen !== amount.fen) {
    throw bankFileError(line, `the entry's ${parts.length} transactions (TxDtls) add up to ${formatYuan(sumFen)} but the entry says ${formatYuan(amount.fen)}. The statement contradicts itself: ask the bank for a corrected one.`);
  }
  return parts.map((p) => ({ ...base, ...p, amountFen: p.amountFen ?? 0 }));
}

/** Amt with CdtDbtInd, as on Bal and Ntry: credit +, debit −. */
function signedAmount(node: XmlNode, line: number): Amount {
  const amount = amountOf(node.Amt, line);
  const indicator = text(node, 'CdtDbtInd');
  if (!amount || (indicator !== 'CRDT' && indicator !== 'DBIT')) {
    throw bankFileError(line, 'an amount (Amt with Ccy) or its CdtDbtInd (CRDT or DBIT) is missing. Export the statement again.');
  }
  // 0 - fen, not -fen: a debit of 0.00 is 0, never −0.
  return { fen: indicator === 'DBIT' ? 0 - amount.fen : amount.fen, currency: amount.currency };
}

/** TxDtls/Amt (camt.053.001.04 on) or TxDtls/AmtDtls/TxAmt/Amt (001.02), when in the account's currency. */
function ownAmount(tx: XmlNode, currency: string, line: number): number | null {
  const amount = amountOf(tx.Amt, line) ?? amountOf(asNode(asNode(asNode(tx.AmtDtls).TxAmt)).Amt, line);
  return amount && amount.currency === currency ? amount.fen : null;
}

function amountOf(value: unknown, line: number): Amount | null {
  if (value === undefined) return null;
  const node = asNode(value);
  const raw = typeof value === 'string' ? value : typeof node['#text'] === 'string' ? node['#text'] : '';
  const currency = typeof node['@Ccy'] === 'string' ? node['@Ccy'] : '';
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || currency === '') {
    throw bankFileError(line, `the amount "${raw}" is not a positive decimal with a currency (Ccy). Export the statement again.`);
  }
  try {
    return { fen: parseYuan(raw, 'Amt'), currency };
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw bankFileError(line, `the amount ${raw} has more than two decimals, which no fen amount has. Export the statement again.`);
  }
}

function partyName(tx: XmlNode, role: 'Dbtr' | 'Cdtr'): string | null {
  // camt.053.001.08 wraps the party in Pty; earlier versions put Nm directly under Dbtr/Cdtr.
  return text(tx, 'RltdPties', role, 'Nm') ?? text(tx, 'RltdPties', role, 'Pty', 'Nm');
}

function endToEndId(tx: XmlNode): string | null {
  const id = text(tx, 'Refs', 'EndToEndId');
  return id === NO_REFERENCE ? null : id;
}

function dateOf(node: XmlNode, element: 'BookgDt' | 'ValDt', line: number): string | null {
  const raw = text(node, element, 'Dt') ?? text(node, element, 'DtTm');
  if (raw === null) return null;
  const date = isoDate(raw);
  if (!date) throw bankFileError(line, `${element} "${raw}" is not a date like 2024-03-01. Export the statement again.`);
  return date;
}

function balanceDate(balance: XmlNode | undefined): string | null {
  return balance ? isoDate(text(balance, 'Dt', 'Dt') ?? text(balance, 'Dt', 'DtTm')) : null;
}

/** The calendar day of an ISO date or date-time, as the bank wrote it (its own time zone). */
function isoDate(raw: string | null): string | null {
  const m = raw ? /^(\d{4})-(\d{2})-(\d{2})/.exec(raw) : null;
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** The trimmed text at a path (first element of any repeated step), or null when absent or empty. */
function text(node: XmlNode, ...path: string[]): string | null {
  let current: unknown = node;
  for (const key of path) current = first(asNode(current)[key]);
  const value = typeof current === 'string' ? current : asNode(current)['#text'];
  if (typeof value !== 'string') return null;
  const decoded = xmlText(value).trim();
  return decoded === '' ? null : decoded;
}

function list(node: XmlNode, ...path: string[]): XmlNode[] {
  let current: unknown = node;
  for (const key of path.slice(0, -1)) current = first(asNode(current)[key]);
  const last = asNode(current)[path[path.length - 1] ?? ''];
  const items = Array.isArray(last) ? (last as unknown[]) : last === undefined ? [] : [last];
  return items.map((item) => (typeof item === 'string' ? { '#text': item } : asNode(item)));
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? (value as unknown[])[0] : value;
}

function asNode(value: unknown): XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : {};
}

/** Decodes the five predefined XML entities and character references (nothing else exists without a DTD). */
function xmlText(value: string | XmlNode): string {
  const raw = typeof value === 'string' ? value : typeof value['#text'] === 'string' ? value['#text'] : '';
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return raw.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    if (!name.startsWith('#')) return named[name] ?? whole;
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The line where each start tag `name` (any namespace prefix) opens, in document order. */
function tagLines(xml: string, name: string): number[] {
  // A commented-out <Ntry> is not parsed, so it must not take a line number either.
  const visible = xml.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\r\n]/g, ' '));
  const lines: number[] = [];
  let line = 1;
  let counted = 0;
  for (const m of visible.matchAll(new RegExp(`<(?:[\\w.-]+:)?${name}(?=[\\s/>])`, 'g'))) {
    line += newlines(visible.slice(counted, m.index));
    counted = m.index;
    lines.push(line);
  }
  return lines;
}

function lineOf(text: string, offset: number): number {
  return newlines(text.slice(0, offset)) + 1;
}

function newlines(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * Writes statements as a camt.053.001.08 document, one Ntry with one TxDtls per line (the inverse
 * of parseCamt053 for statements with both balances): the reference as EndToEndId, the
 * counterparty as the debtor of a credit or the creditor of a debit, the description as Ustrd.
 *
 * @example formatCamt053([statement], { messageId: 'STMT261201', createdAt: '2026-12-01T06:00:00+08:00' })
 */
export function formatCamt053(statements: readonly BankStatement[], options: { messageId: string; createdAt: string }): string {
  const amount = (fen: number, currency: string) => `<Amt Ccy="${escapeXml(currency)}">${formatYuan(Math.abs(fen))}</Amt><CdtDbtInd>${fen < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd>`;
  const balance = (code: string, fen: number, currency: string, date: string) => `      <Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp>${amount(fen, currency)}<Dt><Dt>${date}</Dt></Dt></Bal>`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">',
    '  <BkToCstmrStmt>',
    `    <GrpHdr><MsgId>${escapeXml(options.messageId)}</MsgId><CreDtTm>${escapeXml(options.createdAt)}</CreDtTm></GrpHdr>`,
  ];
  statements.forEach((s, index) => {
    const from = s.fromDate ?? s.lines[0]?.valueDate ?? '2000-01-01';
    const to = s.toDate ?? from;
    const opening = s.openingFen ?? 0;
    const closing = s.closingFen ?? s.lines.reduce((sum, l) => sum + l.amountFen, opening);
    out.push(
      '    <Stmt>',
      `      <Id>${escapeXml(options.messageId)}-${index + 1}</Id>`,
      `      <FrToDt><FrDtTm>${from}T00:00:00</FrDtTm><ToDtTm>${to}T23:59:59</ToDtTm></FrToDt>`,
      `      <Acct><Id><Othr><Id>${escapeXml(s.account)}</Id></Othr></Id><Ccy>${escapeXml(s.currency)}</Ccy></Acct>`,
      balance('OPBD', opening, s.currency, from),
      balance('CLBD', closing, s.currency, to),
    );
    for (const l of s.lines) {
      const party = l.counterparty ? `<RltdPties><${l.amountFen < 0 ? 'Cdtr' : 'Dbtr'}><Pty><Nm>${escapeXml(l.counterparty)}</Nm></Pty></${l.amountFen < 0 ? 'Cdtr' : 'Dbtr'}></RltdPties>` : '';
      const refs = l.reference ? `<Refs><EndToEndId>${escapeXml(l.reference)}</EndToEndId></Refs>` : '';
      const remittance = l.description ? `<RmtInf><Ustrd>${escapeXml(l.description)}</Ustrd></RmtInf>` : '';
      out.push(
        '      <Ntry>',
        `        ${amount(l.amountFen, s.currency)}<Sts><Cd>BOOK</Cd></Sts>${l.bookingDate ? `<BookgDt><Dt>${l.bookingDate}</Dt></BookgDt>` : ''}<ValDt><Dt>${l.valueDate}</Dt></ValDt>`,
        `        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>`,
        `        <NtryDtls><TxDtls>${refs}${amount(l.amountFen, s.currency)}${party}${remittance}</TxDtls></NtryDtls>`,
        '      </Ntry>',
      );
    }
    out.push('    </Stmt>');
  });
  out.push('  </BkToCstmrStmt>', '</Document>', '');
  return out.join('\n');
}
