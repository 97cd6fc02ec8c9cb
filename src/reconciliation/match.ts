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

/** Counts per store and channel, kept as nested maps so the hot loop builds no key strings. */
export class Tally {
  private readonly byStore = new Map<string, Map<string, { matched: number; pending: number }>>();

  add(storeId: string | undefined, channel: string, outcome: 'matched' | 'pending'): void {
    const store = storeId ?? '';
    let channels = this.byStore.get(store);
    if (!channels) this.byStore.set(store, (channels = new Map()));
    let group = channels.get(channel);
    if (!group) channels.set(channel, (group = { matched: 0, pending: 0 }));
    group[outcome] += 1;
  }

  groups(): MatchResult['groups'] {
    const out: MatchResult['groups'] = new Map();
    for (const [store, channels] of this.byStore) for (const [channel, group] of channels) out.set(`${store}\u0000${channel}`, group);
    return out;
  }
}

/** `storeId`: the store whose own merchant account the line's file is (none: the chain's); an unclaimed line's exception is that store's. */
export type BillLine = Pick<ChannelLine, 'merchantOrderNo' | 'kind' | 'grossFen' | 'line'> & { channel: string; feeFen?: number; refundNo?: string | null; storeId?: string | null };

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
  // channel → order number → a slot holding its line, or its lines when there are several (most
  // orders have one); a slot is marked when a tender claims it. Numbers in the maps and a byte per
  // slot keep a million lines from becoming a million small objects.
  const byChannel = new Map<string, Map<string, number>>();
  const slots: Array<BillLine | BillLine[]> = [];
  for (const l of lines) {
    if (!l.merchantOrderNo) continue;
    let orders = byChannel.get(l.channel);
    if (!orders) byChannel.set(l.channel, (orders = new Map()));
    const slot = orders.get(l.merchantOrderNo);
    if (slot === undefined) {
      orders.set(l.merchantOrderNo, slots.length);
      slots.push(l);
    } else {
      const held = slots[slot] as BillLine | BillLine[];
      if (Array.isArray(held)) held.push(l);
      else slots[slot] = [held, l];
    }
  }
  const claimed = new Uint8Array(slots.length);
  const exceptions: ReconException[] = [];
  let matched = 0;
  let pending = 0;
  const tally = new Tally();
  for (const t of tenders) {
    const slot = byChannel.get(t.channel)?.get(t.merchantOrderNo);
    const held = slot === undefined ? undefined : slots[slot];
    if (slot !== undefined) claimed[slot] = 1;
    // The common case, one payment line of the right amount and fee: decided without allocating.
    if (held !== undefined && !Array.isArray(held) && plainMatch(held, t, expectedFee)) {
      matched += 1;
      tally.add(t.storeId, t.channel, 'matched');
      continue;
    }
    const verdict = judgeTender(t, held === undefined ? [] : Array.isArray(held) ? held : [held], billedChannels, expectedFee);
    if (typeof verdict !== 'string') exceptions.push(verdict);
    else {
      if (verdict === 'matched') matched += 1;
      else pending += 1;
      tally.add(t.storeId, t.channel, verdict);
    }
  }
  slots.forEach((held, slot) => {
    if (claimed[slot]) return;
    const exception = unclaimedOrder(Array.isArray(held) ? held : [held]);
    if (exception) exceptions.push(exception);
  });
  const groups = tally.groups();
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups };
}

/**
 * Layer 1's verdict on a tender given every bill line of its order (`found`, any kind, none when
 * the bill lacks it): matched, pending, or the exception. The one rule for `matchChannelLines`
 * and the columnar `matchChannelColumns`.
 */
export function judgeTender(
  t: PosTender,
  found: readonly BillLine[],
  billedChannels: ReadonlySet<string>,
  expectedFee: (channel: string, grossFen: number) => number | undefined,
): ReconException | 'matched' | 'pending' {
  const base = () => ({ channel: t.channel, merchantOrderNo: t.merchantOrderNo, storeId: t.storeId ?? null, posAmountFen: t.amountFen, saleId: t.saleId, receiptNo: t.receiptNo, lines: found.map((l) => l.line).sort((x, y) => x - y) });
  const pays = found.filter((l) => l.kind === 'pay');
  const reversed = found.some((l) => l.kind === 'reverse');
  if (pays.length === 0) {
    if (reversed) return { ...base(), code: 'REVERSED_AFTER_SUCCESS', channelAmountFen: 0 };
    return billedChannels.has(t.channel) ? { ...base(), code: 'POS_ONLY', channelAmountFen: null } : 'pending';
  }
  if (pays.length > 1) return { ...base(), code: 'DUPLICATE', channelAmountFen: pays.reduce((sum, l) => sum + l.grossFen, 0) };
  const pay = pays[0] as BillLine;
  if (reversed) return { ...base(), code: 'REVERSED_AFTER_SUCCESS', channelAmountFen: pay.grossFen };
  if (pay.grossFen !== t.amountFen) return { ...base(), code: 'AMOUNT_MISMATCH', channelAmountFen: pay.grossFen };
  if (!feeWithinContract(pay, t, expectedFee)) {
    return { ...base(), code: 'FEE_MISMATCH', channelAmountFen: pay.grossFen, feeFen: -(pay.feeFen ?? 0), expectedFeeFen: expectedFee(t.channel, t.amountFen) };
  }
  return 'matched';
}

