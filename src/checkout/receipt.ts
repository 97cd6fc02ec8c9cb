// What a receipt says, independent of how it is printed: the view both the ESC/POS and the HTML
// renderers read, plus the labels and number formats they share so slip and page agree.
import Big from 'big.js';
import type { Unit } from '../catalog/types';
import { AppError } from '../platform/errors';
import { formatMoney } from '../platform/money';

export type TenderMethod = 'cash' | 'card' | 'wechat' | 'alipay' | 'unionpay' | 'ecny' | 'points';
export type ReceiptLang = 'zh-CN' | 'en';

export interface ReceiptLine {
  name: string;
  /** Pieces, or grams when unit is 'kg'. */
  qty: number;
  unit: Unit;
  /** Per piece, or per kg when unit is 'kg'. */
  unitPriceFen: number;
  listFen: number;
  discountFen: number;
  totalFen: number;
}

export interface ReceiptTender {
  method: TenderMethod;
  amountFen: number;
  cardLast4?: string | null;
  reference?: string | null;
}

export interface ReceiptView {
  storeName: string;
  storeCode: string;
  terminalCode: string;
  cashierName: string;
  receiptNo: string;
  /** ISO instant. */
  issuedAt: string;
  /** The store's IANA zone, e.g. Asia/Shanghai; times print in it, not the server's. */
  timeZone: string;
  lines: ReceiptLine[];
  promotions: Array<{ name: string; savingFen: number }>;
  subtotalFen: number;
  discountFen: number;
  /** 抹零: ≥ 0, taken off the total. */
  roundingFen: number;
  /** Amount due after rounding. */
  totalFen: number;
  taxes: Array<{ rate: string; grossFen: number; taxFen: number }>;
  tenders: ReceiptTender[];
  changeFen: number;
  /** Absolute URL or path of the e-receipt; encoded into the QR. */
  receiptUrl: string;
  member?: { maskedPhone: string; pointsEarned: number; pointsBalance: number } | null;
}

export const TENDER_LABELS: Record<ReceiptLang, Record<TenderMethod, string>> = {
  'zh-CN': { cash: '现金', card: '银行卡', wechat: '微信支付', alipay: '支付宝', unionpay: '云闪付', ecny: '数字人民币', points: '积分' },
  en: { cash: 'Cash', card: 'Bank card', wechat: 'WeChat Pay', alipay: 'Alipay', unionpay: 'UnionPay QR', ecny: 'e-CNY', points: 'Points' },
};

export interface ReceiptLabels {
  title: string;
  store: string;
  receiptNo: string;
  terminal: string;
  cashier: string;
  time: string;
  listPrice: string;
  discount: string;
  promotions: string;
  subtotal: string;
  rounding: string;
  total: string;
  vat: string;
  vatIncluded: string;
  gross: string;
  change: string;
  reference: string;
  member: string;
  pointsEarned: string;
  pointsBalance: string;
  scanForReceipt: string;
}

export const RECEIPT_LABELS: Record<ReceiptLang, ReceiptLabels> = {
  'zh-CN': {
    title: '购物小票',
    store: '门店',
    receiptNo: '小票号',
    terminal: '收银台',
    cashier: '收银员',
    time: '时间',
    listPrice: '原价',
    discount: '优惠',
    promotions: '促销',
    subtotal: '合计',
    rounding: '抹零',
    total: '应收',
    vat: '增值税',
    vatIncluded: '以上价格已含增值税',
    gross: '含税金额',
    change: '找零',
    reference: '参考号',
    member: '会员',
    pointsEarned: '本次积分',
    pointsBalance: '积分余额',
    scanForReceipt: '扫码查看电子小票',
  },
  en: {
    title: 'Receipt',
    store: 'Store',
    receiptNo: 'Receipt No.',
    terminal: 'Till',
    cashier: 'Cashier',
    time: 'Time',
    listPrice: 'List',
    discount: 'Discount',
    promotions: 'Promotions',
    subtotal: 'Subtotal',
    rounding: 'Rounding',
    total: 'Total due',
    vat: 'VAT',
    vatIncluded: 'Prices include VAT',
    gross: 'Gross',
    change: 'Change',
    reference: 'Ref.',
    member: 'Member',
    pointsEarned: 'Points earned',
    pointsBalance: 'Points balance',
    scanForReceipt: 'Scan for your e-receipt',
  },
};

const timeFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The issue time as the store's wall clock, `YYYY-MM-DD HH:MM:SS`: a receipt shows the time the
 * customer saw on the till, whatever zone the server runs in.
 *
 * @example formatReceiptTime('2026-11-30T06:05:09Z', 'Asia/Shanghai') // '2026-11-30 14:05:09'
 */
export function formatReceiptTime(iso: string, timeZone: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) {
    throw new AppError('VALIDATION_FAILED', `Receipt time "${iso}" is not an ISO instant such as 2026-11-30T06:05:09Z.`, {
      details: { field: 'issuedAt', value: iso },
    });
  }
  const parts: Record<string, string> = {};
  for (const p of timeFormatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function timeFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = timeFormatters.get(timeZone);
  if (!f) {
    try {
      // h23, because some ICU versions print midnight as "24" with hour12: false.
      f = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw new AppError('VALIDATION_FAILED', `Unknown time zone "${timeZone}". Use an IANA name such as Asia/Shanghai.`);
    }
    timeFormatters.set(timeZone, f);
  }
  return f;
}

/**
 * A line quantity as printed: pieces as a whole number, weighed goods in kg with three decimals
 * (the scale's gram resolution), so nothing is rounded away.
 *
 * @example formatQty(3, 'piece') // '3'
 * @example formatQty(1234, 'kg') // '1.234kg'
 */
export function formatQty(qty: number, unit: Unit): string {
  if (!Number.isSafeInteger(qty)) {
    throw new AppError('VALIDATION_FAILED', `Quantity must be whole pieces or grams, got ${qty}.`, { details: { field: 'qty', value: qty } });
  }
  if (unit === 'piece') return String(qty);
  const sign = qty < 0 ? '-' : '';
  const grams = Math.abs(qty);
  return `${sign}${Math.trunc(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}kg`;
}

/**
 * The quantity-times-price text under a line's name.
 *
 * @example formatLineQty({ qty: 1234, unit: 'kg', unitPriceFen: 1280 }) // '1.234kg × ¥12.80/kg'
 */
export function formatLineQty(line: Pick<ReceiptLine, 'qty' | 'unit' | 'unitPriceFen'>): string {
  const price = formatMoney(line.unitPriceFen);
  return `${formatQty(line.qty, line.unit)} × ${line.unit === 'kg' ? `${price}/kg` : price}`;
}

/**
 * A VAT rate as a percentage, exactly.
 *
 * @example formatRatePercent('0.13') // '13%'
 */
export function formatRatePercent(rate: string): string {
  return `${new Big(rate).times(100).toString()}%`;
}

/**
 * How a tender is named on the receipt; a card shows only its last 4 digits, as stored.
 *
 * @example tenderText({ method: 'card', amountFen: 100, cardLast4: '4321' }, 'zh-CN') // '银行卡 ****4321'
 */
export function tenderText(tender: ReceiptTender, lang: ReceiptLang): string {
  const label = TENDER_LABELS[lang][tender.method];
  return tender.cardLast4 ? `${label} ****${tender.cardLast4}` : label;
}
