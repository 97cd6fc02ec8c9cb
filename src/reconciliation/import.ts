// Importing a bill or bank statement: parse the whole file (nothing is stored unless all of it
// is good), then store its lines and the file's hash in one transaction. The same file twice
// changes nothing.
import { createHash } from 'node:crypto';
import { CompiledQuery, sql, type Insertable } from 'kysely';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { inTransaction, type Db } from '../platform/db/index';
import type { ChannelLinesTable } from '../platform/db/schema';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { readWechatBillColumns } from './wechat-bill';
import { isZip, readAlipayBillColumns } from './alipay-bill';
import { readBillColumnsInWorker } from './bill-thread';
import { insertColumns, isPostgres } from '../platform/db/column-insert';
import { parseBankStatement, type BankStatementFormat } from './bank-statement';
import type { BankCsvProfile } from './bank-csv';
import { parseSettlementFile, type SettlementBatch } from './settlement-file';
import { parseAggregatorBill } from './aggregator-bill';
import { CARD_FILE_PROFILES, parseCardFile, type CardFileProfileName } from './card-file';
import type { BankStatement, ChannelLine } from './types';

export type ImportSource = 'wechat' | 'alipay' | 'aggregator' | 'card' | 'bank' | 'settlement';

export interface ImportRequest {
  source: ImportSource;
  fileName: string;
  bytes: Buffer;
  format?: 'auto' | BankStatementFormat;
  /** A bank CSV profile (icbc, cmb) or a card acquirer's (acquirer, chinaums). */
  profile?: BankCsvProfile | CardFileProfileName;
  /** A fetched bill must be of this merchant account and business date (Beijing); checked line by line. */
  expect?: { merchantId?: string; date?: string };
  /** The store whose own merchant account the file is: its lines that no sale explains are that store's (otherwise the chain's). */
  storeId?: string;
}

export interface ImportResult {
  fileId: string;
  /** True when this exact file was imported before (nothing changed). */
  alreadyImported: boolean;
  format: string;
  lines: number;
  /** Sums a clerk can compare with the provider's portal. */
  totals: { grossFen: number; feeFen: number; netFen: number };
}

/** A file's channel lines by index: a big bill stays in its columns and each line is made as it is stored. */
type ChannelLines = { count: number; lineAt(i: number): ChannelLine };
type Parsed = { format: string; channelLines: ChannelLines; statements: BankStatement[]; settlements: SettlementBatch[]; merchants?: Map<string, number> };

const NO_LINES: ChannelLines = { count: 0, lineAt: () => { throw new RangeError('no channel lines'); } };
const listed = (lines: readonly ChannelLine[]): ChannelLines => ({ count: lines.length, lineAt: (i) => lines[i] as ChannelLine });
/**
 * Channel lines per insert statement: 2,000 × 15 values stays under SQLite's 32,766 bound
 * parameters (and PostgreSQL's 65,535); fewer, larger statements cost less per line.
 */
const CHANNEL_LINES_PER_INSERT = 2_000;

/**
 * From this size on a WeChat or Alipay bill is read on a bill thread: a chain's 128 MB day takes
 * ~0.5 s to read, which this thread then spends answering the tills instead.
 */
const BILL_THREAD_MIN_BYTES = 16 * 1024 * 1024;

async function parse(request: ImportRequest, threadMinBytes: number): Promise<Parsed> {
  // A zipped bill is read unpacked: its CSV packs about 10:1 (a 111 MB Alipay day is an 8.5 MB zip).
  // The thread takes the bytes it reads: it gets a copy, so the caller's buffer stays whole.
  const onThread = request.bytes.length * (isZip(request.bytes) ? 10 : 1) >= threadMinBytes;
  switch (request.source) {
    case 'wechat': {
      const bill = onThread ? await readBillColumnsInWorker('wechat', Buffer.from(request.bytes)) : readWechatBillColumns(request.bytes);
      return { format: `wechat-${bill.layout}`, channelLines: bill.columns, statements: [], settlements: [], merchants: bill.merchants };
    }
    case 'alipay': {
      const bill = onThread ? await readBillColumnsInWorker('alipay', Buffer.from(request.bytes)) : readAlipayBillColumns(request.bytes);
      // The account is stated once, in the header's #账号 line (line 2).
      return { format: 'alipay-business-detail', channelLines: bill.columns, statements: [], settlements: [], merchants: new Map(bill.account === null ? [] : [[bill.account, 2]]) };
    }
    case 'aggregator': {
      const bill = parseAggregatorBill(request.bytes);
      return { format: 'aggregator-bill-v1', channelLines: listed(bill.lines), statements: [], settlements: [], merchants: bill.merchants };
    }
    case 'card': {
      const name = request.profile === 'chinaums' ? 'chinaums' : 'acquirer';
      const file = parseCardFile(request.bytes, CARD_FILE_PROFILES[name]);
      return { format: `card-${name}`, channelLines: listed(file.lines), statements: [], settlements: [], merchants: file.merchants };
    }
    case 'bank': {
      const bankProfile = request.profile === 'acquirer' || request.profile === 'chinaums' ? undefined : request.profile;
      const statements = parseBankStatement(request.bytes, request.format ?? 'auto', bankProfile);
      return { format: `bank-${request.format && request.format !== 'auto' ? request.format : 'auto'}`, channelLines: NO_LINES, statements, settlements: [] };
    }
    case 'settlement': {
      return { format: 'settlement-v1', channelLines: NO_LINES, statements: [], settlements: parseSettlementFile(request.bytes) };
    }
    default:
      throw new AppError('IMPORT_UNSUPPORTED', `Importing ${request.source} files is not available yet; WeChat, Alipay, settlement files and bank statements are.`, { status: 400 });
  }
}

