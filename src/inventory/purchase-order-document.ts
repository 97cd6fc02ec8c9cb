// A purchase order as the supplier receives it: a printable A4 page (采购订单, printed or saved as
// PDF from the browser) and the same table as XLSX or CSV. Pure: the service supplies the order,
// the store and each SKU's barcode. Money leaves fen only here (¥ on the page, yuan in the sheet).
import ExcelJS from 'exceljs';
import { businessDate } from '../platform/business-date';
import { formatMoney, formatYuan } from '../platform/money';
import type { Store } from '../platform/stores/service';
import { amountInCapitals } from './amount-in-capitals';
import { costOfQty } from './cost';
import type { PurchaseOrderView } from './receiving';

export interface PurchaseOrderDocument {
  poNo: string;
  draft: boolean;
  /** The day it was sent (or drafted), in the store's time zone. */
  date: string;
  store: { code: string; name: string };
  /** The order's delivery address, else the store's. */
  deliveryAddress: string | null;
  supplier: { code: string; name: string; contact: string | null };
  note: string | null;
  sentBy: string | null;
  lines: Array<{ lineNo: number; code: string; barcode: string; name: string; unit: 'piece' | 'kg'; qty: number; unitCostFen: number; amountFen: number }>;
  totalFen: number;
  totalInCapitals: string;
}

/**
 * The document of an order: each line's amount at cost (grams of a weighed item at the cost per
 * kg, half-even), the total as their sum, and the total in capital numerals.
 *
 * @example purchaseOrderDocument(po, store, (skuId) => '6901234567892').totalInCapitals // '贰拾捌元捌角整'
 */
export function purchaseOrderDocument(po: PurchaseOrderView, store: Pick<Store, 'code' | 'name' | 'timeZone' | 'address'>, barcodeOf: (skuId: string) => string): PurchaseOrderDocument {
  const lines = po.lines.map((l) => {
    const unit = l.unit === 'kg' ? ('kg' as const) : ('piece' as const);
    return { lineNo: l.lineNo, code: l.code, barcode: barcodeOf(l.skuId), name: l.name, unit, qty: l.qtyOrdered, unitCostFen: l.unitCostFen, amountFen: costOfQty(unit, l.qtyOrdered, l.unitCostFen) };
  });
  const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
  return {
    poNo: po.poNo,
    draft: po.status === 'draft',
    date: businessDate(new Date(po.sentAt ?? po.createdAt), store.timeZone, '00:00'),
    store: { code: store.code, name: store.name },
    deliveryAddress: po.deliveryAddress ?? store.address ?? null,
    supplier: { code: po.supplier.code, name: po.supplier.name, contact: po.supplier.contact },
    note: po.note,
    sentBy: po.sentBy,
    lines,
    totalFen,
    totalInCapitals: amountInCapitals(totalFen),
  };
}

const UNIT_NAMES = { piece: '件', kg: '千克' } as const;

