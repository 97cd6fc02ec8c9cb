// Layer 1 of reconciliation (交易对账): each wallet tender of a day against the channel's bill
// lines, by merchant order number. Pure: the same inputs in any order give the same result.
import type { ChannelLine } from './types';

export type ExceptionCode = 'POS_ONLY' | 'CHANNEL_ONLY' | 'AMOUNT_MISMATCH' | 'DUPLICATE' | 'REVERSED_AFTER_SUCCESS' | 'FEE_MISMATCH';

export interface PosTender {
  channel: string;
  merchantOrderNo: string;
  amountFen: number;
  saleId: string;
  receiptNo: string;
}

export interface ReconException {
  code: ExceptionCode;
  channel: string;
  merchantOrderNo: string;
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
}

export type BillLine = Pick<ChannelLine, 'merchantOrderNo' | 'kind' | 'grossFen' | 'line'> & { channel: string; feeFen?: number };

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
  const seen = new Set<string>();
  for (const t of tenders) {
    const k = key(t.channel, t.merchantOrderNo);
    seen.add(k);
    const found = byOrder.get(k) ?? [];
    const pays = found.filter((l) => l.kind === 'pay');
    const base = { channel: t.channel, merchantOrderNo: t.merchantOrderNo, posAmountFen: t.amountFen, saleId: t.saleId, receiptNo: t.receiptNo, lines: found.map((l) => l.line).sort((a, b) => a - b) };
    if (pays.length === 0) {
      if (found.some((l) => l.kind === 'reverse')) exceptions.push({ ...base, code: 'REVERSED_AFTER_SUCCESS', channelAmountFen: 0 });
      else if (billedChannels.has(t.channel)) exceptions.push({ ...base, code: 'POS_ONLY', channelAmountFen: null });
      else pending += 1;
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
      } else matched += 1;
    }
  }
  for (const [k, found] of byOrder) {
    if (seen.has(k)) continue;
    const net = found.reduce((s, l) => s + l.grossFen, 0);
    const paid = found.some((l) => l.kind === 'pay');
    // Paid and given back (reversed or refunded) with no sale: settled, nothing to chase.
    if (!paid || net === 0 || found.some((l) => l.kind === 'reverse')) continue;
    const first = found[0] as BillLine;
    exceptions.push({ code: 'CHANNEL_ONLY', channel: first.channel, merchantOrderNo: first.merchantOrderNo ?? '', posAmountFen: null, channelAmountFen: net, saleId: null, receiptNo: null, lines: found.map((l) => l.line).sort((a, b) => a - b) });
  }
  exceptions.sort((a, b) => (a.code === b.code ? (a.channel === b.channel ? (a.merchantOrderNo < b.merchantOrderNo ? -1 : 1) : a.channel < b.channel ? -1 : 1) : a.code < b.code ? -1 : 1));
  return { matched, pending, exceptions };
}
