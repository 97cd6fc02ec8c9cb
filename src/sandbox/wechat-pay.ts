// A local WeChat Pay v2 sandbox: /pay/micropay, /pay/orderquery and /secapi/pay/reverse with
// signature checks and outcomes scripted by the last two digits of the payment code:
//   …11 the customer must enter a password (USERPAYING), paid 12 s later;
//   …12 balance too low (NOTENOUGH);     …13 SYSTEMERROR, but the charge went through;
//   …14 USERPAYING and never confirmed;  …15 the code expired (AUTHCODEEXPIRE);
//   anything else is paid at once. It keeps its orders, from which bills are made later.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock';
import { parseXml, signV2, toXml, verifyV2, type WechatParams, type WechatSignType } from '../payments/wechat-v2';
import { openJournal } from './journal';

export interface SandboxOrder {
  outTradeNo: string;
  transactionId: string;
  totalFee: number;
  authCode: string;
  state: 'SUCCESS' | 'USERPAYING' | 'PAYERROR' | 'REVOKED' | 'CLOSED';
  createdAt: number;
  paidAt: number | null;
}

export interface WechatSandbox {
  url: string;
  orders: Map<string, SandboxOrder>;
  close(): Promise<void>;
}

export interface WechatSandboxOptions {
  /** Where the sandbox keeps its orders (JSON lines), so bills can be exported later. */
  journalFile?: string;
  appId: string;
  mchId: string;
  apiKey: string;
  signType: WechatSignType;
  clock: Clock;
}

const PASSWORD_DELAY_MS = 12_000;

export function wechatSandboxHandler(options: WechatSandboxOptions, orders: Map<string, SandboxOrder>, record: (o: SandboxOrder) => void = () => undefined) {
  const reply = (fields: WechatParams): string => {
    const out = { ...fields, appid: options.appId, mch_id: options.mchId, nonce_str: randomBytes(8).toString('hex') };
    return toXml({ ...out, sign: signV2(out, options.apiKey, options.signType) });
  };
  const ok = (fields: WechatParams) => reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'SUCCESS', ...fields });
  const fail = (errCode: string, des: string) => reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: errCode, err_code_des: des });
  const now = () => options.clock.now().getTime();
  const settle = (o: SandboxOrder) => {
    // …11 pays once the customer has had time to enter the password.
    if (o.state === 'USERPAYING' && o.authCode.endsWith('11') && now() - o.createdAt >= PASSWORD_DELAY_MS) {
      o.state = 'SUCCESS';
      o.paidAt = o.createdAt + PASSWORD_DELAY_MS;
      record(o);
    }
  };

  return (path: string, body: string): string => {
    let params: WechatParams;
    try {
      params = parseXml(body);
    } catch {
      return toXml({ return_code: 'FAIL', return_msg: 'XML_FORMAT_ERROR' });
    }
    if (params.appid !== options.appId || params.mch_id !== options.mchId) return toXml({ return_code: 'FAIL', return_msg: 'appid/mch_id mismatch' });
    if (!verifyV2(params, options.apiKey, options.signType)) return toXml({ return_code: 'FAIL', return_msg: 'SIGNERROR' });
    const outTradeNo = params.out_trade_no ?? '';
    if (path.endsWith('/pay/micropay')) {
      if (orders.has(outTradeNo)) return fail('OUT_TRADE_NO_USED', '商户订单号重复');
      const authCode = params.auth_code ?? '';
      if (!/^1[0-5]\d{16}$/.test(authCode)) return fail('AUTH_CODE_INVALID', '付款码无效');
      const tail = authCode.slice(-2);
      if (tail === '12') return fail('NOTENOUGH', '余额不足');
      if (tail === '15') return fail('AUTHCODEEXPIRE', '二维码已过期，请用户在微信上刷新后再试');
      const order: SandboxOrder = {
        outTradeNo,
        transactionId: `42000${String(now()).slice(-10)}${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 10)}`.slice(0, 28),
        totalFee: Number(params.total_fee),
        authCode,
        state: tail === '11' || tail === '14' ? 'USERPAYING' : 'SUCCESS',
        createdAt: now(),
        paidAt: tail === '11' || tail === '14' ? null : now(),
      };
      orders.set(outTradeNo, order);
      record(order);
      if (tail === '13') return reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统超时' });
      if (order.state === 'USERPAYING') return fail('USERPAYING', '需要用户输入支付密码');
      return ok({ out_trade_no: outTradeNo, transaction_id: order.transactionId, total_fee: String(order.totalFee), trade_type: 'MICROPAY', time_end: String(order.paidAt) });
    }
    const order = orders.get(outTradeNo);
    if (path.endsWith('/pay/orderquery')) {
      if (!order) return fail('ORDERNOTEXIST', '此交易订单号不存在');
      settle(order);
      return ok({ out_trade_no: outTradeNo, trade_state: order.state, transaction_id: order.state === 'SUCCESS' ? order.transactionId : '', total_fee: String(order.totalFee) });
    }
    if (path.endsWith('/secapi/pay/reverse')) {
      if (!order) return ok({ recall: 'N' });
      settle(order);
      order.state = 'REVOKED';
      record(order);
      return ok({ recall: 'N' });
    }
    return toXml({ return_code: 'FAIL', return_msg: 'unknown endpoint' });
  };
}

/** Starts the sandbox on a free loopback port. */
export async function startWechatSandbox(options: WechatSandboxOptions): Promise<WechatSandbox> {
  const journal = options.journalFile ? openJournal<SandboxOrder>(options.journalFile, 'outTradeNo') : undefined;
  const orders = new Map<string, SandboxOrder>((journal?.load() ?? []).map((o) => [o.outTradeNo, o]));
  const handle = wechatSandboxHandler(options, orders, (o) => journal?.append(o));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(handle(req.url ?? '', Buffer.concat(chunks).toString('utf8')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, orders, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
