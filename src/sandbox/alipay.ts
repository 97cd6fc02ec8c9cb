// A local Alipay OpenAPI sandbox: alipay.trade.pay (bar_code), .query, .cancel, .refund and
// alipay.trade.fastpay.refund.query, checking the merchant's RSA2 signature and signing answers
// with its own key. Outcomes by the last two digits of the payment code: …21 waits for the
// customer (10003), paid 12 s later; …22 balance too low; …23 system error, but paid; …24 waits
// and is never confirmed; …25 invalid code; anything else is paid at once. Refunds go through
// at once, partial ones kept per order by their out_request_no.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock';
import { formatYuan, parseYuan } from '../platform/money';
import { alipaySignContent, signRsa2, verifyRsa2 } from '../payments/alipay-client';
import { openJournal } from './journal';
import { alipayBillEndpoints, type BillDownloads } from './bill-download';
import { DEMO_ALIPAY } from './demo-merchants';

export interface AlipaySandboxRefund {
  /** out_request_no, the bill's 退款批次号/请求号. */
  outRequestNo: string;
  refundFen: number;
  reason: string;
  refundedAt: number;
}

export interface AlipaySandboxOrder {
  outTradeNo: string;
  tradeNo: string;
  totalFen: number;
  authCode: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  createdAt: number;
  paidAt: number | null;
  refunds: AlipaySandboxRefund[];
}

/**
 * The sandbox's orders as its journal last recorded them. Journals written before partial
 * refunds held one `refundedAt` (a paid order cancelled): read as one refund of the whole order.
 */
export function loadAlipayOrders(journalFile: string): AlipaySandboxOrder[] {
  return openJournal<AlipaySandboxOrder & { refundedAt?: number }>(journalFile, 'outTradeNo')
    .load()
    .map(({ refundedAt, ...o }) => ({ ...o, refunds: o.refunds ?? (refundedAt !== undefined ? [{ outRequestNo: `R${o.outTradeNo}`, refundFen: o.totalFen, reason: '', refundedAt }] : []) }));
}

export interface AlipaySandbox {
  url: string;
  orders: Map<string, AlipaySandboxOrder>;
  /** The trade bill download (alipay.data.dataservice.bill.downloadurl.query, bill-download.ts). */
  bills: BillDownloads;
  close(): Promise<void>;
}

export interface AlipaySandboxOptions {
  /** Where the sandbox keeps its orders (JSON lines), so bills can be exported later. */
  journalFile?: string;
  /** Where the bills it has published are (bill-download.ts `publishBill`): a day's published bill is served instead of one made from the orders. */
  publishedBills?: string;
  appId: string;
  /** The merchant's public key, to check requests. */
  merchantPublicKeyPem: string;
  /** The sandbox's own ("Alipay's") private key, to sign answers. */
  alipayPrivateKeyPem: string;
  clock: Clock;
  /** The merchant's Alipay account (PID) its bills are headed with; the demo's by default. */
  account?: string;
}

const PASSWORD_DELAY_MS = 12_000;

