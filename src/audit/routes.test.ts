import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { createUser } from '../platform/auth/users';
import { appendAudit } from './service';
import type { AuditTrailOut } from './schema';

describeEachDb('audit trail API', (handle) => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const trail = async (who: string, query = '') => {
    const res = await t.tp.app.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers: { authorization: `Bearer ${tokens[who] ?? ''}` } });
    return { status: res.statusCode, body: res.json() as AuditTrailOut & { code?: string } };
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    const stores = await t.ctx.db.selectFrom('stores').select(['id', 'code']).orderBy('code').execute();
    const s002 = stores.find((s) => s.code === 'S002')?.id ?? '';
    await createUser(t.ctx, { username: 'manager2', displayName: '周店长', password: 'demo-pass-2', grants: [{ role: 'store_manager', scopeKind: 'store', scopeRef: s002 }] });
    // 1: a node-level act (no store); 2: cash paid in at S002; 3: the cashier opens a shift at S001.
    await t.ctx.db.transaction().execute(async (tx) => {
      await appendAudit({ ...t.ctx, db: tx }, { action: 'recon.imported', docType: 'recon_file', docId: 'f1', data: { lines: 3 } });
      t.clock.advance(60_000);
      await appendAudit({ ...t.ctx, db: tx }, { action: 'cash.in', docType: 'shift', docId: 'sh2', storeId: s002, data: { amountFen: 5000, reason: '备用金' } });
    });
    t.clock.advance(60_000);
    tokens.cashier = await t.openTill();
    for (const who of ['auditor', 'admin', 'manager']) tokens[who] = await t.login(who);
    const res = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager2', password: 'demo-pass-2' } });
    tokens.manager2 = (res.json() as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the trail newest first with names, store codes and data', async () => {
    const { status, body } = await trail('auditor');
    expect(status).toBe(200);
    expect(body.nodeId).toBe(t.tp.nodeId);
    expect(body.records.map((r) => [r.seq, r.action, r.storeCode])).toEqual([
      [3, 'shift.opened', 'S001'],
      [2, 'cash.in', 'S002'],
      [1, 'recon.imported', null],
    ]);
    expect(body.records[0]).toMatchObject({ docType: 'shift', actor: { username: 'cashier', displayName: '张收银' }, data: { terminal: 'T01', floatFen: 0 }, at: '2026-11-30T02:02:00.000Z' });
    expect(body.records[1]).toMatchObject({ actor: null, data: { amountFen: 5000, reason: '备用金' } });
    expect(body.nextBefore).toBeNull();
    expect((await trail('admin')).body.records).toHaveLength(3);
  });

  it('shows a store manager only their own store', async () => {
    expect((await trail('manager')).body.records.map((r) => r.action)).toEqual(['shift.opened']);
    expect((await trail('manager2')).body.records.map((r) => r.action)).toEqual(['cash.in']);
    expect(await trail('manager2', '?store=S001')).toMatchObject({ status: 403, body: { code: 'STORE_OUT_OF_SCOPE' } });
    expect(await trail('cashier')).toMatchObject({ status: 403, body: { code: 'PERMISSION_DENIED' } });
    expect(await trail('nobody')).toMatchObject({ status: 401 });
  });

  it('filters by person, action, store and day, and pages by seq', async () => {
    const actions = async (query: string) => (await trail('auditor', query)).body.records.map((r) => r.seq);
    expect(await actions('?actor=cashier')).toEqual([3]);
    expect(await actions(`?actor=${encodeURIComponent('收银')}`)).toEqual([3]);
    expect(await actions('?action=shift')).toEqual([3]);
    expect(await actions('?action=cash.in')).toEqual([2]);
    expect(await actions('?action=cash')).toEqual([2]);
    expect(await actions('?store=S002')).toEqual([2]);
    // 2026-11-30T02:0xZ is 10:0x on 30 November in Beijing.
    expect(await actions('?from=2026-11-30&to=2026-11-30')).toEqual([3, 2, 1]);
    expect(await actions('?to=2026-11-29')).toEqual([]);
    expect(await actions('?from=2026-12-01')).toEqual([]);
    expect(await actions(`?from=${encodeURIComponent('2026-11-30T10:01:00+08:00')}`)).toEqual([3, 2]);
    const first = await trail('auditor', '?limit=2');
    expect(first.body.records.map((r) => r.seq)).toEqual([3, 2]);
    expect(first.body.nextBefore).toBe(2);
    const second = await trail('auditor', `?limit=2&before=${first.body.nextBefore}`);
    expect(second.body).toMatchObject({ records: [{ seq: 1 }], nextBefore: null });
    expect(await trail('auditor', '?store=S999')).toMatchObject({ status: 404 });
    expect(await trail('auditor', '?from=yesterday')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});
