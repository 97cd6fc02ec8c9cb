// The sandboxes' bill downloads, in the providers' shapes (FORMATS.md): WeChat Pay v3
// `GET /v3/bill/tradebill?bill_date&bill_type=ALL` → `{download_url, hash_type: SHA1, hash_value}`,
// then a signed GET of download_url for the file; Alipay `alipay.data.dataservice.bill.downloadurl.query`
// → `bill_download_url`, a link valid for 30 seconds to the 业务明细 zip. A day's bill is ready from
// 09:00 Beijing time the next morning. Bills are made from the orders as they are at download,
// unless the day's bill was published (`publishBill`): then that file, as a provider serves the
// same bill every time it is asked.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock';
import { formatWechatBill } from '../reconciliation/wechat-bill';
import { parseV3Authorization, signV3, v3Nonce, v3RequestMessage, v3ResponseMessage, v3Timestamp, verifyV3Signature, V3_MAX_SKEW_MS } from '../payments/wechat-v3';
import { billFileName } from '../reconciliation/fetch';
import { alipayBillZip, wechatBillRecords } from './export';
import type { SandboxOrder, WechatSandboxOptions } from './wechat-pay';
import type { AlipaySandboxOrder } from './alipay';

/** A reply the sandbox's HTTP server writes as is. */
export interface BillReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** What tests may do to a bill between announcing it and serving it (cut it off, swap it). */
export interface BillDownloads {
  tamper?: (bytes: Buffer) => Buffer;
}

/**
 * Makes `bytes` the bill a sandbox serves for the day its name says (`billFileName`), from then on
 * and after restarts: the demo's history publishes the bills it imported, faults and all, so the
 * fetch job finds the same file.
 */
export function publishBill(folder: string, name: string, bytes: Buffer): void {
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, name), bytes);
}

