// Layer 1 (交易对账) over columns, for the bulk path: the same result as `matchChannelLines` for
// the same tenders and lines, without an object or a string per line. Orders are found through an
// open-addressing table over the order numbers' hashes; a tender whose order has one payment line
// of the right amount and fee is decided in place, every other case through the rules of match.ts.
import { asBuffer, BUCKETS, KIND_NAMES, KeyColumn, TextBlock, type BillColumns, type BillColumnsData, type KeyBuckets, type TextColumnData } from './bill-columns';
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
  /** The columns as plain data: what another thread needs to match a part of them (see bill-worker.ts). */
  data: TenderColumnsData;
}

/**
 * Tender columns as plain data (typed arrays, which may live on a SharedArrayBuffer, and short
 * lists), so they can be posted to another thread; `tenderColumnsFromData` makes the columns.
 */
export interface TenderColumnsData extends Pick<TenderColumns, 'count' | 'channels' | 'channel' | 'amountFen' | 'stores' | 'store'> {
  orders: Pick<BillColumnsData, 'orderStart' | 'orderEnd' | 'orderHash' | 'orderText'> & { bytes: Uint8Array };
  saleIds: TextColumnData;
  receiptNos: TextColumnData;
}

/**
 * The columns of tender data (made here or posted from another thread); each tender becomes an
 * object only when asked (`tenderAt`, for an exception).
 *
 * @example tenderColumnsFromData(data).tenderAt(0) // { channel: 'wechat', merchantOrderNo: 'S1', amountFen: 1000, saleId: 's1', receiptNo: 'R1', storeId: 'S001' }
 */
export function tenderColumnsFromData(data: TenderColumnsData): TenderColumns {
  const orders = KeyColumn.restore(asBuffer(data.orders.bytes), data.orders);
  const text = (column: TextColumnData, i: number): string => {
    const s = column.start[i] as number;
    const e = column.end[i] as number;
    return e < s ? '' : asBuffer(column.bytes).toString('utf8', s, e);
  };
  const tenderAt = (i: number): PosTender => ({
    channel: data.channels[data.channel[i] as number] as string,
    merchantOrderNo: orders.textAt(i) ?? '',
    amountFen: data.amountFen[i] as number,
    saleId: text(data.saleIds, i),
    receiptNo: text(data.receiptNos, i),
    storeId: data.stores[data.store[i] as number],
  });
  const { count, channels, channel, amountFen, stores, store } = data;
  return { count, channels, channel, orders, amountFen, stores, store, tenderAt, data };
}

/** What layer 1 reads of a bill's columns: a file's (BillColumns) or lines read back from the database. */
export type BillLineColumns = Pick<BillColumns, 'channel' | 'count' | 'kind' | 'grossFen' | 'feeFen' | 'orders'> & { lineAt(i: number): BillLine };

/**
 * Tenders held as objects as columns.
 *
 * @example matchChannelColumns(tenderColumns(tenders), [wechatColumns], new Set(['wechat']))
 */
export function tenderColumns(tenders: readonly PosTender[]): TenderColumns {
  const columns = new TenderColumnsBuilder();
  for (const t of tenders) columns.add(t.channel, t.merchantOrderNo, t.amountFen, t.saleId, t.receiptNo, t.storeId);
  return columns.build();
}

/** Tenders added one by one (from objects or database rows) into columns, their texts in byte blocks. */
export class TenderColumnsBuilder {
  private readonly channels: string[] = [];
  private readonly stores: Array<string | undefined> = [];
  private readonly knownChannels = new Map<string, number>();
  private readonly knownStores = new Map<string | undefined, number>();
  private readonly channel: number[] = [];
  private readonly store: number[] = [];
  private readonly amounts: number[] = [];
  private readonly orders = new TextBlock();
  private readonly sales = new TextBlock();
  private readonly receipts = new TextBlock();

  add(channel: string, merchantOrderNo: string | null, amountFen: number, saleId: string, receiptNo: string, storeId: string | undefined): void {
    this.channel.push(indexIn(this.channels, this.knownChannels, channel));
    this.store.push(indexIn(this.stores, this.knownStores, storeId));
    this.amounts.push(amountFen);
    this.orders.push(merchantOrderNo ?? '');
    this.sales.push(saleId);
    this.receipts.push(receiptNo);
  }

  build(): TenderColumns {
    const orders = this.orders.keys();
    return tenderColumnsFromData({
      count: this.amounts.length,
      channels: this.channels,
      channel: Uint8Array.from(this.channel),
      amountFen: Float64Array.from(this.amounts),
      stores: this.stores,
      store: Uint32Array.from(this.store),
      orders: { ...orders.parts(), bytes: orders.bytes },
      saleIds: this.sales.data(),
      receiptNos: this.receipts.data(),
    });
  }
}

/** The index of `name` in `names`, added when new (a handful of channels, stores, files). */
export function indexIn<T>(names: T[], known: Map<T, number>, name: T): number {
  let at = known.get(name);
  if (at === undefined) {
    at = names.push(name) - 1;
    known.set(name, at);
  }
  return at;
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
  return mergeChannelParts(tenders, [matchChannelPart(tenders, bills, billedChannels, expectedFee)]);
}

