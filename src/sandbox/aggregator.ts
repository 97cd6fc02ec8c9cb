// A local aggregator (聚合支付) sandbox for UnionPay QuickPass and e-CNY codes: /pay, /query,
// /cancel, /refund and /refund_query with HMAC-SHA256 signatures both ways; refunds go through
// at once, partial ones kept per order. Outcomes by the last two digits of the code:
// …41 waits for the customer, paid 12 s later; …42 refused (insufficient funds); …43 system
// error, but paid; …44 waits and is never confirmed; anything else is paid at once. With a
// journal it keeps its orders for the daily bill (`sandbox export`).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock';
import { openJournal } from './journal';
import { signAggregator, verifyAggregator, type AggregatorFields } from '../payments/aggregator-client';

export interface AggregatorRefund {
  outRefundNo: string;
  refundId: string;
  refundFen: number;
  /** Epoch ms; absent in orders kept before the bill existed. */
  refundedAt?: number;
}

export interface AggregatorOrder {
  outTradeNo: string;
  tradeNo: string;
  wallet: string;
  totalFen: number;
  authCode: string;
  status: 'PAYING' | 'SUCCESS' | 'CLOSED';
  createdAt: number;
  /** When it was paid (epoch ms), for the bill. */
  paidAt?: number | null;
  refunds: AggregatorRefund[];
}

export interface AggregatorSandbox {
  url: string;
  orders: Map<string, AggregatorOrder>;
  close(): Promise<void>;
}

const PASSWORD_DELAY_MS = 12_000;

export async function startAggregatorSandbox(options: { merchantNo: string; secret: string; clock: Clock; journalFile?: string }): Promise<AggregatorSandbox> {
  const journal = options.journalFile ? openJournal<AggregatorOrder>(options.journalFile, 'outTradeNo') : undefined;
  const orders = new Map<string, AggregatorOrder>((journal?.load() ?? []).map((o) => [o.outTradeNo, o]));
  const record = (o: AggregatorOrder) => journal?.append(o);
  const now = () => options.clock.now().getTime();
  const reply = (fields: AggregatorFields): string => {
    const out = { ...fields, nonce: randomBytes(8).toString('hex') };
    return JSON.stringify({ ...out, sign: signAggregator(out, options.secret) });
  };
  const settle = (o: AggregatorOrder) => {
    if (o.status === 'PAYING' && o.authCode.endsWith('41') && now() - o.createdAt >= PASSWORD_DELAY_MS) {
      o.status = 'SUCCESS';
      o.paidAt = o.createdAt + PASSWORD_DELAY_MS;
      record(o);
    }
  };
  const handle = (path: string, fields: AggregatorFields): string => {
    if (fields.merchant_no !== options.merchantNo || !verifyAggregator(fields, options.secret)) return reply({ status: 'ERROR', err_code: 'SIGN_ERROR', err_msg: '签名错误' });
    const outTradeNo = fields.out_trade_no ?? '';
    const order = orders.get(outTradeNo);
    if (path === '/pay') {
      if (order) return reply({ status: 'FAIL', err_code: 'DUPLICATE_ORDER', err_msg: '订单号重复' });
      const code = fields.auth_code ?? '';
      const tail = code.slice(-2);
      if (tail === '42') return reply({ status: 'FAIL', err_code: 'INSUFFICIENT_FUNDS', err_msg: '余额不足' });
      const waiting = tail === '41' || tail === '44';
      const created: AggregatorOrder = { outTradeNo, tradeNo: `AGG${String(now()).slice(-10)}${randomBytes(4).toString('hex')}`, wallet: fields.wallet ?? '', totalFen: Number(fields.total_fen), authCode: code, status: waiting ? 'PAYING' : 'SUCCESS', createdAt: now(), paidAt: waiting ? null : now(), refunds: [] };
      orders.set(outTradeNo, created);
      record(created);
      if (tail === '43') return reply({ status: 'ERROR', err_code: 'SYSTEM_BUSY', err_msg: '系统繁忙' });
      return reply({ status: created.status, out_trade_no: outTradeNo, trade_no: created.tradeNo });
    }
    if (path === '/query') {
      if (!order) return reply({ status: 'NOT_FOUND', out_trade_no: outTradeNo });
      settle(order);
      return reply({ status: order.status, out_trade_no: outTradeNo, trade_no: order.tradeNo });
    }
    if (path === '/cancel') {
      if (order) {
        order.status = 'CLOSED';
        record(order);
      }
      return reply({ status: 'CLOSED', out_trade_no: outTradeNo });
    }
    if (path === '/refund' || path === '/refund_query') {
      if (!order) return reply({ status: path === '/refund' ? 'FAIL' : 'NOT_FOUND', err_code: 'ORDER_NOT_FOUND', err_msg: '订单不存在' });
      const outRefundNo = fields.out_refund_no ?? '';
      const done = order.refunds.find((r) => r.outRefundNo === outRefundNo);
      const answer = (r: AggregatorRefund) => reply({ status: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: r.outRefundNo, refund_id: r.refundId, refund_fen: String(r.refundFen) });
      if (path === '/refund_query') return done ? answer(done) : reply({ status: 'NOT_FOUND', out_trade_no: outTradeNo, out_refund_no: outRefundNo });
      const refundFen = Number(fields.refund_fen);
      if (done) return done.refundFen === refundFen ? answer(done) : reply({ status: 'FAIL', err_code: 'REFUND_NO_USED', err_msg: '退款单号已使用，金额不一致' });
      settle(order);
      if (order.status !== 'SUCCESS') return reply({ status: 'FAIL', err_code: 'ORDER_NOT_PAID', err_msg: '订单未支付，不能退款' });
      const left = order.totalFen - order.refunds.reduce((sum, r) => sum + r.refundFen, 0);
      if (!Number.isSafeInteger(refundFen) || refundFen <= 0 || refundFen > left) return reply({ status: 'FAIL', err_code: 'REFUND_AMOUNT_EXCEEDED', err_msg: `退款金额超过可退金额（可退 ${left} 分）` });
      const refund: AggregatorRefund = { outRefundNo, refundId: `AGR${String(now()).slice(-10)}${randomBytes(4).toString('hex')}`, refundFen, refundedAt: now() };
      order.refunds.push(refund);
      record(order);
      return answer(refund);
    }
    return reply({ status: 'ERROR', err_code: 'NOT_FOUND', err_msg: 'unknown endpoint' });
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let fields: AggregatorFields = {};
      try {
        fields = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AggregatorFields;
      } catch {
        // answered as a signature error below
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(handle(req.url ?? '', fields));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, orders, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
