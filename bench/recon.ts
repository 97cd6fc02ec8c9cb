// Reconciliation bench (DESIGN §10: 1,000,000 tenders against 1,000,000 channel lines plus
// settlements and bank lines, from files, < 15 s and < 1.5 GB, not slower than a DuckDB SQL join
// of the same files). For 100,000 and 1,000,000 tenders it writes a WeChat ALL trade bill and an
// Alipay 业务明细 zip (GBK) with the real formatters, both channels' settlement files, an MT940
// statement and the POS tenders as CSV, then times in a fresh child process each (so peak RSS is
// the work's own): Tillpoint parsing every file (the bills through their columnar readers, with
// every check of the object parsers; with big bills the WeChat bill read and its channel matched
// on a bill thread, started in the clock or before it) and matching all three layers with the
// pure matchers (layer 1 on columns, per channel); DuckDB reading the bill CSVs and the POS CSV
// and joining them on the merchant order number with the amount compared (given the Alipay CSV,
// and unpacking it from the zip in its clock); and the database path (import into SQLite — and
// into PostgreSQL when TILLPOINT_BENCH_PG=postgres://… names a server — then runReconciliation).
// `npx tillpoint bench recon --json`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { formatWechatBill, readWechatBillColumns, type WechatBillRecord } from '../src/reconciliation/wechat-bill';
import { detailFromZip, formatAlipayBill, readAlipayBillColumns, zipAlipayBill, type AlipayBillRow } from '../src/reconciliation/alipay-bill';
import { formatSettlementFile, parseSettlementFile, type SettlementBatch } from '../src/reconciliation/settlement-file';
import { formatMt940 } from '../src/reconciliation/bank-mt940';
import { parseBankStatement } from '../src/reconciliation/bank-statement';
import type { PosTender } from '../src/reconciliation/match';
import { matchChannelColumns, matchChannelPart, mergeChannelParts, tenderColumnsFromData, type TenderColumns } from '../src/reconciliation/match-columns';
import { BillThread, type BillRead } from '../src/reconciliation/bill-thread';
import { KeyColumn, latin1, summariseBillColumns } from '../src/reconciliation/bill-columns';
import { addDays, matchBankCredits, matchSettlements } from '../src/reconciliation/match-settlement';
import { feeAtRate, ownCopy } from '../src/reconciliation/amounts';
import { applyRate } from '../src/platform/money';
import type { BankLine } from '../src/reconciliation/types';
import { machine, onBenchPostgres } from './harness';
import { migrate, openDatabase, type DbHandle } from '../src/platform/db/index';
import { sql } from 'kysely';
import { manualClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { importStatementFile, type ImportSource } from '../src/reconciliation/import';
import { runReconciliation } from '../src/reconciliation/run';

const SIZES = [100_000, 1_000_000];
const DATE = '2026-11-29';
const SETTLE_DATE = addDays(DATE, 1);
const MCH_ID = '10000100';
const ALIPAY_ACCOUNT = '20885212319120680156';
/** Other movements on the bank statement (payroll, rent, card batches…) the matcher must pass over. */
const OTHER_BANK_LINES = 5_000;
const RATE = '0.006';
const FILES = { wechat: 'wechat-tradebill.csv', alipayZip: 'alipay.zip', alipayCsv: 'alipay-detail.csv', wxSettlement: 'wechat-settlement.csv', apSettlement: 'alipay-settlement.csv', mt940: 'statement.mt940', pos: 'pos-tenders.csv' } as const;
const CHILD_FLAG = '--recon-bench-child';
/** Above this (both bills) the WeChat bill is read on the bill thread: below it, starting the thread costs more than it saves. */
const WORKER_MIN_BYTES = 16 * 1024 * 1024;

/** Deterministic pseudo-random numbers, so every run writes the same files. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** What the generator put in, so both engines' answers can be checked against it. */
interface Planted {
  tenders: number;
  channelLines: number;
  /** i % 1000 === 1: the bill lacks the line. */
  posOnly: number;
  /** i % 1000 === 2: the bill says a fen more. */
  amountMismatch: number;
  /** One line per 1,000 paid at the channel with no sale. */
  channelOnly: number;
}

function wallTime(second: number): string {
  const s = second % 86_400;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DATE} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** WeChat's 5-decimal fee at 0.6 %: totalFen × 6 hundred-thousandths of a yuan, exactly. */
function wechatFee(totalFen: number): string {
  const units = totalFen * 6;
  return `${Math.floor(units / 100_000)}.${String(units % 100_000).padStart(5, '0')}`;
}

/** Writes the files for `n` tenders into `dir`. */
export function generate(dir: string, n: number): { planted: Planted; bytes: Record<string, number>; ms: number } {
  const t0 = performance.now();
  const random = lcg(n);
  const wechat: WechatBillRecord[] = [];
  const alipay: AlipayBillRow[] = [];
  const pos: string[] = ['channel,merchant_order_no,amount_fen,sale_id,receipt_no,store'];
  const planted: Planted = { tenders: n, channelLines: 0, posOnly: 0, amountMismatch: 0, channelOnly: 0 };
  const days = { wechat: { count: 0, grossFen: 0, feeFen: 0 }, alipay: { count: 0, grossFen: 0, feeFen: 0 } };
  const bill = (channel: 'wechat' | 'alipay', orderNo: string, amountFen: number, second: number, seq: number) => {
    const time = wallTime(second);
    const feeFen = applyRate(amountFen, RATE);
    days[channel].count += 1;
    days[channel].grossFen += amountFen;
    days[channel].feeFen += feeFen;
    planted.channelLines += 1;
    if (channel === 'wechat') {
      wechat.push({ time, appId: 'wxd930ea5d5a258f4f', mchId: MCH_ID, deviceInfo: null, transactionId: `4200${String(seq).padStart(24, '0')}`, outTradeNo: orderNo, openId: 'oSandboxOpenId0000000000000', state: 'SUCCESS', totalFen: amountFen, body: 'Tillpoint 消费', feeExact: wechatFee(amountFen), rate: '0.60%' });
    } else {
      alipay.push({ tradeNo: `2026${String(seq).padStart(24, '0')}`, outTradeNo: orderNo, kind: '交易', subject: 'Tillpoint 消费', createdAt: time, finishedAt: time, storeId: 'S001', storeName: '演示店', operator: 'cashier', terminalId: 'T01', buyer: '*顾(138****0000)', orderFen: amountFen, receivedFen: amountFen, refundRequestNo: '', serviceFeeExact: `-${(feeFen / 100).toFixed(2)}` });
    }
  };
  for (let i = 0; i < n; i++) {
    const channel = i % 2 === 0 ? 'wechat' : 'alipay';
    const orderNo = `S${DATE.replace(/-/g, '')}${String(i).padStart(9, '0')}`;
    const amountFen = 100 + Math.floor(random() * 30_000);
    const second = Math.floor((i / n) * 86_400);
    pos.push(`${channel},${orderNo},${amountFen},sale-${i},R${String(i).padStart(9, '0')},S${String((i % 50) + 1).padStart(3, '0')}`);
    const fault = i % 1000;
    if (fault === 1) planted.posOnly += 1;
    else if (fault === 2) {
      planted.amountMismatch += 1;
      bill(channel, orderNo, amountFen + 1, second, i);
    } else bill(channel, orderNo, amountFen, second, i);
    if (fault === 3) {
      planted.channelOnly += 1;
      bill(channel, `X${orderNo.slice(1)}`, amountFen, second, n + i);
    }
  }
  const write = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, name), data);
  write(FILES.wechat, formatWechatBill({ lines: wechat }));
  const compact = DATE.replace(/-/g, '');
  const csv = formatAlipayBill({ account: ALIPAY_ACCOUNT, from: `${DATE} 00:00:00`, to: `${DATE} 23:59:59`, exportedAt: `${SETTLE_DATE} 06:00:00`, lines: alipay });
  write(FILES.alipayCsv, csv);
  write(FILES.alipayZip, zipAlipayBill(csv, `${ALIPAY_ACCOUNT}_${compact}`));
  write(FILES.pos, `${pos.join('\n')}\n`);
  const batches: SettlementBatch[] = (['wechat', 'alipay'] as const).map((channel) => {
    const d = days[channel];
    return { channel, merchantId: channel === 'wechat' ? MCH_ID : ALIPAY_ACCOUNT, businessDate: DATE, settleDate: SETTLE_DATE, batchId: `${channel === 'wechat' ? 'WX' : 'AP'}${compact}`, count: d.count, grossFen: d.grossFen, feeFen: d.feeFen, refundFen: 0, netFen: d.grossFen - d.feeFen, line: 3 };
  });
  write(FILES.wxSettlement, formatSettlementFile([batches[0] as SettlementBatch]));
  write(FILES.apSettlement, formatSettlementFile([batches[1] as SettlementBatch]));
  const payer = { wechat: ['财付通支付科技有限公司', '微信支付结算'], alipay: ['支付宝（中国）网络技术有限公司', '支付宝结算'] } as const;
  const lines: BankLine[] = batches.map((b) => ({ valueDate: SETTLE_DATE, bookingDate: SETTLE_DATE, amountFen: b.netFen, currency: 'CNY', counterparty: payer[b.channel as 'wechat' | 'alipay'][0], reference: b.batchId, description: `${payer[b.channel as 'wechat' | 'alipay'][1]} ${b.batchId}`, line: 0 }));
  for (let i = 0; i < OTHER_BANK_LINES; i++) {
    const amountFen = (i % 3 === 0 ? -1 : 1) * (1_000 + Math.floor(random() * 5_000_000));
    lines.push({ valueDate: SETTLE_DATE, bookingDate: SETTLE_DATE, amountFen, currency: 'CNY', counterparty: `供应商${i % 200}`, reference: `REF${i}`, description: amountFen < 0 ? '货款' : '往来款', line: 0 });
  }
  const opening = 1_000_000_000;
  write(FILES.mt940, formatMt940([{ account: '0200001234567890123', currency: 'CNY', openingFen: opening, closingFen: lines.reduce((s, l) => s + l.amountFen, opening), fromDate: SETTLE_DATE, toDate: SETTLE_DATE, lines }], `STMT${SETTLE_DATE.replace(/-/g, '')}`));
  const bytes = Object.fromEntries(Object.values(FILES).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
  return { planted, bytes, ms: Math.round(performance.now() - t0) };
}