/** The exception for an order's bill lines that no tender claimed, if they leave money to chase. */
export function unclaimedOrder(found: readonly BillLine[]): ReconException | null {
  const net = found.reduce((sum, l) => sum + l.grossFen, 0);
  const paid = found.some((l) => l.kind === 'pay');
  // Paid and given back (reversed or refunded) with no sale: settled, nothing to chase.
  if (!paid || net === 0 || found.some((l) => l.kind === 'reverse')) return null;
  const first = found[0] as BillLine;
  return { code: 'CHANNEL_ONLY', channel: first.channel, merchantOrderNo: first.merchantOrderNo ?? '', storeId: first.storeId ?? null, posAmountFen: null, channelAmountFen: net, saleId: null, receiptNo: null, lines: found.map((l) => l.line).sort((x, y) => x - y) };
}

/** A fen either way is the provider's rounding of a fractional fee, not a breach of contract. */
function feeWithinContract(pay: Pick<BillLine, 'feeFen'>, t: Pick<PosTender, 'channel' | 'amountFen'>, expectedFee: (channel: string, grossFen: number) => number | undefined): boolean {
  const expected = expectedFee(t.channel, t.amountFen);
  return expected === undefined || pay.feeFen === undefined || Math.abs(-pay.feeFen - expected) <= 1;
}

/** Whether an order's single payment line settles its tender at once (the common case): same amount, fee within contract. */
export function plainMatch(pay: Pick<BillLine, 'kind' | 'grossFen' | 'feeFen'>, t: Pick<PosTender, 'channel' | 'amountFen'>, expectedFee: (channel: string, grossFen: number) => number | undefined): boolean {
  return pay.kind === 'pay' && pay.grossFen === t.amountFen && feeWithinContract(pay, t, expectedFee);
}

/** The order every matcher returns its exceptions in: by code, channel, order and refund number. */
export function sortExceptions(exceptions: ReconException[]): void {
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
  const tally = new Tally();
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
        tally.add(r.storeId, r.channel, 'pending');
      }
    } else if (billedFen !== r.amountFen) exceptions.push({ ...base, code: 'AMOUNT_MISMATCH', channelAmountFen: billedFen });
    else {
      matched += 1;
      tally.add(r.storeId, r.channel, 'matched');
    }
  }
  for (const l of dayLines) {
    if (l.kind !== 'refund' || !l.merchantOrderNo) continue;
    if (l.refundNo && knownRefunds.has(key(l.channel, l.refundNo))) continue;
    if (!soldOrders.has(key(l.channel, l.merchantOrderNo))) continue;
    exceptions.push({ code: 'REFUND_CHANNEL_ONLY', channel: l.channel, merchantOrderNo: l.merchantOrderNo, refundNo: l.refundNo ?? '', storeId: l.storeId ?? null, posAmountFen: null, channelAmountFen: -l.grossFen, saleId: null, receiptNo: null, lines: [l.line] });
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups: tally.groups() };
}

/** A card payment at the till: the terminal's reference (参考号) printed on the slip, and when. */
export interface PosCardTender {
  reference: string;
  amountFen: number;
  /** ISO-8601. */
  time: string;
  saleId: string;
  receiptNo: string;
  storeId?: string;
}

/** A card line of the acquirer's file as matching needs it. */
export type CardBillLine = Pick<ChannelLine, 'channelTxnId' | 'kind' | 'grossFen' | 'time' | 'line'> & { feeFen?: number; terminal?: string | null; storeId?: string | null };

/** The terminal's clock and the acquirer's host differ by seconds; a sale and its line by minutes at most. */
export const CARD_TIME_WINDOW_MS = 10 * 60_000;

