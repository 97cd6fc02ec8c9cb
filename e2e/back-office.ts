// The back office in browser tests: sign a user in at /login, and call the API as them (to set
// up data and to check what the screens claim).
import type { Page } from 'playwright-core';

export type ApiCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * Signs a demo user in over the API and returns a caller that sends their bearer token.
 *
 * @example const manager = await apiAs(url, 'manager'); await manager('GET', '/stock?store=S001')
 */
export async function apiAs(url: string, username: string): Promise<ApiCall> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'demo' }) });
  if (!res.ok) throw new Error(`sign-in → ${res.status}: ${await res.text()}`);
  const token = ((await res.json()) as { token: string }).token;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

/** Signs a demo user in at /login with the password form and waits for the back office. */
export async function signInAtBackOffice(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill('demo');
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/admin');
}

/** A store's on-hand quantity of an item (by barcode or code), as "where else is this in stock?" reports it. */
export async function onHandAt(call: ApiCall, store: string, code: string): Promise<number> {
  const where = await call<{ stores: Array<{ storeCode: string; qty: number }> }>('GET', `/stock/where?code=${encodeURIComponent(code)}`);
  return where.stores.find((s) => s.storeCode === store)?.qty ?? 0;
}

export type Post = (path: string, body: unknown, token?: string) => Promise<Record<string, unknown>>;

/** POSTs JSON to the API (as the token's user when given) and returns the answer's body. */
export function poster(url: string): Post {
  return async (path, body, token) => {
    const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, unknown>;
  };
}

/** The demo cashier signed in at S001's till T01 by PIN, with a shift open: their token. */
export async function cashierOnShift(post: Post): Promise<string> {
  const token = (await post('/auth/pin', { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' })).token as string;
  await post('/shifts/open', { floatFen: 0 }, token);
  return token;
}
