// A real `tillpoint start` killed with SIGKILL while a customer is still entering their WeChat
// password (charge sent, sale not committed); started again on the same data folder, its
// recovery job reverses the charge at the sandbox before it serves, so no customer pays for a
// sale that does not exist (no 掉单).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../platform/testing/cli';
import { openJournal } from '../sandbox/journal';
import { sandboxJournals } from '../sandbox/export';
import type { SandboxOrder } from '../sandbox/wechat-pay';

// The sandbox keeps a code ending in 11 waiting for the password for 12 s: the kill lands inside.
const PASSWORD_CODE = '134567890123459911';

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${r.url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Polls `read` every 100 ms until it gives a value, for at most `ms`. */
async function until<T>(read: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a till process killed between the charge and the sale', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-crash-pay-'));
  const servers: RunningServer[] = [];
  const orderAtWechat = () => openJournal<SandboxOrder>(sandboxJournals(data).wechat, 'outTradeNo').load().find((o) => o.authCode === PASSWORD_CODE);
  afterAll(async () => {
    // stop() waits for an exit; the killed one has exited already.
    for (const s of servers) if (s.process.exitCode === null && s.process.signalCode === null) await s.stop();
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('reverses the charge at the channel after the restart, and no sale exists', { timeout: 120_000 }, async () => {
    const first = await startServer(['--data', data]);
    servers.push(first);
    const pin = await json<{ token: string }>(fetch(`${first.url}/api/v1/auth/pin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' }) }));
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${pin.token}` };
    await json(fetch(`${first.url}/api/v1/shifts/open`, { method: 'POST', headers, body: JSON.stringify({ floatFen: 0 }) }));
    const { products } = await json<{ products: Array<{ unit: string; barcodes: string[] }> }>(fetch(`${first.url}/api/v1/products?limit=50`, { headers }));
    const barcode = products.find((p) => p.unit === 'piece' && p.barcodes[0])?.barcodes[0] ?? '';
    const cart = await json<{ id: string }>(fetch(`${first.url}/api/v1/carts`, { method: 'POST', headers, body: '{}' }));
    await json(fetch(`${first.url}/api/v1/carts/${cart.id}/scan`, { method: 'POST', headers, body: JSON.stringify({ code: barcode }) }));

    // The payment is in flight (the request waits for the customer) when the process dies.
    const paying = fetch(`${first.url}/api/v1/carts/${cart.id}/scan`, { method: 'POST', headers, body: JSON.stringify({ code: PASSWORD_CODE }) }).catch((err: unknown) => err);
    const charged = await until(() => (orderAtWechat()?.state === 'USERPAYING' ? orderAtWechat() : undefined), 10_000, 'the charge at the sandbox');
    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGKILL');
    await exited;
    expect(await paying).toBeInstanceOf(Error);

    const db = () => new SqliteDatabase(path.join(data, 'tillpoint.db'), { readonly: true });
    const before = db();
    // Open (paying, or user_paying once the micropay answer was stored) and in no sale.
    expect(before.prepare('select status, sale_id from payments where merchant_order_no = ?').get(charged.outTradeNo)).toEqual({ status: expect.stringMatching(/^(user_)?paying$/), sale_id: null });
    before.close();

    // Started again on the same folder: recovery runs before the server says it is running.
    const second = await startServer(['--data', data]);
    servers.push(second);
    expect(orderAtWechat()).toMatchObject({ outTradeNo: charged.outTradeNo, state: 'REVOKED' });
    const after = db();
    expect(after.prepare('select status, error_code, sale_id from payments where merchant_order_no = ?').get(charged.outTradeNo)).toEqual({ status: 'cancelled', error_code: 'REVERSED', sale_id: null });
    expect(after.prepare('select count(*) as n from sales').get()).toEqual({ n: 0 });
    after.close();
  });
});
