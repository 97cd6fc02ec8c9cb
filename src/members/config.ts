// The chain's membership settings: tiers, how points are earned and redeemed, the consent text.
// Kept in the settings table as JSON; defaults are a common supermarket scheme.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { earnRulesSchema, redeemRulesSchema } from './points';
import { tiersSchema } from './tiers';
import { couponOffersSchema, giftsSchema } from './rewards';

export const membersConfigSchema = z.object({
  tiers: tiersSchema,
  earn: earnRulesSchema,
  redeem: redeemRulesSchema,
  consent: z.object({ version: z.string().min(1).max(20), text: z.string().min(1).max(4000) }),
  /** May a clawback take a balance below zero (else it stops at zero)? */
  allowNegativeBalance: z.boolean(),
  /** Where members open e-receipts from their phone (the store's public address), e.g. https://shop.example.cn. */
  receiptBaseUrl: z.string().max(200).default(''),
  /** Gifts members take for points (or points + cash) at the till. */
  gifts: giftsSchema.default([]),
  /** Coupons members buy with points, at the till or in the portal. */
  couponOffers: couponOffersSchema.default([]),
});
export type MembersConfig = z.infer<typeof membersConfigSchema>;

export const DEFAULT_MEMBERS_CONFIG: MembersConfig = {
  tiers: [
    { code: 'normal', name: '普通会员', rule: 'spend', discountPercent: '0', pointsMultiplier: '1' },
    { code: 'silver', name: '银卡会员', rule: 'spend', minSpendFen: 200_000, discountPercent: '2', pointsMultiplier: '1.2' },
    { code: 'gold', name: '金卡会员', rule: 'spend', minSpendFen: 1_000_000, discountPercent: '5', pointsMultiplier: '1.5' },
    { code: 'diamond', name: '钻石会员', rule: 'spend', minSpendFen: 3_000_000, discountPercent: '8', pointsMultiplier: '2' },
  ],
  earn: { pointsPerYuan: '1', excludedCategoryIds: [], categoryMultipliers: {} },
  redeem: { rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 100 },
  consent: {
    version: 'v1',
    text: '我同意本店依据《个人信息保护法》收集我的手机号码（及自愿提供的姓名、生日），用于会员积分、等级权益和消费通知；我可随时查询、导出或注销我的会员信息。',
  },
  allowNegativeBalance: false,
  receiptBaseUrl: '',
  gifts: [],
  couponOffers: [],
};

const KEY = 'members:config';

export async function membersConfig(ctx: Ctx): Promise<MembersConfig> {
  const raw = await readSetting(ctx.db, KEY);
  return raw ? membersConfigSchema.parse(JSON.parse(raw)) : DEFAULT_MEMBERS_CONFIG;
}

export async function saveMembersConfig(ctx: Ctx, input: unknown): Promise<MembersConfig> {
  const parsed = membersConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new AppError('VALIDATION_FAILED', `Membership settings field "${field}": ${issue?.message ?? 'invalid'}.`, { status: 400, details: { field } });
  }
  await writeSetting(ctx.db, KEY, JSON.stringify(parsed.data));
  return parsed.data;
}

export function consentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
