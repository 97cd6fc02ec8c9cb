// Layer 3 for cash (资金对账, cash side): the cash each store took to the bank for a business date
// against the bank statement's cash deposit credits (现金存款 / 现金缴存). Pure: the same inputs in
// any order give the same result.
import { addDays } from './match-settlement';
import type { BankCredit } from './match-settlement';

/** A store's recorded deposit for a business date. */
export interface CashDeposit {
  storeId: string;
  storeCode: string;
  businessDate: string;
  /** What the store took to the bank. */
  depositFen: number;
  /** The day's counted cash less the floats, when the deposit was recorded. */
  countedFen: number;
  /** 缴款单号 of the bank's deposit slip, which the statement's 摘要 or reference repeats. */
  slipNo: string | null;
}

export interface CashDepositException {
  /** CASH_SHORT / CASH_OVER: the bank credited less / more than the store deposited; BANK_UNMATCHED: one side only. */
  code: 'BANK_UNMATCHED' | 'CASH_SHORT' | 'CASH_OVER';
  channel: 'cash';
  /** `deposit`: the store's deposit (and the credit found for it, if any); `bank`: a cash credit no deposit explains. */
  side: 'deposit' | 'bank';
  storeId: string | null;
  businessDate: string;
  slipNo: string | null;
  depositFen: number | null;
  countedFen: number | null;
  bankFen: number | null;
  valueDate: string | null;
  reference: string | null;
  description: string | null;
  lines: number[];
}

/** Words in a credit's 摘要, reference or counterparty that make it a cash deposit (configuration: `recon` setting `cashDepositWords`). */
export const CASH_DEPOSIT_WORDS: readonly string[] = ['现金存款', '现金缴存', '现金存入', '存现', 'CASH DEPOSIT'];

/** Cash taken to the bank after the day closes is credited the same day or up to three days later (a weekend). */
export const CASH_DEPOSIT_WINDOW_DAYS = 3;

/** Whether a credit is a cash deposit, by the configured words. */
export function isCashDeposit(credit: BankCredit, words: readonly string[] = CASH_DEPOSIT_WORDS): boolean {
  const text = `${credit.description} ${credit.reference ?? ''} ${credit.counterparty ?? ''}`.toUpperCase();
  return credit.amountFen > 0 && words.some((word) => text.includes(word.toUpperCase()));
}

/**
 * Matches the stores' deposits with cash deposit credits valued on the business date up to
 * `CASH_DEPOSIT_WINDOW_DAYS` after it. A deposit is met first by a credit of its exact amount (one
 * naming its slip number or its store code before any other), else by a credit naming its slip or
 * store code for another amount: CASH_SHORT when the bank has less, CASH_OVER when it has more,
 * with both amounts. Reported for `date`: its deposits (matched; pending while the window is open,
 * then BANK_UNMATCHED) and the cash credits valued `date` that no deposit explains (pending until
 * the window of the deposits that could explain them closes, then BANK_UNMATCHED); the deposits
 * matched and pending also by store. `deposits`
 * should hold the days whose windows reach the credits (`date` − 3 … `date` + 3), `credits` the
 * statement lines of those windows.
 *
 * @example matchCashDeposits(deposits, credits, { date: '2026-11-29', today: '2026-12-03' })
 */
export function matchCashDeposits(
  deposits: readonly CashDeposit[],
  credits: readonly BankCredit[],
  when: { date: string; today: string },
  words: readonly string[] = CASH_DEPOSIT_WORDS,
): { matched: number; pending: number; exceptions: CashDepositException[]; matchedByStore: Map<string, number>; pendingByStore: Map<string, number> } {
  const cash = credits.filter((c) => isCashDeposit(c, words)).sort((a, b) => a.valueDate.localeCompare(b.valueDate) || a.amountFen - b.amountFen || (a.reference ?? '').localeCompare(b.reference ?? '') || a.description.localeCompare(b.description) || a.line - b.line);
  const days = [...deposits].sort((a, b) => a.businessDate.localeCompare(b.businessDate) || a.storeCode.localeCompare(b.storeCode));
  const inWindow = (c: BankCredit, d: CashDeposit) => c.valueDate >= d.businessDate && c.valueDate <= addDays(d.businessDate, CASH_DEPOSIT_WINDOW_DAYS);
  const names = (c: BankCredit, d: CashDeposit) => {
    const text = `${c.description} ${c.reference ?? ''}`;
    return (d.slipNo !== null && d.slipNo !== '' && text.includes(d.slipNo)) || text.includes(d.storeCode);
  };
  const used = new Set<BankCredit>();
  const found = new Map<CashDeposit, BankCredit>();
  // Exact amounts first, over every day, so a store's short deposit never takes another's credit.
  for (const d of days) {
    const exact = cash.filter((c) => !used.has(c) && c.amountFen === d.depositFen && inWindow(c, d));
    const credit = exact.find((c) => names(c, d)) ?? exact[0];
    if (credit) {
      used.add(credit);
      found.set(d, credit);
    }
  }
  for (const d of days) {
    if (found.has(d)) continue;
    const credit = cash.find((c) => !used.has(c) && inWindow(c, d) && names(c, d));
    if (credit) {
      used.add(credit);
      found.set(d, credit);
    }
  }
  const result = { matched: 0, pending: 0, exceptions: [] as CashDepositException[], matchedByStore: new Map<string, number>(), pendingByStore: new Map<string, number>() };
  for (const d of days.filter((x) => x.businessDate === when.date)) {
    const credit = found.get(d);
    const base = { channel: 'cash' as const, side: 'deposit' as const, storeId: d.storeId, businessDate: d.businessDate, slipNo: d.slipNo, depositFen: d.depositFen, countedFen: d.countedFen };
    if (credit && credit.amountFen === d.depositFen) {
      result.matched += 1;
      result.matchedByStore.set(d.storeId, (result.matchedByStore.get(d.storeId) ?? 0) + 1);
    } else if (credit) {
      result.exceptions.push({ ...base, code: credit.amountFen < d.depositFen ? 'CASH_SHORT' : 'CASH_OVER', bankFen: credit.amountFen, valueDate: credit.valueDate, reference: credit.reference, description: credit.description, lines: [credit.line] });
    } else if (when.today <= addDays(d.businessDate, CASH_DEPOSIT_WINDOW_DAYS)) {
      result.pending += 1;
      result.pendingByStore.set(d.storeId, (result.pendingByStore.get(d.storeId) ?? 0) + 1);
    } else result.exceptions.push({ ...base, code: 'BANK_UNMATCHED', bankFen: null, valueDate: null, reference: null, description: null, lines: [] });
  }
  for (const c of cash) {
    if (used.has(c) || c.valueDate !== when.date) continue;
    // The deposits of the value date and the days before may still be recorded until the value date's window closes.
    if (when.today <= addDays(c.valueDate, CASH_DEPOSIT_WINDOW_DAYS)) result.pending += 1;
    else result.exceptions.push({ code: 'BANK_UNMATCHED', channel: 'cash', side: 'bank', storeId: null, businessDate: when.date, slipNo: null, depositFen: null, countedFen: null, bankFen: c.amountFen, valueDate: c.valueDate, reference: c.reference, description: c.description, lines: [c.line] });
  }
  return result;
}
