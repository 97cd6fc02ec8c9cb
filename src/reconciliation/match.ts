// Layer 1 of reconciliation (交易对账): each wallet tender and refund of a day against the
// channel's bill lines, by merchant order number and refund number. Pure: the same inputs in any
// order give the same result.
import type { ChannelLine } from './types';

/** The stable codes of DESIGN §8, shared by API, CLI and UI. */
export type ExceptionCode =
  | 'POS_ONLY'
  | 'CHANNEL_ONLY'
  | 'AMOUNT_MISMATCH'
  | 'DUPLICATE'
  | 'REFUND_POS_ONLY'
  | 'REFUND_CHANNEL_ONLY'
  | 'REVERSED_AFTER_SUCCESS'
  | 'FEE_MISMATCH'
  | 'SETTLEMENT_MISSING'
  | 'SETTLEMENT_MISMATCH'
  | 'BANK_UNMATCHED'
  | 'CASH_OVER'
  | 'CASH_SHORT';

export interface PosTender {
  channel: string;
  merchantOrderNo: string;
  amountFen: number;
  saleId: string;
  receiptNo: string;
  storeId?: string;
}

export interface ReconException {
  code: ExceptionCode;
  channel: string;
  merchantOrderNo: string;
  /** The store of the sale or refund; null for money the channel has that no sale explains. */
  storeId?: string | null;
  /** Refund exceptions: our refund number (out_refund_no / out_request_no). */
  refundNo?: string;
  posAmountFen: number | null;
  channelAmountFen: number | null;
  saleId: string | null;
  receiptNo: string | null;
  /** Bill lines behind it, for drill-down. */
  lines: number[];
  /** FEE_MISMATCH: the fee the bill charged and the fee the contract rate gives (both ≥ 0). */
  feeFen?: number;
  expectedFeeFen?: number;
}

export interface MatchResult {
  matched: number;
  /** Tenders whose channel has no bill for the day yet: may still arrive, not exceptions. */
  pending: number;
  exceptions: ReconException[];
  /** Matched and pending per store and channel (`storeId\u0000channel`), for the day's summary. */
  groups: Map<string, { matched: number; pending: number }>;
}

function tally(groups: MatchResult['groups'], storeId: string | undefined, channel: string, outcome: 'matched' | 'pending'): void {
  const key = `${storeId ?? ''}\u0000${channel}`;
  const group = groups.get(key) ?? { matched: 0, pending: 0 };
  group[outcome] += 1;
  groups.set(key, group);
}

export type BillLine = Pick<ChannelLine, 'merchantOrderNo' | 'kind' | 'grossFen' | 'line'> & { channel: string; feeFen?: number; refundNo?: string | null };

/**
 * Matches a day's POS wallet tenders with the channels' bill lines.
 * `billedChannels` are the channels whose bill for the day has been imported.
 *
 * @example matchChannelLines(tenders, lines, new Set(['wechat']))
 */
export function matchChannelLines(
  tenders: readonly PosTender[],
  lines: readonly BillLine[],
  billedChannels: ReadonlySet<string>,
  /** Contracted fee per channel, as a function of the gross (rounded as the contract says). */
  expectedFee: (channel: string, grossFen: number) => number | undefined = () => undefined,
): MatchResult {
  const key = (channel: string, orderNo: string) => `${channel}\u0000${orderNo}`;
  const byOrder = new Map<string, BillLine[]>();
  for (const l of lines) {
    if (!l.merchantOrderNo) continue;
    const k = key(l.channel, l.merchantOrderNo);
    byOrder.set(k, [...(byOrder.get(k) ?? []), l]);
  }
  const exceptions: ReconException[] = [];
  let matched = 0;
  let pending = 0;
  const groups: MatchResult['groups'] = new Map();
  const seen = new Set<string>();
  for (const t of tenders) {
    const k = key(t.channel, t.merchantOrderNo);
    seen.add(k);
    const found = byOrder.get(k) ?? [];
    const pays = found.filter((l) => l.kind === 'pay');
    const base = { channel: t.channel, merchantOrderNo: t.merchantOrderNo, storeId: t.storeId ?? null, posAmountFen: t.amountFen, saleId: t.saleId, receiptNo: t.receiptNo, lines: found.map((l) => l.line).sort((a, b) => a - b) };
    if (pays.length === 0) {
      if (found.some((l) => l.kind === 'reverse')) exceptions.push({ ...base, code: 'REVERSED_AFTER_SUCCESS', channelAmountFen: 0 });
      else if (billedChannels.has(t.channel)) exceptions.push({ ...base, code: 'POS_ONLY', channelAmountFen: null });
      else {
        pending += 1;
        tally(groups, t.storeId, t.channel, 'pending');
      }
    } else if (pays.length > 1) exceptions.push({ ...base, code: 'DUPLICATE', channelAmountFen: pays.reduce((s, l) => s + l.grossFen, 0) });
    else if (found.some((l) => l.kind === 'reverse')) exceptions.push({ ...base, code: 'REVERSED_AFTER_SUCCESS', channelAmountFen: pays[0]?.grossFen ?? 0 });
    else if (pays[0]?.grossFen !== t.amountFen) exceptions.push({ ...base, code: 'AMOUNT_MISMATCH', channelAmountFen: pays[0]?.grossFen ?? 0 });
    else {
      const pay = pays[0];
      const expected = expectedFee(t.channel, t.amountFen);
      const charged = pay.feeFen === undefined ? undefined : -pay.feeFen;
      // A fen either way is the provider's rounding of a fractional fee, not a breach of contract.
      if (expected !== undefined && charged !== undefined && Math.abs(charged - expected) > 1) {
        exceptions.push({ ...base, code: 'FEE_MISMATCH', channelAmountFen: pay.grossFen, feeFen: charged, expectedFeeFen: expected });
      } else {
        matched += 1;
        tally(groups, t.storeId, t.channel, 'matched');
      }
    }
  }
  for (const [k, found] of byOrder) {
    if (seen.has(k)) continue;
    const net = found.reduce((s, l) => s + l.grossFen, 0);
    const paid = found.some((l) => l.kind === 'pay');
    // Paid and given back (reversed or refunded) with no sale: settled, nothing to chase.
    if (!paid || net === 0 || found.some((l) => l.kind === 'reverse')) continue;
    const first = found[0] as BillLine;
    exceptions.push({ code: 'CHANNEL_ONLY', channel: first.channel, merchantOrderNo: first.merchantOrderNo ?? '', storeId: null, posAmountFen: null, channelAmountFen: net, saleId: null, receiptNo: null, lines: found.map((l) => l.line).sort((a, b) => a - b) });
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups };
}

