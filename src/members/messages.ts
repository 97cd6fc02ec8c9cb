// Delivering the messages queued for members (outbox rows written with the sale or return):
// due messages go to the gateway; a failure is retried after 1, 5, 15 and 60 minutes, then the
// message is dead (kept, with the last error, for the back office to see). Login codes are
// blanked once sent, so the database does not keep a usable code.
import type { Ctx } from '../platform/context';
import { openPii } from './pii';
import { keysOf } from './service';
import type { SmsGateway } from './sms-gateway';

const RETRY_AFTER_MIN = [1, 5, 15, 60];
export const MAX_ATTEMPTS = RETRY_AFTER_MIN.length + 1;

const gateways = new Map<string, SmsGateway>();

/** Sets the gateway a node sends through ('*' for every node). */
export function configureMessaging(nodeId: string | '*', gateway: SmsGateway): void {
  gateways.set(nodeId, gateway);
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
}

/** Sends what is due (at most `limit`, or just the messages named in `ids`). */
export async function deliverMessages(ctx: Ctx, options: { limit?: number; ids?: string[] } = {}): Promise<DeliveryReport> {
  const gateway = gateways.get(ctx.nodeId) ?? gateways.get('*');
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0 };
  if (!gateway) return report;
  const now = ctx.clock.now();
  let q = ctx.db
    .selectFrom('member_messages')
    .innerJoin('members', 'members.id', 'member_messages.member_id')
    .select(['member_messages.id', 'member_messages.kind', 'member_messages.body', 'member_messages.attempts', 'members.phone_sealed', 'members.status'])
    .where('member_messages.status', '=', 'pending')
    .where('member_messages.next_attempt_at', '<=', now.toISOString());
  if (options.ids) q = q.where('member_messages.id', 'in', options.ids.length ? options.ids : ['']);
  const due = await q.orderBy('member_messages.next_attempt_at').limit(options.limit ?? 100).execute();
  const { ring } = keysOf(ctx);
  for (const m of due) {
    const attempts = m.attempts + 1;
    const result = m.status === 'active' && m.phone_sealed ? await gateway.send(openPii(ring, m.phone_sealed), m.body) : ({ ok: false, permanent: true, error: 'the member was deleted' } as const);
    const at = ctx.clock.now().toISOString();
    if (result.ok) {
      await ctx.db
        .updateTable('member_messages')
        .set({ status: 'sent', attempts, sent_at: at, last_error: null, ...(m.kind === 'login_code' ? { body: m.body.replace(/\d{6}/, '••••••') } : {}) })
        .where('id', '=', m.id)
        .execute();
      report.sent += 1;
    } else if (result.permanent || attempts >= MAX_ATTEMPTS) {
      await ctx.db.updateTable('member_messages').set({ status: 'dead', attempts, last_error: result.error }).where('id', '=', m.id).execute();
      report.dead += 1;
    } else {
      const wait = (RETRY_AFTER_MIN[attempts - 1] ?? 60) * 60_000;
      await ctx.db
        .updateTable('member_messages')
        .set({ attempts, last_error: result.error, next_attempt_at: new Date(now.getTime() + wait).toISOString() })
        .where('id', '=', m.id)
        .execute();
      report.retried += 1;
    }
  }
  return report;
}