/** The POS side as the bench writes it (the database holds it in the real run). */
function parsePosCsv(text: string): PosTender[] {
  const out: PosTender[] = [];
  // A channel or store code repeats on every row: kept once, not a million times.
  const names = new Map<string, string>();
  const intern = (name: string) => names.get(name) ?? (names.set(name, name), name);
  let at = text.indexOf('\n') + 1;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const [channel = '', merchantOrderNo = '', amount = '', saleId = '', receiptNo = '', storeId = ''] = text.slice(at, end < 0 ? text.length : end).split(',');
    // Own copies, as rows read from the database would be: not views into the whole file's text.
    out.push({ channel: intern(channel), merchantOrderNo: ownCopy(merchantOrderNo), amountFen: Number(amount), saleId, receiptNo, storeId: intern(storeId) });
    at = end < 0 ? text.length : end + 1;
  }
  return out;
}

/**
 * The POS side as columns, read on the bytes as the bill parsers read theirs: a byte range per
 * order number, sale id and receipt number, the amount as a number, channel and store as an
 * index; a tender becomes an object only when it is an exception. The columns live on
 * SharedArrayBuffers, so posting them to the bill thread copies nothing (43 ms of this thread's
 * time at 1 M when they were copied).
 */
export function readPosColumns(bytes: Buffer): TenderColumns {
  let rows = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < bytes.length - 1; at = bytes.indexOf(0x0a, at + 1)) rows += 1;
  const channel = new Uint8Array(rows);
  const store = new Uint32Array(rows);
  const amountFen = new Float64Array(rows);
  const orders = new KeyColumn(bytes, rows);
  const saleIds = { bytes, start: new Int32Array(rows), end: new Int32Array(rows) };
  const receiptNos = { bytes, start: new Int32Array(rows), end: new Int32Array(rows) };
  const channels: string[] = [];
  const stores: Array<string | undefined> = [];
  // Channel and store names repeat on every row: a short name is its bytes packed into a number
  // (exact), found again in a small table of such numbers without making a string.
  const SLOTS = 4096;
  const slotKey = new Float64Array(SLOTS).fill(-1);
  const slotAt = new Int32Array(SLOTS);
  const index = (list: Array<string | undefined>, from: number, to: number, code: number, small: number): number => {
    const key = to - from <= 6 ? code * 2 + (list === channels ? 0 : 1) : -1;
    let slot = key >= 0 ? small & (SLOTS - 1) : -1;
    if (slot >= 0) {
      while (slotKey[slot] !== -1 && slotKey[slot] !== key) slot = (slot + 1) & (SLOTS - 1);
      if (slotKey[slot] === key) return slotAt[slot] as number;
    }
    const name = latin1(bytes, from, to);
    const seen = list.indexOf(name);
    const at = seen >= 0 ? seen : list.push(name) - 1;
    if (slot >= 0 && list.length < SLOTS / 4) {
      slotKey[slot] = key;
      slotAt[slot] = at;
    }
    return at;
  };
  let at = bytes.indexOf(0x0a) + 1;
  for (let i = 0; i < rows; i++) {
    // channel,merchant_order_no,amount_fen,sale_id,receipt_no,store — one pass over the row.
    let k = at;
    let code = 0;
    let small = 0;
    for (let c = bytes[k] as number; c !== 0x2c; c = bytes[++k] as number) {
      code = code * 256 + c;
      small = (small * 31 + c) | 0;
    }
    channel[i] = index(channels, at, k, code, small);
    const o = ++k;
    let h = 0x811c9dc5;
    let ascii = true;
    for (let c = bytes[k] as number; c !== 0x2c; c = bytes[++k] as number) {
      if (c >= 0x80) ascii = false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (ascii) orders.setRange(i, o, k, h >>> 0);
    else orders.setText(i, bytes.toString('utf8', o, k));
    let fen = 0;
    for (let c = bytes[++k] as number; c !== 0x2c; c = bytes[++k] as number) fen = fen * 10 + c - 0x30;
    amountFen[i] = fen;
    saleIds.start[i] = ++k;
    k = bytes.indexOf(0x2c, k);
    saleIds.end[i] = k;
    receiptNos.start[i] = ++k;
    k = bytes.indexOf(0x2c, k);
    receiptNos.end[i] = k;
    const s = ++k;
    code = 0;
    small = 1;
    for (let c = bytes[k] as number; c !== 0x0a && k < bytes.length; c = bytes[++k] as number) {
      code = code * 256 + c;
      small = (small * 31 + c) | 0;
    }
    store[i] = index(stores, s, k, code, small);
    at = k + 1;
  }
  // Read and written here in plain memory (V8 reads and writes a SharedArrayBuffer's arrays more
  // slowly: ~1.6× for this loop), then put on shared memory once, so that posting the tenders to
  // the bill thread copies nothing.
  const sharedBytes = Buffer.from(new SharedArrayBuffer(bytes.length));
  bytes.copy(sharedBytes);
  const { orderStart, orderEnd, orderHash, orderText } = orders.parts();
  const text = (column: { start: Int32Array; end: Int32Array }) => ({ bytes: sharedBytes, start: onSharedMemory(column.start), end: onSharedMemory(column.end) });
  return tenderColumnsFromData({
    count: rows,
    channels,
    channel: onSharedMemory(channel),
    orders: { orderStart: onSharedMemory(orderStart), orderEnd: onSharedMemory(orderEnd), orderHash: onSharedMemory(orderHash), orderText, bytes: sharedBytes },
    amountFen: onSharedMemory(amountFen),
    stores,
    store: onSharedMemory(store),
    saleIds: text(saleIds),
    receiptNos: text(receiptNos),
  });
}

