import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { newId } from '../platform/ids';
import { DEMO_SMS, startSmsSandbox, type SmsSandbox } from '../sandbox/sms';
import { configureMessaging, deliverMessages, MAX_ATTEMPTS } from './messages';
import { smsGateway } from './sms-gateway';

describeEachDb('member messages: SMS delivery with retries, and the portal’s sign-in', (handle) => {
  let t: TestApp;
  let sms: SmsSandbox;
  const ids: Record<string, string> = {};

  async function queue(memberId: string, body: string): Promise<string> {
    const id = newId();
    const at = t.clock.now().toISOString();
    await t.ctx.db.insertInto('member_messages').values({ id, member_id: memberId, kind: 'points_earned', channel: 'sms', body, status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, created_at: at, sent_at: null }).execute();
    return id;
  }
  const status = async (id: string) => t.ctx.db.selectFrom('member_messages').select(['status', 'attempts', 'last_error', 'next_attempt_at', 'body']).where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    sms = await startSmsSandbox();
    configureMessaging(t.tp.nodeId, smsGateway({ url: sms.url, ...DEMO_SMS, timeoutMs: 2000 }));
    const cashier = await t.openTill();
    for (const [name, phone] of [['ok', '13800138000'], ['wrong', '13900000000'], ['busy', '13700000001']] as const) {
      const res = await t.tp.app.inject({ method: 'POST', url: '/api/v1/members', headers: { authorization: `Bearer ${cashier}` }, payload: { phone, consentVersion: 'v1', consentAccepted: true } });
      ids[name] = (res.json() as { id: string }).id;
    }
  });
  afterAll(async () => {
    await sms.close();
    await t.close();
  });

  it('sends what is due; a wrong number is dead at once; a busy gateway is retried a minute later', async () => {
    const ok = await queue(ids.ok ?? '', '【Tillpoint】本次消费获得 49 积分，当前积分 49。');
    const wrong = await queue(ids.wrong ?? '', '【Tillpoint】x');
    const busy = await queue(ids.busy ?? '', '【Tillpoint】y');
    expect(await deliverMessages(t.ctx)).toEqual({ sent: 1, retried: 1, dead: 1 });
    expect(sms.inbox('13800138000').map((m) => m.content)).toEqual(['【Tillpoint】本次消费获得 49 积分，当前积分 49。']);
    expect(await status(ok)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await status(wrong)).toMatchObject({ status: 'dead', attempts: 1, last_error: expect.stringContaining('MOBILE_NUMBER_ILLEGAL') });
    expect(await status(busy)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringContaining('SYSTEM_BUSY') });
    expect(await deliverMessages(t.ctx)).toEqual({ sent: 0, retried: 0, dead: 0 });
    t.clock.advance(60_000);
    expect(await deliverMessages(t.ctx)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(sms.inbox('13700000001')).toHaveLength(1);
  });

  it('with the gateway down, backs off 1, 5, 15 and 60 minutes, then keeps the message as dead', async () => {
    const down = await startSmsSandbox();
    await down.close();
    configureMessaging(t.tp.nodeId, smsGateway({ url: down.url, ...DEMO_SMS, timeoutMs: 500 }));
    const id = await queue(ids.ok ?? '', '【Tillpoint】z');
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const before = Date.parse((await status(id)).next_attempt_at);
      await deliverMessages(t.ctx, { ids: [id] });
      const after = await status(id);
      if (after.status === 'pending') {
        waits.push((Date.parse(after.next_attempt_at) - before) / 60_000);
        t.clock.advance(Date.parse(after.next_attempt_at) - t.clock.now().getTime());
      }
    }
    expect(waits).toEqual([1, 5, 15, 60]);
    expect(await status(id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, last_error: expect.stringContaining('unreachable') });
    configureMessaging(t.tp.nodeId, smsGateway({ url: sms.url, ...DEMO_SMS, timeoutMs: 2000 }));
  });

  it('the portal signs a member in with an SMS code; the code is blanked once sent; strangers learn nothing', async () => {
    const ask = (phone: string) => t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/code', payload: { phone } });
    expect((await ask('13800138000')).statusCode).toBe(202);
    const code = /(\d{6})/.exec(sms.inbox('13800138000')[0]?.content ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    const stored = await t.ctx.db.selectFrom('member_messages').select('body').where('member_id', '=', ids.ok ?? '').where('kind', '=', 'login_code').executeTakeFirstOrThrow();
    expect(stored.body).not.toContain(code);
    expect((await ask('13800138000')).json()).toMatchObject({ code: 'CODE_TOO_SOON' });
    // A number that is no member gets the same answer and no SMS.
    expect((await ask('13311112222')).statusCode).toBe(202);
    expect(sms.inbox('13311112222')).toEqual([]);

    const wrong = await t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/session', payload: { phone: '13800138000', code: code === '000000' ? '111111' : '000000' } });
    expect(wrong.json()).toMatchObject({ code: 'CODE_INVALID' });
    const session = await t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/session', payload: { phone: '13800138000', code } });
    expect(session.statusCode, session.body).toBe(200);
    const cookie = session.cookies.find((c) => c.name === 'tp_member');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const me = await t.tp.app.inject({ method: 'GET', url: '/api/v1/portal/me', cookies: { tp_member: cookie?.value ?? '' } });
    expect(me.json()).toMatchObject({ member: { phone: '138****8000' }, qr: { code: expect.stringMatching(/^97\d{22}$/) } });
    expect((await t.tp.app.inject({ method: 'GET', url: '/api/v1/portal/me', cookies: { tp_member: `${cookie?.value ?? ''}x` } })).statusCode).toBe(401);
    // The code works once.
    expect((await t.tp.app.inject({ method: 'POST', url: '/api/v1/portal/session', payload: { phone: '13800138000', code } })).statusCode).toBe(401);
  });
});
