// Running reconciliation for a business date: layer 1 (the day's wallet tenders and refunds
// against the imported bill lines), layer 2 (each channel's lines against its settlement), layer 3
// (each settlement's net against a bank credit) and the shifts' cash over/short. A file re-exported
// later (a late file) repeats lines already imported; those count once.
import { AppError } from '../platform/errors';
import { feeAtRate } from './amounts';
import type { Ctx } from '../platform/context';
import { matchCardLines, matchCardRefunds, matchRefunds, type ExceptionCode, type ReconException } from './match';
import { matchChannelColumns } from './match-columns';
import { summariseBillColumns } from './bill-columns';
import { keysetPages, PAGE_ROWS, readLineColumns, readTenderColumns, type LinePage, type LineRow, type TenderPage, type TenderRow } from './run-columns';
import { chainReconSettings } from './settings';
import { CASH_DEPOSIT_WINDOW_DAYS, matchCashDeposits, type CashDepositException } from './match-cash';
import { addDays, BANK_WINDOW_DAYS, matchBankCredits, matchSettlements, payingCredits, type BankException, type ChannelDay, type SettlementException, type SettlementRow } from './match-settlement';

export interface LayerSummary {
  matched: number;
  pending: number;
  exceptions: number;
}

/** A closed shift whose counted cash differs from what the drawer should hold. */
export interface CashException {
  code: 'CASH_OVER' | 'CASH_SHORT';
  channel: 'cash';
  shiftId: string;
  storeId: string;
  terminalId: string;
  cashierId: string;
  cashierName: string;
  countedFen: number;
  expectedFen: number;
  overShortFen: number;
}

/** Where the clerk's work on an exception stands (see exceptions.ts). */
export type ExceptionStatus = 'open' | 'assigned' | 'resolved' | 'written_off';

/** An exception of any layer, with its stable key and the money at stake (signed: + more money than records). */
export type RunException = (ReconException | SettlementException | BankException | CashException | CashDepositException) & {
  key: string;
  amountFen: number;
  storeId: string | null;
  /** Set once the run has been recorded (POST /recon/runs, `recon run`). */
  id?: string;
  status?: ExceptionStatus;
  assigneeId?: string | null;
};

export interface StoreChannelSummary extends LayerSummary {
  /** null: chain-level (a channel's money with no sale behind it, settlements, the bank). */
  storeId: string | null;
  storeCode: string | null;
  channel: string;
}

/** A channel's money for the day, from its bill lines (fees charged less fees returned), and how much of it is still on its way to the bank. */
export interface ChannelMoney extends ChannelDay {
  /** The day's net not yet seen in the bank: no settlement yet, or a settlement no credit has paid. */
  inTransitFen: number;
}

export interface ReconRun {
  date: string;
  summary: LayerSummary;
  /** Per channel (chain runs only: bills and the bank are the chain's). */
  channels: ChannelMoney[];
  /** Sum of the channels' money in transit. */
  inTransitFen: number;
  layers: { sales: LayerSummary; settlement: LayerSummary; bank: LayerSummary; cash: LayerSummary };
  stores: StoreChannelSummary[];
  exceptions: RunException[];
}

/** Which bill a tender's method appears on. */
const CHANNEL_OF_METHOD: Record<string, string> = { wechat: 'wechat', alipay: 'alipay', unionpay: 'aggregator', ecny: 'aggregator' };

/** Contracted fee rates per channel (the demo's 0.6 %); a merchant's contract is configuration. */
export const DEFAULT_FEE_RATES: Readonly<Record<string, string>> = { wechat: '0.006', alipay: '0.006', aggregator: '0.006', card: '0.006' };

/** The Beijing calendar day of an instant: business dates and the providers' files are in +08:00. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Rows of several imported files, where a later file may repeat an earlier one's (a re-export, the
 * same statement as MT940 and CSV): for each key the rows of the newest file count, so a line
 * written twice in one file stays twice. `rows` must come oldest file first.
 */
