import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { DEMO_SMS, startSmsSandbox, type SmsSandbox } from '../sandbox/sms';
import { DEMO_WECHAT_MP, DEMO_WECHAT_TEMPLATES, startWechatMpSandbox, useDemoWechatTemplates, type WechatMpSandbox } from '../sandbox/wechat-mp';
import { configureMessaging, deliverMessages, MAX_ATTEMPTS } from './messages';
import { smsGateway } from './sms-gateway';
import { wechatMiniProgram } from './wechat-subscribe';
import { queueMessage } from './service';

describeEachDb('members on WeChat: binding from the portal, subscription messages, SMS when WeChat refuses', (handle) => {
  let t: TestApp;
  let sms: SmsSandbox;
  let wx: WechatMpSandbox;
  let storeId: string;
  const members: Record<string, { id: string; phone: string; cookie: string; openid: string }> = {};

  const useGateways = (apiBase: string) => configureMessaging(t.tp.nodeId, smsGateway({ url: sms.url, ...DEMO_SMS, timeoutMs: 2000 }), wechatMiniProgram({ apiBase, ...DEMO_WECHAT_MP, timeoutMs: 1000, clock: t.clock }));

  /** Signs the member in at the portal with the SMS code, as on their phone. */
  async function signIn(phone: string): Promise<string> {
    t.clock.advance(61_000);
    await t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/code', payload: { phone } });
    const code = /(\d{6})/.exec(sms.inbox(phone)[0]?.content ?? '')?.[1] ?? '';
    const session = await t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/session', payload: { phone, code } });
    return session.cookies.find((c) => c.name === 'tp_member')?.value ?? '';
  }
  const bind = (cookie: string, code: string) => t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/wechat', cookies: { tp_member: cookie }, payload: { code } });
  async function queue(name: string, kind = 'points_earned') {
    const m = await t.ctx.db.selectFrom('members').select(['id', 'wechat_openid_sealed']).where('id', '=', members[name]?.id ?? '').executeTakeFirstOrThrow();
    const at = t.clock.now().toISOString();
    await queueMessage(t.ctx, m, kind, '【Tillpoint】本次消费获得 49 积分，当前积分 149。', { at, storeId, points: 49, balance: 149 });
    return (await t.ctx.db.selectFrom('member_messages').select('id').where('member_id', '=', m.id).where('created_at', '=', at).where('kind', '=', kind).executeTakeFirstOrThrow()).id;
  }
  const message = (id: string) => t.ctx.db.selectFrom('member_messages').select(['status', 'channel', 'attempts', 'last_error', 'next_attempt_at']).where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    sms = await startSmsSandbox();
    wx = await startWechatMpSandbox({ ...DEMO_WECHAT_MP, clock: t.clock });
    useGateways(wx.url);
    await useDemoWechatTemplates(t.ctx);
    storeId = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    const cashier = await t.openTill();
    for (const [name, phone] of [['ok', '13800138001'], ['refuse', '13800138002'], ['busy', '13800138003'], ['sms', '13800138004']] as const) {
      const res = await t.tp.app.inject({ method: 'POST', url: '/api/v1/members', headers: { authorization: `Bearer ${cashier}` }, payload: { phone, consentVersion: 'v1', consentAccepted: true } });
      members[name] = { id: (res.json() as { id: string }).id, phone, cookie: await signIn(phone), openid: '' };
    }
  });
  afterAll(async () => {
    await Promise.all([sms.close(), wx.close()]);
    await t.close();
  });

  it('binds the member’s WeChat with a login code; the openid is stored sealed; a code works once; one WeChat binds one member', async () => {
    for (const name of ['ok', 'refuse', 'busy'] as const) {
      const m = members[name];
      if (!m) throw new Error(name);
      const code = wx.issueCode(name);
      m.openid = wx.openidOfCode(code) ?? '';
      const res = await bind(m.cookie, code);
      expect(res.json(), res.body).toEqual({ wechatBound: true });
      expect((await bind(m.cookie, code)).json()).toMatchObject({ code: 'WECHAT_CODE_INVALID' });
    }
    const rows = await t.ctx.db.selectFrom('members').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(members.ok?.openid);
    expect(rows.filter((r) => r.wechat_openid_sealed).length).toBe(3);
    // The same WeChat user cannot bind a second member; a stranger without a session nothing.
    const taken = await bind(members.sms?.cookie ?? '', wx.issueCodeFor(members.ok?.openid ?? ''));
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'WECHAT_ALREADY_BOUND' });
    expect((await bind('', wx.issueCode())).json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const me = await t.tp.app.inject({ method: 'GET', url: '/api/v1/portal/me', cookies: { tp_member: members.ok?.cookie ?? '' } });
    expect(me.json()).toMatchObject({ member: { wechatBound: true } });
  });

  it('a bound member gets a subscription message with the store and points; an unbound member an SMS', async () => {
    const toOk = await queue('ok');
    const toSms = await queue('sms');
    expect(await deliverMessages(t.ctx, { ids: [toOk, toSms] })).toEqual({ sent: 2, retried: 0, dead: 0 });
    expect(await message(toOk)).toMatchObject({ status: 'sent', channel: 'wechat', attempts: 1, last_error: null });
    expect(wx.inbox(members.ok?.openid ?? '')[0]?.data).toEqual({ thing1: { value: '演示店·人民广场店 消费积分' }, number2: { value: '49' }, number3: { value: '149' }, time4: { value: '2026-11-30 10:04' } });
    expect(await message(toSms)).toMatchObject({ status: 'sent', channel: 'sms' });
    expect(sms.inbox(members.sms?.phone ?? '')[0]?.content).toContain('49 积分');
    // The demo inbox shows the member's WeChat messages beside the SMS.
    const inbox = await t.tp.app.inject({ method: 'GET', url: `/api/v1/sandbox/sms?phone=${members.ok?.phone ?? ''}` });
    expect((inbox.json() as { wechat: Array<{ data: Record<string, { value: string }> }> }).wechat.map((w) => w.data.number2?.value)).toEqual(['49']);
  });

  it('template ids are chain settings HQ’s admin keeps; a malformed id is refused naming the kind', async () => {
    const admin = await t.login('admin');
    const headers = { authorization: `Bearer ${admin}` };
    const current = (await t.tp.app.inject({ method: 'GET', url: '/api/v1/members-config/wechat', headers })).json() as { templates: Record<string, string> };
    expect(current.templates.points_earned).toBe(DEMO_WECHAT_TEMPLATES.points_earned.id);
    const bad = await t.tp.app.inject({ method: 'PUT', url: '/api/v1/members-config/wechat', headers, payload: { ...current, templates: { ...current.templates, e_receipt: 'not a template id!' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('templates.e_receipt') });
    const cashier = await t.openTill('cashier2', 'T02');
    expect((await t.tp.app.inject({ method: 'PUT', url: '/api/v1/members-config/wechat', headers: { authorization: `Bearer ${cashier}` }, payload: current })).statusCode).toBe(403);
    const manager = await t.login('manager');
    expect((await t.tp.app.inject({ method: 'PUT', url: '/api/v1/members-config/wechat', headers: { authorization: `Bearer ${manager}` }, payload: current })).statusCode).toBe(403);
  });

  it('the demo’s stand-in for wx.login hands out a code the portal binds with', async () => {
    const { code } = (await t.tp.app.inject({ method: 'POST', url: '/api/v1/sandbox/wechat/login-code' })).json() as { code: string };
    expect((await bind(members.sms?.cookie ?? '', code)).json()).toEqual({ wechatBound: true });
    await t.ctx.db.updateTable('members').set({ wechat_openid_sealed: null, wechat_openid_index: null }).where('id', '=', members.sms?.id ?? '').execute();
  });

  it('43101 (the member has not subscribed) sends the message by SMS instead; without a phone it is dead', async () => {
    const id = await queue('refuse');
    expect(await deliverMessages(t.ctx, { ids: [id] })).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(await message(id)).toMatchObject({ status: 'sent', channel: 'sms', last_error: expect.stringContaining('43101') });
    expect(sms.inbox(members.refuse?.phone ?? '')[0]?.content).toContain('49 积分');
    await t.ctx.db.updateTable('members').set({ phone_sealed: null }).where('id', '=', members.refuse?.id ?? '').execute();
    const lost = await queue('refuse', 'points_redeemed');
    expect(await deliverMessages(t.ctx, { ids: [lost] })).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(await message(lost)).toMatchObject({ status: 'dead', last_error: expect.stringContaining('43101') });
  });

  it('a WeChat system error (-1) is retried a minute later on WeChat', async () => {
    const id = await queue('busy');
    expect(await deliverMessages(t.ctx, { ids: [id] })).toEqual({ sent: 0, retried: 1, dead: 0 });
    expect(await message(id)).toMatchObject({ status: 'pending', channel: 'wechat', last_error: expect.stringContaining('-1') });
    t.clock.advance(60_000);
    expect(await deliverMessages(t.ctx, { ids: [id] })).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(wx.inbox(members.busy?.openid ?? '')).toHaveLength(1);
  });

  it('with WeChat unreachable, backs off 1, 5, 15 and 60 minutes, then the message is dead', async () => {
    const down = await startWechatMpSandbox();
    await down.close();
    useGateways(down.url);
    const id = await queue('ok', 'tier_upgraded');
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const before = Date.parse((await message(id)).next_attempt_at);
      await deliverMessages(t.ctx, { ids: [id] });
      const after = await message(id);
      if (after.status === 'pending') {
        waits.push((Date.parse(after.next_attempt_at) - before) / 60_000);
        t.clock.advance(Date.parse(after.next_attempt_at) - t.clock.now().getTime());
      }
    }
    expect(waits).toEqual([1, 5, 15, 60]);
    expect(await message(id)).toMatchObject({ status: 'dead', channel: 'wechat', attempts: MAX_ATTEMPTS, last_error: expect.stringContaining('unreachable') });
    useGateways(wx.url);
  });
});
