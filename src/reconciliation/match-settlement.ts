// Layers 2 and 3 of reconciliation (资金对账): a channel's bill lines for a day against its
// settlement batch, and each batch's net against a credit on the merchant's bank statement.
// Pure: the same inputs in any order give the same result.
import type { SettlementBatch } from './settlement-file';

/** What a day's bill lines of one channel add up to, as a settlement states it (fees and refunds ≥ 0 as paid out). */
export interface ChannelDay {
  channel: string;
  count: number;
  grossFen: number;
  feeFen: number;
  refundFen: number;
  netFen: number;
}

/** A settlement batch as matching needs it. */
export type SettlementRow = Omit<SettlementBatch, 'merchantId' | 'line'>;

export type SettlementFigure = 'count' | 'gross' | 'fees' | 'refunds' | 'net';

export interface SettlementException {
  code: 'SETTLEMENT_MISSING' | 'SETTLEMENT_MISMATCH';
  channel: string;
  businessDate: string;
  batchId: string | null;
  billNetFen: number;
  settlementNetFen: number | null;
  /** Each figure that differs: what the bill lines add up to, what the settlement says, settlement − bill. */
  differences: Array<{ figure: SettlementFigure; bill: number; settlement: number; difference: number }>;
}

export interface BankCredit {
  valueDate: string;
  amountFen: number;
  counterparty: string | null;
  reference: string | null;
  description: string;
  line: number;
}

export interface BankException {
  code: 'BANK_UNMATCHED';
  channel: string;
  /** `settlement`: a batch no bank credit pays; `bank`: a credit from a channel no batch explains. */
  side: 'settlement' | 'bank';
  businessDate: string;
  batchId: string | null;
  amountFen: number;
  valueDate: string | null;
  counterparty: string | null;
  reference: string | null;
  description: string | null;
  lines: number[];
}

export interface LayerResult<E> {
  matched: number;
  pending: number;
  exceptions: E[];
}

/**
 * Adds a channel's bill lines up the way a settlement states them: gross of payments, refunds
 * given back, fees charged less fees returned (each line's fee rounded to the fen, as billed).
 *
 * @example summariseBillLines([{ channel: 'wechat', kind: 'pay', grossFen: 1000, feeFen: -6 }]) // Map { wechat → { count: 1, grossFen: 1000, feeFen: 6, refundFen: 0, netFen: 994 } }
 */
export function summariseBillLines(lines: ReadonlyArray<{ channel: string; kind: string; grossFen: number; feeFen: number }>): Map<string, ChannelDay> {
  const days = new Map<string, ChannelDay>();
  for (const l of lines) {
    const day = days.get(l.channel) ?? { channel: l.channel, count: 0, grossFen: 0, feeFen: 0, refundFen: 0, netFen: 0 };
    if (l.kind === 'pay') day.grossFen += l.grossFen;
    if (l.kind === 'refund') day.refundFen -= l.grossFen;
    if (l.kind !== 'reverse') day.count += 1;
    day.feeFen -= l.feeFen;
    day.netFen = day.grossFen - day.feeFen - day.refundFen;
    days.set(l.channel, day);
  }
  return days;
}

/** YYYY-MM-DD plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A settlement comes T+1; a day's grace (T+2) before a missing one is an exception. */
export const SETTLEMENT_WINDOW_DAYS = 2;
/** The net reaches the bank T+1, up to T+3 over a weekend or holiday. */
export const BANK_WINDOW_DAYS = 3;

/**
 * Checks each channel's bill lines of `date` against its settlement for that date. A channel with
 * lines and no settlement is pending until `today` is past the window, then SETTLEMENT_MISSING; a
 * settlement whose figures differ from the lines is SETTLEMENT_MISMATCH naming each figure.
 *
 * @example matchSettlements(summariseBillLines(lines), settlements, { date: '2026-11-29', today: '2026-11-30' })
 */