function newestFileRows<T extends { file_id: string }>(rows: readonly T[], keyOf: (row: T) => string): T[] {
  const byKey = new Map<string, { fileId: string; rows: T[] }>();
  for (const row of rows) {
    const key = keyOf(row);
    const held = byKey.get(key);
    if (held && held.fileId === row.file_id) held.rows.push(row);
    else byKey.set(key, { fileId: row.file_id, rows: [row] });
  }
  return [...byKey.values()].flatMap((v) => v.rows);
}

function layerOf(code: ExceptionCode): keyof ReconRun['layers'] {
  if (code === 'SETTLEMENT_MISSING' || code === 'SETTLEMENT_MISMATCH') return 'settlement';
  if (code === 'BANK_UNMATCHED') return 'bank';
  if (code === 'CASH_OVER' || code === 'CASH_SHORT') return 'cash';
  return 'sales';
}

/** The money at stake, signed from the merchant's side: + the channel or drawer holds more than the records. */
function amountAtStake(e: ReconException): number {
  const pos = e.posAmountFen ?? 0;
  const channel = e.channelAmountFen ?? 0;
  switch (e.code) {
    case 'FEE_MISMATCH':
      return (e.expectedFeeFen ?? 0) - (e.feeFen ?? 0);
    case 'REFUND_POS_ONLY':
      return pos;
    case 'REFUND_CHANNEL_ONLY':
      return -channel;
    default:
      return e.refundNo ? pos - channel : channel - pos;
  }
}

/**
 * Reconciles a business date. `storeIds` limits the run to those stores (a store-scoped user):
 * their sales and shifts, and their cash deposits against the bank; settlements, the bank's other
 * credits and the channel lines no sale explains are the chain's and are only in a run over all
 * stores.
 *
 * @example await runReconciliation(ctx, { date: '2026-11-29' })
 */
