// Layer 1 (交易对账) over columns, for the bulk path: the same result as `matchChannelLines` for
// the same tenders and lines, without an object or a string per line. Orders are found through an
// open-addressing table over the order numbers' hashes; a tender whose order has one payment line
// of the right amount and fee is decided in place, every other case through the rules of match.ts.
import { BUCKETS, KIND_NAMES, KeyColumn, type BillColumns, type KeyBuckets } from './bill-columns';
import { judgeTender, plainMatch, sortExceptions, unclaimedOrder, type BillLine, type MatchResult, type PosTender, type ReconException } from './match';

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
 * A partitioned hash join: tenders and lines are grouped by the top bits of their order hashes
 * (`KeyColumn.buckets`, made once per column — a bill read in a worker brings its own), then each
 * bucket's lines go into a small open-addressing table that its tenders probe, so the table stays
 * in cache. The keys stay in the files: a tender takes the one order of its channel with its hash
 * on the hash alone, and the key's bytes are compared afterwards, in tender order, where both
 * files are read about in sequence (only orders sharing a hash are told apart by their bytes in
 * the probe). The common case (one payment line of the right amount and fee) is then decided in
 * place; every other tender is judged by the rules of match.ts.
 *
 * @example matchChannelColumns(tenders, [wechat.columns, alipay.columns], new Set(['wechat', 'alipay']), fee)
 */
