// A member binds their WeChat from the portal: the mini-program's login code (wx.login) is
// exchanged for the member's openid (jscode2session), which is sealed like the phone number and
// found through its own blind index. From then on the member's messages go out on WeChat.
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { appendOutbox } from '../platform/outbox';
import { wechatOf } from './messages';
import { normalisePhone } from './phone';
import { blindIndex, openidIndex, openPii, sealPii } from './pii';
import { keysOf, memberRow } from './service';

/** Binds the WeChat account behind `jsCode` to the member (audited); binding again replaces it. */
export async function bindMemberWechat(ctx: Ctx, memberId: string, jsCode: string): Promise<{ wechatBound: true }> {
  const code = jsCode.trim();
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(code)) throw new AppError('VALIDATION_FAILED', 'The WeChat login code is missing or malformed. Open the binding again from WeChat.', { status: 400, details: { field: 'code' } });
  const wechat = wechatOf(ctx);
  if (!wechat) throw new AppError('WECHAT_NOT_CONFIGURED', 'This store has not connected a WeChat mini-program; messages keep coming by SMS.', { status: 503 });
  const member = await memberRow(ctx, memberId);
  if (member.status !== 'active') throw new AppError('UNAUTHENTICATED', 'This membership has been deleted.');
  const openid = await wechat.openidOf(code);
  const { ring } = keysOf(ctx);
  const index = openidIndex(ring, openid);
  const holder = await ctx.db.selectFrom('members').select(['id', 'card_no']).where('wechat_openid_index', '=', index).executeTakeFirst();
  if (holder && holder.id !== memberId) {
    throw new AppError('WECHAT_ALREADY_BOUND', `This WeChat account is already bound to member card …${holder.card_no.slice(-4)}. Bind another WeChat account, or ask the store to unbind that card.`, { status: 409 });
  }
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    const sealed = sealPii(ring, openid);
    await tx.updateTable('members').set({ wechat_openid_sealed: sealed, wechat_openid_index: index, updated_at: now }).where('id', '=', memberId).execute();
    await appendAudit({ ...ctx, db: tx }, { action: 'member.wechat_bound', docType: 'member', docId: memberId, storeId: null, data: { cardNo: member.card_no } });
    // HQ owns the member row a store pulls: the binding goes there, sealed, or the next pull would drop it.
    await appendOutbox({ ...ctx, db: tx }, { type: 'member.wechat_bound', documentId: `${memberId}:wechat:${index}`, payload: { memberId, openidSealed: sealed, openidIndex: index, at: now } });
  });
  return { wechatBound: true };
}

/** The openid a phone's member bound, for the demo inbox only (it shows what WeChat delivered). */
export async function demoOpenidOfPhone(ctx: Ctx, phone: string): Promise<string | null> {
  const { ring } = keysOf(ctx);
  const row = await ctx.db.selectFrom('members').select('wechat_openid_sealed').where('phone_index', '=', blindIndex(ring, normalisePhone(phone))).executeTakeFirst();
  return row?.wechat_openid_sealed ? openPii(ring, row.wechat_openid_sealed) : null;
}