export async function runReconciliation(ctx: Ctx, input: { date: string; storeIds?: readonly string[]; feeRates?: Readonly<Record<string, string>>; cashDepositWords?: readonly string[] }): Promise<ReconRun> {
  const { date } = input;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new AppError('VALIDATION_FAILED', `The date "${date}" must be YYYY-MM-DD.`, { status: 400 });
  const today = beijingDate(ctx.clock.now());
  const storeList = input.storeIds ? (input.storeIds.length ? [...input.storeIds] : ['']) : null;
  // Card payments are matched by the terminal's reference (参考号), amount and time.
  let cq = ctx.db
    .selectFrom('sale_tenders')
    .innerJoin('sales', (j) => j.onRef('sales.store_id', '=', 'sale_tenders.store_id').onRef('sales.id', '=', 'sale_tenders.sale_id'))
    .select(['sale_tenders.reference as reference', 'sale_tenders.amount_fen as amountFen', 'sale_tenders.created_at as time', 'sales.id as saleId', 'sales.receipt_no as receiptNo', 'sales.store_id as storeId'])
    .where('sales.business_date', '=', date)
    .where('sale_tenders.method', '=', 'card')
    .where('sale_tenders.reference', 'is not', null);
  if (storeList) cq = cq.where('sales.store_id', 'in', storeList);
  // A refund's day is the Beijing day it succeeded: UTC 16:00 the day before to 16:00 that day.
  let rq = ctx.db
    .selectFrom('payment_refunds')
    .select(['channel', 'refund_no', 'merchant_order_no', 'amount_fen', 'store_id'])
    .where('status', '=', 'succeeded')
    .where('updated_at', '>=', `${addDays(date, -1)}T16:00:00.000Z`)
    .where('updated_at', '<', `${date}T16:00:00.000Z`);
  if (storeList) rq = rq.where('store_id', 'in', storeList);
  // Card refunds (退货 on the terminal) of the same Beijing day, with the payment's reference.
  let crq = ctx.db
    .selectFrom('return_refunds')
    .leftJoin('sale_tenders', 'sale_tenders.id', 'return_refunds.sale_tender_id')
    .select(['return_refunds.reference as reference', 'sale_tenders.reference as originalReference', 'return_refunds.amount_fen as amountFen', 'return_refunds.updated_at as time', 'return_refunds.store_id as storeId'])
    .where('return_refunds.method', '=', 'card')
    .where('return_refunds.status', '=', 'succeeded')
    .where('return_refunds.updated_at', '>=', `${addDays(date, -1)}T16:00:00.000Z`)
    .where('return_refunds.updated_at', '<', `${date}T16:00:00.000Z`);
  if (storeList) crq = crq.where('return_refunds.store_id', 'in', storeList);
  // The big two (a million tenders and lines a day) are read as columns, one after the other.
  const tenders = await readTenderColumns(dayTenderPages(ctx, date, storeList), (method) => CHANNEL_OF_METHOD[method] ?? method);
  const { bills, lines } = await readLineColumns(lineWindowPages(ctx, date), date);
  const [cardRows, refundRows, cardRefundRows, stores] = await Promise.all([cq.execute(), rq.execute(), crq.execute(), ctx.db.selectFrom('stores').select(['id', 'code']).execute()]);
  // Refund and card lines of the day (the rest of the day's lines are in `bills`).
  const dayLines = lines.filter((l) => l.onDate);
  const billed = new Set(bills.map((b) => b.channel));
  const rates = input.feeRates ?? DEFAULT_FEE_RATES;
  const contract = new Map(Object.entries(rates).map(([channel, rate]) => [channel, feeAtRate(rate)]));
  const sales = matchChannelColumns(tenders, bills, billed, (channel, grossFen) => contract.get(channel)?.(grossFen));
  const cards = matchCardLines(
    cardRows.map((r) => ({ reference: r.reference ?? '', amountFen: Number(r.amountFen), time: r.time, saleId: r.saleId, receiptNo: r.receiptNo, storeId: r.storeId })),
    dayLines.filter((l) => l.channel === 'card'),
    billed.has('card'),
    (grossFen) => contract.get('card')?.(grossFen),
  );

  const dayRefundLines = dayLines.filter((l) => l.kind === 'refund');
  const refundNos = [...new Set(dayRefundLines.map((l) => l.refundNo ?? ''))];
  const refundOrders = [...new Set(dayRefundLines.map((l) => l.merchantOrderNo ?? ''))];
  // Refunds we know of: the tills' (payment_refunds), and those finance recorded when resolving an exception by a refund to the customer.
  const [tillRefunds, reconRefunds, soldRows] = await Promise.all([
    refundNos.length ? ctx.db.selectFrom('payment_refunds').select(['channel', 'refund_no']).where('refund_no', 'in', refundNos).execute() : [],
    refundNos.length ? ctx.db.selectFrom('recon_exceptions').select(['channel', 'refund_ref as refund_no']).where('resolution_kind', '=', 'refund').where('refund_ref', 'in', refundNos).execute() : [],
    refundOrders.length ? ctx.db.selectFrom('sale_tenders').select(['method', 'merchant_order_no']).where('merchant_order_no', 'in', refundOrders).execute() : [],
  ]);
  const knownRows = [...tillRefunds, ...reconRefunds];
  const refunds = matchRefunds(
    refundRows.map((r) => ({ channel: CHANNEL_OF_METHOD[r.channel] ?? r.channel, refundNo: r.refund_no, merchantOrderNo: r.merchant_order_no, amountFen: Number(r.amount_fen), storeId: r.store_id })),
    lines,
    dayLines,
    billed,
    new Set(knownRows.map((r) => `${CHANNEL_OF_METHOD[r.channel] ?? r.channel}\u0000${r.refund_no}`)),
    new Set(soldRows.map((r) => `${CHANNEL_OF_METHOD[r.method] ?? r.method}\u0000${r.merchant_order_no ?? ''}`)),
  );

  const cardRefundLines = lines.filter((l) => l.channel === 'card' && l.kind === 'refund');
  const dayCardRefundLines = cardRefundLines.filter((l) => l.onDate);
  const dayCardRefs = [...new Set(dayCardRefundLines.map((l) => l.channelTxnId))];
  const knownCardRefunds = dayCardRefs.length
    ? await ctx.db.selectFrom('return_refunds').select(['reference', 'updated_at as time']).where('method', '=', 'card').where('status', '=', 'succeeded').where('reference', 'in', dayCardRefs).execute()
    : [];
  const cardRefunds = matchCardRefunds(
    cardRefundRows.map((r) => ({ reference: r.reference ?? '', originalReference: r.originalReference ?? '', amountFen: Number(r.amountFen), time: r.time, storeId: r.storeId })),
    cardRefundLines,
    dayCardRefundLines,
    billed.has('card'),
    knownCardRefunds.map((k) => ({ reference: k.reference ?? '', time: k.time })),
  );

  const days = new Map(bills.map((b) => [b.channel, summariseBillColumns(b)]));
  const allMoney = await moneyLayers(ctx, date, today, days, input.cashDepositWords ?? (await chainReconSettings(ctx)).cashDepositWords);
  // The chain's money (settlements, the bank's credits for them, money per channel), in a run over all stores only.
  const money = storeList ? null : allMoney;
  // The stores' cash deposits against the bank: a store's own in its run (a credit no deposit explains is the chain's).
  const inScope = (storeId: string | null) => !storeList || (storeId !== null && storeList.includes(storeId));
  const byScope = (counts: ReadonlyMap<string, number>) => [...counts].filter(([storeId]) => inScope(storeId));
  const deposits = {
    matched: storeList ? byScope(allMoney.deposits.matchedByStore).reduce((n, [, k]) => n + k, 0) : allMoney.deposits.matched,
    pending: storeList ? byScope(allMoney.deposits.pendingByStore).reduce((n, [, k]) => n + k, 0) : allMoney.deposits.pending,
    exceptions: allMoney.deposits.exceptions.filter((e) => !storeList || (e.side === 'deposit' && inScope(e.storeId))),
    matchedByStore: byScope(allMoney.deposits.matchedByStore),
  };
  const cash = await cashExceptions(ctx, date, storeList);

  // A run for some stores leaves out the lines no sale of theirs explains (paid at the channel
  // with no sale, a refund no till made) unless the file is one of those stores' own: every other
  // store's orders are such lines in that run, and what no sale ties to a store is the chain's,
  // like the settlements and the bank.
  const salesExceptions = [...sales.exceptions, ...cards.exceptions, ...refunds.exceptions, ...cardRefunds.exceptions].filter((e) => inScope(e.storeId ?? null));
  const exceptions: RunException[] = [
    ...salesExceptions.map((e) => ({ ...e, storeId: e.storeId ?? null, key: `${date}|${e.code}|${e.channel}|${e.merchantOrderNo}|${e.refundNo ?? ''}`, amountFen: amountAtStake(e) })),
    ...(money?.settlement.exceptions ?? []).map((e) => ({ ...e, storeId: null, key: `${date}|${e.code}|${e.channel}`, amountFen: e.settlementNetFen === null ? -e.billNetFen : e.settlementNetFen - e.billNetFen })),
    ...(money?.bank.exceptions ?? []).map((e) => ({
      ...e,
      storeId: null,
      key: `${date}|${e.code}|${e.channel}|${e.side === 'settlement' ? `batch:${e.batchId ?? ''}` : `bank:${e.valueDate ?? ''}:${e.amountFen}:${e.reference ?? e.lines.join(',')}`}`,
      amountFen: e.side === 'bank' ? e.amountFen : -e.amountFen,
    })),
    ...cash.exceptions.map((e) => ({ ...e, key: `${date}|${e.code}|cash|shift:${e.shiftId}`, amountFen: e.overShortFen })),
    ...deposits.exceptions.map((e) => ({
      ...e,
      key: `${date}|${e.code}|cash|${e.side === 'deposit' ? `deposit:${e.storeId ?? ''}` : `bank:${e.valueDate ?? ''}:${e.bankFen ?? 0}:${e.reference ?? e.lines.join(',')}`}`,
      // + the bank holds more than the store deposited (or a credit no deposit explains).
      amountFen: (e.bankFen ?? 0) - (e.depositFen ?? 0),
    })),
  ];
  const layers: ReconRun['layers'] = {
    sales: { matched: sales.matched + cards.matched + refunds.matched + cardRefunds.matched, pending: sales.pending + cards.pending + refunds.pending + cardRefunds.pending, exceptions: 0 },
    settlement: { matched: money?.settlement.matched ?? 0, pending: money?.settlement.pending ?? 0, exceptions: 0 },
    bank: { matched: (money?.bank.matched ?? 0) + deposits.matched, pending: (money?.bank.pending ?? 0) + deposits.pending, exceptions: 0 },
    cash: { matched: cash.matched, pending: 0, exceptions: 0 },
  };
  // A deposit short or over at the bank is layer 3's, like every bank difference.
  for (const e of exceptions) layers['side' in e && e.side === 'deposit' ? 'bank' : layerOf(e.code)].exceptions += 1;
  const summary = Object.values(layers).reduce((sum, l) => ({ matched: sum.matched + l.matched, pending: sum.pending + l.pending, exceptions: sum.exceptions + l.exceptions }), { matched: 0, pending: 0, exceptions: 0 });

  const codeOf = new Map(stores.map((s) => [s.id, s.code]));
  const groups = new Map<string, StoreChannelSummary>();
  const group = (storeId: string | null, channel: string) => {
    const key = `${storeId ?? ''}\u0000${channel}`;
    const found = groups.get(key) ?? { storeId, storeCode: storeId ? (codeOf.get(storeId) ?? null) : null, channel, matched: 0, pending: 0, exceptions: 0 };
    groups.set(key, found);
    return found;
  };
  for (const result of [sales, cards, refunds, cardRefunds]) {
    for (const [key, counts] of result.groups) {
      const [storeId = '', channel = ''] = key.split('\u0000');
      const g = group(storeId || null, channel);
      g.matched += counts.matched;
      g.pending += counts.pending;
    }
  }
  for (const [channel, counts] of Object.entries(money?.byChannel ?? {})) {
    const g = group(null, channel);
    g.matched += counts.matched;
    g.pending += counts.pending;
  }
  for (const [storeId, matched] of cash.matchedByStore) group(storeId, 'cash').matched += matched;
  for (const [storeId, matched] of deposits.matchedByStore) group(storeId, 'cash').matched += matched;
  for (const e of exceptions) group(e.storeId, e.channel).exceptions += 1;
  const order = (g: StoreChannelSummary) => `${g.storeCode ?? '\uffff'}\u0000${g.channel}`;
  const channels = money?.channels ?? [];
  return { date, summary, layers, channels, inTransitFen: channels.reduce((sum, c) => sum + c.inTransitFen, 0), stores: [...groups.values()].sort((a, b) => order(a).localeCompare(order(b))), exceptions };
}