/** A copy of a typed array on a SharedArrayBuffer. */
function onSharedMemory<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(array: T): T {
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

interface Outcome {
  engine: string;
  totalMs: number;
  phases: Record<string, number>;
  matched: number;
  posOnly: number;
  amountMismatch: number;
  channelOnly: number;
  peakRssMb: number;
  /** User + system CPU time of the child process in the timed part (all threads: DuckDB's, the bill thread): steadier than wall time on a loaded machine. */
  cpuMs?: number;
  /** Extra figures of an engine (layers 2 and 3 for Tillpoint). */
  extra?: Record<string, number | string>;
}

/**
 * Tillpoint from files: every parser and the three pure matching layers. With big bills, the
 * WeChat bill is read and matched (layer 1 of its channel) on the bill thread while this thread
 * reads the POS tenders and the Alipay zip and matches Alipay; the parts are then added up. (The
 * other way round, this thread had the longer part: the 128 MB WeChat bill takes longer to read
 * from disk and parse than the 9 MB zip to unpack and parse.) `warm`: the thread was started and had loaded its
 * modules before the clock, as in a server that has reconciled before (DuckDB's module is loaded
 * before its clock too); cold, its start (~75 ms, from its bundle) is timed.
 */
async function runTillpoint(dir: string, warm = false): Promise<Outcome> {
  const file = (f: string) => path.join(dir, f);
  const big = fs.statSync(file(FILES.wechat)).size + fs.statSync(file(FILES.alipayZip)).size > WORKER_MIN_BYTES;
  let thread: BillThread | undefined;
  if (warm && big) {
    thread = new BillThread();
    await thread.ready;
  }
  const phases: Record<string, number> = {};
  let last = performance.now();
  const start = last;
  const cpuAtStart = process.cpuUsage();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - last);
    last = now;
  };
  if (big) thread ??= new BillThread();
  // With a thread: the WeChat bill is read and matched there, the Alipay zip here.
  const wechatRead = thread?.read('wechat', file(FILES.wechat));
  const tenders = readPosColumns(fs.readFileSync(file(FILES.pos)));
  lap('parsePosTenders');
  const billed = new Set(['wechat', 'alipay']);
  const rates = { wechat: RATE, alipay: RATE };
  const contractFee = feeAtRate(RATE);
  const fee = (_channel: string, grossFen: number) => contractFee(grossFen);
  const wechatPart = thread?.match(tenders.data, ['wechat'], billed, rates);
  lap('postTenders');
  const wechatHere = thread ? undefined : readWechatBillColumns(fs.readFileSync(file(FILES.wechat))).columns;
  const alipay = readAlipayBillColumns(fs.readFileSync(file(FILES.alipayZip))).columns;
  lap('parseBillsHere');
  const here = matchChannelPart(tenders, wechatHere ? [wechatHere, alipay] : [alipay], billed, fee, new Set(tenders.channels.filter((c) => wechatHere || c !== 'wechat')));
  lap('matchSalesToChannelHere');
  const settlements = [...parseSettlementFile(fs.readFileSync(file(FILES.wxSettlement))), ...parseSettlementFile(fs.readFileSync(file(FILES.apSettlement)))];
  const statements = parseBankStatement(fs.readFileSync(file(FILES.mt940)), 'mt940');
  lap('parseSettlementsAndMt940');
  const wechatDay = wechatHere ? summariseBillColumns(wechatHere) : (await (wechatRead as Promise<BillRead>)).day;
  const sales = mergeChannelParts(tenders, wechatPart ? [here, await wechatPart] : [here]);
  lap('waitBillThread');
  const rows = settlements.map(({ merchantId: _m, line: _l, ...row }) => row);
  const settlement = matchSettlements(new Map([wechatDay, summariseBillColumns(alipay)].map((day) => [day.channel, day])), rows, { date: DATE, today: SETTLE_DATE });
  const credits = statements.flatMap((s) => s.lines).filter((l) => l.amountFen > 0);
  const bank = matchBankCredits(rows, credits, { date: DATE, today: SETTLE_DATE });
  lap('matchSettlementAndBank');
  const totalMs = Math.round(performance.now() - start);
  const cpu = process.cpuUsage(cpuAtStart);
  const peakMb = peakRssMb();
  // After the clock: layer 1 for all channels on this thread alone, for how its cost grows with lines.
  const [wechatBack] = thread ? await thread.columns() : [];
  await thread?.close();
  const bills = [wechatBack?.columns ?? wechatHere, alipay].filter((b) => b !== undefined);
  const alone = performance.now();
  const whole = matchChannelColumns(tenders, bills, billed, fee);
  const matchAloneMs = Math.round(performance.now() - alone);
  if (whole.matched !== sales.matched || whole.exceptions.length !== sales.exceptions.length) throw new Error('Layer 1 in two parts and in one disagree.');
  const count = (code: string) => sales.exceptions.filter((e) => e.code === code).length;
  return {
    engine: warm ? 'tillpoint-warm' : 'tillpoint',
    totalMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    phases,
    matched: sales.matched,
    posOnly: count('POS_ONLY'),
    amountMismatch: count('AMOUNT_MISMATCH'),
    channelOnly: count('CHANNEL_ONLY'),
    peakRssMb: peakMb,
    extra: { matchAloneMs, otherExceptions: sales.exceptions.length - count('POS_ONLY') - count('AMOUNT_MISMATCH') - count('CHANNEL_ONLY'), settlementsMatched: settlement.matched, settlementExceptions: settlement.exceptions.length, bankMatched: bank.matched, bankLinesRead: statements.reduce((s, st) => s + st.lines.length, 0) },
  };
}

