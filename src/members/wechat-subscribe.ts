// The WeChat mini-program server API members' messages and WeChat binding use: the access token
// (`GET /cgi-bin/token`, cached and renewed 5 minutes before it lapses or when WeChat says it is
// invalid or expired), subscription messages (`POST /cgi-bin/message/subscribe/send`) and the
// login code exchange (`GET /sns/jscode2session`). The app secret never leaves this closure.
import { AppError } from '../platform/errors';
import { systemClock, type Clock } from '../platform/clock';
import type { SubscribeMessage } from './wechat-messages';

export interface WechatMiniProgramConfig {
  /** https://api.weixin.qq.com, or the sandbox. */
  apiBase: string;
  appId: string;
  secret: string;
  timeoutMs: number;
  clock?: Clock;
}

/** `permanent`: WeChat will not take this message (the member refused it, the template is wrong); else try again later. */
export type SubscribeResult = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface WechatSubscribe {
  send(openid: string, message: SubscribeMessage): Promise<SubscribeResult>;
  /** The openid behind a mini-program login code (wx.login); WECHAT_CODE_INVALID when it is wrong or used. */
  openidOf(jsCode: string): Promise<string>;
}

interface WechatReply {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  openid?: string;
}

// The token is renewed this long before WeChat's expires_in runs out, so no send races its expiry.
const RENEW_BEFORE_MS = 5 * 60_000;
// 40001 invalid credential, 42001 access_token expired, 40014 invalid access_token: fetch a new one.
const TOKEN_STALE = new Set([40001, 42001, 40014]);
// -1 system busy, 45009 daily limit, 45011 too frequent: worth another try later. Anything else
// (43101 the user refused or has no subscription left, 47003 bad data, 40037 bad template,
// 40003 bad openid) will fail the same way again.
const TRANSIENT = new Set([-1, 45009, 45011]);
// 40013 invalid appid, 40125 invalid appsecret, 40164 IP not whitelisted: this node cannot send at all.
const CONFIG_WRONG = new Set([40013, 40125, 40164]);

/**
 * @example const wx = wechatMiniProgram({ apiBase: 'https://api.weixin.qq.com', appId, secret, timeoutMs: 5000 });
 *   await wx.send(openid, { template_id, page, miniprogram_state: 'formal', data: { thing1: { value: '…' } } })
 */
export function wechatMiniProgram(config: WechatMiniProgramConfig): WechatSubscribe {
  const clock = config.clock ?? systemClock;
  let cached: { token: string; renewAt: number } | null = null;
  let fetching: Promise<string> | null = null;

  async function call(path: string, init?: { body: unknown }): Promise<WechatReply> {
    const res = await fetch(`${config.apiBase}${path}`, {
      method: init ? 'POST' : 'GET',
      headers: init ? { 'content-type': 'application/json' } : undefined,
      body: init ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    return (await res.json()) as WechatReply;
  }

  async function fetchToken(): Promise<string> {
    const q = new URLSearchParams({ grant_type: 'client_credential', appid: config.appId, secret: config.secret });
    const reply = await call(`/cgi-bin/token?${q}`);
    if (!reply.access_token) throw Object.assign(new Error(`token ${reply.errcode ?? '?'}: ${reply.errmsg ?? 'no access_token'}`), { errcode: reply.errcode });
    cached = { token: reply.access_token, renewAt: clock.now().getTime() + (reply.expires_in ?? 7200) * 1000 - RENEW_BEFORE_MS };
    return reply.access_token;
  }

  function token(): Promise<string> {
    if (cached && clock.now().getTime() < cached.renewAt) return Promise.resolve(cached.token);
    // One fetch at a time: concurrent sends share it (each fetch invalidates the token before it).
    fetching ??= fetchToken().finally(() => {
      fetching = null;
    });
    return fetching;
  }

  async function sendOnce(openid: string, message: SubscribeMessage): Promise<WechatReply> {
    const access = await token();
    return call(`/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(access)}`, { body: { touser: openid, ...message, lang: 'zh_CN' } });
  }

  return {
    async send(openid, message) {
      let reply: WechatReply;
      try {
        reply = await sendOnce(openid, message);
        if (TOKEN_STALE.has(reply.errcode ?? 0)) {
          cached = null;
          reply = await sendOnce(openid, message);
        }
      } catch (err) {
        const code = (err as { errcode?: number }).errcode;
        return { ok: false, permanent: code !== undefined && CONFIG_WRONG.has(code), error: `WeChat unreachable or refused the token: ${(err as Error).message}` };
      }
      const code = reply.errcode ?? 0;
      if (code === 0) return { ok: true };
      return { ok: false, permanent: !TRANSIENT.has(code) && !TOKEN_STALE.has(code), error: `WeChat ${code}: ${reply.errmsg ?? ''}`.trim() };
    },
    async openidOf(jsCode) {
      const q = new URLSearchParams({ appid: config.appId, secret: config.secret, js_code: jsCode, grant_type: 'authorization_code' });
      let reply: WechatReply;
      try {
        reply = await call(`/sns/jscode2session?${q}`);
      } catch (err) {
        throw new AppError('WECHAT_UNAVAILABLE', `WeChat could not be reached (${(err as Error).message}). Try binding again in a minute.`, { status: 503 });
      }
      if (reply.openid) return reply.openid;
      // 40029 invalid code, 40163 code been used: the mini-program must call wx.login again.
      if (reply.errcode === 40029 || reply.errcode === 40163) throw new AppError('WECHAT_CODE_INVALID', `WeChat did not accept the login code (${reply.errcode}). Open the binding again from WeChat.`, { status: 400, details: { field: 'code' } });
      throw new AppError('WECHAT_UNAVAILABLE', `WeChat refused the login (${reply.errcode ?? '?'}: ${reply.errmsg ?? ''}). Try again later.`, { status: 503 });
    },
  };
}
