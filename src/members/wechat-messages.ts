// Members' messages as WeChat subscription messages (订阅消息): which template each kind of
// message uses (settings), and the template data shaped to WeChat's value types, so a send is
// never refused for its data (47003). Pure, apart from reading and saving the settings.
import { z } from 'zod';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { formatMoney } from '../platform/money';
import { formatReceiptTime } from '../checkout/index';
import { parseSettings } from './settings-schema';

/** The message kinds that go out as subscription messages; sign-in codes stay on SMS. */
export const SUBSCRIBE_KINDS = ['points_earned', 'points_redeemed', 'tier_upgraded', 'e_receipt', 'points_expiring'] as const;
export type SubscribeKind = (typeof SUBSCRIBE_KINDS)[number];

// A template id as the mini-program console shows it (base64url-like, about 43 characters); '' = not used.
const templateId = z.string().regex(/^[A-Za-z0-9_-]{0,64}$/, 'paste the template id from the mini-program console (letters, digits, "_" and "-")');

export const wechatSubscribeSettingsSchema = z.object({
  /** The template id per message kind; a kind without one goes by SMS. */
  templates: z.object(Object.fromEntries(SUBSCRIBE_KINDS.map((k) => [k, templateId.default('')])) as Record<SubscribeKind, z.ZodDefault<typeof templateId>>),
  /** The mini-program page a message opens (the member card). */
  page: z.string().max(128).default('pages/member/index'),
  /** The page an e-receipt message opens; `?token=` is appended. */
  receiptPage: z.string().max(128).default('pages/receipt/index'),
  /** Which version of the mini-program opens: formal (released), trial or developer. */
  miniprogramState: z.enum(['formal', 'trial', 'developer']).default('formal'),
});
export type WechatSubscribeSettings = z.infer<typeof wechatSubscribeSettingsSchema>;

const KEY = 'members:wechat';

export async function wechatSubscribeSettings(ctx: Ctx): Promise<WechatSubscribeSettings> {
  const raw = await readSetting(ctx.db, KEY);
  return wechatSubscribeSettingsSchema.parse(raw ? JSON.parse(raw) : { templates: {} });
}

/** Validates and saves the template settings; VALIDATION_FAILED names the field. */
export async function saveWechatSubscribeSettings(ctx: Ctx, input: unknown): Promise<WechatSubscribeSettings> {
  const settings = parseSettings(wechatSubscribeSettingsSchema, input, 'VALIDATION_FAILED', (path) => ({ name: 'The WeChat message settings', fieldPath: path }));
  await writeSetting(ctx.db, KEY, JSON.stringify(settings));
  return settings;
}

/**
 * What a queued message was written from (member_messages.data). `at` is the instant of the
 * event; `storeId` the store it happened at (its name and time zone are looked up on delivery).
 */
export interface MessageFacts {
  at: string;
  storeId: string;
  points?: number;
  balance?: number;
  amountFen?: number;
  tierName?: string;
  discountPercent?: string;
  receiptToken?: string;
  lastDay?: string;
}

/** A subscription message as `/cgi-bin/message/subscribe/send` takes it (less touser and lang). */
export interface SubscribeMessage {
  template_id: string;
  page: string;
  miniprogram_state: WechatSubscribeSettings['miniprogramState'];
  data: Record<string, { value: string }>;
}

// WeChat's limits per value type (subscribe message documentation): thing ≤ 20 characters,
// phrase ≤ 5 Chinese characters, number ≤ 32 digits, amount a currency sign and ≤ 10 digits.
const THING_MAX = 20;
const PHRASE_MAX = 5;

/**
 * A `thing` value: at most 20 characters (counted as WeChat does, by character), cut with "…".
 *
 * @example thingValue('五常大米五常大米五常大米五常大米五常大米五常') // '五常大米五常大米五常大米五常大米五常大…'
 */
export function thingValue(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= THING_MAX ? chars.join('') : `${chars.slice(0, THING_MAX - 1).join('')}…`;
}

/** A `phrase` value: up to 5 Chinese characters (anything else is dropped). */
export function phraseValue(text: string): string {
  return [...text].filter((c) => /\p{Script=Han}/u.test(c)).slice(0, PHRASE_MAX).join('');
}

/**
 * A `time` value: the store's wall clock, `YYYY-MM-DD HH:mm`.
 *
 * @example timeValue('2026-11-30T06:05:09Z', 'Asia/Shanghai') // '2026-11-30 14:05'
 */
export function timeValue(iso: string, timeZone: string): string {
  return formatReceiptTime(iso, timeZone).slice(0, 16);
}

/**
 * The subscription message for a queued message, or null when its kind has no template (or
 * the facts are missing): then the message goes by SMS.
 *
 * @example subscribeMessageFor('points_earned', { at, storeId, points: 49, balance: 149 }, { name: '人民路店', timeZone: 'Asia/Shanghai' }, settings)
 *   // { template_id, page: 'pages/member/index', data: { thing1: { value: '人民路店 消费积分' }, number2: { value: '49' }, number3: { value: '149' }, time4: { value: '2026-11-30 10:00' } } }
 */
export function subscribeMessageFor(kind: string, facts: MessageFacts | null, store: { name: string; timeZone: string }, settings: WechatSubscribeSettings): SubscribeMessage | null {
  const base = kind.split(':')[0] as SubscribeKind;
  const id = SUBSCRIBE_KINDS.includes(base) ? settings.templates[base] : '';
  if (!id || !facts) return null;
  const time = timeValue(facts.at, store.timeZone);
  const num = (n: number | undefined) => ({ value: String(n ?? 0) });
  const page = settings.page;
  const message = (data: SubscribeMessage['data'], to = page): SubscribeMessage => ({ template_id: id, page: to, miniprogram_state: settings.miniprogramState, data });
  switch (base) {
    case 'points_earned':
      return message({ thing1: { value: thingValue(`${store.name} 消费积分`) }, number2: num(facts.points), number3: num(facts.balance), time4: { value: time } });
    case 'points_redeemed':
      return message({ thing1: { value: thingValue(`${store.name} 积分抵扣`) }, number2: num(facts.points), number3: num(facts.balance), time4: { value: time } });
    case 'tier_upgraded':
      return message({
        thing1: { value: thingValue(facts.tierName ?? '') },
        thing2: { value: thingValue(`下次消费起享受${facts.discountPercent ?? '0'}%会员折扣`) },
        phrase3: { value: phraseValue('升级成功') },
        time4: { value: time },
      });
    case 'e_receipt':
      return message({ amount1: { value: formatMoney(facts.amountFen ?? 0) }, thing2: { value: thingValue(store.name) }, time3: { value: time } }, `${settings.receiptPage}?token=${facts.receiptToken ?? ''}`);
    case 'points_expiring':
      return message({ number1: num(facts.points), date2: { value: facts.lastDay ?? '' }, thing3: { value: thingValue('积分即将过期，请尽快使用') } });
  }
  return null;
}