/**
 * Imports one file. Refuses a bad file whole, naming its line; returns the earlier import for a
 * file already imported (by SHA-256 of its bytes). A WeChat or Alipay bill of `threadMinBytes`
 * or more (default BILL_THREAD_MIN_BYTES) is read on a bill thread, the same reader there.
 *
 * @example await importStatementFile(ctx, { source: 'wechat', fileName: 'wx-2026-11-29.csv', bytes })
 */
export async function importStatementFile(ctx: Ctx, request: ImportRequest, options: { threadMinBytes?: number } = {}): Promise<ImportResult> {
  const sha256 = createHash('sha256').update(request.bytes).digest('hex');
  const earlier = await ctx.db.selectFrom('recon_files').select(['id', 'source', 'format', 'line_count', 'file_name']).where('sha256', '=', sha256).executeTakeFirst();
  if (earlier && earlier.source !== request.source) {
    throw new AppError('IMPORT_SOURCE_MISMATCH', `This file was imported before as a ${earlier.source} file (${earlier.file_name}); check which file you meant.`, { status: 409 });
  }
  const again = async (file: NonNullable<typeof earlier>): Promise<ImportResult> => ({ fileId: file.id, alreadyImported: true, format: file.format, lines: file.line_count, totals: await totalsOf(ctx, file.id) });
  if (earlier && !request.expect) return again(earlier);
  const parsed = await parse(request, options.threadMinBytes ?? BILL_THREAD_MIN_BYTES);
  // A fetched bill is checked against what was asked for even when this file came before.
  if (request.expect) checkExpected(request, parsed, request.expect);
  if (earlier) return again(earlier);
  const fileId = newId();
  const bankLines = parsed.statements.flatMap((st) => st.lines.map((l) => ({ ...l, account: st.account })));
  const lineCount = parsed.channelLines.count + bankLines.length + parsed.settlements.length;
  let channelSums: ChannelSums | undefined;
  await inTransaction(ctx.db, async (tx) => {
    await tx
      .insertInto('recon_files')
      .values({ id: fileId, source: request.source, format: parsed.format, file_name: request.fileName.slice(0, 200), sha256, line_count: lineCount, imported_at: ctx.clock.now().toISOString(), imported_by: ctx.actor?.userId ?? null, store_ref: request.storeId ?? null })
      .execute();
    channelSums = await insertChannelLines(tx, fileId, parsed.channelLines);
    if (channelSums.from !== null) await tx.updateTable('recon_files').set({ lines_from: channelSums.from, lines_to: channelSums.to }).where('id', '=', fileId).execute();
    const banks = bankLines.map((l) => ({
      id: newId(),
      file_id: fileId,
      account: l.account,
      value_date: l.valueDate,
      booking_date: l.bookingDate,
      amount_fen: l.amountFen,
      currency: l.currency,
      counterparty: l.counterparty,
      reference: l.reference,
      description: l.description,
      line: l.line,
    }));
    for (let i = 0; i < banks.length; i += 500) await tx.insertInto('bank_lines').values(banks.slice(i, i + 500)).execute();
    const batches = parsed.settlements.map((b) => ({
      id: newId(),
      file_id: fileId,
      channel: b.channel,
      merchant_id: b.merchantId,
      business_date: b.businessDate,
      settle_date: b.settleDate,
      batch_id: b.batchId,
      txn_count: b.count,
      gross_fen: b.grossFen,
      fee_fen: b.feeFen,
      refund_fen: b.refundFen,
      net_fen: b.netFen,
      line: b.line,
    }));
    if (batches.length > 0) await tx.insertInto('settlements').values(batches).execute();
    await appendAudit({ ...ctx, db: tx }, { action: 'recon.imported', docType: 'recon_file', docId: fileId, data: { source: request.source, fileName: request.fileName, sha256, lines: lineCount } });
  });
  // The totals of what was just stored, summed as it was written rather than read back.
  const sum = <T>(rows: readonly T[], of: (row: T) => number) => rows.reduce((s, r) => s + of(r), 0);
  const totals = totalsFrom({
    channel: channelSums ?? { grossFen: 0, feeFen: 0, netFen: 0 },
    bankFen: sum(bankLines, (l) => l.amountFen),
    settled: { grossFen: sum(parsed.settlements, (b) => b.grossFen), feeFen: sum(parsed.settlements, (b) => b.feeFen), netFen: sum(parsed.settlements, (b) => b.netFen) },
  });
  // A big day on PostgreSQL: the planner learns the table's new size now, not when autovacuum
  // gets to it — the run that follows an import at once (the fetch job) otherwise plans for the
  // table as it was (24 s instead of 6 s for a day of 1 M lines, measured).
  if (parsed.channelLines.count >= ANALYZE_AFTER_LINES && isPostgres(ctx.db)) await sql`analyze channel_lines`.execute(ctx.db);
  return { fileId, alreadyImported: false, format: parsed.format, lines: lineCount, totals };
}

