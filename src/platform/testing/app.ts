// A Tillpoint app over a test database, with a manual clock and the demo seeded, driven
// in-process through Fastify's inject (no port).
import { randomBytes } from 'node:crypto';
import { createTillpoint, type Tillpoint } from '../../app';
import { generateKeyRing, memberKeysFrom } from '../../members/index';
import { seedDemo } from '../../cli/demo-seed';
import { loadConfig } from '../config';
import { manualClock, type ManualClock } from '../clock';
import { createLogger } from '../logging';
import type { DbHandle } from '../db/index';
import type { Ctx } from '../context';

export interface TestApp {
  tp: Tillpoint;
  clock: ManualClock;
  ctx: Ctx;
  /** Signs in with the demo password and returns the Bearer token. */
  login(username: string): Promise<string>;
  /** Signs a cashier in at a till of S001 with the demo PIN, opens a shift there, returns the token. */
  openTill(username?: string, terminalCode?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApp(handle: DbHandle, options: { stores?: number; products?: number; start?: string } = {}): Promise<TestApp> {
  const clock = manualClock(options.start ?? '2026-11-30T02:00:00Z');
  const config = loadConfig({ logLevel: 'silent' }, {});
  const log = createLogger('silent');
  // Keys per test app, so tests never write any under the project's data folder.
  const tp = await createTillpoint({ config, clock, log, handle, auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });
  const ctx: Ctx = { actor: null, db: handle.db, clock, nodeId: tp.nodeId, log };
  await seedDemo(ctx, { stores: options.stores ?? 2, products: options.products ?? 0 });
  return {
    tp,
    clock,
    ctx,
    async login(username) {
      const res = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'demo' } });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.body}`);
      return (res.json() as { token: string }).token;
    },
    async openTill(username = 'cashier', terminalCode = 'T01') {
      const pin = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode, username, pin: '1234' } });
      if (pin.statusCode !== 200) throw new Error(`PIN sign-in of ${username} failed: ${pin.body}`);
      const token = (pin.json() as { token: string }).token;
      const shift = await tp.app.inject({ method: 'POST', url: '/api/v1/shifts/open', headers: { authorization: `Bearer ${token}` }, payload: { floatFen: 0 } });
      if (shift.statusCode !== 201) throw new Error(`opening the shift failed: ${shift.body}`);
      return token;
    },
    close: () => tp.close(),
  };
}