/**
 * The date's wallet tenders (those with a merchant order number), a store at a time, in pages
 * along sales_date_idx (store, business date, sale id); a sale's tenders stay in one page.
 */
async function* dayTenderPages(ctx: Ctx, date: string, storeList: string[] | null): AsyncGenerator<TenderPage> {
  const storeIds = storeList ?? (await ctx.db.selectFrom('stores').select('id').orderBy('id').execute()).map((s) => s.id);
  for (const storeId of storeIds) {
    const pages = keysetPages(
      (last: TenderRow | undefined) =>
        ctx.db
          .selectFrom('sales')
          .innerJoin('sale_tenders', (j) => j.onRef('sale_tenders.store_id', '=', 'sales.store_id').onRef('sale_tenders.sale_id', '=', 'sales.id'))
          .select(['sale_tenders.method as method', 'sale_tenders.merchant_order_no as merchantOrderNo', 'sale_tenders.amount_fen as amountFen', 'sales.id as saleId', 'sales.receipt_no as receiptNo'])
          .where('sales.store_id', '=', storeId)
          .where('sales.business_date', '=', date)
          // The tenders' side bounded too: PostgreSQL merges the two primary keys, and without it
          // started each page's walk of sale_tenders at the store's first tender (240 ms a page
          // at 1 M, against 4 ms).
          .$if(last !== undefined, (q) => q.where('sales.id', '>=', last?.saleId ?? '').where('sale_tenders.sale_id', '>=', last?.saleId ?? ''))
          .where('sale_tenders.merchant_order_no', 'is not', null)
          // By sale only: SQLite then walks sales_date_idx (with the tender's id too it takes the primary key and filters the date).
          .orderBy('sales.id')
          .limit(PAGE_ROWS)
          .execute(),
      (a, b) => a.saleId === b.saleId,
    );
    for await (const rows of pages) yield { storeId, rows };
  }
}

