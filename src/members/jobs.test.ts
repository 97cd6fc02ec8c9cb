import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { newId } from '../platform/ids';
import { expireMemberPoints, resealMembers, reviewMemberTiers } from './jobs';
import { configureMemberKeys, keysOf } from './service';
import { memberKeysFrom } from './keys';
import { rotateKeyRing } from './pii';

describeEachDb('members: points expiry and the yearly tier review', (handle) => {
  let t: TestApp;
  let memberId: string;
  let storeId: string;
  const balance = async () => (await t.ctx.db.selectFrom('members').select(['points_balance', 'tier_code']).where('id', '=', memberId).executeTakeFirstOrThrow());
  const entry = (points: number, kind: string, at: string) =>
    t.ctx.db.insertInto('member_points').values({ store_id: storeId, id: newId(), member_id: memberId, kind, points, doc_type: 'sale', doc_id: newId(), business_date: at.slice(0, 10), created_at: at }).execute();

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0, start: '2025-03-01T02:00:00Z' });
    const cashier = await t.openTill();
    const res = await t.tp.app.inject({ method: 'POST', url: '/api/v1/members', headers: { authorization: `Bearer ${cashier}` }, payload: { phone: '13600136000', consentVersion: 'v1', consentAccepted: true } });
    memberId = (res.json() as { id: string }).id;
    storeId = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    // 500 points earned in 2025, 100 spent in 2026 (from the oldest), 300 earned in 2026.
    await entry(500, 'earn', '2025-03-01T02:00:00.000Z');
    await entry(-100, 'redeem', '2026-02-01T02:00:00.000Z');
    await entry(300, 'earn', '2026-06-01T02:00:00.000Z');
    await t.ctx.db.updateTable('members').set({ points_balance: 700, tier_code: 'gold' }).where('id', '=', memberId).execute();
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells the member once, within 30 days, that 2025’s remaining 400 points lapse on 2026-12-31', async () => {
    t.clock.set('2026-12-05T02:00:00Z');
    expect(await expireMemberPoints(t.ctx)).toEqual({ expired: 0, reminded: 1 });
    expect(await expireMemberPoints(t.ctx)).toEqual({ expired: 0, reminded: 0 });
    const message = await t.ctx.db.selectFrom('member_messages').select('body').where('member_id', '=', memberId).where('kind', 'like', 'points_expiring:%').executeTakeFirstOrThrow();
    expect(message.body).toContain('400 积分将于 2026-12-31 过期');
  });

  it('writes off the 400 on 1 January (Beijing time), once; 2026’s 300 stay', async () => {
    t.clock.set('2026-12-31T16:30:00Z'); // 00:30 on 1 January in Shanghai
    expect(await expireMemberPoints(t.ctx)).toMatchObject({ expired: 400 });
    expect((await balance()).points_balance).toBe(300);
    expect(await expireMemberPoints(t.ctx)).toMatchObject({ expired: 0 });
    const ledger = await t.ctx.db.selectFrom('member_points').select(['points']).where('member_id', '=', memberId).execute();
    expect(ledger.reduce((s, e) => s + e.points, 0)).toBe(300);
  });

  it('the yearly review takes a gold member with no purchases in 12 months back to the entry tier, audited', async () => {
    expect(await reviewMemberTiers(t.ctx)).toEqual({ upgraded: 0, downgraded: 1 });
    expect((await balance()).tier_code).toBe('normal');
    expect(await reviewMemberTiers(t.ctx)).toEqual({ upgraded: 0, downgraded: 0 });
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'data']).where('doc_id', '=', memberId).where('action', 'like', 'member.tier%').execute();
    expect(audit.map((a) => a.action)).toEqual(['member.tier_downgraded']);
  });
});

describeEachDb('members: key rotation', (handle) => {
  it('re-seals every member under the new key; phones are still found and read', async () => {
    const t = await startTestApp(handle(), { products: 0 });
    try {
      const cashier = await t.openTill();
      const headers = { authorization: `Bearer ${cashier}` };
      await t.tp.app.inject({ method: 'POST', url: '/api/v1/members', headers, payload: { phone: '13500135000', name: '李四', consentVersion: 'v1', consentAccepted: true } });
      const before = await t.ctx.db.selectFrom('members').select(['phone_sealed']).executeTakeFirstOrThrow();
      const keys = keysOf(t.ctx);
      configureMemberKeys(t.tp.nodeId, memberKeysFrom(rotateKeyRing(keys.ring)));
      expect(await resealMembers(t.ctx)).toBe(1);
      expect(await resealMembers(t.ctx)).toBe(0);
      const after = await t.ctx.db.selectFrom('members').select(['phone_sealed']).executeTakeFirstOrThrow();
      expect(before.phone_sealed?.split('.')[1]).toBe(keys.ring.currentKeyId);
      expect(after.phone_sealed?.split('.')[1]).not.toBe(keys.ring.currentKeyId);
      const found = await t.tp.app.inject({ method: 'GET', url: '/api/v1/members?phone=13500135000', headers });
      expect(found.json()).toMatchObject({ members: [{ phone: '135****5000', name: '李*' }] });
    } finally {
      await t.close();
    }
  });
});
