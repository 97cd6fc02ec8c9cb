import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../testing/databases';
import { startTestApp, type TestApp } from '../testing/app';

describeEachDb('HTTP, sign-in and roles', (handle) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(handle());
  });
  afterAll(async () => {
    await t.close();
  });
  const inject = (opts: InjectOptions) => t.tp.app.inject(opts);

  it('answers /healthz with the database kind', async () => {
    const res = await inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', role: 'all', db: handle().kind });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('publishes OpenAPI with the contract routes', async () => {
    const res = await inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/api/v1/auth/login', '/api/v1/stores/{code}']));
  });

  it('signs in and tells who is signed in, with scope', async () => {
    const token = await t.login('cashier');
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits, base64url
    const me = await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ username: 'cashier', displayName: '张收银', stores: [{ code: 'S001' }] });
  });

  it('answers 401 problem+json without a session, with a stable code', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/ping' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses a cashier a manager action with 403 PERMISSION_DENIED, and lets the manager do it', async () => {
    const cashier = await t.login('cashier');
    const refused = await inject({ method: 'POST', url: '/api/v1/stores/S001/terminals', headers: { authorization: `Bearer ${cashier}` }, payload: { code: 'T03', name: '3号' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
    const manager = await t.login('manager');
    const made = await inject({ method: 'POST', url: '/api/v1/stores/S001/terminals', headers: { authorization: `Bearer ${manager}` }, payload: { code: 'T03', name: '3号' } });
    expect(made.statusCode).toBe(201);
    const again = await inject({ method: 'POST', url: '/api/v1/stores/S001/terminals', headers: { authorization: `Bearer ${manager}` }, payload: { code: 'T03', name: '3号' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'CONFLICT' });
  });

  it('does not let a user of store S001 read store S002', async () => {
    const cashier = await t.login('cashier');
    const own = await inject({ method: 'GET', url: '/api/v1/stores/S001', headers: { authorization: `Bearer ${cashier}` } });
    expect(own.statusCode).toBe(200);
    expect((own.json() as { terminals: unknown[] }).terminals.length).toBeGreaterThanOrEqual(2);
    const other = await inject({ method: 'GET', url: '/api/v1/stores/S002', headers: { authorization: `Bearer ${cashier}` } });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'STORE_OUT_OF_SCOPE' });
    const list = await inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${cashier}` } });
    expect((list.json() as { stores: Array<{ code: string }> }).stores.map((s) => s.code)).toEqual(['S001']);
    const admin = await t.login('admin');
    const all = await inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${admin}` } });
    expect((all.json() as { stores: Array<{ code: string }> }).stores.map((s) => s.code)).toEqual(['S001', 'S002']);
  });

  it('rejects bad input with 400 and the field, oversized bodies with 413, unknown routes with 404', async () => {
    const bad = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(bad.json())).toMatch(/body\.(username|password)/);
    const huge = await inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x'.repeat(2_000_000), password: 'y' }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const broken = await inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username": ' });
    expect(broken.statusCode).toBe(400);
    const missing = await inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('treats injection strings as plain data', async () => {
    const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: "admin' OR '1'='1", password: "' OR 1=1 --" } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers 429 after five wrong passwords, and the right one still waits for the window', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'cashier2', password: 'wrong' } });
      expect(res.statusCode).toBe(401);
    }
    const limited = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'cashier2', password: 'demo' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(15 * 60_000);
    const ok = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'cashier2', password: 'demo' } });
    expect(ok.statusCode).toBe(200);
  });

  it('binds a PIN sign-in to its terminal and refuses a wrong PIN', async () => {
    const ok = await inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    expect(ok.statusCode).toBe(200);
    const token = (ok.json() as { token: string }).token;
    const me = await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    const store = await inject({ method: 'GET', url: '/api/v1/stores/S001', headers: { authorization: `Bearer ${token}` } });
    const t01 = (store.json() as { terminals: Array<{ id: string; code: string }> }).terminals.find((x) => x.code === 'T01');
    expect((me.json() as { terminalId: string }).terminalId).toBe(t01?.id);
    const wrong = await inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '9999' } });
    expect(wrong.statusCode).toBe(401);
    const elsewhere = await inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S002', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    expect(elsewhere.json()).toMatchObject({ code: 'STORE_OUT_OF_SCOPE' });
  });

  it('ends a session after 30 idle minutes and after 12 hours in any case', async () => {
    const token = await t.login('finance');
    const auth = { authorization: `Bearer ${token}` };
    t.clock.advance(29 * 60_000);
    expect((await inject({ method: 'GET', url: '/api/v1/ping', headers: auth })).statusCode).toBe(200);
    t.clock.advance(29 * 60_000);
    expect((await inject({ method: 'GET', url: '/api/v1/ping', headers: auth })).statusCode).toBe(200);
    t.clock.advance(31 * 60_000);
    const idle = await inject({ method: 'GET', url: '/api/v1/ping', headers: auth });
    expect(idle.json()).toMatchObject({ code: 'SESSION_EXPIRED' });

    const busy = { authorization: `Bearer ${await t.login('finance')}` };
    for (let h = 0; h < 12 * 3; h++) {
      t.clock.advance(20 * 60_000);
      const res = await inject({ method: 'GET', url: '/api/v1/ping', headers: busy });
      if (h < 12 * 3 - 1) expect(res.statusCode).toBe(200);
      else expect(res.json()).toMatchObject({ code: 'SESSION_EXPIRED' });
    }
  });

  it('signs out, and disabling a user revokes every session at once', async () => {
    const a = await t.login('regional');
    const b = await t.login('regional');
    const out = await inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${a}` } });
    expect(out.statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/api/v1/ping', headers: { authorization: `Bearer ${a}` } })).statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/v1/ping', headers: { authorization: `Bearer ${b}` } })).statusCode).toBe(200);
    const admin = await t.login('admin');
    const off = await inject({ method: 'POST', url: '/api/v1/users/regional/disable', headers: { authorization: `Bearer ${admin}` } });
    expect(off.statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/api/v1/ping', headers: { authorization: `Bearer ${b}` } })).statusCode).toBe(401);
    const again = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'regional', password: 'demo' } });
    expect(again.statusCode).toBe(401);
  });

  it('needs the CSRF header for cookie-authenticated writes', async () => {
    const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'manager', password: 'demo' } });
    const { token, csrfToken } = res.json() as { token: string; csrfToken: string };
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(setCookie.find((c) => c.startsWith('tp_session='))).toMatch(/HttpOnly/i);
    expect(setCookie.find((c) => c.startsWith('tp_session='))).toMatch(/SameSite=Strict/i);
    const cookie = `tp_session=${token}; tp_csrf=${csrfToken}`;
    const withoutHeader = await inject({ method: 'POST', url: '/api/v1/stores/S001/terminals', headers: { cookie }, payload: { code: 'T07', name: '7' } });
    expect(withoutHeader.statusCode).toBe(403);
    expect(withoutHeader.json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    const withHeader = await inject({ method: 'POST', url: '/api/v1/stores/S001/terminals', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { code: 'T07', name: '7' } });
    expect(withHeader.statusCode).toBe(201);
    const read = await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(read.statusCode).toBe(200);
  });

  it('lets demo users sign in from loopback only', async () => {
    const remote = await inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '192.0.2.10', payload: { username: 'admin', password: 'demo' } });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ code: 'DEMO_LOGIN_REMOTE' });
  });

  it('stores only a hash of session tokens and argon2id password hashes', async () => {
    const token = await t.login('auditor');
    const rows = await handle().db.selectFrom('sessions').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    const user = await handle().db.selectFrom('users').select('password_hash').where('username', '=', 'auditor').executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
  });
});