/**
 * Bill lines of the date and the next day (a refund billed after midnight, 日切): the files with
 * lines in that window, oldest first (the newest file's rows count), each in pages along
 * channel_lines_file_idx (file, line).
 */
async function* lineWindowPages(ctx: Ctx, date: string): AsyncGenerator<LinePage> {
  const to = addDays(date, 2);
  const files = await ctx.db.selectFrom('recon_files').select(['id', 'store_ref']).where('lines_to', '>=', date).where('lines_from', '<', to).orderBy('imported_at').orderBy('id').execute();
  for (const { id: fileId, store_ref: storeId } of files) {
    const pages = keysetPages(
      (last: LineRow | undefined) =>
        ctx.db
          .selectFrom('channel_lines')
          .select(['channel', 'channel_txn_id', 'merchant_order_no', 'refund_no', 'kind', 'gross_fen', 'fee_fen', 'line', 'time'])
          .where('file_id', '=', fileId)
          .$if(last !== undefined, (q) => q.where('line', '>=', last?.line ?? 0))
          .where('time', '>=', date)
          .where('time', '<', to)
          .orderBy('line')
          .limit(PAGE_ROWS)
          .execute(),
      (a, b) => a.line === b.line,
    );
    for await (const rows of pages) yield { fileId, storeId, rows };
  }
}

