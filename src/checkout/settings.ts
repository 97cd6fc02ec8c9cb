// Per-store checkout settings (strategies that vary by merchant): cash rounding, scale-label
// formats, payment-code routes. Kept in the settings table as JSON; cached per node.
import { z } from 'zod';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { validateScaleFormats } from '../catalog/scale-label';
import { DEFAULT_SCAN_CONFIG, type ScanConfig } from './scan-code';

export interface CheckoutSettings {
  /** 抹零: waive the fen (to the jiao) when cash settles a sale. */
  cashRounding: 'none' | 'jiao';
  scan: ScanConfig;
}

const schema = z.object({
  cashRounding: z.enum(['none', 'jiao']).default('none'),
  scan: z
    .object({
      scaleFormats: z.array(z.object({ prefix: z.string(), kind: z.enum(['price', 'weight']), pluDigits: z.number().int(), valueDigits: z.number().int() })),
      paymentRoutes: z.array(z.object({ channel: z.enum(['wechat', 'alipay', 'unionpay', 'ecny']), pattern: z.string() })),
      memberPatterns: z.array(z.string()),
    })
    .default(DEFAULT_SCAN_CONFIG),
});

const cache = new Map<string, CheckoutSettings>();
const key = (storeId: string) => `checkout:${storeId}`;

export async function checkoutSettings(ctx: Ctx, storeId: string): Promise<CheckoutSettings> {
  const cacheKey = `${ctx.nodeId}|${storeId}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const raw = await readSetting(ctx.db, key(storeId));
  const settings = schema.parse(raw ? JSON.parse(raw) : {}) as CheckoutSettings;
  cache.set(cacheKey, settings);
  return settings;
}

export async function saveCheckoutSettings(ctx: Ctx, storeId: string, settings: CheckoutSettings): Promise<void> {
  validateScaleFormats(settings.scan.scaleFormats);
  const parsed = schema.parse(settings) as CheckoutSettings;
  await writeSetting(ctx.db, key(storeId), JSON.stringify(parsed));
  cache.set(`${ctx.nodeId}|${storeId}`, parsed);
}