export function matchSettlements(days: ReadonlyMap<string, ChannelDay>, settlements: readonly SettlementRow[], when: { date: string; today: string }): LayerResult<SettlementException> {
  const result: LayerResult<SettlementException> = { matched: 0, pending: 0, exceptions: [] };
  const channels = [...new Set([...days.keys(), ...settlements.filter((s) => s.businessDate === when.date).map((s) => s.channel)])].sort();
  for (const channel of channels) {
    const day = days.get(channel) ?? { channel, count: 0, grossFen: 0, feeFen: 0, refundFen: 0, netFen: 0 };
    const batches = settlements.filter((s) => s.channel === channel && s.businessDate === when.date).sort((a, b) => a.batchId.localeCompare(b.batchId));
    if (batches.length === 0) {
      if (when.today > addDays(when.date, SETTLEMENT_WINDOW_DAYS)) {
        result.exceptions.push({ code: 'SETTLEMENT_MISSING', channel, businessDate: when.date, batchId: null, billNetFen: day.netFen, settlementNetFen: null, differences: [] });
      } else result.pending += 1;
      continue;
    }
    // Several batches for a day (a split settlement) are compared as their sum.
    const sum = (pick: (s: SettlementRow) => number) => batches.reduce((total, s) => total + pick(s), 0);
    const stated: Record<SettlementFigure, [number, number]> = {
      count: [day.count, sum((s) => s.count)],
      gross: [day.grossFen, sum((s) => s.grossFen)],
      fees: [day.feeFen, sum((s) => s.feeFen)],
      refunds: [day.refundFen, sum((s) => s.refundFen)],
      net: [day.netFen, sum((s) => s.netFen)],
    };
    const differences = (Object.entries(stated) as Array<[SettlementFigure, [number, number]]>)
      .filter(([, [bill, settlement]]) => bill !== settlement)
      .map(([figure, [bill, settlement]]) => ({ figure, bill, settlement, difference: settlement - bill }));
    if (differences.length === 0) result.matched += 1;
    else result.exceptions.push({ code: 'SETTLEMENT_MISMATCH', channel, businessDate: when.date, batchId: batches.map((b) => b.batchId).join('+'), billNetFen: day.netFen, settlementNetFen: sum((s) => s.netFen), differences });
  }
  return result;
}

/** Words in a credit's counterparty, 摘要 or reference that say which channel paid it (configuration). */
export const CHANNEL_PAYERS: Readonly<Record<string, readonly string[]>> = {
  wechat: ['财付通', '微信', 'TENPAY', 'WECHAT'],
  alipay: ['支付宝', 'ALIPAY'],
  // Card before the aggregator: the card acquirer 银联商务 also says 银联.
  card: ['银联商务', 'POS结算', 'ACQUIR'],
  aggregator: ['银联', 'UNIONPAY', '聚合'],
};

function payerOf(credit: BankCredit): string | null {
  const text = `${credit.counterparty ?? ''} ${credit.description} ${credit.reference ?? ''}`.toUpperCase();
  return Object.keys(CHANNEL_PAYERS).find((channel) => CHANNEL_PAYERS[channel]?.some((word) => text.includes(word))) ?? null;
}

/** At most this many open batches of a channel are tried together for one credit (2^n subsets). */
export const MAX_BATCHES_PER_CREDIT = 10;

/**
 * Which credit pays which batch (of `date` and the days before): for each batch in date and batch
 * order, an unused credit of the same amount valued T+1…T+3 that names the batch, or else its channel.
 * Then each credit still unused pays several batches at once (a wallet's automatic withdrawal over
 * two days, an acquirer crediting two batches together) when open batches of its channel, each with
 * the credit in its window, add up to it exactly — see `batchesPaidTogether`. Batches of the days
 * after `date` (up to T+2, whose window still reaches the credits of `date`'s) may share a credit
 * with `date`'s but are not reported for it.
 *
 * @example payingCredits(settlements, credits, '2026-11-29').paid.get(batch) // the credit, or undefined
 */
export function payingCredits(settlements: readonly SettlementRow[], credits: readonly BankCredit[], date: string) {
  const ordered = [...credits].sort((a, b) => a.valueDate.localeCompare(b.valueDate) || a.amountFen - b.amountFen || (a.reference ?? '').localeCompare(b.reference ?? '') || a.description.localeCompare(b.description) || a.line - b.line);
  const used = new Set<BankCredit>();
  const paid = new Map<SettlementRow, BankCredit>();
  const visible = [...settlements].filter((s) => s.businessDate <= addDays(date, BANK_WINDOW_DAYS - 1)).sort((a, b) => a.businessDate.localeCompare(b.businessDate) || a.batchId.localeCompare(b.batchId));
  const batches = visible.filter((s) => s.businessDate <= date);
  const inWindow = (c: BankCredit, s: SettlementRow) => c.valueDate >= addDays(s.businessDate, 1) && c.valueDate <= addDays(s.businessDate, BANK_WINDOW_DAYS);
  const names = (c: BankCredit, s: SettlementRow) => `${c.reference ?? ''} ${c.description}`.includes(s.batchId);
  // In date order: a later batch never takes the credit of an earlier one.
  for (const s of visible) {
    if (s.netFen === 0) continue;
    const candidates = ordered.filter((c) => !used.has(c) && c.amountFen === s.netFen && inWindow(c, s));
    const named = candidates.find((c) => names(c, s)) ?? candidates.find((c) => payerOf(c) === s.channel);
    if (named) {
      used.add(named);
      paid.set(s, named);
    }
  }
  for (const c of ordered) {
    const channel = payerOf(c);
    if (used.has(c) || c.amountFen <= 0) continue;
    const open = visible.filter((s) => s.netFen > 0 && !paid.has(s) && inWindow(c, s) && (s.channel === channel || names(c, s)));
    const together = batchesPaidTogether(open, c.amountFen, (s) => names(c, s));
    if (!together) continue;
    used.add(c);
    for (const s of together) paid.set(s, c);
  }
  return { ordered, used, paid, batches };
}

