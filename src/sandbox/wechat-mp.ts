// A local WeChat mini-program server API for the demo and tests, with WeChat's own endpoints and
// error codes: access tokens (`/cgi-bin/token`, 7200 s), subscription messages
// (`/cgi-bin/message/subscribe/send`, checking the token, the template and each value's type and
// length), and login codes (`/sns/jscode2session`). Scripted by the openid's ending: `_refuse`
// has not subscribed (43101); `_busy` meets a system error (-1) on its first message.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../platform/clock';
import type { Ctx } from '../platform/context';
import { SUBSCRIBE_KINDS, saveWechatSubscribeSettings, wechatSubscribeSettings, type SubscribeKind } from '../members/index';

export interface DeliveredSubscribeMessage {
  openid: string;
  templateId: string;
  page: string;
  data: Record<string, { value: string }>;
  at: string;
}

export interface WechatMpSandbox {
  url: string;
  appId: string;
  secret: string;
  delivered: DeliveredSubscribeMessage[];
  /** What one WeChat user received, newest first. */
  inbox(openid: string): DeliveredSubscribeMessage[];
  /** A login code as wx.login hands it out, for a new user (`as` picks the scripted ending). */
  issueCode(as?: 'ok' | 'refuse' | 'busy'): string;
  /** A login code for a user who already has an openid (the same WeChat user again). */
  issueCodeFor(openid: string): string;
  /** The openid a code was issued for (tests). */
  openidOfCode(code: string): string | undefined;
  /** Makes every issued token invalid, as when the token is fetched again elsewhere (40001). */
  invalidateTokens(): void;
  tokensIssued(): number;
  close(): Promise<void>;
}

export const DEMO_WECHAT_MP = { appId: 'wxd0000000demo0001', secret: 'demo-mini-program-secret-change-me' };

/** The sandbox's templates: the layout each accepts (its keys, by WeChat value type). */
export const DEMO_WECHAT_TEMPLATES: Record<SubscribeKind, { id: string; keys: string[] }> = {
  points_earned: { id: 'tpl-points-earned-demo-0000000000000000000001', keys: ['thing1', 'number2', 'number3', 'time4'] },
  points_redeemed: { id: 'tpl-points-redeemed-demo-000000000000000000002', keys: ['thing1', 'number2', 'number3', 'time4'] },
  tier_upgraded: { id: 'tpl-tier-upgraded-demo-00000000000000000000003', keys: ['thing1', 'thing2', 'phrase3', 'time4'] },
  e_receipt: { id: 'tpl-e-receipt-demo-000000000000000000000000004', keys: ['amount1', 'thing2', 'time3'] },
  points_expiring: { id: 'tpl-points-expiring-demo-0000000000000000000005', keys: ['number1', 'date2', 'thing3'] },
};

// WeChat's rules per value type, as its document states them.
const VALUE_RULES: Array<[RegExp, (v: string) => boolean]> = [
  [/^thing\d+$/, (v) => [...v].length >= 1 && [...v].length <= 20],
  [/^number\d+$/, (v) => /^-?\d{1,32}(\.\d+)?$/.test(v)],
  [/^amount\d+$/, (v) => /^[¥$€]?\d{1,10}(\.\d{1,2})?元?$/.test(v)],
  [/^time\d+$/, (v) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$|^\d{1,2}:\d{2}$/.test(v)],
  [/^date\d+$/, (v) => /^\d{4}-\d{2}-\d{2}$|^\d{4}年\d{1,2}月\d{1,2}日$/.test(v)],
  [/^phrase\d+$/, (v) => /^\p{Script=Han}{1,5}$/u.test(v)],
  [/^character_string\d+$/, (v) => /^[\x21-\x7e]{1,32}$/.test(v)],
];

let latest: WechatMpSandbox | undefined;

/** What the running demo sandbox delivered to a WeChat user (the demo inbox), newest first. */
export function demoWechatInbox(openid: string): DeliveredSubscribeMessage[] {
  return latest?.inbox(openid) ?? [];
}

/** A login code from the running demo sandbox (the demo's stand-in for wx.login), or null outside the demo. */
export function demoWechatCode(): string | null {
  return latest?.issueCode() ?? null;
}

