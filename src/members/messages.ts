// Delivering the messages queued for members (outbox rows written with the sale or return): a
// member who bound WeChat gets a subscription message, others an SMS. WeChat refusing a message
// for good (the member has not subscribed, 43101) sends it by SMS instead when the member has a
// phone. A failure worth retrying is tried again after 1, 5, 15 and 60 minutes, then the message
// is dead (kept, with the last error, for the back office to see). Login codes are blanked once
// sent, so the database does not keep a usable code.
import type { Ctx } from '../platform/context';
import { openPii } from './pii';
import { keysOf } from './service';
import type { SmsGateway, SmsResult } from './sms-gateway';
import { subscribeMessageFor, wechatSubscribeSettings, type MessageFacts, type WechatSubscribeSettings } from './wechat-messages';
import type { SubscribeResult, WechatSubscribe } from './wechat-subscribe';

const RETRY_AFTER_MIN = [1, 5, 15, 60];
export const MAX_ATTEMPTS = RETRY_AFTER_MIN.length + 1;

interface Channels {
  sms: SmsGateway;
  wechat?: WechatSubscribe;
}
const channels = new Map<string, Channels>();

/** Sets the gateways a node sends through ('*' for every node): SMS, and WeChat when the chain has a mini-program. */
export function configureMessaging(nodeId: string | '*', sms: SmsGateway, wechat?: WechatSubscribe): void {
  channels.set(nodeId, { sms, wechat });
}

/** The node's WeChat mini-program API, if configured (binding a member's WeChat needs it). */
export function wechatOf(ctx: Ctx): WechatSubscribe | undefined {
  return (channels.get(ctx.nodeId) ?? channels.get('*'))?.wechat;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
}

type Outcome = SmsResult | SubscribeResult;

/** Sends what is due (at most `limit`, or just the messages named in `ids`). */
export async function deliverMessages(ctx: Ctx, options: { limit?: number; ids?: string[] } = {}): Promise<DeliveryReport> {
  const gateways = channels.get(ctx.nodeId) ?? channels.get('*');
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0 };
  if (!gateways) return report;
  const now = ctx.clock.now();
  let q = ctx.db
    .selectFrom('member_messages')
    .innerJoin('members', 'members.id', 'member_messages.member_id')
    .select(['member_messages.id', 'member_messages.kind', 'member_messages.channel', 'member_messages.body', 'member_messages.data', 'member_messages.attempts', 'members.phone_sealed', 'members.wechat_openid_sealed', 'members.status'])
    .where('member_messages.status', '=', 'pending')
    .where('member_messages.next_attempt_at', '<=', now.toISOString());
  if (options.ids) q = q.where('member_messages.id', 'in', options.ids.length ? options.ids : ['']);
  const due = await q.orderBy('member_messages.next_attempt_at').limit(options.limit ?? 100).execute();
  const { ring } = keysOf(ctx);
  const wechatContext = due.some((m) => m.channel === 'wechat') ? await loadWechatContext(ctx) : null;
  for (const m of due) {
    const attempts = m.attempts + 1;
    let channel = m.channel;
    let note: string | null = null;
    let result: Outcome | null = null;
    if (m.status !== 'active') result = { ok: false, permanent: true, error: 'the member was deleted' };
    if (!result && channel === 'wechat') {
      const facts = m.data ? (JSON.parse(m.data) as MessageFacts) : null;
      const store = wechatContext?.stores.get(facts?.storeId ?? '') ?? { name: '', timeZone: 'Asia/Shanghai' };
      const message = wechatContext ? subscribeMessageFor(m.kind, facts, store, wechatContext.settings) : null;
      const outcome: SubscribeResult = !gateways.wechat
        ? { ok: false, permanent: true, error: 'WeChat is not configured on this node' }
        : !m.wechat_openid_sealed
          ? { ok: false, permanent: true, error: 'the member unbound WeChat' }
          : !message
            ? { ok: false, permanent: true, error: `no WeChat template is set for ${m.kind.split(':')[0]}` }
            : await gateways.wechat.send(openPii(ring, m.wechat_openid_sealed), message);
      if (outcome.ok || !outcome.permanent) result = outcome;
      else {
        // Refused for good by WeChat: the SMS carries it, if the member gave a phone.
        channel = 'sms';
        note = `${outcome.error}; sent by SMS instead`;
        if (!m.phone_sealed) result = { ok: false, permanent: true, error: `${outcome.error}; the member has no phone for SMS` };
      }
    }
    if (!result) result = m.phone_sealed ? await gateways.sms.send(openPii(ring, m.phone_sealed), m.body) : { ok: false, permanent: true, error: 'the member has no phone number' };
    const at = ctx.clock.now().toISOString();
    if (result.ok) {
      await ctx.db
        .updateTable('member_messages')
        .set({ status: 'sent', channel, attempts, sent_at: at, last_error: note, ...(m.kind === 'login_code' ? { body: m.body.replace(/\d{6}/, '••••••') } : {}) })
        .where('id', '=', m.id)
        .execute();
      report.sent += 1;
    } else if (result.permanent || attempts >= MAX_ATTEMPTS) {
      await ctx.db.updateTable('member_messages').set({ status: 'dead', channel, attempts, last_error: result.error }).where('id', '=', m.id).execute();
      report.dead += 1;
    } else {
      const wait = (RETRY_AFTER_MIN[attempts - 1] ?? 60) * 60_000;
      await ctx.db
        .updateTable('member_messages')
        .set({ channel, attempts, last_error: note ? `${note}: ${result.error}` : result.error, next_attempt_at: new Date(now.getTime() + wait).toISOString() })
        .where('id', '=', m.id)
        .execute();
      report.retried += 1;
    }
  }
  return report;
}

/** The template settings and every store's name and time zone, read once per delivery run. */
async function loadWechatContext(ctx: Ctx): Promise<{ settings: WechatSubscribeSettings; stores: Map<string, { name: string; timeZone: string }> }> {
  const [settings, stores] = await Promise.all([wechatSubscribeSettings(ctx), ctx.db.selectFrom('stores').select(['id', 'name', 'time_zone']).execute()]);
  return { settings, stores: new Map(stores.map((s) => [s.id, { name: s.name, timeZone: s.time_zone }])) };
}