/**
 * DuckDB over the same files: the WeChat bill (backticks stripped, summary rows dropped by
 * their width) and the Alipay detail CSV (latin-1 because DuckDB has no GBK, and only ASCII
 * columns are used) joined to the POS tenders on channel and merchant order number, amounts
 * compared, counted per outcome. DuckDB reads no zip: by default it is given the zip's CSV
 * unpacked before the clock starts; `fromZip`, the clock also covers unpacking it (zlib, as
 * Tillpoint's reader does) and writing it to a file DuckDB can read.
 */
async function runDuckdb(dir: string, fromZip = false): Promise<Outcome> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const alipayCsv = fromZip ? 'alipay-detail-unzipped.csv' : FILES.alipayCsv;
  const file = (f: string) => path.join(dir, f).replace(/'/g, "''");
  const start = performance.now();
  const cpuAtStart = process.cpuUsage();
  if (fromZip) fs.writeFileSync(path.join(dir, alipayCsv), detailFromZip(fs.readFileSync(path.join(dir, FILES.alipayZip))));
  const instance = await DuckDBInstance.create(':memory:', { threads: String(os.cpus().length) });
  const conn = await instance.connect();
  const query = `
    with wechat as (
      select 'wechat' as channel, substr(column06, 2) as order_no, cast(substr(column12, 2) as decimal(18, 2)) as amount
      from read_csv('${file(FILES.wechat)}', header = false, skip = 1, all_varchar = true, delim = ',', quote = '', escape = '', null_padding = true, strict_mode = false, auto_detect = false,
        columns = {${Array.from({ length: 27 }, (_x, i) => `'column${String(i).padStart(2, '0')}': 'VARCHAR'`).join(', ')}})
      where column00 like '\`2%' and column26 is not null
    ),
    alipay as (
      select 'alipay' as channel, trim(column01, chr(9) || ' ') as order_no, cast(trim(column12, chr(9) || ' ') as decimal(18, 2)) as amount
      from read_csv('${file(alipayCsv)}', header = false, skip = 5, all_varchar = true, delim = ',', quote = '"', encoding = 'latin-1', null_padding = true, strict_mode = false, auto_detect = false,
        columns = {${Array.from({ length: 25 }, (_x, i) => `'column${String(i).padStart(2, '0')}': 'VARCHAR'`).join(', ')}})
      where column00 not like '#%'
    ),
    bill as (select * from wechat union all select * from alipay),
    pos as (
      select channel, merchant_order_no as order_no, amount_fen
      from read_csv('${file(FILES.pos)}', header = true, columns = {'channel': 'VARCHAR', 'merchant_order_no': 'VARCHAR', 'amount_fen': 'BIGINT', 'sale_id': 'VARCHAR', 'receipt_no': 'VARCHAR', 'store': 'VARCHAR'}, auto_detect = false)
    )
    select
      count(*) filter (where p.order_no is not null and b.order_no is not null and cast(b.amount * 100 as bigint) = p.amount_fen) as matched,
      count(*) filter (where b.order_no is null) as pos_only,
      count(*) filter (where p.order_no is not null and b.order_no is not null and cast(b.amount * 100 as bigint) <> p.amount_fen) as amount_mismatch,
      count(*) filter (where p.order_no is null) as channel_only
    from pos p full outer join bill b on p.channel = b.channel and p.order_no = b.order_no`;
  const reader = await conn.runAndReadAll(query);
  const [row] = reader.getRowObjectsJson();
  const totalMs = Math.round(performance.now() - start);
  const cpu = process.cpuUsage(cpuAtStart);
  conn.closeSync();
  instance.closeSync();
  const n = (k: string) => Number(row?.[k] ?? 0);
  if (fromZip) fs.rmSync(path.join(dir, alipayCsv));
  return { engine: fromZip ? 'duckdb-from-zip' : 'duckdb', totalMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), phases: { readAndJoin: totalMs }, matched: n('matched'), posOnly: n('pos_only'), amountMismatch: n('amount_mismatch'), channelOnly: n('channel_only'), peakRssMb: peakRssMb() };
}