export function matchChannelColumns(
  tenders: TenderColumns,
  bills: readonly BillLineColumns[],
  billedChannels: ReadonlySet<string>,
  expectedFee: (channel: string, grossFen: number) => number | undefined = () => undefined,
): MatchResult {
  // Lines are numbered across the bills in order (g); an order's lines are chained from its first.
  const offset = new Int32Array(bills.length + 1);
  bills.forEach((b, k) => (offset[k + 1] = (offset[k] as number) + b.count));
  const total = offset[bills.length] as number;
  // Channels as small numbers: bills of one channel share one; a tender's channel without a bill is -1.
  const channelNames = [...new Set(bills.map((b) => b.channel))];
  const billChannel = Int32Array.from(bills, (b) => channelNames.indexOf(b.channel));
  const tenderChannel = Int32Array.from(tenders.channels, (name) => channelNames.indexOf(name));
  const next = new Int32Array(total).fill(-1);
  const exceptions: ReconException[] = [];
  /** Per tender: its order's first line g + 1, negated when the order has more lines; 0 when none. */
  const foundLine = new Int32Array(tenders.count);
  /** 1 where foundLine was taken on the hash alone (the key's bytes not yet compared). */
  const unsure = new Uint8Array(tenders.count);
  /** Per line g: 1 once a tender whose key was compared has its order. */
  const claimed = new Uint8Array(total);
  /** First lines of orders a tender took on the hash alone and turned out not to be its. */
  const mistaken: number[] = [];

  const lineParts = bills.map((b) => b.orders.buckets(b.count));
  const tenderParts = tenders.orders.buckets(tenders.count);
  let largest = 0;
  for (let p = 0; p < BUCKETS; p++) {
    let n = 0;
    for (const lp of lineParts) n += (lp.first[p + 1] as number) - (lp.first[p] as number);
    largest = Math.max(largest, n);
  }
  let capacity = 16;
  while (capacity < largest * 2) capacity *= 2;
  // A slot (SLOT numbers): the order's first line g + 1 (negated when the order has more lines),
  // its hash, the bill and bucket entry holding its key, its last line, and 1 once a tender claims it.
  const SLOT = 6;
  const table = new Int32Array(capacity * SLOT);
  const sameKey = (a: KeyBuckets, ea: number, ca: KeyColumn, b: KeyBuckets, eb: number, cb: KeyColumn): boolean => ca.sameKey(a.row[ea] as number, cb, b.row[eb] as number);
  const billOf = (g: number): number => {
    let k = 0;
    while ((offset[k + 1] as number) <= g) k++;
    return k;
  };
  const lineOf = (g: number): BillLine => {
    const k = billOf(g);
    return (bills[k] as BillLineColumns).lineAt(g - (offset[k] as number));
  };
  const chain = (g: number): BillLine[] => {
    const found: BillLine[] = [];
    for (let at = g; at >= 0; at = next[at] as number) found.push(lineOf(at));
    return found;
  };
  for (let p = 0; p < BUCKETS; p++) {
    let n = 0;
    for (const lp of lineParts) n += (lp.first[p + 1] as number) - (lp.first[p] as number);
    if (n === 0) continue;
    let size = 16;
    while (size < n * 2) size *= 2;
    const mask = size - 1;
    table.fill(0, 0, size * SLOT);
    for (let k = 0; k < bills.length; k++) {
      const lp = lineParts[k] as KeyBuckets;
      const bill = bills[k] as BillLineColumns;
      const channel = billChannel[k] as number;
      for (let e = lp.first[p] as number, stop = lp.first[p + 1] as number; e < stop; e++) {
        const g = (offset[k] as number) + (lp.row[e] as number);
        const hash = lp.hash[e] as number;
        for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
          const at = slot * SLOT;
          const entry = table[at] as number;
          if (entry === 0) {
            table[at] = g + 1;
            table[at + 1] = hash;
            table[at + 2] = k;
            table[at + 3] = e;
            table[at + 4] = g;
            break;
          }
          const hk = table[at + 2] as number;
          if (table[at + 1] === hash && billChannel[hk] === channel && sameKey(lineParts[hk] as KeyBuckets, table[at + 3] as number, (bills[hk] as BillLineColumns).orders, lp, e, bill.orders)) {
            next[table[at + 4] as number] = g;
            table[at + 4] = g;
            table[at] = -Math.abs(entry);
            break;
          }
        }
      }
    }
    for (let e = tenderParts.first[p] as number, stop = tenderParts.first[p + 1] as number; e < stop; e++) {
      const j = tenderParts.row[e] as number;
      const channel = tenderChannel[tenders.channel[j] as number] as number;
      if (channel < 0) continue;
      const hash = tenderParts.hash[e] as number;
      // The one order of this channel with the tender's hash is taken on the hash alone: its key's
      // bytes are compared in the ordered pass below, where both sides are read in sequence. Only
      // when several orders share the hash are the bytes compared here.
      let only = -1;
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const at = slot * SLOT;
        if (table[at] === 0) break;
        if (table[at + 1] !== hash || billChannel[table[at + 2] as number] !== channel) continue;
        if (only >= 0) {
          only = -2;
          break;
        }
        only = at;
      }
      if (only === -1) continue;
      if (only >= 0) {
        table[only + 5] = 1;
        foundLine[j] = table[only] as number;
        unsure[j] = 1;
        continue;
      }
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const at = slot * SLOT;
        const entry = table[at] as number;
        if (entry === 0) break;
        const k = table[at + 2] as number;
        if (table[at + 1] !== hash || billChannel[k] !== channel) continue;
        const bill = bills[k] as BillLineColumns;
        if (!sameKey(lineParts[k] as KeyBuckets, table[at + 3] as number, bill.orders, tenderParts, e, tenders.orders)) continue;
        table[at + 5] = 1;
        foundLine[j] = entry;
        break;
      }
    }
    // Orders no tender claimed (each order once, so the order they are found in does not matter
    // once the exceptions are sorted).
    for (let at = 0; at < size * SLOT; at += SLOT) {
      const entry = table[at] as number;
      if (entry === 0 || table[at + 5] === 1) continue;
      const exception = unclaimedOrder(chain(Math.abs(entry) - 1));
      if (exception) exceptions.push(exception);
    }
  }

  const tally = new ColumnTally(tenders);
  let matched = 0;
  let pending = 0;
  // One line and one tender, reused for the common case so it allocates nothing. Tenders are
  // decided in their order (a day's bill lists orders in about the same order), so the lines'
  // values are read nearly in sequence.
  const line: Pick<BillLine, 'kind' | 'grossFen' | 'feeFen'> = { kind: 'pay', grossFen: 0, feeFen: 0 };
  const tender: Pick<PosTender, 'channel' | 'amountFen'> = { channel: '', amountFen: 0 };
  for (let j = 0; j < tenders.count; j++) {
    let entry = foundLine[j] as number;
    if (entry !== 0) {
      const g = Math.abs(entry) - 1;
      if (unsure[j] === 1) {
        const k = billOf(g);
        if (!tenders.orders.sameKey(j, (bills[k] as BillLineColumns).orders, g - (offset[k] as number))) {
          mistaken.push(g);
          entry = 0;
        }
      }
      if (entry !== 0) claimed[g] = 1;
    }
    if (entry > 0) {
      const k = billOf(entry - 1);
      const bill = bills[k] as BillLineColumns;
      const i = entry - 1 - (offset[k] as number);
      line.kind = KIND_NAMES[bill.kind[i] as number] as BillLine['kind'];
      line.grossFen = bill.grossFen[i] as number;
      line.feeFen = bill.feeFen[i] as number;
      tender.channel = bill.channel;
      tender.amountFen = tenders.amountFen[j] as number;
      if (plainMatch(line, tender, expectedFee)) {
        matched += 1;
        tally.add(j, 'matched');
        continue;
      }
    }
    const verdict = judgeTender(tenders.tenderAt(j), entry !== 0 ? chain(Math.abs(entry) - 1) : [], billedChannels, expectedFee);
    if (typeof verdict !== 'string') exceptions.push(verdict);
    else {
      if (verdict === 'matched') matched += 1;
      else pending += 1;
      tally.add(j, verdict);
    }
  }
  // An order only mistaken tenders took is unclaimed after all.
  for (const g of mistaken) {
    if (claimed[g] === 1) continue;
    claimed[g] = 1;
    const exception = unclaimedOrder(chain(g));
    if (exception) exceptions.push(exception);
  }
  sortExceptions(exceptions);
  return { matched, pending, exceptions, groups: tally.groups() };
}

