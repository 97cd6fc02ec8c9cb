import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../platform/clock';
import { DEMO_WECHAT_MP, DEMO_WECHAT_TEMPLATES, startWechatMpSandbox, type WechatMpSandbox } from '../sandbox/wechat-mp';
import { subscribeMessageFor, thingValue, timeValue, wechatSubscribeSettingsSchema, type SubscribeMessage } from './wechat-messages';
import { wechatMiniProgram } from './wechat-subscribe';

const settings = wechatSubscribeSettingsSchema.parse({ templates: Object.fromEntries(Object.entries(DEMO_WECHAT_TEMPLATES).map(([k, t]) => [k, t.id])) });
const LONG_STORE = '上海市浦东新区世纪大道旗舰店第二分店';

describe('WeChat subscription messages: template data', () => {
  it('cuts thing values to WeChat’s 20 characters and writes times on the store’s clock', () => {
    expect(thingValue('短')).toBe('短');
    const cut = thingValue(`${LONG_STORE} 消费积分`);
    expect([...cut]).toHaveLength(20);
    expect(cut.endsWith('…')).toBe(true);
    expect(timeValue('2026-11-30T16:05:09Z', 'Asia/Shanghai')).toBe('2026-12-01 00:05');
  });

  it('fills each kind’s template: points, balance, amount as ¥, the phrase, the receipt page', () => {
    const store = { name: '人民路店', timeZone: 'Asia/Shanghai' };
    const at = '2026-11-30T02:00:00.000Z';
    expect(subscribeMessageFor('points_earned', { at, storeId: 's', points: 49, balance: 149 }, store, settings)).toEqual({
      template_id: DEMO_WECHAT_TEMPLATES.points_earned.id,
      page: 'pages/member/index',
      miniprogram_state: 'formal',
      data: { thing1: { value: '人民路店 消费积分' }, number2: { value: '49' }, number3: { value: '149' }, time4: { value: '2026-11-30 10:00' } },
    });
    expect(subscribeMessageFor('e_receipt', { at, storeId: 's', amountFen: 1250, receiptToken: 'tok' }, store, settings)).toMatchObject({ page: 'pages/receipt/index?token=tok', data: { amount1: { value: '¥12.50' } } });
    expect(subscribeMessageFor('tier_upgraded', { at, storeId: 's', tierName: '金卡会员', discountPercent: '5' }, store, settings)?.data).toMatchObject({ thing2: { value: '下次消费起享受5%会员折扣' }, phrase3: { value: '升级成功' } });
    expect(subscribeMessageFor('points_expiring:2026-12-31', { at, storeId: 's', points: 400, lastDay: '2026-12-31' }, store, settings)?.data).toMatchObject({ number1: { value: '400' }, date2: { value: '2026-12-31' } });
    // No template for a kind (or no facts): the message goes by SMS.
    expect(subscribeMessageFor('points_earned', { at, storeId: 's', points: 1 }, store, { ...settings, templates: { ...settings.templates, points_earned: '' } })).toBeNull();
    expect(subscribeMessageFor('login_code', { at, storeId: 's' }, store, settings)).toBeNull();
  });
});

describe('WeChat mini-program API against the sandbox', () => {
  const clock = manualClock('2026-11-30T02:00:00Z');
  let wx: WechatMpSandbox;
  const api = () => wechatMiniProgram({ apiBase: wx.url, ...DEMO_WECHAT_MP, timeoutMs: 2000, clock });
  const message = (storeName: string): SubscribeMessage => {
    const m = subscribeMessageFor('points_earned', { at: clock.now().toISOString(), storeId: 's', points: 10, balance: 20 }, { name: storeName, timeZone: 'Asia/Shanghai' }, settings);
    if (!m) throw new Error('no template');
    return m;
  };
  const openid = (as: 'ok' | 'refuse' | 'busy' = 'ok') => wx.openidOfCode(wx.issueCode(as)) ?? '';

  beforeAll(async () => {
    wx = await startWechatMpSandbox({ ...DEMO_WECHAT_MP, clock });
  });
  afterAll(async () => {
    await wx.close();
  });

  it('fetches the access token once and reuses it; renews it 5 minutes before its 2 hours run out', async () => {
    const client = api();
    const before = wx.tokensIssued();
    const user = openid();
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    expect(wx.tokensIssued() - before).toBe(1);
    clock.advance((7200 - 301) * 1000);
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    expect(wx.tokensIssued() - before).toBe(1);
    clock.advance(2000);
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    expect(wx.tokensIssued() - before).toBe(2);
    expect(wx.inbox(user)).toHaveLength(4);
    expect(wx.inbox(user)[0]?.data).toMatchObject({ number2: { value: '10' }, number3: { value: '20' } });
  });

  it('on 40001 (the token was replaced elsewhere) fetches a new token and sends once more', async () => {
    const client = api();
    const user = openid();
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    const before = wx.tokensIssued();
    wx.invalidateTokens();
    expect(await client.send(user, message('人民路店'))).toEqual({ ok: true });
    expect(wx.tokensIssued() - before).toBe(1);
    expect(wx.inbox(user)).toHaveLength(2);
  });

  it('a long store name is cut before sending, so WeChat never answers 47003 — which it does to an uncut value', async () => {
    const client = api();
    const user = openid();
    expect(await client.send(user, message(LONG_STORE))).toEqual({ ok: true });
    expect([...(wx.inbox(user)[0]?.data.thing1?.value ?? '')]).toHaveLength(20);
    const uncut = message('人民路店');
    uncut.data.thing1 = { value: `${LONG_STORE} 消费积分` };
    expect(await client.send(user, uncut)).toMatchObject({ ok: false, permanent: true, error: expect.stringContaining('47003') });
  });

  it('43101 (not subscribed) is final; -1 (system error) is worth another try; a wrong secret is final', async () => {
    const client = api();
    expect(await client.send(openid('refuse'), message('人民路店'))).toMatchObject({ ok: false, permanent: true, error: expect.stringContaining('43101') });
    const busy = openid('busy');
    expect(await client.send(busy, message('人民路店'))).toMatchObject({ ok: false, permanent: false, error: expect.stringContaining('-1') });
    expect(await client.send(busy, message('人民路店'))).toEqual({ ok: true });
    const wrong = wechatMiniProgram({ apiBase: wx.url, appId: DEMO_WECHAT_MP.appId, secret: 'not-the-secret', timeoutMs: 2000, clock });
    expect(await wrong.send(openid(), message('人民路店'))).toMatchObject({ ok: false, permanent: true, error: expect.stringContaining('40125') });
  });

  it('exchanges a login code for the openid once; a used or unknown code is refused', async () => {
    const client = api();
    const code = wx.issueCode();
    expect(await client.openidOf(code)).toBe(wx.openidOfCode(code));
    await expect(client.openidOf(code)).rejects.toMatchObject({ code: 'WECHAT_CODE_INVALID' });
    await expect(client.openidOf('nope')).rejects.toMatchObject({ code: 'WECHAT_CODE_INVALID' });
  });
});