/** Pieces as they are; grams as kg with three decimals (the unit cost is per kg). */
function qtyText(unit: 'piece' | 'kg', qty: number): string {
  return unit === 'kg' ? (qty / 1000).toFixed(3) : String(qty);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The script behind the print button (the CSP allows no inline script). */
export const PRINT_SCRIPT = "document.getElementById('print').addEventListener('click', function () { window.print(); });\n";
export const PRINT_SCRIPT_PATH = '/api/v1/purchase-orders/print.js';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f2f2f2;color:#111;font:13px/1.5 "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif}
.sheet{width:210mm;min-height:297mm;margin:16px auto;padding:15mm;background:#fff}
.toolbar{text-align:center;margin:16px 0 0}
.toolbar button{font-size:15px;padding:6px 20px;cursor:pointer}
h1{margin:0 0 4mm;font-size:22px;letter-spacing:.5em;text-align:center}
.draft{color:#c00;font-size:14px;letter-spacing:0}
dl{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:1mm 4mm;margin:0 0 4mm}
dt{font-weight:600}
dd{margin:0}
table{width:100%;border-collapse:collapse}
th,td{border:1px solid #333;padding:1.5mm 2mm}
th{background:#eee;font-weight:600}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600}
.sign{display:flex;justify-content:space-between;margin-top:12mm}
@media print{
@page{size:A4;margin:12mm}
body{background:#fff}
.toolbar{display:none}
.sheet{width:auto;min-height:0;margin:0;padding:0}
th{background:none}
tr{break-inside:avoid}
}`;

/**
 * The order as one A4 page in Chinese, with a button that opens the browser's print dialog (print,
 * or save as PDF). Every piece of user text is escaped.
 *
 * @example reply.type('text/html; charset=utf-8').send(purchaseOrderHtml(doc))
 */
export function purchaseOrderHtml(doc: PurchaseOrderDocument): string {
  const info: Array<[string, string]> = [
    ['订单号', doc.poNo],
    ['订货日期', doc.date],
    ['供应商', `${doc.supplier.name}（${doc.supplier.code}）`],
    ['联系方式', doc.supplier.contact ?? '—'],
    ['收货门店', `${doc.store.name}（${doc.store.code}）`],
    ['送货地址', doc.deliveryAddress ?? '送至收货门店'],
  ];
  const lines = doc.lines.map(
    (l) =>
      `<tr><td class="n">${l.lineNo}</td><td>${escapeHtml(l.code)}</td><td>${escapeHtml(l.barcode)}</td><td>${escapeHtml(l.name)}</td><td>${UNIT_NAMES[l.unit]}</td><td class="n">${qtyText(l.unit, l.qty)}</td><td class="n">${formatMoney(l.unitCostFen)}</td><td class="n">${formatMoney(l.amountFen)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`采购订单 ${doc.poNo}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="toolbar"><button type="button" id="print">打印 / 另存为PDF</button></div>
<main class="sheet">
<h1>采购订单${doc.draft ? ' <span class="draft">（草稿，未发送）</span>' : ''}</h1>
<dl>${info.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<table>
<thead><tr><th>序号</th><th>商品编码</th><th>条码</th><th>品名</th><th>单位</th><th>数量</th><th>单价</th><th>金额</th></tr></thead>
<tbody>
${lines.join('\n')}
</tbody>
<tfoot>
<tr><td colspan="7">合计</td><td class="n" id="total">${formatMoney(doc.totalFen)}</td></tr>
<tr><td colspan="8">金额大写：<span id="total-capitals">${doc.totalInCapitals}</span></td></tr>
</tfoot>
</table>
${doc.note ? `<p>备注：${escapeHtml(doc.note)}</p>` : ''}
<div class="sign"><span>制单：${escapeHtml(doc.sentBy ?? '')}</span><span>供应商确认（签字盖章）：</span><span>日期：</span></div>
</main>
<script src="${PRINT_SCRIPT_PATH}"></script>
</body>
</html>
`;
}

const HEADERS = ['序号', '商品编码', '条码', '品名', '单位', '数量', '单价(元)', '金额(元)'];

/** The sheet's rows: the heading block, the lines, the total and the total in capitals. */
function sheetRows(doc: PurchaseOrderDocument, money: (fen: number) => number | string, qty: (unit: 'piece' | 'kg', qty: number) => number | string): Array<Array<string | number>> {
  return [
    ['采购订单'],
    ['订单号', doc.poNo],
    ['订货日期', doc.date],
    ['供应商', `${doc.supplier.name}（${doc.supplier.code}）`],
    ['联系方式', doc.supplier.contact ?? ''],
    ['收货门店', `${doc.store.name}（${doc.store.code}）`],
    ['送货地址', doc.deliveryAddress ?? '送至收货门店'],
    [],
    HEADERS,
    ...doc.lines.map((l) => [l.lineNo, l.code, l.barcode, l.name, UNIT_NAMES[l.unit], qty(l.unit, l.qty), money(l.unitCostFen), money(l.amountFen)]),
    ['合计', '', '', '', '', '', '', money(doc.totalFen)],
    ['金额大写', doc.totalInCapitals],
    ...(doc.note ? [['备注', doc.note]] : []),
  ];
}

/** The order as one XLSX sheet: quantities and yuan as numbers (kg to the gram, yuan to the fen). */
export async function purchaseOrderXlsx(doc: PurchaseOrderDocument): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(doc.poNo);
  // fen ÷ 100 as a double prints and reads back exactly to the fen (Math.round(v × 100)).
  const rows = sheetRows(doc, (fen) => fen / 100, (unit, q) => (unit === 'kg' ? q / 1000 : q));
  for (const row of rows) sheet.addRow(row);
  const headerRow = rows.indexOf(HEADERS) + 1;
  sheet.getRow(1).font = { bold: true, size: 16 };
  sheet.getRow(headerRow).font = { bold: true };
  doc.lines.forEach((l, i) => {
    if (l.unit === 'kg') sheet.getCell(headerRow + 1 + i, 6).numFmt = '0.000';
  });
  for (let r = headerRow + 1; r <= headerRow + doc.lines.length + 1; r++) {
    for (const c of [7, 8]) sheet.getCell(r, c).numFmt = '#,##0.00';
  }
  [6, 16, 16, 28, 6, 10, 12, 14].forEach((width, i) => (sheet.getColumn(i + 1).width = width));
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The same rows as CSV (UTF-8 with BOM, so Excel shows Chinese); money as exact yuan strings. */
export async function purchaseOrderCsv(doc: PurchaseOrderDocument): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(doc.poNo);
  for (const row of sheetRows(doc, formatYuan, qtyText)) sheet.addRow(row);
  return Buffer.concat([Buffer.from('\uFEFF'), Buffer.from(await book.csv.writeBuffer())]);
}
