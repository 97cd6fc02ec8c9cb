// Bill lines held as columns over the file's bytes, for the bulk path (a million lines a day):
// typed arrays instead of an object per line, and order numbers as byte ranges hashed in place
// instead of a string each. The bill parsers read every row through these helpers; a row they
// cannot read on the bytes (anything but the plain ASCII form) goes through the parser's text
// rules, which stay the one place that decides what is wrong with it.
import type { ChannelDay } from './match-settlement';
import type { Channel, ChannelLine } from './types';

export const KIND_PAY = 0;
export const KIND_REFUND = 1;
export const KIND_REVERSE = 2;
/** `ChannelLine['kind']` by its code in `BillColumns.kind`. */
export const KIND_NAMES: ReadonlyArray<ChannelLine['kind']> = ['pay', 'refund', 'reverse'];

/**
 * Order numbers (or any key) by row: a byte range of an ASCII key in `bytes`, or a string for a key
 * with other characters (rare: read through the text rules). Hashes are over the key's UTF-16 code
 * units, which for ASCII are its bytes, so a range and a string of the same key hash alike.
 */
export class KeyColumn {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly hash: Uint32Array;
  /** Keys that are not plain ASCII ranges of `bytes`; null for an empty key. */
  readonly text = new Map<number, string | null>();
  private bucketed: KeyBuckets | undefined;

  constructor(
    readonly bytes: Buffer,
    capacity: number,
    arrays?: { orderStart: Int32Array; orderEnd: Int32Array; orderHash: Uint32Array },
  ) {
    this.start = arrays?.orderStart ?? new Int32Array(capacity);
    this.end = arrays?.orderEnd ?? new Int32Array(capacity);
    this.hash = arrays?.orderHash ?? new Uint32Array(capacity);
  }

  /** The column over `bytes` from its `parts()`, e.g. after crossing to another thread. */
  static restore(bytes: Buffer, parts: Pick<BillColumnsData, 'orderStart' | 'orderEnd' | 'orderHash' | 'orderText' | 'orderBuckets'>): KeyColumn {
    const column = new KeyColumn(bytes, 0, parts);
    for (const [i, key] of parts.orderText) column.text.set(i, key);
    column.bucketed = parts.orderBuckets;
    return column;
  }

  /** The column as plain data (typed arrays and pairs) for `restore`. */
  parts(): Pick<BillColumnsData, 'orderStart' | 'orderEnd' | 'orderHash' | 'orderText'> {
    return { orderStart: this.start, orderEnd: this.end, orderHash: this.hash, orderText: [...this.text] };
  }

  /** Sets row `i` to bytes[s, e); false (nothing set) when a byte is not ASCII. */
  setBytes(i: number, s: number, e: number): boolean {
    const b = this.bytes;
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) {
      const c = b[k] as number;
      if (c >= 0x80) return false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.start[i] = s;
    this.end[i] = e;
    this.hash[i] = h >>> 0;
    return true;
  }

  /** Sets row `i` to the ASCII key bytes[s, e) whose hash the caller computed while reading it (as `setBytes` would). */
  setRange(i: number, s: number, e: number, hash: number): void {
    this.start[i] = s;
    this.end[i] = e;
    this.hash[i] = hash;
  }

  setText(i: number, key: string | null): void {
    this.text.set(i, key === '' ? null : key);
    this.hash[i] = key === null ? 0 : hashText(key);
  }

  /**
   * The keyed rows of the first `count` rows grouped by the top bits of their hashes (see
   * KeyBuckets): a hash join then works one bucket at a time, within cache. The keys stay where
   * they are: the join compares their bytes only once the hashes agree. Made once, when the column
   * is filled, and kept.
   *
   * @example const { first, row } = orders.buckets(count) // rows of bucket b: row[first[b]], …, row[first[b + 1] - 1]
   */
  buckets(count: number): KeyBuckets {
    if (this.bucketed?.rows === count) return this.bucketed;
    const { hash } = this;
    const first = new Int32Array(BUCKETS + 1);
    for (let i = 0; i < count; i++) {
      if (!this.has(i)) continue;
      const b = (hash[i] as number) >>> BUCKET_SHIFT;
      first[b + 1] = (first[b + 1] as number) + 1;
    }
    for (let b = 0; b < BUCKETS; b++) first[b + 1] = (first[b + 1] as number) + (first[b] as number);
    const n = first[BUCKETS] as number;
    const out: KeyBuckets = { rows: count, first, row: new Int32Array(n), hash: new Int32Array(n) };
    const at = first.slice(0, BUCKETS);
    for (let i = 0; i < count; i++) {
      if (!this.has(i)) continue;
      const h = hash[i] as number;
      const b = h >>> BUCKET_SHIFT;
      const e = at[b] as number;
      at[b] = e + 1;
      out.row[e] = i;
      out.hash[e] = h;
    }
    this.bucketed = out;
    return out;
  }

