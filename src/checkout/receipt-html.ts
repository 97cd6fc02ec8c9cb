// The receipt as one self-contained HTML page: the e-receipt at /r/{token} and the printable slip
// for till PCs without an ESC/POS printer. No scripts (the CSP forbids inline ones), no fetches.
import QRCode from 'qrcode';
import { formatMoney } from '../platform/money';
import type { ReceiptLang, ReceiptView } from './receipt';
import { RECEIPT_LABELS, formatLineQty, formatRatePercent, formatReceiptTime, tenderText } from './receipt';

// The print rules fit an 80 mm roll: 72 mm is what its head prints. No @page size, because a
// roll has no page length; the printer driver feeds what the content needs.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f2f2f2;color:#111;font:14px/1.5 "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif}
.receipt{max-width:80mm;margin:16px auto;padding:12px 16px;background:#fff}
h1{margin:0 0 8px;font-size:18px;text-align:center}
h2{margin:0 0 4px;font-size:13px}
section,footer{border-top:1px dashed #999;padding:8px 0}
.row{display:flex;justify-content:space-between;gap:8px}
.row>span:last-child{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.name{overflow-wrap:anywhere}
.sub{padding-left:1em;color:#555;font-size:12px}
.sub>span:last-child{white-space:normal;overflow-wrap:anywhere}
.due{font-size:18px;font-weight:700}
.note{margin:4px 0 0;color:#555;font-size:12px}
.qr{text-align:center}
.qr svg{display:block;width:36mm;height:36mm;margin:0 auto}
.qr p{margin:4px 0 0}
@media print{
@page{margin:0}
body{background:#fff;font-size:12px}
.receipt{width:72mm;max-width:none;margin:0 auto;padding:0}
h1{font-size:16px}
.due{font-size:16px}
section,footer{break-inside:avoid}
}`;

/**
 * Renders a receipt as a complete HTML page with inline CSS and the e-receipt QR as inline SVG.
 * Every piece of user text is escaped; money prints as ¥ with two decimals and the time in the
 * store's zone.
 *
 * @example
 * const html = await renderReceiptHtml(view, 'zh-CN');
 * reply.type('text/html; charset=utf-8').send(html);
 */
export async function renderReceiptHtml(view: ReceiptView, lang: ReceiptLang): Promise<string> {
  const t = RECEIPT_LABELS[lang];
  const qr = await QRCode.toString(view.receiptUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });

  const lines = view.lines.map((line) => {
    const discount =
      line.discountFen > 0 ? row(`${t.listPrice} ${formatMoney(line.listFen)}`, `${t.discount} ${formatMoney(-line.discountFen)}`, 'sub') : '';
    return `<div class="line"><div class="name">${escapeHtml(line.name)}</div>${row(formatLineQty(line), formatMoney(line.totalFen), 'sub')}${discount}</div>`;
  });

  const promotions =
    view.promotions.length > 0
      ? section('promotions', view.promotions.map((p) => row(p.name, formatMoney(-p.savingFen))), t.promotions)
      : '';

  const totals = [
    row(t.subtotal, formatMoney(view.subtotalFen)),
    view.discountFen > 0 ? row(t.discount, formatMoney(-view.discountFen)) : '',
    view.roundingFen > 0 ? row(t.rounding, formatMoney(-view.roundingFen)) : '',
    row(t.total, formatMoney(view.totalFen), 'due'),
  ];

  const taxes =
    view.taxes.length > 0
      ? section('taxes', [
          ...view.taxes.map((tax) => row(`${t.vat} ${formatRatePercent(tax.rate)} · ${t.gross} ${formatMoney(tax.grossFen)}`, formatMoney(tax.taxFen))),
          `<p class="note">${escapeHtml(t.vatIncluded)}</p>`,
        ])
      : '';

  const payments = [
    ...view.tenders.map((tender) => row(tenderText(tender, lang), formatMoney(tender.amountFen)) + (tender.reference ? row(t.reference, tender.reference, 'sub') : '')),
    row(t.change, formatMoney(view.changeFen)),
  ];

  const member = view.member
    ? section('member', [
        row(t.member, view.member.maskedPhone),
        row(t.pointsEarned, String(view.member.pointsEarned)),
        row(t.pointsBalance, String(view.member.pointsBalance)),
      ])
    : '';

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${t.title} ${view.receiptNo}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="receipt">
<header>
<h1>${escapeHtml(view.storeName)}</h1>
${row(t.store, view.storeCode)}
${row(t.receiptNo, view.receiptNo)}
${row(t.terminal, view.terminalCode)}
${row(t.cashier, view.cashierName)}
${row(t.time, formatReceiptTime(view.issuedAt, view.timeZone))}
</header>
${section('lines', lines)}
${promotions}
${section('totals', totals)}
${taxes}
${section('payments', payments)}
${member}
<footer class="qr">
${qr.replace('<svg ', `<svg role="img" aria-label="${escapeHtml(t.scanForReceipt)}" `)}
<p>${escapeHtml(t.scanForReceipt)}</p>
</footer>
</main>
</body>
</html>
`;
}

/** A label and a right-aligned value, both escaped. */
function row(left: string, right: string, className?: string): string {
  const cls = className ? `row ${className}` : 'row';
  return `<div class="${cls}"><span>${escapeHtml(left)}</span><span>${escapeHtml(right)}</span></div>`;
}

function section(className: string, body: string[], heading?: string): string {
  const h2 = heading ? `<h2>${escapeHtml(heading)}</h2>\n` : '';
  return `<section class="${className}">\n${h2}${body.filter((b) => b !== '').join('\n')}\n</section>`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}
