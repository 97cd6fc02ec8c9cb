// Running layer 1 for a business date: the day's wallet tenders from sales against the imported
// bill lines of that day. A bill re-exported later (a late file) repeats lines already imported;
// those count once.
import { AppError } from '../platform/errors';
import { applyRate } from '../platform/money';
import type { Ctx } from '../platform/context';
import { matchChannelLines, type PosTender, type ReconException } from './match';

export interface ReconRun {
  date: string;
  summary: { matched: number; pending: number; exceptions: number };
  exceptions: ReconException[];
}

/** Which bill a tender's method appears on. */
const CHANNEL_OF_METHOD: Record<string, string> = { wechat: 'wechat', alipay: 'alipay', unionpay: 'aggregator', ecny: 'aggregator' };

/**
 * @example await runReconciliation(ctx, { date: '2026-11-29' })
 */
/** Contracted fee rates per channel (the demo's 0.6 %); a merchant's contract is configuration. */
export const DEFAULT_FEE_RATES: Readonly<Record<string, string>> = { wechat: '0.006', alipay: '0.006', aggregator: '0.006' };

export async function runReconciliation(ctx: Ctx, input: { date: string; storeIds?: readonly string[]; feeRates?: Readonly<Record<string, string>> }): Promise<ReconRun> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) throw new AppError('VALIDATION_FAILED', `The date "${input.date}" must be YYYY-MM-DD.`, { status: 400 });
  let tq = ctx.db
    .selectFrom('sale_tenders')
    .innerJoin('sales', (j) => j.onRef('sales.store_id', '=', 'sale_tenders.store_id').onRef('sales.id', '=', 'sale_tenders.sale_id'))
    .select(['sale_tenders.method as method', 'sale_tenders.merchant_order_no as merchantOrderNo', 'sale_tenders.amount_fen as amountFen', 'sales.id as saleId', 'sales.receipt_no as receiptNo'])
    .where('sales.business_date', '=', input.date)
    .where('sale_tenders.merchant_order_no', 'is not', null);
  if (input.storeIds) tq = tq.where('sales.store_id', 'in', input.storeIds.length ? [...input.storeIds] : ['']);
  const [tenderRows, lineRows] = await Promise.all([
    tq.execute(),
    ctx.db
      .selectFrom('channel_lines')
      .innerJoin('recon_files', 'recon_files.id', 'channel_lines.file_id')
      .select(['channel_lines.channel', 'channel_lines.channel_txn_id', 'channel_lines.merchant_order_no', 'channel_lines.refund_no', 'channel_lines.kind', 'channel_lines.gross_fen', 'channel_lines.fee_fen', 'channel_lines.line', 'recon_files.imported_at'])
      .where('channel_lines.time', 'like', `${input.date}T%`)
      .orderBy('recon_files.imported_at')
      .execute(),
  ]);
  const tenders: PosTender[] = tenderRows.map((r) => ({ channel: CHANNEL_OF_METHOD[r.method] ?? r.method, merchantOrderNo: r.merchantOrderNo ?? '', amountFen: r.amountFen, saleId: r.saleId, receiptNo: r.receiptNo }));
  // The same bill line in two files (a late re-export) is one line; the newer file's wins.
  const lines = new Map<string, (typeof lineRows)[number]>();
  for (const l of lineRows) lines.set(`${l.channel}|${l.channel_txn_id}|${l.kind}|${l.refund_no ?? ''}`, l);
  const billLines = [...lines.values()].map((l) => ({ channel: l.channel, merchantOrderNo: l.merchant_order_no, kind: l.kind as 'pay' | 'refund' | 'reverse', grossFen: l.gross_fen, feeFen: l.fee_fen, line: l.line }));
  const billed = new Set(billLines.map((l) => l.channel));
  const rates = input.feeRates ?? DEFAULT_FEE_RATES;
  const result = matchChannelLines(tenders, billLines, billed, (channel, grossFen) => (rates[channel] === undefined ? undefined : applyRate(grossFen, rates[channel])));
  return { date: input.date, summary: { matched: result.matched, pending: result.pending, exceptions: result.exceptions.length }, exceptions: result.exceptions };
}