  /** False for a row without a key (an empty order number). */
  has(i: number): boolean {
    const t = this.text.size === 0 ? undefined : this.text.get(i);
    return t === undefined ? (this.end[i] as number) > (this.start[i] as number) : t !== null;
  }

  textAt(i: number): string | null {
    const t = this.text.get(i);
    if (t !== undefined) return t;
    const s = this.start[i] as number;
    const e = this.end[i] as number;
    return e > s ? latin1(this.bytes, s, e) : null;
  }

  /** Whether row `i` here and row `j` of `other` hold the same key. */
  equals(i: number, other: KeyColumn, j: number): boolean {
    return this.hash[i] === other.hash[j] && this.sameKey(i, other, j);
  }

  /** As `equals`, for keys whose hashes are known to be equal. */
  sameKey(i: number, other: KeyColumn, j: number): boolean {
    if (this.text.size === 0 && other.text.size === 0) return sameBytes(this.bytes, this.start[i] as number, this.end[i] as number, other.bytes, other.start[j] as number, other.end[j] as number);
    const a = this.text.get(i);
    const b = other.text.get(j);
    if (a === undefined && b === undefined) return sameBytes(this.bytes, this.start[i] as number, this.end[i] as number, other.bytes, other.start[j] as number, other.end[j] as number);
    return this.textAt(i) === other.textAt(j);
  }
}

const BUCKET_BITS = 8;
/** How many buckets `KeyColumn.buckets` makes: at a million keys ~4,000 a bucket, whose hash table and keys fit in a core's cache. */
export const BUCKETS = 1 << BUCKET_BITS;
const BUCKET_SHIFT = 32 - BUCKET_BITS;

/**
 * A key column's keyed rows by bucket (the top bits of the hash), each bucket's entries in row
 * order and contiguous in every array: entry e is row `row[e]` with hash `hash[e]` (as Int32).
 */
export interface KeyBuckets {
  /** The rows it was made of (`count`). */
  rows: number;
  /** Entries of bucket b are [first[b], first[b + 1]). */
  first: Int32Array;
  row: Int32Array;
  hash: Int32Array;
}

/** Whether bytes a[as, ae) and b[bs, be) are the same. */
export function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/** FNV-1a over UTF-16 code units (the bytes of an ASCII key). */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** The bytes as a string, one character per byte (for ranges known to be ASCII). */
export function latin1(bytes: Buffer, s: number, e: number): string {
  return bytes.toString('latin1', s, e);
}

/** Text values by row: row i is bytes[start[i], end[i]) in UTF-8, none when end[i] < start[i]. */
export interface TextColumnData {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
}

/** Strings appended into one growing block of UTF-8 bytes, each kept as a range (null as no range). */
export class TextBlock {
  bytes = Buffer.allocUnsafe(1 << 16);
  private size = 0;
  readonly start: number[] = [];
  readonly end: number[] = [];

