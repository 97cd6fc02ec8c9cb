import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { createUser } from '../platform/auth/users';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import type { MemberView } from './service';
import type { MembersConfig } from './config';

const RICE = withCheckDigit('690000000203');

describeEachDb('members in the back office: list, detail (progress, ledger, purchases, messages) and the rules editor', (handle) => {
  let t: TestApp;
  let cashier: string;
  let manager: string;
  let otherStoreManager: string;
  let member: MemberView;
  let sale: SaleView;
  const call = async (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? manager}` } });
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'D-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [RICE], unit: 'piece', plu: null, active: true, components: [] }]);
    cashier = await t.openTill('cashier', 'T01');
    manager = await t.login('manager');
    const s002 = await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow();
    await createUser(t.ctx, { username: 'manager2', password: 'Second-store-9', grants: [{ role: 'store_manager', scopeKind: 'store', scopeRef: s002.id }] });
    otherStoreManager = ((await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager2', password: 'Second-store-9' } })).json() as { token: string }).token;
    member = (await call({ method: 'POST', url: '/api/v1/members', token: cashier, payload: { phone: '13912345678', name: '钱多多', consentVersion: 'v1', consentAccepted: true } })).json() as MemberView;
    await call({ method: 'POST', url: '/api/v1/members', token: cashier, payload: { phone: '13912345679', consentVersion: 'v1', consentAccepted: true } });
    // Two bags of rice for the member, cash: ¥99.80, 99 points.
    let cart = (await call({ method: 'POST', url: '/api/v1/carts', token: cashier })).json() as CartView;
    for (const code of [member.cardNo, RICE, RICE]) cart = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, token: cashier, payload: { code } })).json() as CartView;
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, token: cashier, payload: { method: 'cash', amountFen: cart.dueFen } });
    sale = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete`, token: cashier })).json() as SaleView;
    // One bag comes back: half the points are clawed back.
    const back = await call({ method: 'POST', url: '/api/v1/returns', token: cashier, payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists members newest first, masked, with paging; cashiers may not list', async () => {
    const res = await call({ method: 'GET', url: '/api/v1/members?limit=1' });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { total: number; members: MemberView[] };
    expect(page.total).toBe(2);
    expect(page.members.map((m) => m.phone)).toEqual(['139****5679']);
    const next = (await call({ method: 'GET', url: '/api/v1/members?limit=1&offset=1' })).json() as { members: MemberView[] };
    expect(next.members.map((m) => [m.phone, m.name, m.wechatBound])).toEqual([['139****5678', '钱**', false]]);
    expect((await call({ method: 'GET', url: '/api/v1/members', token: cashier })).json()).toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('the points ledger shows the earn on the sale and the clawback on the return, with the receipt', async () => {
    const res = await call({ method: 'GET', url: `/api/v1/members/${member.id}/points` });
    expect(res.statusCode, res.body).toBe(200);
    const ledger = res.json() as { total: number; balance: number; entries: Array<{ kind: string; points: number; receiptNo: string | null; receiptUrl: string | null; returnNo: string | null }> };
    expect(ledger.entries.map((e) => [e.kind, e.points, e.receiptNo])).toEqual([
      ['clawback', -50, sale.receiptNo],
      ['earn', 99, sale.receiptNo],
    ]);
    expect(ledger.entries[1]?.receiptUrl).toBe(sale.receiptUrl);
    expect(ledger.entries[0]?.returnNo).toBeTruthy();
    expect(ledger.balance).toBe(49);
    expect((await call({ method: 'GET', url: `/api/v1/members/${member.id}/points`, token: cashier })).statusCode).toBe(403);
  });

  it('purchases: the sale with its total at S001; a manager of S002 sees none of them', async () => {
    const mine = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/sales` })).json() as { total: number; sales: Array<{ receiptNo: string; totalFen: number; storeCode: string; receiptUrl: string }> };
    expect(mine).toMatchObject({ total: 1, sales: [{ receiptNo: sale.receiptNo, totalFen: 9980, storeCode: 'S001', receiptUrl: sale.receiptUrl }] });
    const theirs = await call({ method: 'GET', url: `/api/v1/members/${member.id}/sales`, token: otherStoreManager });
    expect(theirs.json()).toEqual({ total: 0, sales: [] });
    expect((await call({ method: 'GET', url: '/api/v1/members/nope/sales' })).json()).toMatchObject({ code: 'MEMBER_NOT_FOUND' });
  });

  it('tier progress: ¥99.80 spent in 12 months, ¥1,900.20 short of 银卡', async () => {
    const res = await call({ method: 'GET', url: `/api/v1/members/${member.id}/progress` });
    expect(res.json()).toMatchObject({ spendFen: 9980, visits: 1, nextTier: { name: '银卡会员', minSpendFen: 200_000, missingFen: 190_020 } });
  });

  it('messages: the e-receipt and the points, by SMS, still pending without a gateway', async () => {
    const res = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/messages` })).json() as { total: number; messages: Array<{ kind: string; channel: string; status: string }> };
    expect(res.messages.map((m) => [m.kind, m.channel, m.status]).sort()).toEqual([
      ['e_receipt', 'sms', 'pending'],
      ['points_earned', 'sms', 'pending'],
    ]);
  });

  it('the rules editor’s save: HQ’s admin may change a tier threshold; a bad value names its field; a store manager and a cashier may not', async () => {
    const admin = await t.login('admin');
    const config = (await call({ method: 'GET', url: '/api/v1/members-config' })).json() as MembersConfig;
    const tiers = config.tiers.map((tier) => (tier.code === 'silver' ? { ...tier, minSpendFen: 150_000 } : tier));
    const byManager = await call({ method: 'PUT', url: '/api/v1/members-config', payload: { ...config, tiers } });
    expect(byManager.statusCode).toBe(403);
    const saved = await call({ method: 'PUT', url: '/api/v1/members-config', token: admin, payload: { ...config, tiers } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(((await call({ method: 'GET', url: '/api/v1/members-config' })).json() as MembersConfig).tiers[1]?.minSpendFen).toBe(150_000);
    const progress = (await call({ method: 'GET', url: `/api/v1/members/${member.id}/progress` })).json() as { nextTier: { missingFen: number } };
    expect(progress.nextTier.missingFen).toBe(140_020);
    const bad = await call({ method: 'PUT', url: '/api/v1/members-config', token: admin, payload: { ...config, tiers: config.tiers.map((tier) => (tier.code === 'gold' ? { ...tier, minSpendFen: 100 } : tier)) } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'tiers.2.minSpendFen' } });
    expect((await call({ method: 'PUT', url: '/api/v1/members-config', token: cashier, payload: config })).statusCode).toBe(403);
  });
});