function sortExceptions(exceptions: ReconException[]): void {
  const key = (e: ReconException) => `${e.code}\u0000${e.channel}\u0000${e.merchantOrderNo}\u0000${e.refundNo ?? ''}`;
  exceptions.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A refund the till made through a wallet (payment_refunds, succeeded). */
export interface PosRefund {
  channel: string;
  refundNo: string;
  merchantOrderNo: string;
  amountFen: number;
  storeId?: string;
}

/**
 * Matches the day's wallet refunds with the channels' refund lines by refund number.
 * `searchLines` are the refund lines a POS refund may be on (the day and the next: a refund done
 * just before midnight is often billed the next day, 日切); `dayLines` are the refund lines of the
 * day itself, each of which must be a refund the till knows (`knownRefunds`, any day) unless its
 * order never became a sale (`soldOrders`): a paid-then-cancelled order is settled on the bill.
 * Keys of both sets are `channel\u0000number`.
 *
 * @example matchRefunds([{ channel: 'wechat', refundNo: 'R1', merchantOrderNo: 'A', amountFen: 500 }], lines, lines, new Set(['wechat']), known, sold)
 */
export function matchRefunds(
  refunds: readonly PosRefund[],
  searchLines: readonly BillLine[],
  dayLines: readonly BillLine[],
  billedChannels: ReadonlySet<string>,
  knownRefunds: ReadonlySet<string>,
  soldOrders: ReadonlySet<string>,
): MatchResult {
  const key = (channel: string, no: string) => `${channel}\u0000${no}`;
  const byRefund = new Map<string, BillLine[]>();
  for (const l of searchLines) {
    if (l.kind !== 'refund' || !l.refundNo) continue;
    const k = key(l.channel, l.refundNo);
    byRefund.set(k, [...(byRefund.get(k) ?? []), l]);
  }
  const exceptions: ReconException[] = [];
  const groups: MatchResult['groups'] = new Map();
  let matched = 0;
  let pending = 0;
  for (const r of refunds) {
    const found = byRefund.get(key(r.channel, r.refundNo)) ?? [];
    const base = { channel: r.channel, merchantOrderNo: r.merchantOrderNo, refundNo: r.refundNo, storeId: r.storeId ?? null, posAmountFen: r.amountFen, saleId: null, receiptNo: null, lines: found.map((l) => l.line).sort((a, b) => a - b) };
    const billedFen = -found.reduce((sum, l) => sum + l.grossFen, 0);
    if (found.length === 0) {
      if (billedChannels.has(r.channel)) exceptions.push({ ...base, code: 'REFUND_POS_ONLY', channelAmountFen: null });
      else {
        pending += 1;
        tally(groups, r.storeId, r.channel, 'pending');
      }
    } else if (billedFen !== r.amountFen) exceptions.push({ ...base, code: 'AMOUNT_MISMATCH', channelAmountFen: billedFen });
    else {
      matched += 1;
      tally(groups, r.storeId, r.channel, 'matched');
    }
  }
  for (const l of dayLines) {
    if (l.kind !== 'refund' || !l.merchantOrderNo) continue;
    if (l.refundNo && knownRefunds.has(key(l.channel, l.refundNo))) continue;
    if (!soldOrders.has(key(l.channel, l.merchantOrderNo))) continue;
    exceptions.push({ code: 'REFUND_CHANNEL_ONLY', channel: l.channel, merchantOrderNo: l.merchantOrderNo, refundNo: l.refundNo ?? '', storeId: null, posAmountFen: null, channelAmountFen: -l.grossFen, saleId: null, receiptNo: null, lines: [l.line] });
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups };
}
