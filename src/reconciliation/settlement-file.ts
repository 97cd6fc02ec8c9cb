// The T+1 settlement file (结算单) a channel sends for a business date: gross, fees, refunds and
// the net it pays to the merchant's bank account, under a batch id. Tillpoint's own small CSV,
// documented in docs/reconciliation-formats.md; the sandboxes write it, `recon import --channel
// settlement` reads it.
import Big from 'big.js';
import { AppError } from '../platform/errors';
import { formatYuan } from '../platform/money';
import { calendarDate } from './bank-checks';

/** One settlement batch: a channel's money for one business date. Fees and refunds are ≥ 0 as paid out. */
export interface SettlementBatch {
  channel: string;
  merchantId: string;
  /** YYYY-MM-DD: the business date whose transactions are settled. */
  businessDate: string;
  /** YYYY-MM-DD: the day the net is paid (T+1, later over holidays). */
  settleDate: string;
  batchId: string;
  /** Payment and refund lines in the batch. */
  count: number;
  grossFen: number;
  /** Fees charged net of fees returned on refunds. */
  feeFen: number;
  refundFen: number;
  /** grossFen − feeFen − refundFen. */
  netFen: number;
  /** The line in the file (1-based). */
  line: number;
}

export const SETTLEMENT_TITLE = '# Tillpoint settlement v1';
export const SETTLEMENT_HEADER = ['channel', 'merchant_id', 'business_date', 'settle_date', 'batch_id', 'count', 'gross', 'fees', 'refunds', 'net'] as const;
const CHANNELS = new Set(['wechat', 'alipay', 'aggregator', 'card']);
const YUAN = /^-?\d+\.\d{2}$/;

function settlementError(line: number | null, problem: string): AppError {
  const where = line === null ? '' : `Line ${line}: `;
  return new AppError('SETTLEMENT_FILE_INVALID', `${where}${problem} Nothing was imported.`, { details: { line } });
}

function toYuan(fen: number): string {
  return new Big(fen).div(100).toFixed(2);
}

/**
 * Writes settlement batches as the settlement CSV (UTF-8, LF, amounts in yuan with two decimals).
 *
 * @example formatSettlementFile([{ channel: 'wechat', merchantId: '10000100', businessDate: '2026-11-29', settleDate: '2026-11-30', batchId: 'WX20261129', count: 2, grossFen: 3000, feeFen: 18, refundFen: 500, netFen: 2482, line: 3 }])
 */
export function formatSettlementFile(batches: readonly SettlementBatch[]): Buffer {
  const rows = batches.map((b) => [b.channel, b.merchantId, b.businessDate, b.settleDate, b.batchId, String(b.count), toYuan(b.grossFen), toYuan(b.feeFen), toYuan(b.refundFen), toYuan(b.netFen)].join(','));
  return Buffer.from([SETTLEMENT_TITLE, SETTLEMENT_HEADER.join(','), ...rows, ''].join('\n'), 'utf8');
}

/**
 * Reads a settlement CSV. Every row must add up (net = gross − fees − refunds) and name a known
 * channel, real dates (settled on or after the business date) and a batch id; the file is refused
 * whole, naming the line, when one does not.
 *
 * @example parseSettlementFile(formatSettlementFile(batches)) // batches
 */
export function parseSettlementFile(bytes: Buffer): SettlementBatch[] {
  const lines = bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r\n|\n/);
  if ((lines[0] ?? '').trim() !== SETTLEMENT_TITLE) {
    throw settlementError(1, `the file does not start with "${SETTLEMENT_TITLE}": it is not a Tillpoint settlement file. Check which channel file you chose.`);
  }
  if ((lines[1] ?? '').trim() !== SETTLEMENT_HEADER.join(',')) {
    throw settlementError(2, `the header should be "${SETTLEMENT_HEADER.join(',')}". Download the settlement file again.`);
  }
  const batches: SettlementBatch[] = [];
  const seen = new Map<string, number>();
  lines.slice(2).forEach((raw, index) => {
    const line = index + 3;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== SETTLEMENT_HEADER.length) {
      throw settlementError(line, `the row has ${cells.length} columns, the header ${SETTLEMENT_HEADER.length}. The file is damaged or cut off: download it again.`);
    }
    const [channel = '', merchantId = '', businessDate = '', settleDate = '', batchId = '', count = '', gross = '', fees = '', refunds = '', net = ''] = cells;
    if (!CHANNELS.has(channel)) throw settlementError(line, `"${channel}" is not a channel (wechat, alipay, aggregator, card).`);
    const date = (text: string, name: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      const value = m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
      if (!value) throw settlementError(line, `${name} "${text}" is not a date like 2026-11-29.`);
      return value;
    };
    const business = date(businessDate, 'business_date');
    const settle = date(settleDate, 'settle_date');
    if (settle < business) throw settlementError(line, `settle_date ${settle} is before business_date ${business}; money cannot be settled before it is taken.`);
    if (merchantId === '' || batchId === '') throw settlementError(line, 'merchant_id and batch_id must not be empty.');
    if (!/^\d+$/.test(count)) throw settlementError(line, `count "${count}" is not a whole number.`);
    const fen = (text: string, name: string) => {
      if (!YUAN.test(text)) throw settlementError(line, `${name} "${text}" is not an amount in yuan with two decimals like 1234.50.`);
      return Number(new Big(text).times(100).toFixed(0));
    };
    const batch: SettlementBatch = { channel, merchantId, businessDate: business, settleDate: settle, batchId, count: Number(count), grossFen: fen(gross, 'gross'), feeFen: fen(fees, 'fees'), refundFen: fen(refunds, 'refunds'), netFen: fen(net, 'net'), line };
    const expected = batch.grossFen - batch.feeFen - batch.refundFen;
    if (expected !== batch.netFen) {
      throw settlementError(line, `net ${formatYuan(batch.netFen)} is not gross ${formatYuan(batch.grossFen)} − fees ${formatYuan(batch.feeFen)} − refunds ${formatYuan(batch.refundFen)} = ${formatYuan(expected)}. Ask the channel for a corrected settlement file.`);
    }
    const earlier = seen.get(batchId);
    if (earlier !== undefined) throw settlementError(line, `batch ${batchId} is also on line ${earlier}; a batch is settled once.`);
    seen.set(batchId, line);
    batches.push(batch);
  });
  if (batches.length === 0) throw settlementError(null, 'The settlement file has no batches. Download it again.');
  return batches;
}