function peakRssMb(): number {
  // maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Runs one engine in a fresh process (same Node, tsx loader) and reads its JSON answer. */
function child(engine: string, dir: string): Promise<Outcome> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, CHILD_FLAG, engine, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Outcome) : reject(new Error(`recon bench child ${engine} exited with ${code}: ${out}`))));
  });
}

/** A child doing nothing but loading the same modules: the floor under every peak RSS. */
function runIdle(): Outcome {
  return { engine: 'idle', totalMs: 0, phases: {}, matched: 0, posOnly: 0, amountMismatch: 0, channelOnly: 0, peakRssMb: peakRssMb() };
}

/**
 * The database path: the POS tenders are put in a fresh SQLite file first (the tills wrote them
 * there; not timed), then the clock runs over what the service does: each file imported
 * (`importStatementFile`: parse, store the lines and the file's hash, audit) and the date
 * reconciled (`runReconciliation`: all layers, reading the lines back).
 */
async function runDatabase(dir: string): Promise<Outcome> {
  const file = path.join(dir, 'bench.db');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  const handle = await openDatabase({ kind: 'sqlite', path: file });
  try {
    return await importAndRun(dir, handle, 'database-sqlite');
  } finally {
    await handle.close();
  }
}

/** The database path on PostgreSQL (HQ's database in a chain), on a scratch database of the server TILLPOINT_BENCH_PG names. */
async function runDatabasePostgres(dir: string): Promise<Outcome> {
  const outcome = await onBenchPostgres('tp_bench_recon', (handle) => importAndRun(dir, handle, 'database-postgres'));
  if (!outcome) throw new Error('TILLPOINT_BENCH_PG names no PostgreSQL server.');
  return outcome;
}