/**
 * Matched and pending tenders per store × channel, counted on the tenders' indexes and given as
 * `Tally` gives them (stores, then each store's channels, in the order first seen).
 */
class ColumnTally {
  private readonly width: number;
  private readonly counts: Float64Array;
  /** Store × channel pairs in the order first seen. */
  private readonly seen: number[] = [];

  constructor(private readonly tenders: TenderColumns) {
    this.width = tenders.channels.length;
    this.counts = new Float64Array(tenders.stores.length * this.width * 2);
  }

  add(j: number, outcome: 'matched' | 'pending'): void {
    const pair = (this.tenders.store[j] as number) * this.width + (this.tenders.channel[j] as number);
    const at = pair * 2 + (outcome === 'matched' ? 0 : 1);
    if (this.counts[pair * 2] === 0 && this.counts[pair * 2 + 1] === 0) this.seen.push(pair);
    this.counts[at] = (this.counts[at] as number) + 1;
  }

  groups(): MatchResult['groups'] {
    const tally = new Map<string, Map<string, { matched: number; pending: number }>>();
    for (const pair of this.seen) {
      const store = this.tenders.stores[Math.floor(pair / this.width)] ?? '';
      const channel = this.tenders.channels[pair % this.width] as string;
      let channels = tally.get(store);
      if (!channels) tally.set(store, (channels = new Map()));
      const group = channels.get(channel) ?? { matched: 0, pending: 0 };
      group.matched += this.counts[pair * 2] as number;
      group.pending += this.counts[pair * 2 + 1] as number;
      channels.set(channel, group);
    }
    const out: MatchResult['groups'] = new Map();
    for (const [store, channels] of tally) for (const [channel, group] of channels) out.set(`${store}\u0000${channel}`, group);
    return out;
  }
}
