import fs from 'node:fs';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { verifyAudit } from '../audit/index';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import type { ReturnView } from '../returns/index';
import type { MemberView } from './service';

const PHONE = '13812345678';
const EAN = { rice: withCheckDigit('690000000203'), tv: withCheckDigit('690000000207') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

describeEachDb('members: registration, personal data, points and tiers at the till', (handle, kind) => {
  let t: TestApp;
  let cashier: string;
  let manager: string;
  let member: MemberView;
  const call = async (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? cashier}` } });
  };

  /** Scans the member's code and `codes`, pays with `tenders` (the last covers the rest), completes. */
  async function sell(memberCode: string | null, codes: string[], tenders: Array<{ method: string; amountFen?: number }> = [{ method: 'cash' }]): Promise<{ cart: CartView; sale: SaleView }> {
    let cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    for (const code of [...(memberCode ? [memberCode] : []), ...codes]) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } });
      expect(res.statusCode, res.body).toBe(200);
      cart = res.json() as CartView;
    }
    const priced = cart;
    for (const tender of tenders) {
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: tender.method, amountFen: tender.amountFen ?? cart.dueFen } });
      expect(res.statusCode, res.body).toBe(200);
      cart = res.json() as CartView;
    }
    const sale = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(sale.statusCode, sale.body).toBe(200);
    return { cart: priced, sale: sale.json() as SaleView };
  }

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'M-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'M-TV', name: '电视机', categoryCode: 'C5001', priceFen: 250_000, costFen: 200_000, barcodes: [EAN.tv] },
    ]);
    cashier = await t.openTill('cashier', 'T01');
    manager = await t.login('manager');
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers at the till with consent; the phone is shown masked and refused twice', async () => {
    const res = await call({ method: 'POST', url: '/api/v1/members', payload: { phone: '+86 138 1234 5678', name: '张三丰', consentVersion: 'v1', consentAccepted: true } });
    expect(res.statusCode, res.body).toBe(201);
    member = res.json() as MemberView;
    expect(member).toMatchObject({ phone: '138****5678', name: '张**', tier: { code: 'normal', name: '普通会员' }, pointsBalance: 0 });
    expect(member.cardNo).toMatch(/^88\d{14}$/);
    expect((await call({ method: 'POST', url: '/api/v1/members', payload: { phone: PHONE, consentVersion: 'v1', consentAccepted: true } })).json()).toMatchObject({ code: 'MEMBER_EXISTS', details: { cardNo: member.cardNo } });
    expect((await call({ method: 'POST', url: '/api/v1/members', payload: { phone: '12345', consentVersion: 'v1', consentAccepted: true } })).json()).toMatchObject({ code: 'PHONE_INVALID' });
    expect((await call({ method: 'POST', url: '/api/v1/members', payload: { phone: '13900001111', consentVersion: 'v1', consentAccepted: false } })).json()).toMatchObject({ code: 'CONSENT_REQUIRED' });
    const found = (await call({ method: 'GET', url: `/api/v1/members?phone=${PHONE}` })).json() as { members: MemberView[] };
    expect(found.members.map((m) => m.cardNo)).toEqual([member.cardNo]);
  });

  it('never stores the phone number in plain text (database rows, and the SQLite file itself)', async () => {
    const rows = await Promise.all(['members', 'member_messages', 'audit_log', 'outbox'].map((table) => t.ctx.db.selectFrom(table as 'members').selectAll().execute()));
    expect(JSON.stringify(rows)).not.toContain(PHONE);
    expect(JSON.stringify(rows)).not.toContain('张三丰');
    if (kind === 'sqlite') {
      const file = t.tp.handle.sqlite?.name ?? '';
      expect(fs.existsSync(file)).toBe(true);
      for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(Buffer.from(PHONE))).toBe(false);
    }
  });

  it('a member sale earns a point per yuan paid, and the sale that crosses ¥2,000 upgrades the tier for the next sale', async () => {
    const first = await sell(member.cardNo, [EAN.rice]);
    expect(first.cart.member).toMatchObject({ cardNo: member.cardNo, phone: '138****5678', tierName: '普通会员' });
    // ¥49.90, cash rounds to ¥49.90: 49 points (whole points, rounded down).
    expect(first.sale.points).toMatchObject({ earned: 49, redeemed: 0, balance: 49, upgraded: false });
    const big = await sell(member.cardNo, [EAN.tv]);
    // ¥2,500 less 满100减20 = ¥2,480.00 paid: 2,480 points at the normal multiplier, then 银卡.
    expect(big.sale.totalFen).toBe(248_000);
    expect(big.sale.points).toMatchObject({ earned: 2_480, balance: 2_529, upgraded: true, tier: { code: 'silver', name: '银卡会员' } });
    const next = await sell(member.cardNo, [EAN.rice]);
    // 银卡: 2 % off (¥1.00 of ¥49.90, half-even) and points × 1.2.
    expect(next.cart.discountFen).toBe(100);
    expect(next.sale.points).toMatchObject({ earned: Math.floor(48.9 * 1.2), upgraded: false });
    const messages = await t.ctx.db.selectFrom('member_messages').select(['kind', 'body']).where('member_id', '=', member.id).orderBy('created_at').execute();
    expect(messages.filter((m) => m.kind !== 'e_receipt').map((m) => m.kind)).toEqual(['points_earned', 'points_earned', 'tier_upgraded', 'points_earned']);
    expect(messages.find((m) => m.kind === 'tier_upgraded')?.body).toContain('银卡会员');
    // Each sale sends the member its e-receipt link.
    const receipts = messages.filter((m) => m.kind === 'e_receipt');
    expect(receipts).toHaveLength(3);
    expect(receipts[1]?.body).toContain(`¥2480.00）：/r/${big.sale.receiptUrl.slice(3)}`);
  });

  it('points pay up to half the sale, 100 points to ¥1; a returned sale claws back its points and gives back the points paid', async () => {
    const before = ((await call({ method: 'GET', url: `/api/v1/members/${member.id}` })).json() as MemberView).pointsBalance;
    const over = await (async () => {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: member.cardNo } });
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } });
      return call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'points', amountFen: 2500 } });
    })();
    expect(over.json(), over.body).toMatchObject({ code: 'POINTS_OVER_LIMIT' });
    const { sale } = await sell(member.cardNo, [EAN.rice], [{ method: 'points', amountFen: 2000 }, { method: 'cash' }]);
    // 银卡 price ¥48.90; ¥20.00 by 2,000 points; the ¥28.90 in cash earns 34 points (× 1.2).
    expect(sale.points).toMatchObject({ redeemed: 2000, earned: 34, balance: before - 2000 + 34 });
    const back = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    expect((back.json() as ReturnView).refunds.map((r) => [r.method, r.amountFen])).toEqual([['points', 2000], ['cash', 2890]]);
    const after = ((await call({ method: 'GET', url: `/api/v1/members/${member.id}` })).json() as MemberView).pointsBalance;
    expect(after).toBe(before);
    const ledger = await t.ctx.db.selectFrom('member_points').select(['kind', 'points']).where('member_id', '=', member.id).execute();
    expect(ledger.reduce((s, e) => s + e.points, 0)).toBe(after);
  });

  it('two tills redeeming the same points at once: one sale goes through, the other is refused, the balance never goes below zero', async () => {
    await t.ctx.db.updateTable('members').set({ points_balance: 1000 }).where('id', '=', member.id).execute();
    const cashier2 = await t.openTill('cashier2', 'T02');
    const prepare = async (token: string) => {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts', token })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: member.cardNo }, token });
      const priced = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice }, token })).json() as CartView;
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'points', amountFen: 1000 }, token })).statusCode).toBe(200);
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: priced.dueFen - 1000 }, token })).statusCode).toBe(200);
      return cart.id;
    };
    const [a, b] = [await prepare(cashier), await prepare(cashier2)];
    const results = await Promise.all([call({ method: 'POST', url: `/api/v1/carts/${a}/complete` }), call({ method: 'POST', url: `/api/v1/carts/${b}/complete`, token: cashier2 })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.statusCode === 409)?.json()).toMatchObject({ code: 'POINTS_INSUFFICIENT' });
    const after = (await t.ctx.db.selectFrom('members').select('points_balance').where('id', '=', member.id).executeTakeFirstOrThrow()).points_balance;
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBe((results.find((r) => r.statusCode === 200)?.json() as SaleView).points?.balance);
  });

  it('the portal’s member code works for a minute at the till, then is refused', async () => {
    const { code } = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/qr`, token: manager })).json() as { code: string };
    expect(code).toMatch(/^97\d{22}$/);
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    expect(((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView).member?.cardNo).toBe(member.cardNo);
    t.clock.advance(90_000);
    const cart2 = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    expect((await call({ method: 'POST', url: `/api/v1/carts/${cart2.id}/scan`, payload: { code } })).json()).toMatchObject({ code: 'MEMBER_CODE_INVALID' });
  });

  it('export and anonymise on request: managers only, both audited, and the phone no longer finds anyone', async () => {
    expect((await call({ method: 'GET', url: `/api/v1/members/${member.id}/export` })).statusCode).toBe(403);
    const exported = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/export`, token: manager })).json() as { member: MemberView; consent: { version: string } };
    expect(exported).toMatchObject({ member: { phone: PHONE, name: '张三丰' }, consent: { version: 'v1' } });
    const gone = (await call({ method: 'POST', url: `/api/v1/members/${member.id}/anonymise`, token: manager })).json() as MemberView;
    expect(gone).toMatchObject({ status: 'anonymised', phone: null, name: null });
    expect(((await call({ method: 'GET', url: `/api/v1/members?phone=${PHONE}` })).json() as { members: unknown[] }).members).toEqual([]);
    const actions = (await t.ctx.db.selectFrom('audit_log').select('action').where('doc_id', '=', member.id).execute()).map((r) => r.action);
    expect(actions).toEqual(['member.registered', 'member.exported', 'member.anonymised']);
    expect(await verifyAudit(t.ctx)).toMatchObject({ intact: true });
  });
});
