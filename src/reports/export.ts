// A sales report as a table for people: CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX.
// Money leaves fen only here, as yuan: exact strings in CSV, numbers formatted 0.00 in XLSX.
import ExcelJS from 'exceljs';
import { formatYuan } from '../platform/money';
import type { ReportLine, SalesReport } from './service';

export type ExportLang = 'zh-CN' | 'en';

interface Column {
  zh: string;
  en: string;
  money?: boolean;
  value: (r: ReportLine) => string | number;
}

const COLUMNS: Column[] = [
  { zh: '编码', en: 'Key', value: (r) => r.key },
  { zh: '名称', en: 'Name', value: (r) => r.label },
  { zh: '销售额(原价)', en: 'Gross', money: true, value: (r) => r.grossFen },
  { zh: '折扣', en: 'Discounts', money: true, value: (r) => r.discountFen },
  { zh: '退货', en: 'Returns', money: true, value: (r) => r.returnsFen },
  { zh: '净销售额', en: 'Net sales', money: true, value: (r) => r.netFen },
  { zh: '交易笔数', en: 'Transactions', value: (r) => r.transactions },
  { zh: '客单价', en: 'Average ticket', money: true, value: (r) => r.avgTicketFen },
  { zh: '客单件数', en: 'Items per basket', value: (r) => r.itemsPerBasket },
  { zh: '成本', en: 'Cost', money: true, value: (r) => r.costFen },
  { zh: '毛利', en: 'Margin', money: true, value: (r) => r.marginFen },
  { zh: '毛利率%', en: 'Margin %', value: (r) => r.marginPct ?? '' },
  { zh: '占比%', en: 'Share %', value: (r) => r.sharePct ?? '' },
];

const TOTAL_LABEL = { 'zh-CN': '合计', en: 'Total' };

function tableOf(report: SalesReport, lang: ExportLang): { headers: string[]; rows: ReportLine[] } {
  const total = { ...report.totals, key: TOTAL_LABEL[lang], label: '' };
  return { headers: COLUMNS.map((c) => (lang === 'en' ? c.en : c.zh)), rows: [...report.rows, total] };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** @example reportCsv(report, 'zh-CN') // '\uFEFF编码,名称,…\r\n2026-11-30,2026-11-30,123.45,…' */
export function reportCsv(report: SalesReport, lang: ExportLang = 'zh-CN'): string {
  const { headers, rows } = tableOf(report, lang);
  const lines = [headers.map(csvCell).join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(c.money ? formatYuan(c.value(r) as number) : c.value(r))).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The report as one XLSX sheet; money cells hold yuan as numbers, shown with two decimals. */
export async function reportXlsx(report: SalesReport, lang: ExportLang = 'zh-CN'): Promise<Buffer> {
  const { headers, rows } = tableOf(report, lang);
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(`${report.from}~${report.to}`);
  sheet.addRow(headers).font = { bold: true };
  for (const r of rows) {
    // fen ÷ 100 as a double prints and reads back exactly to the fen (Math.round(v × 100)).
    sheet.addRow(COLUMNS.map((c) => (c.money ? (c.value(r) as number) / 100 : c.value(r))));
  }
  COLUMNS.forEach((c, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = i < 2 ? 18 : 14;
    if (c.money) column.numFmt = '#,##0.00';
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}

export function exportFileName(report: SalesReport, format: 'csv' | 'xlsx'): string {
  return `sales-${report.by}-${report.from}-${report.to}.${format}`;
}
