// Layer 1 (交易对账) over columns, for the bulk path: the same result as `matchChannelLines` for
// the same tenders and lines, without an object or a string per line. Orders are found through an
// open-addressing table over the order numbers' hashes; a tender whose order has one payment line
// of the right amount and fee is decided in place, every other case through the rules of match.ts.
import { KIND_NAMES, KeyColumn, type BillColumns } from './bill-columns';
import { judgeTender, plainMatch, sortExceptions, Tally, unclaimedOrder, type BillLine, type MatchResult, type PosTender, type ReconException } from './match';

/** A day's POS wallet tenders as columns. */
export interface TenderColumns {
  count: number;
  /** Channel names; `channel[i]` is an index into them. */
  channels: readonly string[];
  channel: Uint8Array;
  /** Merchant order numbers. */
  orders: KeyColumn;
  amountFen: Float64Array;
  /** Store ids (undefined for none); `store[i]` is an index into them. */
  stores: ReadonlyArray<string | undefined>;
  store: Uint32Array;
  /** Tender `i` as an object, for exceptions. */
  tenderAt(i: number): PosTender;
}

/** What layer 1 reads of a bill's columns: a file's (BillColumns) or lines read back from the database. */
export type BillLineColumns = Pick<BillColumns, 'channel' | 'count' | 'kind' | 'grossFen' | 'feeFen' | 'orders'> & { lineAt(i: number): BillLine };

/**
 * Tenders held as objects (e.g. read from the database) as columns.
 *
 * @example matchChannelColumns(tenderColumns(tenders), [wechatColumns], new Set(['wechat']))
 */
export function tenderColumns(tenders: readonly PosTender[]): TenderColumns {
  const n = tenders.length;
  const channels: string[] = [];
  const stores: Array<string | undefined> = [];
  const channel = new Uint8Array(n);
  const store = new Uint32Array(n);
  const amountFen = new Float64Array(n);
  const orders = new KeyColumn(Buffer.alloc(0), n);
  const indexOf = <T>(list: T[], value: T): number => {
    const at = list.indexOf(value);
    return at >= 0 ? at : list.push(value) - 1;
  };
  tenders.forEach((t, i) => {
    channel[i] = indexOf(channels, t.channel);
    store[i] = indexOf(stores, t.storeId);
    amountFen[i] = t.amountFen;
    orders.setText(i, t.merchantOrderNo);
  });
  return { count: n, channels, channel, orders, amountFen, stores, store, tenderAt: (i) => tenders[i] as PosTender };
}

/**
 * Matches a day's tenders with the channels' bills as `matchChannelLines` does (same matched,
 * pending, exceptions and groups), on columns. `billedChannels` are the channels whose bill for
 * the day has been imported.
 *
 * @example matchChannelColumns(tenders, [wechat.columns, alipay.columns], new Set(['wechat', 'alipay']), fee)
 */
