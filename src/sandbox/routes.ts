// Demo-only pages of the sandboxes: the inbox shows what each member's phone "received", by SMS
// and on WeChat; the WeChat sandbox hands out mini-program login codes (the demo's wx.login).
import { z } from 'zod';
import type { TpApp } from '../platform/http/server';
import { AppError } from '../platform/errors';
import { demoOpenidOfPhone, normalisePhone } from '../members/index';
import { demoInbox } from './sms';
import { demoWechatCode, demoWechatInbox } from './wechat-mp';

export async function sandboxRoutes(app: TpApp): Promise<void> {
  app.get('/sandbox/sms', { schema: { tags: ['sandbox'], summary: 'Demo only: the SMS and WeChat messages the sandboxes delivered to a phone’s member', querystring: z.object({ phone: z.string().max(32) }) } }, async (req) => {
    const phone = normalisePhone(req.query.phone);
    const openid = await demoOpenidOfPhone(req.ctx, phone);
    return { messages: demoInbox(phone), wechat: openid ? demoWechatInbox(openid) : [] };
  });
  app.post('/sandbox/wechat/login-code', { schema: { tags: ['sandbox'], summary: 'Demo only: a mini-program login code, as wx.login would give the member’s WeChat' } }, () => {
    const code = demoWechatCode();
    if (!code) throw new AppError('WECHAT_NOT_CONFIGURED', 'The WeChat sandbox is not running.', { status: 503 });
    return { code };
  });
}