/** From this many lines an import on PostgreSQL refreshes channel_lines' statistics (~0.1 s). */
const ANALYZE_AFTER_LINES = 50_000;

/** A file's channel lines summed, and the span of their times (null when it has none). */
interface ChannelSums {
  grossFen: number;
  feeFen: number;
  netFen: number;
  from: string | null;
  to: string | null;
}

/** channel_lines' columns in the order `insertChannelLines` gives each row's values. */
const CHANNEL_LINE_COLUMNS = ['id', 'file_id', 'channel', 'channel_txn_id', 'merchant_order_no', 'refund_no', 'kind', 'gross_fen', 'fee_fen', 'fee_exact', 'net_fen', 'time', 'store_ref', 'terminal', 'line'] as const;

/** channel_lines' number columns (the others are text). */
const CHANNEL_LINE_NUMBERS: ReadonlySet<string> = new Set(['gross_fen', 'fee_fen', 'net_fen', 'line']);
/** Rows per statement on PostgreSQL, where a statement takes one array per column (insertColumns). */
const CHANNEL_LINES_PER_ARRAY_INSERT = 20_000;

/**
 * Stores a file's channel lines, a statement of up to CHANNEL_LINES_PER_INSERT rows at a time
 * (CHANNEL_LINES_PER_ARRAY_INSERT on PostgreSQL, as one array per column). On SQLite the
 * statement's text is compiled once per row count and then run with each batch's values: no
 * query built per batch, and the same prepared statement every time (db/index.ts keeps them by text).
 */
async function insertChannelLines(tx: Db, fileId: string, lines: ChannelLines): Promise<ChannelSums> {
  const arrays = isPostgres(tx);
  const width = CHANNEL_LINE_COLUMNS.length;
  const texts = new Map<number, string>();
  const textFor = (rows: number): string => {
    let text = texts.get(rows);
    if (text === undefined) {
      const row = Object.fromEntries(CHANNEL_LINE_COLUMNS.map((c) => [c, null])) as unknown as Insertable<ChannelLinesTable>;
      text = tx.insertInto('channel_lines').values(Array.from({ length: rows }, () => row)).compile().sql;
      texts.set(rows, text);
    }
    return text;
  };
  const sums: ChannelSums = { grossFen: 0, feeFen: 0, netFen: 0, from: null, to: null };
  const perInsert = arrays ? CHANNEL_LINES_PER_ARRAY_INSERT : CHANNEL_LINES_PER_INSERT;
  for (let i = 0; i < lines.count; i += perInsert) {
    const rows = Math.min(perInsert, lines.count - i);
    const values: unknown[] = [];
    for (let k = i; k < i + rows; k++) {
      const l = lines.lineAt(k);
      values.push(newId(), fileId, l.channel, l.channelTxnId, l.merchantOrderNo, l.refundNo, l.kind, l.grossFen, l.feeFen, l.feeExact, l.netFen, l.time, l.store, l.terminal, l.line);
      sums.grossFen += l.grossFen;
      sums.feeFen += l.feeFen;
      sums.netFen += l.netFen;
      // Times compare as the database compares them (text), as runReconciliation's window does.
      if (sums.from === null || l.time < sums.from) sums.from = l.time;
      if (sums.to === null || l.time > sums.to) sums.to = l.time;
    }
    if (arrays) {
      const column = (c: number) => Array.from({ length: rows }, (_x, r) => values[r * width + c]);
      await insertColumns(tx, 'channel_lines', CHANNEL_LINE_COLUMNS.map((name, c) => ({ name, type: CHANNEL_LINE_NUMBERS.has(name) ? 'int8' : 'text', values: column(c) })));
    } else await tx.executeQuery(CompiledQuery.raw(textFor(rows), values));
  }
  return sums;
}

