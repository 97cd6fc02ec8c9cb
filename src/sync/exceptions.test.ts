import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { newId } from '../platform/ids';
import type { SyncExceptionView } from './exceptions';

describeEachDb('sync exceptions at HQ', (handle) => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: Record<string, string>) => {
    const res = await t.tp.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokens[who] ?? ''}` }, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() as { total: number; exceptions: SyncExceptionView[]; code?: string; message?: string } & SyncExceptionView };
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    const stores = new Map((await t.ctx.db.selectFrom('stores').select(['id', 'code']).execute()).map((s) => [s.code, s.id]));
    // What HQ records applying the stores' pushes (src/sync/apply.ts `flag`), a minute apart.
    const rows = [
      ['neg1', 'S001', 'POINTS_NEGATIVE', 'points.redeemed', 'M0001', 'Balance would be -300 after redeeming 500 points.'],
      ['unknown', 'S002', 'MEMBER_UNKNOWN', 'sale.completed', 'M9999', 'No member M9999 at HQ.'],
      ['neg2', 'S002', 'POINTS_NEGATIVE', 'points.redeemed', 'M0001', 'Balance would be -200 after redeeming 200 points.'],
    ] as const;
    for (const [key, store, code, docType, ref, detail] of rows) {
      ids[key] = newId();
      await t.ctx.db.insertInto('sync_exceptions').values({ store_id: stores.get(store) ?? '', id: ids[key], code, doc_type: docType, doc_id: newId(), ref, detail, created_at: t.clock.now().toISOString() }).execute();
      t.clock.advance(60_000);
    }
    for (const who of ['admin', 'manager', 'regional']) tokens[who] = await t.login(who);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists newest first and filters by store, status and code', async () => {
    const all = await call('admin', 'GET', '/sync/exceptions');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.exceptions.map((e) => [e.storeCode, e.code, e.status])).toEqual([
      ['S002', 'POINTS_NEGATIVE', 'open'],
      ['S002', 'MEMBER_UNKNOWN', 'open'],
      ['S001', 'POINTS_NEGATIVE', 'open'],
    ]);
    expect(all.body.exceptions[0]).toMatchObject({ id: ids.neg2, docType: 'points.redeemed', ref: 'M0001', detail: 'Balance would be -200 after redeeming 200 points.', createdAt: '2026-11-30T02:02:00.000Z', resolvedAt: null });
    expect((await call('admin', 'GET', '/sync/exceptions?store=S002')).body.exceptions.map((e) => e.id)).toEqual([ids.neg2, ids.unknown]);
    expect((await call('admin', 'GET', '/sync/exceptions?code=POINTS_NEGATIVE')).body.exceptions.map((e) => e.id)).toEqual([ids.neg2, ids.neg1]);
    expect((await call('admin', 'GET', '/sync/exceptions?store=S002&code=MEMBER_UNKNOWN')).body.exceptions.map((e) => e.id)).toEqual([ids.unknown]);
    const page = await call('admin', 'GET', '/sync/exceptions?limit=1&offset=1');
    expect([page.body.total, page.body.exceptions.map((e) => e.id)]).toEqual([3, [ids.unknown]]);
    expect(await call('admin', 'GET', '/sync/exceptions?store=S404')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('resolves with a note, audited, and the store count shows only open ones', async () => {
    const count = async () => Object.fromEntries(((await call('admin', 'GET', '/sync/nodes')).body as unknown as { stores: Array<{ code: string; syncExceptions: number }> }).stores.map((s) => [s.code, s.syncExceptions]));
    expect(await count()).toMatchObject({ S001: 1, S002: 2 });
    expect(await call('admin', 'POST', `/sync/exceptions/${ids.neg2}/resolve`, { note: '  ' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const done = await call('admin', 'POST', `/sync/exceptions/${ids.neg2}/resolve`, { note: 'Points taken back at S001 with the member' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: ids.neg2, status: 'resolved', resolvedAt: '2026-11-30T02:03:00.000Z', resolvedByName: '总部管理员', resolution: 'Points taken back at S001 with the member' });
    expect(await count()).toMatchObject({ S001: 1, S002: 1 });
    const open = await call('admin', 'GET', '/sync/exceptions?status=open');
    expect(open.body.exceptions.map((e) => e.id)).toEqual([ids.unknown, ids.neg1]);
    const resolved = await call('admin', 'GET', '/sync/exceptions?status=resolved&store=S002');
    expect(resolved.body.exceptions).toMatchObject([{ id: ids.neg2, status: 'resolved', resolution: 'Points taken back at S001 with the member' }]);
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'sync.exception.resolved').execute();
    expect(audit.map((a) => a.doc_id)).toEqual([ids.neg2]);
  });

  it('refuses resolving twice with SYNC_EXCEPTION_RESOLVED and keeps the first note', async () => {
    await call('admin', 'POST', `/sync/exceptions/${ids.unknown}/resolve`, { note: 'Member registered at HQ' });
    const again = await call('admin', 'POST', `/sync/exceptions/${ids.unknown}/resolve`, { note: 'Second try' });
    expect(again).toMatchObject({ status: 409, body: { code: 'SYNC_EXCEPTION_RESOLVED' } });
    expect((await call('admin', 'GET', '/sync/exceptions?code=MEMBER_UNKNOWN')).body.exceptions[0]?.resolution).toBe('Member registered at HQ');
    expect(await call('admin', 'POST', `/sync/exceptions/${newId()}/resolve`, { note: 'x' })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('refuses a store manager and a regional manager (no chain-wide grant)', async () => {
    for (const who of ['manager', 'regional']) {
      expect((await call(who, 'GET', '/sync/exceptions')).status).toBe(403);
      expect((await call(who, 'POST', `/sync/exceptions/${ids.neg1}/resolve`, { note: 'mine' })).status).toBe(403);
    }
    expect((await call('admin', 'GET', `/sync/exceptions?status=open`)).body.exceptions.map((e) => e.id)).toEqual([ids.neg1]);
  });
});