/** Layers 2 and 3 for the date, over the imported settlements and bank credits of its windows. */
async function moneyLayers(ctx: Ctx, date: string, today: string, days: ReadonlyMap<string, ChannelDay>, cashDepositWords?: readonly string[]) {
  const [settlementRows, bankRows, depositRows] = await Promise.all([
    ctx.db
      .selectFrom('settlements')
      .innerJoin('recon_files', 'recon_files.id', 'settlements.file_id')
      .selectAll('settlements')
      .where('settlements.business_date', '>=', addDays(date, -BANK_WINDOW_DAYS))
      // Batches of the next two days may share a credit with this day's (many-to-one).
      .where('settlements.business_date', '<=', addDays(date, BANK_WINDOW_DAYS - 1))
      .orderBy('recon_files.imported_at')
      .orderBy('settlements.line')
      .execute(),
    ctx.db
      .selectFrom('bank_lines')
      .innerJoin('recon_files', 'recon_files.id', 'bank_lines.file_id')
      .selectAll('bank_lines')
      // The settlements' windows, and the cash deposits' (their days reach from date − 3 to date + 3).
      .where('bank_lines.value_date', '>=', addDays(date, -CASH_DEPOSIT_WINDOW_DAYS))
      .where('bank_lines.value_date', '<=', addDays(date, 2 * CASH_DEPOSIT_WINDOW_DAYS))
      .where('bank_lines.amount_fen', '>', 0)
      .orderBy('recon_files.imported_at')
      .orderBy('bank_lines.line')
      .execute(),
    ctx.db
      .selectFrom('cash_deposits')
      .innerJoin('stores', 'stores.id', 'cash_deposits.store_id')
      .select(['cash_deposits.store_id', 'stores.code', 'cash_deposits.business_date', 'cash_deposits.amount_fen', 'cash_deposits.counted_fen', 'cash_deposits.slip_no'])
      .where('cash_deposits.business_date', '>=', addDays(date, -CASH_DEPOSIT_WINDOW_DAYS))
      .where('cash_deposits.business_date', '<=', addDays(date, CASH_DEPOSIT_WINDOW_DAYS))
      .execute(),
  ]);
  const settlements: SettlementRow[] = newestFileRows(settlementRows, (s) => `${s.channel}|${s.batch_id}`).map((s) => ({
    channel: s.channel,
    businessDate: s.business_date,
    settleDate: s.settle_date,
    batchId: s.batch_id,
    count: s.txn_count,
    grossFen: Number(s.gross_fen),
    feeFen: Number(s.fee_fen),
    refundFen: Number(s.refund_fen),
    netFen: Number(s.net_fen),
  }));
  // The same statement in another format (MT940 and CSV of one day) repeats its credits.
  const credits = newestFileRows(bankRows, (b) => `${b.value_date}|${b.amount_fen}|${b.reference ?? `${b.file_id}:${b.line}`}`).map((b) => ({
    valueDate: b.value_date,
    amountFen: Number(b.amount_fen),
    counterparty: b.counterparty,
    reference: b.reference,
    description: b.description,
    line: b.line,
  }));
  const settlementCredits = credits.filter((c) => c.valueDate >= addDays(date, 1 - BANK_WINDOW_DAYS) && c.valueDate <= addDays(date, BANK_WINDOW_DAYS));
  const settlement = matchSettlements(days, settlements, { date, today });
  const bank = matchBankCredits(settlements, settlementCredits, { date, today });
  const { paid } = payingCredits(settlements, settlementCredits, date);
  const deposits = matchCashDeposits(
    depositRows.map((d) => ({ storeId: d.store_id, storeCode: d.code, businessDate: d.business_date, depositFen: Number(d.amount_fen), countedFen: Number(d.counted_fen), slipNo: d.slip_no })),
    credits,
    { date, today },
    cashDepositWords,
  );
  // Per channel for the store × channel view: batches on time or settled, and those still awaited.
  const byChannel: Record<string, { matched: number; pending: number }> = {};
  for (const channel of new Set([...days.keys(), ...settlements.filter((s) => s.businessDate === date).map((s) => s.channel)])) {
    const has = settlements.some((s) => s.channel === channel && s.businessDate === date);
    const missing = settlement.exceptions.some((e) => e.channel === channel);
    byChannel[channel] = { matched: has && !missing ? 1 : 0, pending: !has && !missing ? 1 : 0 };
  }
  const channels: ChannelMoney[] = [...new Set([...days.keys(), ...settlements.filter((s) => s.businessDate === date).map((s) => s.channel)])].sort().map((channel) => {
    const day = days.get(channel) ?? { count: 0, grossFen: 0, feeFen: 0, refundFen: 0, netFen: 0 };
    const batches = settlements.filter((s) => s.channel === channel && s.businessDate === date);
    const inTransitFen = batches.length === 0 ? day.netFen : batches.filter((b) => b.netFen !== 0 && !paid.has(b)).reduce((sum, b) => sum + b.netFen, 0);
    return { channel, count: day.count, grossFen: day.grossFen, feeFen: day.feeFen, refundFen: day.refundFen, netFen: day.netFen, inTransitFen };
  });
  return { settlement, bank, deposits, byChannel, channels };
}