/** The bill published under `name` in `folder`, if any. */
function published(folder: string | undefined, name: string): Buffer | undefined {
  if (!folder) return undefined;
  try {
    return fs.readFileSync(path.join(folder, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const READY_HOUR = '09';
/** Alipay's download link lives about 30 seconds. */
const ALIPAY_LINK_MS = 30_000;

/** A Beijing date's bill exists from 09:00 Beijing time the next day. */
export function billReady(date: string, nowMs: number): boolean {
  const at = Date.parse(`${date}T${READY_HOUR}:00:00+08:00`);
  return !Number.isNaN(at) && nowMs >= at + 86_400_000;
}

/**
 * WeChat's two bill endpoints; `handle` answers null for any other path. Requests must carry the
 * merchant's v3 Authorization; the tradebill answer is signed with the platform key, the file is
 * not (as WeChat's is not).
 */
export function wechatBillEndpoints(options: WechatSandboxOptions, orders: () => SandboxOrder[], baseUrl: () => string): BillDownloads & { handle(method: string, url: string, authorization: string | undefined): BillReply | null } {
  const files = new Map<string, Buffer>();
  const now = () => options.clock.now().getTime();
  const json = (status: number, payload: object): BillReply => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'request-id': randomBytes(8).toString('hex') };
    if (options.v3) {
      const timestamp = v3Timestamp(options.clock.now());
      const nonce = v3Nonce();
      Object.assign(headers, { 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-serial': options.v3.platformSerialNo, 'wechatpay-signature': signV3(v3ResponseMessage(timestamp, nonce, body), options.v3.platformPrivateKeyPem) });
    }
    return { status, headers, body };
  };
  const endpoints: BillDownloads & { handle(method: string, url: string, authorization: string | undefined): BillReply | null } = {
    handle(method, url, authorization) {
      const [path = '', query = ''] = url.split('?');
      if (method !== 'GET' || (path !== '/v3/bill/tradebill' && path !== '/v3/billdownload/file')) return null;
      const v3 = options.v3;
      if (!v3) return json(404, { code: 'NOT_FOUND', message: 'API v3 is not set up in this sandbox' });
      const auth = parseV3Authorization(authorization);
      const signed = auth && auth.mchid === options.mchId && auth.serial_no === v3.merchantSerialNo && Math.abs(now() - Number(auth.timestamp) * 1000) <= V3_MAX_SKEW_MS;
      if (!signed || !verifyV3Signature(v3RequestMessage(method, url, auth.timestamp, auth.nonce_str, ''), auth.signature, v3.merchantPublicKeyPem)) {
        return json(401, { code: 'SIGN_ERROR', message: '签名错误，请检查商户证书序列号、私钥和签名串' });
      }
      const params = new URLSearchParams(query);
      if (path === '/v3/billdownload/file') {
        const bytes = files.get(params.get('token') ?? '');
        if (!bytes) return json(404, { code: 'RESOURCE_NOT_EXISTS', message: '下载链接无效或已过期' });
        return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: endpoints.tamper ? endpoints.tamper(bytes) : bytes };
      }
      const date = params.get('bill_date') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || (params.get('bill_type') ?? 'ALL') !== 'ALL') return json(400, { code: 'PARAM_ERROR', message: '参数错误：bill_date 为 YYYY-MM-DD；本沙箱只有 bill_type=ALL' });
      if (!billReady(date, now())) return json(400, { code: 'NO_STATEMENT_EXIST', message: '账单尚未生成，请于次日 10 点后再下载' });
      const bytes = published(options.publishedBills, billFileName('wechat', date)) ?? formatWechatBill({ lines: wechatBillRecords(orders(), date, { appId: options.appId, mchId: options.mchId }) });
      const token = randomBytes(16).toString('hex');
      files.set(token, bytes);
      return json(200, { hash_type: 'SHA1', hash_value: createHash('sha1').update(bytes).digest('hex'), download_url: `${baseUrl()}/v3/billdownload/file?token=${token}` });
    },
  };
  return endpoints;
}

/**
 * Alipay's bill download: `query` answers the downloadurl.query method's response node; `handle`
 * serves the zip behind the link (null for other paths).
 */
export function alipayBillEndpoints(options: { clock: Clock; account: string; publishedBills?: string }, orders: () => AlipaySandboxOrder[], baseUrl: () => string): BillDownloads & { query(biz: Record<string, string>): Record<string, string>; handle(method: string, url: string): BillReply | null } {
  const links = new Map<string, { bytes: Buffer; until: number }>();
  const now = () => options.clock.now().getTime();
  const endpoints: BillDownloads & { query(biz: Record<string, string>): Record<string, string>; handle(method: string, url: string): BillReply | null } = {
    query(biz): Record<string, string> {
      const date = biz.bill_date ?? '';
      if (biz.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-parameter', sub_msg: 'bill_type 须为 trade，bill_date 为 yyyy-MM-dd' };
      if (!billReady(date, now())) return { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' };
      const token = randomBytes(16).toString('hex');
      const bytes = published(options.publishedBills, billFileName('alipay', date, options.account)) ?? alipayBillZip(orders(), date, options.account);
      links.set(token, { bytes, until: now() + ALIPAY_LINK_MS });
      return { code: '10000', msg: 'Success', bill_download_url: `${baseUrl()}/downloadBillFile.resource?bizType=trade&fileType=csv.zip&bizDates=${date.replace(/-/g, '')}&token=${token}` };
    },
    handle(method, url) {
      const [path = '', query = ''] = url.split('?');
      if (method !== 'GET' || path !== '/downloadBillFile.resource') return null;
      const link = links.get(new URLSearchParams(query).get('token') ?? '');
      if (!link || link.until < now()) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '链接已失效，请重新获取账单下载地址' };
      return { status: 200, headers: { 'content-type': 'application/zip' }, body: endpoints.tamper ? endpoints.tamper(link.bytes) : link.bytes };
    },
  };
  return endpoints;
}
