// The demo data: a region, stores S001…, two tills each, and the demo users of DESIGN §9.
// Made through the real services; marked in settings so a second start does not reseed.
import { AppError } from '../platform/errors';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { createRegion, createStore, createTerminal } from '../platform/stores/service';
import { createUser } from '../platform/auth/users';
import type { RoleGrant } from '../platform/auth/permissions';

export const DEMO_PASSWORD = 'demo';
export const DEMO_PIN = '1234';

export interface DemoOptions {
  stores?: number;
}

const STORE_NAMES = ['人民广场店', '徐家汇店', '陆家嘴店', '五角场店', '静安寺店', '中山公园店', '莘庄店', '虹桥店'];

export function demoStoreCode(index: number): string {
  return `S${String(index + 1).padStart(3, '0')}`;
}

/** Seeds the demo once; returns false when it was already there. */
export async function seedDemo(ctx: Ctx, options: DemoOptions = {}): Promise<boolean> {
  if (await readSetting(ctx.db, 'demo_seeded')) return false;
  const storeCount = options.stores ?? 1;
  if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > 500) {
    throw new AppError('VALIDATION_FAILED', `--stores must be a whole number from 1 to 500, got ${storeCount}.`);
  }
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const region = await createRegion(t, { code: 'R01', name: '华东区' });
    const storeIds: string[] = [];
    for (let i = 0; i < storeCount; i++) {
      const name = `演示店·${STORE_NAMES[i % STORE_NAMES.length] ?? ''}${i >= STORE_NAMES.length ? ` ${i + 1}` : ''}`;
      const store = await createStore(t, { code: demoStoreCode(i), name, regionId: region.id });
      await createTerminal(t, store.id, { code: 'T01', name: '1号收银台' });
      await createTerminal(t, store.id, { code: 'T02', name: '2号收银台' });
      storeIds.push(store.id);
    }
    const first = storeIds[0] ?? '';
    const users: Array<{ username: string; displayName: string; grant: RoleGrant; pin?: string }> = [
      { username: 'admin', displayName: '总部管理员', grant: { role: 'hq_admin', scopeKind: 'all', scopeRef: '' } },
      { username: 'manager', displayName: '王店长', grant: { role: 'store_manager', scopeKind: 'store', scopeRef: first }, pin: DEMO_PIN },
      { username: 'regional', displayName: '李区域经理', grant: { role: 'regional_manager', scopeKind: 'region', scopeRef: region.id }, pin: DEMO_PIN },
      { username: 'finance', displayName: '赵财务', grant: { role: 'finance', scopeKind: 'all', scopeRef: '' } },
      { username: 'auditor', displayName: '钱审计', grant: { role: 'auditor', scopeKind: 'all', scopeRef: '' } },
      { username: 'cashier', displayName: '张收银', grant: { role: 'cashier', scopeKind: 'store', scopeRef: first }, pin: DEMO_PIN },
      { username: 'cashier2', displayName: '陈收银', grant: { role: 'cashier', scopeKind: 'store', scopeRef: first }, pin: DEMO_PIN },
    ];
    for (const u of users) {
      await createUser(t, { username: u.username, displayName: u.displayName, password: DEMO_PASSWORD, pin: u.pin, grants: [u.grant], isDemo: true });
    }
    await writeSetting(tx, 'demo_seeded', ctx.clock.now().toISOString());
  });
  return true;
}