async function cashExceptions(ctx: Ctx, date: string, storeList: string[] | null): Promise<{ exceptions: CashException[]; matched: number; matchedByStore: Map<string, number> }> {
  let q = ctx.db
    .selectFrom('shifts')
    .innerJoin('users', 'users.id', 'shifts.cashier_id')
    .select(['shifts.id', 'shifts.store_id', 'shifts.terminal_id', 'shifts.cashier_id', 'users.display_name', 'shifts.counted_fen', 'shifts.expected_fen', 'shifts.over_short_fen'])
    .where('shifts.business_date', '=', date)
    .where('shifts.status', '=', 'closed')
    .orderBy('shifts.id');
  if (storeList) q = q.where('shifts.store_id', 'in', storeList);
  const exceptions: CashException[] = [];
  const matchedByStore = new Map<string, number>();
  for (const s of await q.execute()) {
    const overShortFen = Number(s.over_short_fen ?? 0);
    if (overShortFen === 0) {
      matchedByStore.set(s.store_id, (matchedByStore.get(s.store_id) ?? 0) + 1);
      continue;
    }
    exceptions.push({
      code: overShortFen > 0 ? 'CASH_OVER' : 'CASH_SHORT',
      channel: 'cash',
      shiftId: s.id,
      storeId: s.store_id,
      terminalId: s.terminal_id,
      cashierId: s.cashier_id,
      cashierName: s.display_name,
      countedFen: Number(s.counted_fen ?? 0),
      expectedFen: Number(s.expected_fen ?? 0),
      overShortFen,
    });
  }
  return { exceptions, matched: [...matchedByStore.values()].reduce((a, b) => a + b, 0), matchedByStore };
}