/**
 * Layer 1 for the tenders of some channels only (`mine`; all when omitted) against those
 * channels' bills: a part of `matchChannelColumns` that another thread can do at the same time
 * as this one does the other channels (an order is matched within its channel only, so the parts
 * do not meet). `mergeChannelParts` adds the parts up into what `matchChannelColumns` gives.
 *
 * @example mergeChannelParts(tenders, [matchChannelPart(tenders, [alipay], billed, fee, new Set(['alipay'])), wechatPartFromWorker])
 */
export function matchChannelPart(
  tenders: TenderColumns,
  bills: readonly BillLineColumns[],
  billedChannels: ReadonlySet<string>,
  expectedFee: (channel: string, grossFen: number) => number | undefined = () => undefined,
  mine?: ReadonlySet<string>,
): ChannelPart {
  /** 1 for a tender channel (by index) whose tenders this part judges. */
  const judged = Uint8Array.from(tenders.channels, (name) => (mine === undefined || mine.has(name) ? 1 : 0));
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
      if (channel < 0 || judged[tenders.channel[j] as number] === 0) continue;
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
    if (judged[tenders.channel[j] as number] === 0) continue;
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
  return { matched, pending, exceptions, tally: tally.data() };
}

/** A part of layer 1 (`matchChannelPart`) as plain data, so it can come from another thread. */
export interface ChannelPart {
  matched: number;
  pending: number;
  /** Not yet sorted. */
  exceptions: ReconException[];
  tally: TallyData;
}

/**
 * The parts of layer 1 over the same tenders, each for other channels, as one result: the
 * result `matchChannelColumns` gives for all of them at once.
 */
export function mergeChannelParts(tenders: TenderColumns, parts: readonly ChannelPart[]): MatchResult {
  const exceptions = parts.flatMap((p) => p.exceptions);
  sortExceptions(exceptions);
  return {
    matched: parts.reduce((n, p) => n + p.matched, 0),
    pending: parts.reduce((n, p) => n + p.pending, 0),
    exceptions,
    groups: ColumnTally.groups(tenders, parts.map((p) => p.tally)),
  };
}

/** Matched and pending per store × channel pair (`counts[pair * 2]`, `[pair * 2 + 1]`) and the first tender counted in each (`first[pair]`, -1 for none). */
export interface TallyData {
  counts: Float64Array;
  first: Float64Array;
}

/**
 * Matched and pending tenders per store × channel, counted on the tenders' indexes and given as
 * `Tally` gives them (stores, then each store's channels, in the order of their first tender).
 */
class ColumnTally {
  private readonly width: number;
  private readonly counts: Float64Array;
  private readonly first: Float64Array;

  constructor(private readonly tenders: TenderColumns) {
    this.width = tenders.channels.length;
    this.counts = new Float64Array(tenders.stores.length * this.width * 2);
    this.first = new Float64Array(tenders.stores.length * this.width).fill(-1);
  }

  add(j: number, outcome: 'matched' | 'pending'): void {
    const pair = (this.tenders.store[j] as number) * this.width + (this.tenders.channel[j] as number);
    const at = pair * 2 + (outcome === 'matched' ? 0 : 1);
    if (this.first[pair] === -1) this.first[pair] = j;
    this.counts[at] = (this.counts[at] as number) + 1;
  }

  data(): TallyData {
    return { counts: this.counts, first: this.first };
  }

  /** The groups of several tallies over the same tenders, each pair placed by its first tender in any of them. */
  static groups(tenders: TenderColumns, tallies: readonly TallyData[]): MatchResult['groups'] {
    const width = tenders.channels.length;
    const pairs = tenders.stores.length * width;
    const counts = new Float64Array(pairs * 2);
    const first = new Float64Array(pairs).fill(-1);
    for (const t of tallies) {
      for (let pair = 0; pair < pairs; pair++) {
        const f = t.first[pair] as number;
        if (f === -1) continue;
        if (first[pair] === -1 || f < (first[pair] as number)) first[pair] = f;
        counts[pair * 2] = (counts[pair * 2] as number) + (t.counts[pair * 2] as number);
        counts[pair * 2 + 1] = (counts[pair * 2 + 1] as number) + (t.counts[pair * 2 + 1] as number);
      }
    }
    const seen = Array.from({ length: pairs }, (_x, pair) => pair).filter((pair) => first[pair] !== -1);
    seen.sort((a, b) => (first[a] as number) - (first[b] as number));
    const tally = new Map<string, Map<string, { matched: number; pending: number }>>();
    for (const pair of seen) {
      const store = tenders.stores[Math.floor(pair / width)] ?? '';
      const channel = tenders.channels[pair % width] as string;
      let channels = tally.get(store);
      if (!channels) tally.set(store, (channels = new Map()));
      const group = channels.get(channel) ?? { matched: 0, pending: 0 };
      group.matched += counts[pair * 2] as number;
      group.pending += counts[pair * 2 + 1] as number;
      channels.set(channel, group);
    }
    const out: MatchResult['groups'] = new Map();
    for (const [store, channels] of tally) for (const [channel, group] of channels) out.set(`${store}\u0000${channel}`, group);
    return out;
  }
}