/**
 * Matches the day's card payments with the acquirer's lines (layer 1 for cards): by the terminal's
 * reference number, then the amount, and the time within `CARD_TIME_WINDOW_MS` (a reference met
 * again at another time is another transaction: references restart with each terminal batch).
 * Exceptions carry the reference as their `merchantOrderNo`. `billed` says whether the day's
 * card file is in (else unmatched payments are pending).
 *
 * @example matchCardLines([{ reference: '000123000001', amountFen: 2580, time: '2026-11-29T02:00:01Z', saleId, receiptNo }], lines, true)
 */
export function matchCardLines(tenders: readonly PosCardTender[], lines: readonly CardBillLine[], billed: boolean, expectedFee: (grossFen: number) => number | undefined = () => undefined): MatchResult {
  const byReference = new Map<string, CardBillLine[]>();
  for (const l of lines) {
    if (l.kind !== 'pay') continue;
    const held = byReference.get(l.channelTxnId);
    if (held) held.push(l);
    else byReference.set(l.channelTxnId, [l]);
  }
  const claimed = new Set<CardBillLine>();
  const exceptions: ReconException[] = [];
  const tally = new Tally();
  let matched = 0;
  let pending = 0;
  const order = [...tenders].sort((a, b) => a.reference.localeCompare(b.reference) || a.time.localeCompare(b.time) || a.amountFen - b.amountFen || a.saleId.localeCompare(b.saleId));
  for (const t of order) {
    const at = Date.parse(t.time);
    const found = (byReference.get(t.reference) ?? []).filter((l) => !claimed.has(l) && Math.abs(Date.parse(l.time) - at) <= CARD_TIME_WINDOW_MS);
    found.forEach((l) => claimed.add(l));
    const base = { channel: 'card', merchantOrderNo: t.reference, storeId: t.storeId ?? null, posAmountFen: t.amountFen, saleId: t.saleId, receiptNo: t.receiptNo, lines: found.map((l) => l.line).sort((x, y) => x - y) };
    const [only] = found;
    if (!only) {
      if (billed) exceptions.push({ ...base, code: 'POS_ONLY', channelAmountFen: null });
      else {
        pending += 1;
        tally.add(t.storeId, 'card', 'pending');
      }
    } else if (found.length > 1) exceptions.push({ ...base, code: 'DUPLICATE', channelAmountFen: found.reduce((sum, l) => sum + l.grossFen, 0) });
    else if (only.grossFen !== t.amountFen) exceptions.push({ ...base, code: 'AMOUNT_MISMATCH', channelAmountFen: only.grossFen });
    else {
      const expected = expectedFee(t.amountFen);
      if (expected !== undefined && only.feeFen !== undefined && Math.abs(-only.feeFen - expected) > 1) {
        exceptions.push({ ...base, code: 'FEE_MISMATCH', channelAmountFen: only.grossFen, feeFen: -only.feeFen, expectedFeeFen: expected });
      } else {
        matched += 1;
        tally.add(t.storeId, 'card', 'matched');
      }
    }
  }
  // Unclaimed payments, one exception per reference (a reference may recur in a later batch).
  for (const [reference, held] of byReference) {
    const unclaimed = held.filter((l) => !claimed.has(l));
    if (unclaimed.length === 0) continue;
    exceptions.push({ code: 'CHANNEL_ONLY', channel: 'card', merchantOrderNo: reference, storeId: unclaimed[0]?.storeId ?? null, posAmountFen: null, channelAmountFen: unclaimed.reduce((sum, l) => sum + l.grossFen, 0), saleId: null, receiptNo: null, lines: unclaimed.map((l) => l.line).sort((x, y) => x - y) });
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups: tally.groups() };
}

/** A card line with the payment it refunds (原参考号), when the acquirer's file names it. */
export type CardRefundLine = CardBillLine & { merchantOrderNo?: string | null };

/** A refund the till made to a card through the terminal (退货): the terminal's reference of the refund and of the payment it gives back. */
export interface PosCardRefund {
  reference: string;
  /** The payment's 参考号 (the sale's card tender). */
  originalReference: string;
  amountFen: number;
  /** ISO-8601: when the terminal approved it. */
  time: string;
  storeId?: string;
}