/**
 * Two or more of `open` (one channel's unpaid batches, in date and batch order) whose nets add up to
 * `amountFen` exactly, or null. Deterministic and bounded: batches the credit names come first, then
 * the earliest `MAX_BATCHES_PER_CREDIT`; consecutive batches are preferred (a withdrawal covers days
 * in a row), then the fewest batches, then the earliest.
 *
 * @example batchesPaidTogether([d1, d2, d3], d1.netFen + d2.netFen, () => false) // [d1, d2]
 */
export function batchesPaidTogether(open: readonly SettlementRow[], amountFen: number, named: (s: SettlementRow) => boolean): SettlementRow[] | null {
  const candidates = [...open.filter(named), ...open.filter((s) => !named(s))].slice(0, MAX_BATCHES_PER_CREDIT);
  candidates.sort((a, b) => a.businessDate.localeCompare(b.businessDate) || a.batchId.localeCompare(b.batchId));
  const sum = (xs: readonly SettlementRow[]) => xs.reduce((total, s) => total + s.netFen, 0);
  for (let from = 0; from < candidates.length; from++) {
    for (let to = from + 2; to <= candidates.length; to++) {
      if (sum(candidates.slice(from, to)) === amountFen) return candidates.slice(from, to);
    }
  }
  let best: SettlementRow[] | null = null;
  for (let mask = 1; mask < 1 << candidates.length; mask++) {
    const picked = candidates.filter((_s, i) => mask & (1 << i));
    if (picked.length < 2 || sum(picked) !== amountFen) continue;
    if (!best || picked.length < best.length || (picked.length === best.length && earlier(picked, best))) best = picked;
  }
  return best;
}

function earlier(a: readonly SettlementRow[], b: readonly SettlementRow[]): boolean {
  const key = (xs: readonly SettlementRow[]) => xs.map((s) => `${s.businessDate}\u0000${s.batchId}`).join('\u0001');
  return key(a) < key(b);
}

/**
 * Matches settlement batches with bank credits for the run `date`. `settlements` should hold the
 * batches of `date` and the days before whose window reaches into this one (they may take the same
 * credits); `credits` the statement lines of the window. A batch is paid by an unused credit of the
 * same amount with a value date T+1…T+3 that names the batch, or else its channel (counterparty or
 * 摘要). Reported for `date`: its batches (matched, pending while the window is open, else
 * BANK_UNMATCHED) and the channel credits valued T+1 that no batch explains (pending while a late
 * settlement may still come, else BANK_UNMATCHED). A zero net needs no credit.
 *
 * @example matchBankCredits(settlements, credits, { date: '2026-11-29', today: '2026-12-03' })
 */
export function matchBankCredits(settlements: readonly SettlementRow[], credits: readonly BankCredit[], when: { date: string; today: string }): LayerResult<BankException> {
  const result: LayerResult<BankException> = { matched: 0, pending: 0, exceptions: [] };
  const { ordered, used, paid, batches } = payingCredits(settlements, credits, when.date);
  for (const s of batches.filter((b) => b.businessDate === when.date)) {
    if (s.netFen === 0 || paid.has(s)) result.matched += 1;
    else if (when.today <= addDays(s.businessDate, BANK_WINDOW_DAYS)) result.pending += 1;
    else result.exceptions.push({ code: 'BANK_UNMATCHED', channel: s.channel, side: 'settlement', businessDate: s.businessDate, batchId: s.batchId, amountFen: s.netFen, valueDate: null, counterparty: null, reference: null, description: null, lines: [] });
  }
  for (const c of ordered) {
    const channel = payerOf(c);
    if (used.has(c) || c.amountFen <= 0 || c.valueDate !== addDays(when.date, 1) || !channel) continue;
    if (when.today <= addDays(when.date, SETTLEMENT_WINDOW_DAYS)) result.pending += 1;
    else result.exceptions.push({ code: 'BANK_UNMATCHED', channel, side: 'bank', businessDate: when.date, batchId: null, amountFen: c.amountFen, valueDate: c.valueDate, counterparty: c.counterparty, reference: c.reference, description: c.description, lines: [c.line] });
  }
  return result;
}