export function matchChannelColumns(
  tenders: TenderColumns,
  bills: readonly BillLineColumns[],
  billedChannels: ReadonlySet<string>,
  expectedFee: (channel: string, grossFen: number) => number | undefined = () => undefined,
): MatchResult {
  const total = bills.reduce((sum, b) => sum + b.count, 0);
  // Lines are numbered across the bills in order; an order's lines are chained from its first.
  // A table entry holds the first line (+1, negated when the order has more) and the order's
  // hash, and a line's kind, gross and fee sit together: a probe touches few cache lines.
  const billOf = new Uint8Array(total);
  const offset = new Int32Array(bills.length);
  const next = new Int32Array(total).fill(-1);
  const tail = new Int32Array(total);
  const head = new Uint8Array(total);
  const money = new Float64Array(total * 3);
  let size = 1024;
  while (size < total * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size * 2);
  const channelNames = bills.map((b) => b.channel);
  for (let k = 0, g = 0; k < bills.length; k++) {
    const bill = bills[k] as BillLineColumns;
    offset[k] = g;
    const { orders } = bill;
    for (let i = 0; i < bill.count; i++, g++) {
      billOf[g] = k;
      money[g * 3] = bill.kind[i] as number;
      money[g * 3 + 1] = bill.grossFen[i] as number;
      money[g * 3 + 2] = bill.feeFen[i] as number;
      if (!orders.has(i)) continue;
      const hash = orders.hash[i] as number;
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const entry = table[slot * 2] as number;
        if (entry === 0) {
          table[slot * 2] = g + 1;
          table[slot * 2 + 1] = hash;
          head[g] = 1;
          tail[g] = g;
          break;
        }
        const held = Math.abs(entry) - 1;
        const other = bills[billOf[held] as number] as BillLineColumns;
        if (table[slot * 2 + 1] === (hash | 0) && other.channel === bill.channel && other.orders.sameKey(held - (offset[billOf[held] as number] as number), orders, i)) {
          next[tail[held] as number] = g;
          tail[held] = g;
          table[slot * 2] = -(held + 1);
          break;
        }
      }
    }
  }

  const lineOf = (g: number): BillLine => {
    const k = billOf[g] as number;
    return (bills[k] as BillLineColumns).lineAt(g - (offset[k] as number));
  };
  const chain = (g: number): BillLine[] => {
    const found: BillLine[] = [];
    for (let at = g; at >= 0; at = next[at] as number) found.push(lineOf(at));
    return found;
  };
  const claimed = new Uint8Array(total);
  const exceptions: ReconException[] = [];
  const tally = new Tally();
  let matched = 0;
  let pending = 0;
  // One line and one tender, reused for the common case so it allocates nothing.
  const line: Pick<BillLine, 'kind' | 'grossFen' | 'feeFen'> = { kind: 'pay', grossFen: 0, feeFen: 0 };
  const tender: Pick<PosTender, 'channel' | 'amountFen'> = { channel: '', amountFen: 0 };
  const { orders } = tenders;
  for (let j = 0; j < tenders.count; j++) {
    const channel = tenders.channels[tenders.channel[j] as number] as string;
    let found = -1;
    let single = false;
    if (orders.has(j) && channelNames.includes(channel)) {
      const hash = orders.hash[j] as number;
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const entry = table[slot * 2] as number;
        if (entry === 0) break;
        if (table[slot * 2 + 1] !== (hash | 0)) continue;
        const held = Math.abs(entry) - 1;
        const k = billOf[held] as number;
        const bill = bills[k] as BillLineColumns;
        if (bill.channel === channel && bill.orders.sameKey(held - (offset[k] as number), orders, j)) {
          found = held;
          single = entry > 0;
          break;
        }
      }
    }
    const storeId = tenders.stores[tenders.store[j] as number];
    if (found >= 0) {
      claimed[found] = 1;
      if (single) {
        line.kind = KIND_NAMES[money[found * 3] as number] as BillLine['kind'];
        line.grossFen = money[found * 3 + 1] as number;
        line.feeFen = money[found * 3 + 2] as number;
        tender.channel = channel;
        tender.amountFen = tenders.amountFen[j] as number;
        if (plainMatch(line, tender, expectedFee)) {
          matched += 1;
          tally.add(storeId, channel, 'matched');
          continue;
        }
      }
    }
    const verdict = judgeTender(tenders.tenderAt(j), found >= 0 ? chain(found) : [], billedChannels, expectedFee);
    if (typeof verdict !== 'string') exceptions.push(verdict);
    else {
      if (verdict === 'matched') matched += 1;
      else pending += 1;
      tally.add(storeId, channel, verdict);
    }
  }
  for (let g = 0; g < total; g++) {
    if (!head[g] || claimed[g]) continue;
    const exception = unclaimedOrder(chain(g));
    if (exception) exceptions.push(exception);
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups: tally.groups() };
}