/**
 * The database path: the POS tenders are put in the database first (the tills wrote them there;
 * not timed), then the clock runs over what the service does: each file imported
 * (`importStatementFile`) and the day reconciled (`runReconciliation`).
 */
export async function importAndRun(dir: string, handle: DbHandle, engine: string): Promise<Outcome> {
  await migrate(handle.db);
  const storeId = newId();
  const createdAt = `${DATE}T04:00:00.000Z`;
  await loadTenders(handle, storeId, createdAt, parsePosCsv(fs.readFileSync(path.join(dir, FILES.pos), 'utf8')));
  const ctx: Ctx = { actor: null, db: handle.db, clock: manualClock(`${SETTLE_DATE}T02:00:00Z`), nodeId: 'bench', log: createLogger('silent') };
  const phases: Record<string, number> = {};
  const start = performance.now();
  const cpuAtStart = process.cpuUsage();
  let last = start;
  const files: Array<[ImportSource, string]> = [['wechat', FILES.wechat], ['alipay', FILES.alipayZip], ['settlement', FILES.wxSettlement], ['settlement', FILES.apSettlement], ['bank', FILES.mt940]];
  for (const [source, file] of files) {
    await importStatementFile(ctx, { source, fileName: file, bytes: fs.readFileSync(path.join(dir, file)), format: source === 'bank' ? 'mt940' : undefined });
    phases[`import ${file}`] = Math.round(performance.now() - last);
    last = performance.now();
  }
  const run = await runReconciliation(ctx, { date: DATE });
  phases.runReconciliation = Math.round(performance.now() - last);
  const totalMs = Math.round(performance.now() - start);
  const cpu = process.cpuUsage(cpuAtStart);
  const count = (code: string) => run.exceptions.filter((e) => e.code === code).length;
  // On PostgreSQL much of the work is the server's (another process): this CPU is Node's only.
  return { engine, totalMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), phases, matched: run.layers.sales.matched, posOnly: count('POS_ONLY'), amountMismatch: count('AMOUNT_MISMATCH'), channelOnly: count('CHANNEL_ONLY'), peakRssMb: peakRssMb(), extra: { settlementsMatched: run.layers.settlement.matched, bankMatched: run.layers.bank.matched } };
}

