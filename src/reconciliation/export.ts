// A day's exception list for the finance clerk's spreadsheet: CSV (UTF-8 with BOM, so Excel shows
// Chinese) and XLSX. Money leaves fen only here, as yuan.
import ExcelJS from 'exceljs';
import { formatYuan } from '../platform/money';
import type { ReconRun, RunException } from './run';

export type ExportLang = 'zh-CN' | 'en';

/** The codes' names as the back office shows them (web/src/locales recon.codes). */
const CODE_NAMES: Record<string, { zh: string; en: string }> = {
  POS_ONLY: { zh: '有销售无账单', en: 'Sale with no channel line' },
  CHANNEL_ONLY: { zh: '有账单无销售（掉单）', en: 'Paid at the channel, no sale' },
  AMOUNT_MISMATCH: { zh: '金额不符', en: 'Amount mismatch' },
  DUPLICATE: { zh: '重复扣款', en: 'Charged twice' },
  FEE_MISMATCH: { zh: '手续费与费率不符', en: 'Fee off the contract rate' },
  REVERSED_AFTER_SUCCESS: { zh: '成交后被撤销', en: 'Reversed after success' },
  REFUND_POS_ONLY: { zh: '有退款无账单', en: 'Refund with no channel line' },
  REFUND_CHANNEL_ONLY: { zh: '账单有退款、收银无退款', en: 'Refund at the channel only' },
  SETTLEMENT_MISSING: { zh: '结算单未到', en: 'Settlement missing' },
  SETTLEMENT_MISMATCH: { zh: '结算金额不符', en: 'Settlement mismatch' },
  BANK_UNMATCHED: { zh: '银行到账未对上', en: 'Bank credit unmatched' },
  CASH_OVER: { zh: '现金长款', en: 'Cash over' },
  CASH_SHORT: { zh: '现金短款', en: 'Cash short' },
};

const STATUS_NAMES: Record<string, { zh: string; en: string }> = {
  open: { zh: '待处理', en: 'Open' },
  assigned: { zh: '已分派', en: 'Assigned' },
  resolved: { zh: '已解决', en: 'Resolved' },
  written_off: { zh: '已核销', en: 'Written off' },
};

interface Column {
  zh: string;
  en: string;
  money?: boolean;
  value: (e: RunException, run: ReconRun, lang: ExportLang) => string | number | null;
}

const field = (e: RunException, name: string): unknown => (e as unknown as Record<string, unknown>)[name];
const text = (e: RunException, name: string): string => {
  const v = field(e, name);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
};
const fen = (e: RunException, name: string): number | null => {
  const v = field(e, name);
  return typeof v === 'number' ? v : null;
};
const named = (names: Record<string, { zh: string; en: string }>, key: string, lang: ExportLang) => names[key]?.[lang === 'en' ? 'en' : 'zh'] ?? key;

const COLUMNS: Column[] = [
  { zh: '业务日期', en: 'Business date', value: (_e, run) => run.date },
  { zh: '差异类型', en: 'Exception', value: (e, _r, lang) => named(CODE_NAMES, e.code, lang) },
  { zh: '代码', en: 'Code', value: (e) => e.code },
  { zh: '渠道', en: 'Channel', value: (e) => e.channel },
  { zh: '门店', en: 'Store', value: (e, run) => run.stores.find((s) => s.storeId === e.storeId)?.storeCode ?? '' },
  { zh: '商户订单号/参考号', en: 'Order / reference', value: (e) => text(e, 'merchantOrderNo') || text(e, 'slipNo') },
  { zh: '退款单号', en: 'Refund no.', value: (e) => text(e, 'refundNo') },
  { zh: '结算批次', en: 'Batch', value: (e) => text(e, 'batchId') },
  { zh: '小票号', en: 'Receipt', value: (e) => text(e, 'receiptNo') },
  // A cash deposit's two amounts: what the store took to the bank, what the bank credited.
  { zh: '收银金额', en: 'POS amount', money: true, value: (e) => fen(e, 'posAmountFen') ?? fen(e, 'depositFen') },
  { zh: '账单金额', en: 'Channel amount', money: true, value: (e) => fen(e, 'channelAmountFen') ?? fen(e, 'bankFen') },
  { zh: '差额', en: 'Difference', money: true, value: (e) => e.amountFen },
  { zh: '状态', en: 'Status', value: (e, _r, lang) => named(STATUS_NAMES, e.status ?? 'open', lang) },
  { zh: '账单行', en: 'Bill lines', value: (e) => (Array.isArray(field(e, 'lines')) ? (field(e, 'lines') as number[]).join(' ') : '') },
];

function csvCell(value: string | number | null): string {
  const t = value === null ? '' : String(value);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** @example exceptionsCsv(run, 'zh-CN') // '\uFEFF业务日期,差异类型,…\r\n2026-11-29,金额不符,AMOUNT_MISMATCH,wechat,S001,…' */
export function exceptionsCsv(run: ReconRun, lang: ExportLang = 'zh-CN'): string {
  const lines = [
    COLUMNS.map((c) => csvCell(lang === 'en' ? c.en : c.zh)).join(','),
    ...run.exceptions.map((e) =>
      COLUMNS.map((c) => {
        const v = c.value(e, run, lang);
        return csvCell(c.money && typeof v === 'number' ? formatYuan(v) : v);
      }).join(','),
    ),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The exceptions as one XLSX sheet named by the date; money cells hold yuan as numbers shown with two decimals. */
export async function exceptionsXlsx(run: ReconRun, lang: ExportLang = 'zh-CN'): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(run.date);
  sheet.addRow(COLUMNS.map((c) => (lang === 'en' ? c.en : c.zh))).font = { bold: true };
  for (const e of run.exceptions) {
    sheet.addRow(COLUMNS.map((c) => {
      const v = c.value(e, run, lang);
      return c.money && typeof v === 'number' ? v / 100 : v;
    }));
  }
  COLUMNS.forEach((c, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = c.money ? 14 : 20;
    if (c.money) column.numFmt = '#,##0.00';
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}
