// The one entry for bank statement files: tells MT940, camt.053 and a bank's CSV export apart by
// content, so a store can upload whatever its bank gives it without saying what it is.
import { decodeText } from '../catalog/catalog-csv';
import { AppError } from '../platform/errors';
import { parseCamt053 } from './bank-camt053';
import { bankFileError } from './bank-checks';
import { parseBankCsv, type BankCsvProfile } from './bank-csv';
import { parseMt940 } from './bank-mt940';
import type { BankStatement } from './types';

export type BankStatementFormat = 'mt940' | 'camt053' | 'csv';

const MT940_START = /(?:^|\{4:)[ \t]*:20:/m;
const XML_START = /^\s*</;
const CAMT053_NAMESPACE = /urn:iso:std:iso:20022:tech:xsd:camt\.053\./;

/**
 * Parses a bank statement file into statements (one for a CSV export; MT940 and camt.053 may hold
 * several). `auto` looks at the content: a `:20:` field is MT940, XML in the camt.053 namespace is
 * camt.053, anything else is a CSV export and needs the bank's `profile`. Text is UTF-8 (with or
 * without BOM) or GBK. Throws AppError naming the line; nothing is returned unless the whole file is good.
 *
 * @example parseBankStatement(readFileSync('icbc-202403.csv'), 'auto', 'icbc') // [{ account: '6222…', lines: [...] }]
 */
export function parseBankStatement(bytes: Buffer, format: 'auto' | BankStatementFormat = 'auto', profile?: BankCsvProfile): BankStatement[] {
  const kind = format === 'auto' ? detectBankStatementFormat(bytes) : format;
  switch (kind) {
    case 'mt940':
      return parseMt940(decodeText(bytes).text);
    case 'camt053':
      return parseCamt053(decodeText(bytes).text);
    case 'csv':
      if (!profile) {
        throw new AppError('VALIDATION_FAILED', 'This file is a CSV export: choose the bank it comes from (ICBC, CMB, or a column mapping for another bank) and import it again.', {
          details: { field: 'profile' },
        });
      }
      return [parseBankCsv(bytes, profile)];
  }
}

/**
 * Says which format a bank statement file is in, from its content. XML in another namespace
 * (camt.052, camt.054, pain.*) is refused here rather than misread as CSV.
 *
 * @example detectBankStatementFormat(Buffer.from(':20:STMT1\n:25:6222…')) // 'mt940'
 */
export function detectBankStatementFormat(bytes: Buffer): BankStatementFormat {
  const text = decodeText(bytes).text;
  if (XML_START.test(text)) {
    if (CAMT053_NAMESPACE.test(text)) return 'camt053';
    const namespace = /xmlns(?::\w+)?="([^"]*)"/.exec(text)?.[1] ?? 'none';
    throw bankFileError(null, `the file is XML but not a camt.053 statement (namespace: ${namespace}). Export the end-of-day statement as camt.053, MT940 or CSV.`);
  }
  return MT940_START.test(text) ? 'mt940' : 'csv';
}
