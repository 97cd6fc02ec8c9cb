// What the bank statement importers share: the error that names the line, calendar dates, and
// the rule that a statement's opening balance plus its movements gives its closing balance.
import { AppError } from '../platform/errors';
import { formatYuan } from '../platform/money';
import type { BankStatement } from './types';

/**
 * The error for a file that cannot be read as a bank statement. `problem` says what is wrong and
 * what to do; the message adds where, and that nothing was imported (importers are all or nothing).
 *
 * @example throw bankFileError(12, 'the :61: line has no amount. Download the statement again.')
 * // AppError BANK_FILE_INVALID "Line 12: the :61: line has no amount. Download the statement again. Nothing was imported."
 */
export function bankFileError(line: number | null, problem: string, details: Record<string, unknown> = {}): AppError {
  const message = line === null ? problem.charAt(0).toUpperCase() + problem.slice(1) : `Line ${line}: ${problem}`;
  return new AppError('BANK_FILE_INVALID', `${message} Nothing was imported.`, { details: { line, ...details } });
}

/**
 * Returns YYYY-MM-DD when year, month and day name a real calendar day, else null.
 *
 * @example calendarDate(2024, 2, 30) // null
 */
export function calendarDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Throws BANK_BALANCE_MISMATCH unless opening + movements = closing. A statement without both
 * balances cannot be checked and passes. `label` names the statement as the user knows it
 * (its :20: reference, camt Stmt/Id); `line` is where its closing balance is written.
 *
 * @example assertBalanced({ ...statement, openingFen: 100, closingFen: 250 }, 'Statement "S1"', 9)
 */
export function assertBalanced(statement: BankStatement, label: string, line: number): void {
  const { openingFen, closingFen } = statement;
  if (openingFen === null || closingFen === null) return;
  const movementsFen = statement.lines.reduce((sum, l) => sum + l.amountFen, 0);
  const expectedFen = openingFen + movementsFen;
  if (expectedFen === closingFen) return;
  throw new AppError(
    'BANK_BALANCE_MISMATCH',
    `${label} does not add up: opening balance ${formatYuan(openingFen)} + movements ${formatYuan(movementsFen)} = ${formatYuan(expectedFen)}, ` +
      `but the closing balance on line ${line} is ${formatYuan(closingFen)} (off by ${formatYuan(closingFen - expectedFen)}). ` +
      'A movement is missing or altered: download the statement from the bank again. Nothing was imported.',
    { details: { statement: label, line, openingFen, movementsFen, closingFen, differenceFen: closingFen - expectedFen } },
  );
}
