// Importing a bill or bank statement: parse the whole file (nothing is stored unless all of it
// is good), then store its lines and the file's hash in one transaction. The same file twice
// changes nothing.
import { createHash } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { inTransaction } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { parseWechatBill } from './wechat-bill';
import { parseAlipayBill } from './alipay-bill';
import { parseBankStatement, type BankStatementFormat } from './bank-statement';
import type { BankCsvProfile } from './bank-csv';
import { parseSettlementFile, type SettlementBatch } from './settlement-file';
import type { BankStatement, ChannelLine } from './types';

export type ImportSource = 'wechat' | 'alipay' | 'aggregator' | 'card' | 'bank' | 'settlement';

export interface ImportRequest {
  source: ImportSource;
  fileName: string;
  bytes: Buffer;
  format?: 'auto' | BankStatementFormat;
  profile?: BankCsvProfile;
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

type Parsed = { format: string; channelLines: ChannelLine[]; statements: BankStatement[]; settlements: SettlementBatch[] };

function parse(request: ImportRequest): Parsed {
  switch (request.source) {
    case 'wechat': {
      const bill = parseWechatBill(request.bytes);
      return { format: `wechat-${bill.layout}`, channelLines: bill.lines, statements: [], settlements: [] };
    }
    case 'alipay':
      return { format: 'alipay-business-detail', channelLines: parseAlipayBill(request.bytes).lines, statements: [], settlements: [] };
    case 'bank': {
      const statements = parseBankStatement(request.bytes, request.format ?? 'auto', request.profile);
      return { format: `bank-${request.format && request.format !== 'auto' ? request.format : 'auto'}`, channelLines: [], statements, settlements: [] };
    }
    case 'settlement': {
      return { format: 'settlement-v1', channelLines: [], statements: [], settlements: parseSettlementFile(request.bytes) };
    }
    default:
      throw new AppError('IMPORT_UNSUPPORTED', `Importing ${request.source} files is not available yet; WeChat, Alipay, settlement files and bank statements are.`, { status: 400 });
  }
}

/**
 * Imports one file. Refuses a bad file whole, naming its line; returns the earlier import for a
 * file already imported (by SHA-256 of its bytes).
 *
 * @example await importStatementFile(ctx, { source: 'wechat', fileName: 'wx-2026-11-29.csv', bytes })
 */
export async function importStatementFile(ctx: Ctx, request: ImportRequest): Promise<ImportResult> {
  const sha256 = createHash('sha256').update(request.bytes).digest('hex');
  const earlier = await ctx.db.selectFrom('recon_files').select(['id', 'source', 'format', 'line_count', 'file_name']).where('sha256', '=', sha256).executeTakeFirst();
  if (earlier && earlier.source !== request.source) {
    throw new AppError('IMPORT_SOURCE_MISMATCH', `This file was imported before as a ${earlier.source} file (${earlier.file_name}); check which file you meant.`, { status: 409 });
  }
  if (earlier) {
    return { fileId: earlier.id, alreadyImported: true, format: earlier.format, lines: earlier.line_count, totals: await totalsOf(ctx, earlier.id) };
  }
  const parsed = parse(request);
  const fileId = newId();
  const bankLines = parsed.statements.flatMap((st) => st.lines.map((l) => ({ ...l, account: st.account })));
  const lineCount = parsed.channelLines.length + bankLines.length + parsed.settlements.length;
  await inTransaction(ctx.db, async (tx) => {
    await tx
      .insertInto('recon_files')
      .values({ id: fileId, source: request.source, format: parsed.format, file_name: request.fileName.slice(0, 200), sha256, line_count: lineCount, imported_at: ctx.clock.now().toISOString(), imported_by: ctx.actor?.userId ?? null })
      .execute();
    const rows = parsed.channelLines.map((l) => ({
      id: newId(),
      file_id: fileId,
      channel: l.channel,
      channel_txn_id: l.channelTxnId,
      merchant_order_no: l.merchantOrderNo,
      refund_no: l.refundNo,
      kind: l.kind,
      gross_fen: l.grossFen,
      fee_fen: l.feeFen,
      fee_exact: l.feeExact,
      net_fen: l.netFen,
      time: l.time,
      store_ref: l.store,
      terminal: l.terminal,
      line: l.line,
    }));
    for (let i = 0; i < rows.length; i += 500) await tx.insertInto('channel_lines').values(rows.slice(i, i + 500)).execute();
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
  return { fileId, alreadyImported: false, format: parsed.format, lines: lineCount, totals: await totalsOf(ctx, fileId) };
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
  const gross = Number(channel.gross ?? 0) + Number(bank.amount ?? 0) + Number(settled.gross ?? 0);
  // Settlement fees are stated as paid (≥ 0); the totals use the bills' sign: charged −.
  const fee = Number(channel.fee ?? 0) - Number(settled.fee ?? 0);
  return { grossFen: gross, feeFen: fee, netFen: Number(channel.net ?? 0) + Number(bank.amount ?? 0) + Number(settled.net ?? 0) };
}