  push(text: string | null): void {
    if (text === null) {
      this.start.push(-1);
      this.end.push(-1);
      return;
    }
    if (this.size + text.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.size + text.length * 3));
      this.bytes.copy(grown, 0, 0, this.size);
      this.bytes = grown;
    }
    this.start.push(this.size);
    this.size += this.bytes.write(text, this.size, 'utf8');
    this.end.push(this.size);
  }

  /** The rows as data another thread can take (`end[i] < start[i]`: none). */
  data(): TextColumnData {
    return { bytes: this.bytes, start: Int32Array.from(this.start), end: Int32Array.from(this.end) };
  }

  at(i: number): string | null {
    const e = this.end[i] as number;
    return e < 0 ? null : this.bytes.toString('utf8', this.start[i] as number, e);
  }

  /** Rows `rows` (all when omitted) as keys: an ASCII key stays a byte range, another becomes a string; null or '' is no key. */
  keys(rows?: ArrayLike<number>): KeyColumn {
    const count = rows ? rows.length : this.start.length;
    const column = new KeyColumn(this.bytes, count);
    for (let k = 0; k < count; k++) {
      const i = rows ? (rows[k] as number) : k;
      const s = this.start[i] as number;
      const e = this.end[i] as number;
      if (e <= s) column.setBytes(k, 0, 0);
      else if (!column.setBytes(k, s, e)) column.setText(k, this.bytes.toString('utf8', s, e));
    }
    return column;
  }
}

/** A channel's bill for the day as columns: what layer 1 and 2 need, and each line on demand. */
export interface BillColumns {
  channel: string;
  count: number;
  /** KIND_PAY | KIND_REFUND | KIND_REVERSE. */
  kind: Uint8Array;
  /** As ChannelLine.grossFen / feeFen / line. */
  grossFen: Float64Array;
  feeFen: Float64Array;
  line: Int32Array;
  /** Merchant order numbers (商户订单号). */
  orders: KeyColumn;
  /** Line `i` as the object the parser's public function returns. */
  lineAt(i: number): ChannelLine;
  /** Everything the columns are made of, as data another thread can take (see bill-worker.ts). */
  data: BillColumnsData;
}

/** A bill's columns as plain data: typed arrays (moved between threads, not copied), the file's bytes and the few lines read as text. */
export interface BillColumnsData {
  channel: Channel;
  count: number;
  kind: Uint8Array;
  grossFen: Float64Array;
  feeFen: Float64Array;
  line: Int32Array;
  /** The file's bytes (decompressed) and each row's range in them. */
  body: Uint8Array;
  rowStart: Int32Array;
  rowEnd: Int32Array;
  /** Values per row and where the line builder (`billColumns`) finds its values among them. */
  width: number;
  fields: BillFields;
  /** Lines read by the text rules, by row. */
  slow: Array<[number, ChannelLine]>;
  orderStart: Int32Array;
  orderEnd: Int32Array;
  orderHash: Uint32Array;
  orderText: Array<[number, string | null]>;
  /** The order numbers by bucket, when made before the columns crossed threads (`KeyColumn.buckets`). */
  orderBuckets?: KeyBuckets;
}

/**
 * Where a row's values for its ChannelLine are (indexes into the split values); a value the
 * channel's bill does not have is left out and reads as empty.
 */
export interface BillFields {
  txn: number;
  /** The row's time ("YYYY-MM-DD HH:mm:ss", Beijing); `finished` instead when the row has one (Alipay's 完成时间). */
  time: number;
  finished?: number;
  refundNo: number;
  fee: number;
  store?: number;
  terminal?: number;
}

/**
 * Splits row bytes[s, e) into its values (fs/fe, trimmed); false when the row is not the plain
 * form the channel's reader takes on the bytes. The part of a row's reading that differs by channel.
 */
export type RowSplitter = (b: Uint8Array, s: number, e: number, fs: Int32Array, fe: Int32Array) => boolean;

/**
 * Splits bytes[s, e) at each comma — at each ",\`" when `ticks` (WeChat's separator; the backtick
 * is dropped) — into exactly fs.length values, each trimmed of ASCII spaces (only the values
 * `trimmed` lists, when given: a reader trims what it reads). False when the count differs, or
 * without `ticks` at a quote (RFC 4180 quoting is for the text rules).
 */
export function splitValues(b: Uint8Array, s: number, e: number, fs: Int32Array, fe: Int32Array, ticks: boolean, trimmed?: Int32Array): boolean {
  const last = fs.length - 1;
  let k = 0;
  let cs = s;
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c === 0x2c) {
      if (ticks && (i + 1 >= e || b[i + 1] !== 0x60)) continue;
      if (k >= last) return false;
      fs[k] = cs;
      fe[k++] = i;
      cs = ticks ? ++i + 1 : i + 1;
    } else if (c === 0x22 && !ticks) return false;
  }
  if (k !== last) return false;
  fs[k] = cs;
  fe[k] = e;
  if (trimmed) for (let t = 0; t < trimmed.length; t++) trimField(b, fs, fe, trimmed[t] as number);
  else for (let t = 0; t < fs.length; t++) trimField(b, fs, fe, t);
  return true;
}