function beijing(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

export async function startAlipaySandbox(options: AlipaySandboxOptions): Promise<AlipaySandbox> {
  const journal = options.journalFile ? openJournal<AlipaySandboxOrder>(options.journalFile, 'outTradeNo') : undefined;
  const orders = new Map<string, AlipaySandboxOrder>((options.journalFile ? loadAlipayOrders(options.journalFile) : []).map((o) => [o.outTradeNo, o]));
  const record = (o: AlipaySandboxOrder) => journal?.append(o);
  const refundedFen = (o: AlipaySandboxOrder) => o.refunds.reduce((sum, r) => sum + r.refundFen, 0);
  const now = () => options.clock.now().getTime();
  const answer = (method: string, node: Record<string, string>): string => {
    const body = JSON.stringify(node);
    return `{"${method.replace(/\./g, '_')}_response":${body},"sign":"${signRsa2(body, options.alipayPrivateKeyPem)}"}`;
  };
  const settle = (o: AlipaySandboxOrder) => {
    if (o.status === 'WAIT_BUYER_PAY' && o.authCode.endsWith('21') && now() - o.createdAt >= PASSWORD_DELAY_MS) {
      o.status = 'TRADE_SUCCESS';
      o.paidAt = o.createdAt + PASSWORD_DELAY_MS;
      record(o);
    }
  };
  let baseUrl = '';
  const bills = alipayBillEndpoints({ clock: options.clock, account: options.account ?? DEMO_ALIPAY.account, publishedBills: options.publishedBills }, () => [...orders.values()], () => baseUrl);
  const handle = (form: URLSearchParams): string => {
    const params = Object.fromEntries(form.entries());
    const method = params.method ?? '';
    if (params.app_id !== options.appId || !verifyRsa2(alipaySignContent(params), params.sign ?? '', options.merchantPublicKeyPem)) {
      return answer(method, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' });
    }
    const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, string>;
    const outTradeNo = biz.out_trade_no ?? '';
    const order = orders.get(outTradeNo);
    if (method === 'alipay.data.dataservice.bill.downloadurl.query') return answer(method, bills.query(biz));
    if (method === 'alipay.trade.pay') {
      const authCode = biz.auth_code ?? '';
      const tail = authCode.slice(-2);
      if (order) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_HAS_SUCCESS', sub_msg: '交易已被支付' });
      if (!/^(2[5-9]|30)\d{14,22}$/.test(authCode) || tail === '25') return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款' });
      if (tail === '22') return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', sub_msg: '买家余额不足' });
      const waiting = tail === '21' || tail === '24';
      const created: AlipaySandboxOrder = { outTradeNo, tradeNo: `2026${String(now()).slice(-10)}${randomBytes(5).readUIntBE(0, 5).toString().padStart(14, '0')}`.slice(0, 28), totalFen: parseYuan(biz.total_amount ?? '0'), authCode, status: waiting ? 'WAIT_BUYER_PAY' : 'TRADE_SUCCESS', createdAt: now(), paidAt: waiting ? null : now(), refunds: [] };
      orders.set(outTradeNo, created);
      record(created);
      if (tail === '23') return answer(method, { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' });
      if (waiting) return answer(method, { code: '10003', msg: ' order success pay inprocess', out_trade_no: outTradeNo, trade_no: created.tradeNo });
      return answer(method, { code: '10000', msg: 'Success', out_trade_no: outTradeNo, trade_no: created.tradeNo, total_amount: biz.total_amount ?? '' });
    }
    if (method === 'alipay.trade.query') {
      if (!order) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' });
      settle(order);
      return answer(method, { code: '10000', msg: 'Success', out_trade_no: outTradeNo, trade_no: order.tradeNo, trade_status: order.status });
    }
    if (method === 'alipay.trade.cancel') {
      if (!order) return answer(method, { code: '10000', msg: 'Success', retry_flag: 'N', action: 'close' });
      settle(order);
      const action = order.status === 'TRADE_SUCCESS' ? 'refund' : 'close';
      // A paid order that is cancelled is refunded (what is left of it): the bill shows the payment and its refund.
      if (action === 'refund') order.refunds.push({ outRequestNo: `R${outTradeNo}`, refundFen: order.totalFen - refundedFen(order), reason: '撤销', refundedAt: now() });
      order.status = 'TRADE_CLOSED';
      record(order);
      return answer(method, { code: '10000', msg: 'Success', out_trade_no: outTradeNo, retry_flag: 'N', action });
    }
    if (method === 'alipay.trade.refund') {
      if (!order) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' });
      const outRequestNo = biz.out_request_no || outTradeNo;
      const refundFen = parseYuan(biz.refund_amount ?? '0');
      const done = order.refunds.find((r) => r.outRequestNo === outRequestNo);
      const refunded = (extra: Record<string, string>) => answer(method, { code: '10000', msg: 'Success', trade_no: order.tradeNo, out_trade_no: outTradeNo, buyer_logon_id: '138******00', refund_fee: formatYuan(refundedFen(order)), gmt_refund_pay: beijing(done?.refundedAt ?? now()), ...extra });
      if (done) {
        // Alipay's rule: the same out_request_no again changes no money (fund_change N).
        if (done.refundFen !== refundFen) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', sub_msg: '退款请求号已使用，退款金额与原请求不一致' });
        return refunded({ fund_change: 'N' });
      }
      settle(order);
      if (order.status !== 'TRADE_SUCCESS') return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR', sub_msg: '交易状态不合法' });
      if (refundFen <= 0 || refundFen > order.totalFen - refundedFen(order)) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', sub_msg: '退款金额超限' });
      order.refunds.push({ outRequestNo, refundFen, reason: biz.refund_reason ?? '', refundedAt: now() });
      // A trade refunded in full is closed, as Alipay closes it.
      if (refundedFen(order) === order.totalFen) order.status = 'TRADE_CLOSED';
      record(order);
      return refunded({ fund_change: 'Y' });
    }
    if (method === 'alipay.trade.fastpay.refund.query') {
      if (!order) return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' });
      const outRequestNo = biz.out_request_no || outTradeNo;
      const refund = order.refunds.find((r) => r.outRequestNo === outRequestNo);
      // No refund_status: the refund request was not received (Alipay's documented meaning).
      if (!refund) return answer(method, { code: '10000', msg: 'Success', out_trade_no: outTradeNo, out_request_no: outRequestNo });
      return answer(method, { code: '10000', msg: 'Success', trade_no: order.tradeNo, out_trade_no: outTradeNo, out_request_no: outRequestNo, total_amount: formatYuan(order.totalFen), refund_amount: formatYuan(refund.refundFen), refund_status: 'REFUND_SUCCESS', gmt_refund_pay: beijing(refund.refundedAt) });
    }
    return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method', sub_msg: '不存在的方法名' });
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bill = bills.handle(req.method ?? 'GET', req.url ?? '');
      if (bill) {
        res.writeHead(bill.status, bill.headers);
        res.end(bill.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(handle(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return { url: `${baseUrl}/gateway.do`, orders, bills, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