/** A store, and a completed sale with one wallet tender per POS tender, written in bulk (their shift is not: foreign keys are off for the load). */
async function loadTenders(handle: DbHandle, storeId: string, createdAt: string, tenders: PosTender[]): Promise<void> {
  const sqlite = handle.sqlite;
  if (sqlite) {
    sqlite.pragma('foreign_keys = OFF');
    sqlite.pragma('synchronous = OFF');
    sqlite.prepare('insert into stores (id, code, name, region_id, time_zone, day_cutover, created_at) values (?, ?, ?, null, ?, ?, ?)').run(storeId, 'S001', 'Bench store', 'Asia/Shanghai', '00:00', createdAt);
    const sale = sqlite.prepare("insert into sales (store_id, id, receipt_no, terminal_id, shift_id, cashier_id, member_id, business_date, created_at, subtotal_fen, discount_fen, rounding_fen, total_fen, paid_fen, change_fen, receipt_token, idempotency_key, status) values (?, ?, ?, 't', 's', 'c', null, ?, ?, ?, 0, 0, ?, ?, 0, ?, ?, 'completed')");
    const tender = sqlite.prepare("insert into sale_tenders (store_id, id, sale_id, method, amount_fen, tendered_fen, change_fen, status, reference, auth_code, card_last4, merchant_order_no, channel_txn_id, created_at) values (?, ?, ?, ?, ?, ?, 0, 'succeeded', null, null, null, ?, null, ?)");
    sqlite.transaction(() => {
      tenders.forEach((t, i) => {
        const saleId = newId();
        sale.run(storeId, saleId, t.receiptNo, DATE, createdAt, t.amountFen, t.amountFen, t.amountFen, `tok${i}`, `idem${i}`);
        tender.run(storeId, newId(), saleId, t.channel, t.amountFen, t.amountFen, t.merchantOrderNo, createdAt);
      });
    })();
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    return;
  }
  await handle.db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`insert into stores (id, code, name, region_id, time_zone, day_cutover, created_at) values (${storeId}, 'S001', 'Bench store', null, 'Asia/Shanghai', '00:00', ${createdAt})`.execute(tx);
    // One statement per 20,000 tenders, each column sent as one array.
    for (let from = 0; from < tenders.length; from += 20_000) {
      const part = tenders.slice(from, from + 20_000);
      const saleIds = part.map(() => newId());
      const column = <T>(pick: (t: PosTender, k: number) => T) => part.map(pick);
      await sql`insert into sales (store_id, id, receipt_no, terminal_id, shift_id, cashier_id, member_id, business_date, created_at, subtotal_fen, discount_fen, rounding_fen, total_fen, paid_fen, change_fen, receipt_token, idempotency_key, status)
        select ${storeId}, id, receipt_no, 't', 's', 'c', null, ${DATE}, ${createdAt}, amount, 0, 0, amount, amount, 0, token, idem, 'completed'
        from unnest(${saleIds}::text[], ${column((t) => t.receiptNo)}::text[], ${column((t) => t.amountFen)}::bigint[], ${column((_t, k) => `tok${from + k}`)}::text[], ${column((_t, k) => `idem${from + k}`)}::text[]) as u(id, receipt_no, amount, token, idem)`.execute(tx);
      await sql`insert into sale_tenders (store_id, id, sale_id, method, amount_fen, tendered_fen, change_fen, status, reference, auth_code, card_last4, merchant_order_no, channel_txn_id, created_at)
        select ${storeId}, id, sale_id, method, amount, amount, 0, 'succeeded', null, null, null, order_no, null, ${createdAt}
        from unnest(${part.map(() => newId())}::text[], ${saleIds}::text[], ${column((t) => t.channel)}::text[], ${column((t) => t.amountFen)}::bigint[], ${column((t) => t.merchantOrderNo)}::text[]) as u(id, sale_id, method, amount, order_no)`.execute(tx);
    }
  });
  // The day's sales came in over the day (sync pushes), so autovacuum has their statistics by the time finance runs the day.
  await sql`analyze sales, sale_tenders`.execute(handle.db);
}