export async function startWechatMpSandbox(options: { appId: string; secret: string; clock?: Clock } = DEMO_WECHAT_MP): Promise<WechatMpSandbox> {
  const clock = options.clock ?? systemClock;
  const delivered: DeliveredSubscribeMessage[] = [];
  const tokens = new Map<string, number>();
  const codes = new Map<string, { openid: string; used: boolean }>();
  const busyTried = new Set<string>();
  const templates = new Map(Object.values(DEMO_WECHAT_TEMPLATES).map((t) => [t.id, t.keys]));
  let issued = 0;
  const fail = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg} rid: ${randomBytes(4).toString('hex')}` });

  const credentialsWrong = (q: URLSearchParams) => (q.get('appid') !== options.appId ? fail(40013, 'invalid appid') : q.get('secret') !== options.secret ? fail(40125, 'invalid appsecret') : null);

  const handle = (method: string, url: URL, body: unknown): object => {
    const q = url.searchParams;
    if (method === 'GET' && url.pathname === '/cgi-bin/token') {
      if (q.get('grant_type') !== 'client_credential') return fail(40002, 'invalid grant_type');
      const wrong = credentialsWrong(q);
      if (wrong) return wrong;
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, clock.now().getTime() + 7200_000);
      issued += 1;
      return { access_token: token, expires_in: 7200 };
    }
    if (method === 'GET' && url.pathname === '/sns/jscode2session') {
      if (q.get('grant_type') !== 'authorization_code') return fail(40002, 'invalid grant_type');
      const wrong = credentialsWrong(q);
      if (wrong) return wrong;
      const entry = codes.get(q.get('js_code') ?? '');
      if (!entry) return fail(40029, 'invalid code');
      if (entry.used) return fail(40163, 'code been used');
      entry.used = true;
      return { openid: entry.openid, session_key: randomBytes(16).toString('base64') };
    }
    if (method === 'POST' && url.pathname === '/cgi-bin/message/subscribe/send') {
      const expires = tokens.get(q.get('access_token') ?? '');
      if (expires === undefined) return fail(40001, 'invalid credential, access_token is invalid or not latest');
      if (expires <= clock.now().getTime()) return fail(42001, 'access_token expired');
      const msg = (body ?? {}) as { touser?: string; template_id?: string; page?: string; data?: Record<string, { value?: unknown }> };
      const openid = msg.touser ?? '';
      if (!/^o[A-Za-z0-9_-]{20,40}$/.test(openid)) return fail(40003, 'invalid openid');
      const keys = templates.get(msg.template_id ?? '');
      if (!keys) return fail(40037, 'invalid template_id');
      for (const key of keys) {
        const value = msg.data?.[key]?.value;
        const rule = VALUE_RULES.find(([pattern]) => pattern.test(key));
        if (typeof value !== 'string' || !rule || !rule[1](value)) return fail(47003, `argument invalid! data.${key}.value invalid`);
      }
      if (openid.endsWith('_refuse')) return fail(43101, 'user refuse to accept the msg');
      if (openid.endsWith('_busy') && !busyTried.has(openid)) {
        busyTried.add(openid);
        return fail(-1, 'system error');
      }
      delivered.push({ openid, templateId: msg.template_id ?? '', page: msg.page ?? '', data: Object.fromEntries(keys.map((k) => [k, { value: String(msg.data?.[k]?.value) }])), at: clock.now().toISOString() });
      return { errcode: 0, errmsg: 'ok' };
    }
    return fail(40066, 'invalid url');
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
      } catch {
        // answered as invalid data (47001 in WeChat's terms) below
      }
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const out = req.method === 'POST' && chunks.length && body === null ? fail(47001, 'data format error') : handle(req.method ?? 'GET', url, body);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sandbox: WechatMpSandbox = {
    url: `http://127.0.0.1:${port}`,
    appId: options.appId,
    secret: options.secret,
    delivered,
    inbox: (openid) => delivered.filter((m) => m.openid === openid).reverse(),
    issueCode(as = 'ok') {
      return sandbox.issueCodeFor(`o${randomBytes(18).toString('base64url')}${as === 'ok' ? '' : `_${as}`}`);
    },
    issueCodeFor(openid) {
      const code = randomBytes(16).toString('hex');
      codes.set(code, { openid, used: false });
      return code;
    },
    openidOfCode: (code) => codes.get(code)?.openid,
    invalidateTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  latest = sandbox;
  return sandbox;
}

/** In the demo, members' messages use the sandbox's templates unless templates were set already. */
export async function useDemoWechatTemplates(ctx: Ctx): Promise<void> {
  const settings = await wechatSubscribeSettings(ctx);
  if (SUBSCRIBE_KINDS.some((k) => settings.templates[k])) return;
  await saveWechatSubscribeSettings(ctx, { ...settings, templates: Object.fromEntries(SUBSCRIBE_KINDS.map((k) => [k, DEMO_WECHAT_TEMPLATES[k].id])) });
}