/**
 * The columns of a bill from their data (as a bill reader made it, here or in another thread):
 * each line on demand, from its row's bytes as `split` cuts them or as the text rules read it.
 *
 * @example billColumns(data, splitWechatRow).lineAt(0) // { channel: 'wechat', kind: 'pay', grossFen: 1, … }
 */
export function billColumns(data: BillColumnsData, split: RowSplitter): BillColumns {
  const body = asBuffer(data.body);
  const orders = KeyColumn.restore(body, data);
  const slow = new Map(data.slow);
  const { channel, kind, grossFen, feeFen, line, rowStart, rowEnd, fields } = data;
  const fs = new Int32Array(data.width);
  const fe = new Int32Array(data.width);
  const text = (c: number | undefined): string => (c === undefined ? '' : latin1(body, fs[c] as number, fe[c] as number));
  const lineAt = (i: number): ChannelLine => {
    const held = slow.get(i);
    if (held) return held;
    split(body, rowStart[i] as number, rowEnd[i] as number, fs, fe);
    const k = KIND_NAMES[kind[i] as number] as ChannelLine['kind'];
    const time = text(fields.finished) || text(fields.time);
    return {
      channel,
      channelTxnId: text(fields.txn),
      merchantOrderNo: orders.textAt(i),
      refundNo: k === 'refund' ? text(fields.refundNo) || null : null,
      kind: k,
      grossFen: grossFen[i] as number,
      feeFen: feeFen[i] as number,
      feeExact: text(fields.fee),
      netFen: (grossFen[i] as number) + (feeFen[i] as number),
      time: `${time.slice(0, 10)}T${time.slice(11)}+08:00`,
      store: text(fields.store) || null,
      terminal: text(fields.terminal) || null,
      line: line[i] as number,
    };
  };
  return { channel, count: data.count, kind, grossFen, feeFen, line, orders, lineAt, data };
}

/**
 * A bill's columns while its reader fills them: each row either read on the bytes (the reader
 * sets kind, amounts and order) or, through `setLine`, as the text rules read it.
 */
export class BillRows {
  readonly kind: Uint8Array;
  readonly grossFen: Float64Array;
  readonly feeFen: Float64Array;
  readonly line: Int32Array;
  readonly orders: KeyColumn;
  readonly slow = new Map<number, ChannelLine>();

  constructor(
    readonly bytes: Buffer,
    capacity: number,
  ) {
    this.kind = new Uint8Array(capacity);
    this.grossFen = new Float64Array(capacity);
    this.feeFen = new Float64Array(capacity);
    this.line = new Int32Array(capacity);
    this.orders = new KeyColumn(bytes, capacity);
  }

  /** Row `i` as the text rules read it. */
  setLine(i: number, l: ChannelLine): void {
    this.slow.set(i, l);
    this.kind[i] = KIND_NAMES.indexOf(l.kind);
    this.grossFen[i] = l.grossFen;
    this.feeFen[i] = l.feeFen;
    this.orders.setText(i, l.merchantOrderNo);
  }

  /** The first `count` rows as columns, each row at bytes[rowStart[i], rowEnd[i]) cut by `split`. */
  columns(channel: Channel, count: number, rows: { rowStart: Int32Array; rowEnd: Int32Array; width: number; fields: BillFields }, split: RowSplitter): BillColumns {
    const { kind, grossFen, feeFen, line, orders, slow } = this;
    return billColumns({ channel, count, kind, grossFen, feeFen, line, body: this.bytes, ...rows, slow: [...slow], ...orders.parts() }, split);
  }
}