/**
 * Refuses a bill of another merchant account or another business date (a file mixed up on the way,
 * or a provider answering for the wrong day), naming the first line that shows it.
 */
function checkExpected(request: ImportRequest, parsed: Parsed, expect: NonNullable<ImportRequest['expect']>): void {
  const name = request.fileName;
  if (expect.merchantId !== undefined && parsed.merchants) {
    for (const [merchantId, line] of parsed.merchants) {
      if (merchantId !== expect.merchantId) {
        throw new AppError('BILL_WRONG_MERCHANT', `Line ${line} of ${name}: the bill is for merchant account ${merchantId}, not ${expect.merchantId}. It is another merchant's bill; nothing was imported.`, { status: 422, details: { line, expected: expect.merchantId, actual: merchantId } });
      }
    }
    if (parsed.merchants.size === 0 && request.source === 'alipay') {
      throw new AppError('BILL_WRONG_MERCHANT', `${name} does not say whose bill it is (no #账号 line); expected account ${expect.merchantId}. Nothing was imported.`, { status: 422, details: { line: null, expected: expect.merchantId } });
    }
  }
  if (expect.date !== undefined) {
    // Providers' times are Beijing wall time (+08:00), so the date is the time's first ten characters.
    let other: ChannelLine | undefined;
    for (let i = 0; i < parsed.channelLines.count && !other; i++) {
      const l = parsed.channelLines.lineAt(i);
      if (!l.time.startsWith(expect.date)) other = l;
    }
    if (other) {
      throw new AppError('BILL_WRONG_DATE', `Line ${other.line} of ${name}: the line is dated ${other.time.slice(0, 10)}, but the bill should be for ${expect.date}. It is another day's bill; nothing was imported.`, { status: 422, details: { line: other.line, expected: expect.date, actual: other.time.slice(0, 10) } });
    }
  }
}

async function totalsOf(ctx: Ctx, fileId: string): Promise<ImportResult['totals']> {
  const channel = await ctx.db
    .selectFrom('channel_lines')
    .select((eb) => [eb.fn.sum<number>('gross_fen').as('gross'), eb.fn.sum<number>('fee_fen').as('fee'), eb.fn.sum<number>('net_fen').as('net')])
    .where('file_id', '=', fileId)
    .executeTakeFirstOrThrow();
  const bank = await ctx.db.selectFrom('bank_lines').select((eb) => eb.fn.sum<number>('amount_fen').as('amount')).where('file_id', '=', fileId).executeTakeFirstOrThrow();
  const settled = await ctx.db
    .selectFrom('settlements')
    .select((eb) => [eb.fn.sum<number>('gross_fen').as('gross'), eb.fn.sum<number>('fee_fen').as('fee'), eb.fn.sum<number>('net_fen').as('net')])
    .where('file_id', '=', fileId)
    .executeTakeFirstOrThrow();
  return totalsFrom({
    channel: { grossFen: Number(channel.gross ?? 0), feeFen: Number(channel.fee ?? 0), netFen: Number(channel.net ?? 0) },
    bankFen: Number(bank.amount ?? 0),
    settled: { grossFen: Number(settled.gross ?? 0), feeFen: Number(settled.fee ?? 0), netFen: Number(settled.net ?? 0) },
  });
}

type Sums = { grossFen: number; feeFen: number; netFen: number };

/** A file's totals from the sums of its channel lines, bank lines and settlement batches. */
function totalsFrom(s: { channel: Sums; bankFen: number; settled: Sums }): ImportResult['totals'] {
  // Settlement fees are stated as paid (≥ 0); the totals use the bills' sign: charged −.
  return { grossFen: s.channel.grossFen + s.bankFen + s.settled.grossFen, feeFen: s.channel.feeFen - s.settled.feeFen, netFen: s.channel.netFen + s.bankFen + s.settled.netFen };
}