/**
 * Matches the day's card refunds with the acquirer's refund lines (退货/退款), as wallets' refunds
 * are matched by refund number: by the refund's reference within `CARD_TIME_WINDOW_MS`, or else by
 * the payment's reference (原参考号) within the window; then the amount. `searchLines` are the refund
 * lines a till refund may be on (the day and the next, 日切); `dayLines` those of the day, each of
 * which must be a refund the till knows (`known`: the till's card refunds of any day with those
 * references) or it is REFUND_CHANNEL_ONLY — money given back on the terminal without a return.
 * Exceptions carry the payment's reference as `merchantOrderNo` and the refund's as `refundNo`.
 *
 * @example matchCardRefunds([{ reference: '000123000003', originalReference: '000123000001', amountFen: 1000, time }], lines, lines, true, [])
 */
export function matchCardRefunds(
  refunds: readonly PosCardRefund[],
  searchLines: readonly CardRefundLine[],
  dayLines: readonly CardRefundLine[],
  billed: boolean,
  known: ReadonlyArray<Pick<PosCardRefund, 'reference' | 'time'>>,
): MatchResult {
  const isRefund = (l: CardRefundLine) => l.kind === 'refund';
  const within = (l: CardRefundLine, at: number) => Math.abs(Date.parse(l.time) - at) <= CARD_TIME_WINDOW_MS;
  // Refund rows by their own 参考号 and by the payment's, each list in time order.
  const byReference = new Map<string, CardRefundLine[]>();
  const byOriginal = new Map<string, CardRefundLine[]>();
  for (const l of searchLines.filter(isRefund).sort((a, b) => a.time.localeCompare(b.time) || a.line - b.line)) {
    byReference.set(l.channelTxnId, [...(byReference.get(l.channelTxnId) ?? []), l]);
    if (l.merchantOrderNo) byOriginal.set(l.merchantOrderNo, [...(byOriginal.get(l.merchantOrderNo) ?? []), l]);
  }
  const claimed = new Set<CardRefundLine>();
  const exceptions: ReconException[] = [];
  const tally = new Tally();
  let matched = 0;
  let pending = 0;
  const order = [...refunds].sort((a, b) => a.reference.localeCompare(b.reference) || a.time.localeCompare(b.time) || a.amountFen - b.amountFen);
  // Two passes: every refund claims its own reference first, so a line found only by the
  // payment's reference never takes a line another refund names.
  const found = new Map<PosCardRefund, CardRefundLine[]>();
  for (const pass of ['reference', 'original'] as const) {
    for (const r of order) {
      if (found.get(r)?.length) continue;
      const at = Date.parse(r.time);
      const hits = ((pass === 'reference' ? byReference.get(r.reference) : byOriginal.get(r.originalReference)) ?? []).filter((l) => !claimed.has(l) && within(l, at));
      // By the payment's reference one line is taken (a payment may be refunded in parts), of the refund's amount if there is one.
      const pick = hits.find((l) => -l.grossFen === r.amountFen) ?? hits[0];
      const taken = pass === 'reference' ? hits : pick ? [pick] : [];
      taken.forEach((l) => claimed.add(l));
      found.set(r, taken);
    }
  }
  for (const r of order) {
    const lines = found.get(r) ?? [];
    const base = { channel: 'card', merchantOrderNo: r.originalReference, refundNo: r.reference, storeId: r.storeId ?? null, posAmountFen: r.amountFen, saleId: null, receiptNo: null, lines: lines.map((l) => l.line).sort((x, y) => x - y) };
    const billedFen = -lines.reduce((sum, l) => sum + l.grossFen, 0);
    if (lines.length === 0) {
      if (billed) exceptions.push({ ...base, code: 'REFUND_POS_ONLY', channelAmountFen: null });
      else {
        pending += 1;
        tally.add(r.storeId, 'card', 'pending');
      }
    } else if (billedFen !== r.amountFen) exceptions.push({ ...base, code: 'AMOUNT_MISMATCH', channelAmountFen: billedFen });
    else {
      matched += 1;
      tally.add(r.storeId, 'card', 'matched');
    }
  }
  for (const l of dayLines) {
    if (!isRefund(l) || claimed.has(l)) continue;
    const at = Date.parse(l.time);
    if (known.some((k) => k.reference === l.channelTxnId && Math.abs(Date.parse(k.time) - at) <= CARD_TIME_WINDOW_MS)) continue;
    exceptions.push({ code: 'REFUND_CHANNEL_ONLY', channel: 'card', merchantOrderNo: l.merchantOrderNo ?? '', refundNo: l.channelTxnId, storeId: l.storeId ?? null, posAmountFen: null, channelAmountFen: -l.grossFen, saleId: null, receiptNo: null, lines: [l.line] });
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups: tally.groups() };
}