/** A Buffer over the same memory as `bytes` (a Buffer that crossed threads arrives as a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * What a day's bill adds up to, as `summariseBillLines` gives it for the same lines (settlements
 * state fees and refunds as paid out).
 *
 * @example summariseBillColumns(wechatColumns) // { channel: 'wechat', count: 500000, grossFen: …, feeFen: …, refundFen: 0, netFen: … }
 */
export function summariseBillColumns(bill: Pick<BillColumns, 'channel' | 'count' | 'kind' | 'grossFen' | 'feeFen'>): ChannelDay {
  let count = 0;
  let grossFen = 0;
  let feeFen = 0;
  let refundFen = 0;
  for (let i = 0; i < bill.count; i++) {
    const kind = bill.kind[i];
    if (kind === KIND_PAY) grossFen += bill.grossFen[i] as number;
    else if (kind === KIND_REFUND) refundFen -= bill.grossFen[i] as number;
    if (kind !== KIND_REVERSE) count += 1;
    feeFen -= bill.feeFen[i] as number;
  }
  return { channel: bill.channel, count, grossFen, feeFen, refundFen, netFen: grossFen - feeFen - refundFen };
}

/** String.prototype.trim's ASCII whitespace: TAB, LF, VT, FF, CR, space. */
export function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Trims field k, bytes[fs[k], fe[k]), of ASCII spaces, as String.prototype.trim would. */
function trimField(b: Uint8Array, fs: Int32Array, fe: Int32Array, k: number): void {
  let from = fs[k] as number;
  let to = fe[k] as number;
  while (from < to && isAsciiSpace(b[from] as number)) from++;
  while (to > from && isAsciiSpace(b[to - 1] as number)) to--;
  fs[k] = from;
  fe[k] = to;
}

/**
 * Fen of a yuan amount in bytes[s, e) ("12.34", "-0.05", "7"), as `yuanToFen` reads the same
 * text; NaN when it is not that plain form (or too long for integers), for the text rules to judge.
 */
export function yuanFenAt(b: Uint8Array, s: number, e: number): number {
  return decimalUnitsAt(b, s, e, 2);
}

/**
 * A decimal in bytes[s, e) ("-0.00600") in units of 10^-scale, as `decimalUnits` gives for the
 * same text; NaN unless it has 1–`scale` decimals or none and fits integer arithmetic.
 */
export function decimalUnitsAt(b: Uint8Array, s: number, e: number, scale: number): number {
  let i = s;
  const negative = i < e && b[i] === 0x2d;
  if (negative) i++;
  const w0 = i;
  let whole = 0;
  for (let c = b[i] as number; i < e && c >= 0x30 && c <= 0x39; c = b[++i] as number) whole = whole * 10 + c - 0x30;
  if (i === w0 || i - w0 + scale > 15) return Number.NaN;
  let units = whole;
  let digits = 0;
  if (i < e) {
    if (b[i] !== 0x2e) return Number.NaN;
    const f0 = ++i;
    for (let c = b[i] as number; i < e && c >= 0x30 && c <= 0x39; c = b[++i] as number) units = units * 10 + c - 0x30;
    digits = i - f0;
    if (i !== e || digits === 0 || digits > scale) return Number.NaN;
  }
  units *= POW10[scale - digits] as number;
  return negative ? 0 - units : units;
}

/** The number in bytes[at, at + 2) when both are digits, else -1. */
function twoDigits(b: Uint8Array, at: number): number {
  const hi = (b[at] as number) - 0x30;
  const lo = (b[at + 1] as number) - 0x30;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether bytes[s, s + 19) is a real "YYYY-MM-DD HH:mm:ss" (the proleptic Gregorian calendar
 * Date.parse uses, hours 00–23). False for anything else, which the text rules then judge.
 */
export function isWallTimeAt(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 19 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x20 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return false;
  const century = twoDigits(b, s);
  const yy = twoDigits(b, s + 2);
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  const hour = twoDigits(b, s + 11);
  const minute = twoDigits(b, s + 14);
  const second = twoDigits(b, s + 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

/** Whether bytes[s, e) are exactly `word`'s bytes. */
export function bytesAre(b: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[s + k] !== word[k]) return false;
  return true;
}

/** Whether bytes[s, e) are all ASCII. */
export function isAsciiAt(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if ((b[k] as number) >= 0x80) return false;
  return true;
}