const ENGINES: Record<string, (dir: string) => Outcome | Promise<Outcome>> = { tillpoint: (dir) => runTillpoint(dir), 'tillpoint-warm': (dir) => runTillpoint(dir, true), duckdb: (dir) => runDuckdb(dir), 'duckdb-from-zip': (dir) => runDuckdb(dir, true), database: runDatabase, 'database-postgres': runDatabasePostgres, idle: runIdle };

export async function benchRecon(options: { sizes?: number[] } = {}): Promise<unknown> {
  const results = [];
  const idle = await child('idle', os.tmpdir());
  for (const n of options.sizes ?? SIZES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tillpoint-recon-bench-${n}-`));
    try {
      const files = generate(dir, n);
      const tillpoint = await child('tillpoint', dir);
      const tillpointWarm = await child('tillpoint-warm', dir);
      const duckdb = await child('duckdb', dir);
      const duckdbFromZip = await child('duckdb-from-zip', dir);
      const database = await child('database', dir);
      // HQ's database in a chain, when a PostgreSQL server is named.
      const databasePostgres = process.env.TILLPOINT_BENCH_PG ? await child('database-postgres', dir) : null;
      const outcomes = ['matched', 'posOnly', 'amountMismatch', 'channelOnly'] as const;
      const agree = [tillpointWarm, duckdb, duckdbFromZip, database, ...(databasePostgres ? [databasePostgres] : [])].every((other) => outcomes.every((k) => tillpoint[k] === other[k]));
      const expected = { matched: files.planted.tenders - files.planted.posOnly - files.planted.amountMismatch, posOnly: files.planted.posOnly, amountMismatch: files.planted.amountMismatch, channelOnly: files.planted.channelOnly };
      const correct = (Object.keys(expected) as Array<keyof typeof expected>).every((k) => tillpoint[k] === expected[k]);
      const ratio = (a: Outcome, b: Outcome) => Number((a.totalMs / b.totalMs).toFixed(2));
      results.push({
        tenders: n,
        channelLines: files.planted.channelLines,
        generateMs: files.ms,
        fileBytes: files.bytes,
        expected,
        tillpoint,
        tillpointWarm,
        duckdb,
        duckdbFromZip,
        sameAnswer: agree,
        correct,
        tillpointOverDuckdb: ratio(tillpoint, duckdb),
        tillpointWarmOverDuckdb: ratio(tillpointWarm, duckdb),
        tillpointOverDuckdbFromZip: ratio(tillpoint, duckdbFromZip),
        tillpointWarmOverDuckdbFromZip: ratio(tillpointWarm, duckdbFromZip),
        database,
        databasePostgres,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const [small, large] = results;
  const alone = (r: { tillpoint: Outcome }) => Number(r.tillpoint.extra?.matchAloneMs ?? 0);
  const growth = small && large ? { tenfoldLinesTillpointTimeX: Number((large.tillpoint.totalMs / small.tillpoint.totalMs).toFixed(2)), tenfoldLinesMatchTimeX: Number((alone(large) / Math.max(1, alone(small))).toFixed(2)), tenfoldLinesDuckdbTimeX: Number((large.duckdb.totalMs / small.duckdb.totalMs).toFixed(2)) } : null;
  const budget = large ? { seconds: 15, peakMb: 1536, metTime: large.tillpoint.totalMs < 15_000, metMemory: large.tillpoint.peakRssMb < 1536, notSlowerThanDuckdb: large.tillpoint.totalMs <= large.duckdb.totalMs, warmNotSlowerThanDuckdb: large.tillpointWarm.totalMs <= large.duckdb.totalMs, notSlowerThanDuckdbFromZip: large.tillpoint.totalMs <= large.duckdbFromZip.totalMs } : null;
  return { subject: 'recon', machine: machine(), idleChildRssMb: idle.peakRssMb, results, growth, budget };
}

if (process.argv[2] === CHILD_FLAG) {
  const engine = ENGINES[process.argv[3] ?? ''];
  if (!engine) throw new Error(`Unknown recon bench engine ${process.argv[3] ?? ''}.`);
  const cpuBefore = process.cpuUsage();
  const outcome = await engine(process.argv[4] ?? '');
  const cpu = process.cpuUsage(cpuBefore);
  // An engine that does more than its timed work reports the CPU of its timed part itself.
  process.stdout.write(`${JSON.stringify({ ...outcome, cpuMs: outcome.cpuMs ?? Math.round((cpu.user + cpu.system) / 1000) })}\n`);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
  process.stdout.write(`${JSON.stringify(await benchRecon(sizes.length ? { sizes } : {}), null, 2)}\n`);
}
