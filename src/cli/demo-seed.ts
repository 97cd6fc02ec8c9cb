// The demo data: a region, stores S001…, two tills each, the demo users of DESIGN §9, a
// realistic catalog and a few promotions. Made through the real services; marked in settings
// so a second start does not reseed.
import { AppError } from '../platform/errors';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { createRegion, createStore, createTerminal } from '../platform/stores/service';
import { createUser } from '../platform/auth/users';
import type { RoleGrant } from '../platform/auth/permissions';
import { createPromotion, importCategories, importSkus, invalidateCatalog } from '../catalog/index';
import { generateDemoCatalog } from '../catalog/demo-catalog';
import { saveCheckoutSettings } from '../checkout/settings';
import { DEFAULT_SCAN_CONFIG } from '../checkout/scan-code';
import { membersConfig, saveMembersConfig } from '../members/index';

export const DEMO_PASSWORD = 'demo';
export const DEMO_PIN = '1234';

export interface DemoOptions {
  stores?: number;
  /** SKUs in the demo catalog (default 2,000). */
  products?: number;
  seed?: number;
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
    const products = options.products ?? 2000;
    if (!Number.isInteger(products) || products < 0 || products > 1_000_000) {
      throw new AppError('VALIDATION_FAILED', `--products must be a whole number from 0 to 1,000,000, got ${products}.`);
    }
    const catalog = generateDemoCatalog({ products, seed: options.seed ?? 1 });
    const categories = await importCategories(t, catalog.categories);
    await importSkus(t, catalog.skus);
    const categoryId = (code: string) => categories.find((c) => c.code === code)?.id ?? '';
    const year = ctx.clock.now().getUTCFullYear();
    const window = { startsAt: `${year - 1}-01-01T00:00:00+08:00`, endsAt: `${year + 2}-01-01T00:00:00+08:00` };
    await createPromotion(t, { name: '饮料买二送一', target: { kind: 'categories', categoryIds: [categoryId('C3003')] }, rule: { kind: 'buy_x_get_y', buy: 2, get: 1 }, priority: 10, exclusive: true, ...window });
    await createPromotion(t, { name: '零食九折', target: { kind: 'categories', categoryIds: [categoryId('C3001')] }, rule: { kind: 'percent_off', percent: '10' }, priority: 20, exclusive: false, ...window });
    // Member prices (会员价) on a few dairy SKUs: a special price for members only, 10 % under list, to the jiao.
    for (const sku of catalog.skus.filter((s) => s.categoryCode === 'C3004' && s.unit === 'piece').slice(0, 5)) {
      const skuId = (await t.db.selectFrom('skus').select('id').where('code', '=', sku.code).executeTakeFirstOrThrow()).id;
      await createPromotion(t, { name: '会员价', target: { kind: 'skus', skuIds: [skuId] }, rule: { kind: 'special_price', priceFen: Math.round((sku.priceFen * 0.9) / 10) * 10 }, priority: 5, exclusive: true, membersOnly: true, ...window });
    }
    await createPromotion(t, { name: '满100减20', target: { kind: 'all' }, rule: { kind: 'threshold', thresholdFen: 10000, offFen: 2000, repeat: false }, priority: 50, exclusive: false, ...window });
    // Points rewards: two kitchenware gifts (one for points, one for points + cash) and two coupons for points.
    const giftSkus = catalog.skus.filter((s) => s.categoryCode === 'C5001' && s.unit === 'piece' && s.active).slice(0, 2);
    if (giftSkus.length === 2) {
      const [full, half] = await Promise.all(giftSkus.map(async (s) => ({ sku: s, id: (await t.db.selectFrom('skus').select('id').where('code', '=', s.code).executeTakeFirstOrThrow()).id })));
      await saveMembersConfig(t, {
        ...(await membersConfig(t)),
        gifts: [
          ...(full ? [{ skuId: full.id, points: Math.ceil(full.sku.priceFen / 100) * 100, cashFen: 0 }] : []),
          ...(half ? [{ skuId: half.id, points: Math.ceil(half.sku.priceFen / 200) * 100, cashFen: Math.round(half.sku.priceFen / 20) * 10 }] : []),
        ],
        couponOffers: [
          { id: 'C10', name: '¥10 优惠券', points: 500, valueFen: 1000, minSpendFen: 5000, validDays: 30 },
          { id: 'C30', name: '¥30 优惠券', points: 1500, valueFen: 3000, minSpendFen: 15000, validDays: 30 },
        ],
      });
    }
    for (const id of storeIds) await saveCheckoutSettings(t, id, { cashRounding: 'jiao', scan: DEFAULT_SCAN_CONFIG });
    await writeSetting(tx, 'demo_seeded', ctx.clock.now().toISOString());
  });
  invalidateCatalog(ctx);
  return true;
}
