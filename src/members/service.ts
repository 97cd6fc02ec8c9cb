// Members at the till and in the back office: register with recorded consent, find by phone (blind
// index) or member code, show masked, export or anonymise on request; and the points a sale
// earns or spends, written in the sale's own transaction with the tier upgrade it causes.
import { randomInt } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { can, requirePermission, type Actor, type StoreScope } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { storeScopeById } from '../platform/stores/service';
import type { Selectable } from 'kysely';
import type { MembersTable } from '../platform/db/schema';
import { appendAudit } from '../audit/index';
import { appendOutbox } from '../platform/outbox';
import { formatMoney } from '../platform/money';
import { consentHash, membersConfig } from './config';
import type { MemberKeys } from './keys';
import { isMemberCardNo, makeMemberCardNo, memberQrToken, verifyMemberQrToken } from './member-code';
import { maskPhone, normalisePhone } from './phone';
import { blindIndex, openPii, sealPii } from './pii';
import { clawbackForReturn, pointsForSale, type EarnLine } from './points';
import { upgradeOnSale, type Tier } from './tiers';
import { giftPointsBack } from './rewards';
import { memberCoupons, restoreSaleCoupon, useCoupon } from './coupons';
import type { MessageFacts } from './wechat-messages';

const keysByNode = new Map<string, MemberKeys>();

/** Sets the keys a node seals personal data with (at start; tests pass their own). */
export function configureMemberKeys(nodeId: string, keys: MemberKeys): void {
  keysByNode.set(nodeId, keys);
}

export function keysOf(ctx: Ctx): MemberKeys {
  const keys = keysByNode.get(ctx.nodeId);
  if (!keys) throw new AppError('INTERNAL', 'The personal-data keys of this node are not loaded.');
  return keys;
}

export interface MemberView {
  id: string;
  cardNo: string;
  /** Masked (138****5678) unless the caller may see personal data in full. */
  phone: string | null;
  name: string | null;
  birthday: string | null;
  tier: { code: string; name: string; discountPercent: string; pointsMultiplier: string };
  pointsBalance: number;
  status: 'active' | 'anonymised';
  createdAt: string;
  /** Bound a WeChat mini-program account: messages go out as WeChat subscription messages. */
  wechatBound: boolean;
}

function tierOf(tiers: readonly Tier[], code: string): Tier {
  const tier = tiers.find((t) => t.code === code) ?? tiers[0];
  if (!tier) throw new AppError('INTERNAL', 'No member tiers are configured.');
  return tier;
}

function maskName(name: string): string {
  return name.length <= 1 ? name : `${name[0]}${'*'.repeat(Math.min(name.length - 1, 3))}`;
}

export function viewOf(ctx: Ctx, row: Selectable<MembersTable>, tiers: readonly Tier[], reveal: boolean): MemberView {
  const { ring } = keysOf(ctx);
  const open = (sealed: string | null) => (sealed ? openPii(ring, sealed) : null);
  const phone = open(row.phone_sealed);
  const name = open(row.name_sealed);
  const tier = tierOf(tiers, row.tier_code);
  return {
    id: row.id,
    cardNo: row.card_no,
    phone: phone && !reveal ? maskPhone(phone) : phone,
    name: name && !reveal ? maskName(name) : name,
    birthday: reveal ? open(row.birthday_sealed) : null,
    tier: { code: tier.code, name: tier.name, discountPercent: tier.discountPercent, pointsMultiplier: tier.pointsMultiplier },
    pointsBalance: row.points_balance,
    status: row.status as MemberView['status'],
    createdAt: row.created_at,
    wechatBound: row.wechat_openid_sealed !== null,
  };
}

/** Cashiers register and look up members at their store's till; managers and HQ everywhere they may. */
function requireMemberDesk(actor: Actor, scope: StoreScope): void {
  if (!can(actor, 'pos.sell', scope)) requirePermission(actor, 'members.manage', scope);
}

export interface RegisterInput {
  phone: string;
  name?: string;
  birthday?: string;
  consentVersion: string;
  consentAccepted: boolean;
}

/**
 * Registers a member at a store. The phone must be a mainland mobile number not yet registered;
 * consent to the current text is required and recorded (version, its hash, the time).
 */
export async function registerMember(ctx: Ctx, actor: Actor, storeId: string, input: RegisterInput): Promise<MemberView> {
  requireMemberDesk(actor, await storeScopeById(ctx, storeId));
  const config = await membersConfig(ctx);
  if (!input.consentAccepted || input.consentVersion !== config.consent.version) {
    throw new AppError('CONSENT_REQUIRED', `The member must accept the current terms (version ${config.consent.version}) before registering.`, { status: 400, details: { field: 'consentAccepted' } });
  }
  const phone = normalisePhone(input.phone);
  const name = input.name?.trim() || null;
  if (name && name.length > 40) throw new AppError('VALIDATION_FAILED', 'The name may be at most 40 characters.', { status: 400, details: { field: 'name' } });
  const birthday = input.birthday?.trim() || null;
  if (birthday && (!/^\d{4}-\d{2}-\d{2}$/.test(birthday) || Number.isNaN(Date.parse(`${birthday}T00:00:00Z`)))) {
    throw new AppError('VALIDATION_FAILED', 'The birthday must be a date like 1990-05-20.', { status: 400, details: { field: 'birthday' } });
  }
  const { ring } = keysOf(ctx);
  const index = blindIndex(ring, phone);
  const existing = await ctx.db.selectFrom('members').select(['card_no']).where('phone_index', '=', index).executeTakeFirst();
  if (existing) throw new AppError('MEMBER_EXISTS', `${maskPhone(phone)} is already a member (card ${existing.card_no}). Scan or look up that member.`, { status: 409, details: { cardNo: existing.card_no } });
  const now = ctx.clock.now().toISOString();
  const id = newId();
  const entry = tierOf(config.tiers, config.tiers[0]?.code ?? '');
  // Card numbers are random (no counter to share between offline stores); a clash retries.
  for (let attempt = 0; ; attempt++) {
    const cardNo = makeMemberCardNo(randomInt(1, 2 ** 42));
    try {
      await ctx.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('members')
          .values({
            id,
            card_no: cardNo,
            phone_index: index,
            phone_sealed: sealPii(ring, phone),
            name_sealed: name ? sealPii(ring, name) : null,
            birthday_sealed: birthday ? sealPii(ring, birthday) : null,
            tier_code: entry.code,
            tier_since: now,
            points_balance: 0,
            registered_store: storeId,
            consent_version: config.consent.version,
            consent_sha256: consentHash(config.consent.text),
            consent_at: now,
            status: 'active',
            created_at: now,
            updated_at: now,
          })
          .execute();
        await appendAudit({ ...ctx, db: tx, actor }, { action: 'member.registered', docType: 'member', docId: id, storeId, data: { cardNo, phone: maskPhone(phone), consentVersion: config.consent.version } });
        // HQ learns of the member from the store's outbox, personal fields still sealed.
        const row = await tx.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        await appendOutbox({ ...ctx, db: tx }, { type: 'member.registered', documentId: id, payload: { storeId, member: row } });
      });
      break;
    } catch (err) {
      const clash = await ctx.db.selectFrom('members').select('id').where('phone_index', '=', index).executeTakeFirst();
      if (clash) throw new AppError('MEMBER_EXISTS', `${maskPhone(phone)} was just registered. Look up that member.`, { status: 409 });
      if (attempt >= 3) throw err;
    }
  }
  return getMember(ctx, actor, id);
}

export async function memberRow(ctx: Ctx, id: string): Promise<Selectable<MembersTable>> {
  const row = await ctx.db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('MEMBER_NOT_FOUND', 'No such member.', { status: 404 });
  return row;
}

/** A member as the caller may see them: in full only with members.manage and `reveal`. */
export async function getMember(ctx: Ctx, actor: Actor, id: string, reveal = false): Promise<MemberView> {
  const row = await memberRow(ctx, id);
  if (reveal) requirePermission(actor, 'members.manage');
  return viewOf(ctx, row, (await membersConfig(ctx)).tiers, reveal);
}

/** Finds a member by phone number (through the blind index, never by decrypting). */
export async function findMemberByPhone(ctx: Ctx, actor: Actor, phone: string): Promise<MemberView | null> {
  if (!can(actor, 'pos.sell') && !can(actor, 'members.manage')) requirePermission(actor, 'members.manage');
  const row = await ctx.db.selectFrom('members').selectAll().where('phone_index', '=', blindIndex(keysOf(ctx).ring, normalisePhone(phone))).executeTakeFirst();
  return row ? viewOf(ctx, row, (await membersConfig(ctx)).tiers, false) : null;
}

/** The member behind a scanned code: a card number, or a portal QR code still within its minute. */
export async function memberIdByCode(ctx: Ctx, code: string): Promise<string> {
  const cardNo = isMemberCardNo(code) ? code : verifyMemberQrToken(keysOf(ctx).qrSecret, code, ctx.clock.now());
  if (!cardNo) throw new AppError('MEMBER_CODE_INVALID', 'This member code has expired or is not valid. Ask the member to refresh the code on their phone.', { status: 422 });
  const row = await ctx.db.selectFrom('members').select(['id', 'status']).where('card_no', '=', cardNo).executeTakeFirst();
  if (!row || row.status !== 'active') throw new AppError('MEMBER_NOT_FOUND', `No active member has card ${cardNo}.`, { status: 404 });
  return row.id;
}

/** The dynamic QR code the member portal shows (valid about a minute). */
export async function memberQrCode(ctx: Ctx, memberId: string): Promise<string> {
  const row = await memberRow(ctx, memberId);
  return memberQrToken(keysOf(ctx).qrSecret, row.card_no, ctx.clock.now());
}

export interface TierProgress {
  spendFen: number;
  visits: number;
  /** What the next tier asks of the last 12 months, and how far the member is from it; null at the top. */
  nextTier: { name: string; minSpendFen: number | null; minVisits: number | null; spendFen: number; visits: number; missingFen: number | null; missingVisits: number | null } | null;
}

/** The member's spend and visits over the last 12 months and the distance to the next tier. */
export async function tierProgress(ctx: Ctx, row: Pick<Selectable<MembersTable>, 'id' | 'tier_code'>, tiers: readonly Tier[]): Promise<TierProgress> {
  const since = new Date(ctx.clock.now().getTime() - 365 * 86_400_000).toISOString();
  const activity = await ctx.db.selectFrom('sales').select((eb) => [eb.fn.sum<number>('total_fen').as('spend'), eb.fn.countAll<number>().as('visits')]).where('member_id', '=', row.id).where('created_at', '>=', since).executeTakeFirst();
  const spendFen = Number(activity?.spend ?? 0);
  const visits = Number(activity?.visits ?? 0);
  const next = tiers[tiers.findIndex((t) => t.code === row.tier_code) + 1];
  return {
    spendFen,
    visits,
    nextTier: next
      ? {
          name: next.name,
          minSpendFen: next.minSpendFen ?? null,
          minVisits: next.minVisits ?? null,
          spendFen,
          visits,
          missingFen: next.minSpendFen !== undefined ? Math.max(0, next.minSpendFen - spendFen) : null,
          missingVisits: next.minVisits !== undefined ? Math.max(0, next.minVisits - visits) : null,
        }
      : null,
  };
}

/** What the member portal shows its signed-in member (phone masked even to its owner, as on screens). */
export async function portalView(ctx: Ctx, memberId: string) {
  const row = await memberRow(ctx, memberId);
  if (row.status !== 'active') throw new AppError('UNAUTHENTICATED', 'This membership has been deleted.');
  const [points, messages] = await Promise.all([
    ctx.db.selectFrom('member_points').select(['kind', 'points', 'created_at', 'doc_type']).where('member_id', '=', memberId).orderBy('created_at', 'desc').limit(20).execute(),
    ctx.db.selectFrom('member_messages').select(['kind', 'body', 'status', 'created_at']).where('member_id', '=', memberId).where('kind', '!=', 'login_code').orderBy('created_at', 'desc').limit(20).execute(),
  ]);
  const { tiers } = await membersConfig(ctx);
  const [progress, receipts] = await Promise.all([
    tierProgress(ctx, row, tiers),
    ctx.db.selectFrom('sales').innerJoin('stores', 'stores.id', 'sales.store_id').select(['sales.receipt_no', 'sales.receipt_token', 'sales.total_fen', 'sales.created_at', 'stores.name']).where('sales.member_id', '=', memberId).orderBy('sales.created_at', 'desc').limit(20).execute(),
  ]);
  return {
    member: viewOf(ctx, row, tiers, false),
    nextTier: progress.nextTier,
    receipts: receipts.map((r) => ({ receiptNo: r.receipt_no, url: `/r/${r.receipt_token}`, totalFen: r.total_fen, at: r.created_at, store: r.name })),
    qr: { code: memberQrToken(keysOf(ctx).qrSecret, row.card_no, ctx.clock.now()), refreshSeconds: 30 },
    points: points.map((p) => ({ kind: p.kind, points: p.points, at: p.created_at, docType: p.doc_type })),
    messages: messages.map((m) => ({ kind: m.kind, body: m.body, status: m.status, at: m.created_at })),
    coupons: await memberCoupons(ctx, memberId),
  };
}

/** What pricing and payment at the till need of the cart's member. */
export interface CartMember {
  id: string;
  cardNo: string;
  phone: string | null;
  tierCode: string;
  tierName: string;
  tierDiscountPercent: string;
  pointsBalance: number;
}

export async function cartMember(ctx: Ctx, memberId: string): Promise<CartMember> {
  const row = await memberRow(ctx, memberId);
  if (row.status !== 'active') throw new AppError('MEMBER_NOT_FOUND', 'This member has been deleted.', { status: 404 });
  const tier = tierOf((await membersConfig(ctx)).tiers, row.tier_code);
  const phone = row.phone_sealed ? maskPhone(openPii(keysOf(ctx).ring, row.phone_sealed)) : null;
  return { id: row.id, cardNo: row.card_no, phone, tierCode: tier.code, tierName: tier.name, tierDiscountPercent: tier.discountPercent, pointsBalance: row.points_balance };
}

/**
 * The points a sale earns (points paid with points earn nothing), by the chain's rules and the
 * tier the member had when scanned (the tier the sale was priced at).
 */
export async function pointsEarnedBy(ctx: Ctx, tierCode: string, lines: readonly EarnLine[], paidByPointsFen: number): Promise<number> {
  const config = await membersConfig(ctx);
  return pointsForSale(config.earn, tierOf(config.tiers, tierCode), lines, paidByPointsFen);
}

export interface SalePoints {
  memberId: string;
  earned: number;
  /** Every point the sale spent: the points tenders and the gifts. */
  redeemed: number;
  /** Of `redeemed`, the points the gifts cost. */
  giftPoints: number;
  /** The coupon the sale used. */
  couponId: string | null;
  balance: number;
  tier: { code: string; name: string };
  upgraded: boolean;
}

/** Queues a message for the member's WeChat when bound, else their phone; `facts` fill WeChat's template. */
export function queueMessage(ctx: Ctx, member: Pick<Selectable<MembersTable>, 'id' | 'wechat_openid_sealed'>, kind: string, body: string, facts: MessageFacts) {
  const channel = member.wechat_openid_sealed ? 'wechat' : 'sms';
  return ctx.db
    .insertInto('member_messages')
    .values({ id: newId(), member_id: member.id, kind, channel, body, data: JSON.stringify(facts), status: 'pending', attempts: 0, next_attempt_at: facts.at, last_error: null, created_at: facts.at, sent_at: null })
    .execute();
}

/**
 * Takes `points` off a member's balance only if the balance still covers them: the guarded update
 * is what settles two tills spending the same points at once (the second finds too few and gets
 * POINTS_INSUFFICIENT with `message`); the balance never goes below zero.
 */
export async function debitPoints(ctx: Ctx, memberId: string, points: number, at: string, message: string): Promise<void> {
  const taken = await ctx.db
    .updateTable('members')
    .set((eb) => ({ points_balance: eb('points_balance', '-', points), updated_at: at }))
    .where('id', '=', memberId)
    .where('points_balance', '>=', points)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) throw new AppError('POINTS_INSUFFICIENT', message, { status: 409 });
}

/**
 * Writes a sale's points inside the sale's transaction: the redemption by points tenders and
 * gifts (refused when the balance no longer covers both), the coupon used (once), the points
 * earned, the tier upgrade the sale causes (benefits apply from the next sale), and the messages
 * to the member's phone.
 */
export async function writeSalePoints(
  ctx: Ctx,
  sale: { storeId: string; saleId: string; memberId: string; earned: number; redeemed: number; giftPoints?: number; couponId?: string | null; netFen: number; businessDate: string; at: string; receiptToken: string },
): Promise<SalePoints> {
  const config = await membersConfig(ctx);
  const giftPoints = sale.giftPoints ?? 0;
  const spent = sale.redeemed + giftPoints;
  if (spent > 0) {
    const what = giftPoints > 0 ? 'the points payment and gifts' : 'this points payment';
    await debitPoints(ctx, sale.memberId, spent, sale.at, `The member no longer has enough points for ${what} (spent elsewhere meanwhile). Remove the points payment or the gift and take another method.`);
  }
  if (sale.couponId) await useCoupon(ctx, { couponId: sale.couponId, saleId: sale.saleId, storeId: sale.storeId, at: sale.at, today: sale.businessDate });
  if (sale.earned > 0) await ctx.db.updateTable('members').set((eb) => ({ points_balance: eb('points_balance', '+', sale.earned), updated_at: sale.at })).where('id', '=', sale.memberId).execute();
  const entries = [
    ...(sale.redeemed > 0 ? [{ kind: 'redeem', points: -sale.redeemed }] : []),
    ...(giftPoints > 0 ? [{ kind: 'redeem_gift', points: -giftPoints }] : []),
    ...(sale.earned > 0 ? [{ kind: 'earn', points: sale.earned }] : []),
  ];
  if (entries.length) {
    await ctx.db
      .insertInto('member_points')
      .values(entries.map((e) => ({ store_id: sale.storeId, id: newId(), member_id: sale.memberId, kind: e.kind, points: e.points, doc_type: 'sale', doc_id: sale.saleId, business_date: sale.businessDate, created_at: sale.at })))
      .execute();
  }
  const row = await memberRow(ctx, sale.memberId);
  // Rolling 12 months of this member's sales before this one (returns are left in; the yearly review evens them out).
  const since = new Date(Date.parse(sale.at) - 365 * 86_400_000).toISOString();
  const activity = await ctx.db
    .selectFrom('sales')
    .select((eb) => [eb.fn.sum<number>('total_fen').as('spend'), eb.fn.countAll<number>().as('visits')])
    .where('member_id', '=', sale.memberId)
    .where('created_at', '>=', since)
    .where('id', '!=', sale.saleId)
    .executeTakeFirst();
  const { tier, upgraded } = upgradeOnSale(row.tier_code, config.tiers, { spendFen: Number(activity?.spend ?? 0), visits: Number(activity?.visits ?? 0) }, { netFen: sale.netFen });
  if (upgraded) await ctx.db.updateTable('members').set({ tier_code: tier.code, tier_since: sale.at }).where('id', '=', sale.memberId).execute();
  const facts = { at: sale.at, storeId: sale.storeId };
  await queueMessage(ctx, row, 'e_receipt', `【Tillpoint】您的电子小票（${formatMoney(sale.netFen)}）：${config.receiptBaseUrl}/r/${sale.receiptToken}`, { ...facts, amountFen: sale.netFen, receiptToken: sale.receiptToken });
  if (sale.earned > 0) await queueMessage(ctx, row, 'points_earned', `【Tillpoint】本次消费获得 ${sale.earned} 积分，当前积分 ${row.points_balance}。`, { ...facts, points: sale.earned, balance: row.points_balance });
  if (sale.redeemed > 0) await queueMessage(ctx, row, 'points_redeemed', `【Tillpoint】本次使用 ${sale.redeemed} 积分抵扣，当前积分 ${row.points_balance}。`, { ...facts, points: sale.redeemed, balance: row.points_balance });
  if (giftPoints > 0) await queueMessage(ctx, row, 'points_redeemed', `【Tillpoint】本次使用 ${giftPoints} 积分兑换礼品，当前积分 ${row.points_balance}。`, { ...facts, points: giftPoints, balance: row.points_balance });
  if (upgraded) await queueMessage(ctx, row, 'tier_upgraded', `【Tillpoint】恭喜您升级为${tier.name}，下次消费起享受${tier.discountPercent}%会员折扣。`, { ...facts, tierName: tier.name, discountPercent: tier.discountPercent });
  return { memberId: sale.memberId, earned: sale.earned, redeemed: spent, giftPoints, couponId: sale.couponId ?? null, balance: row.points_balance, tier: { code: tier.code, name: tier.name }, upgraded };
}

/** What a return takes back of a sale's gifts: their points, and the cash part (which earned nothing). */
async function returnedGifts(ctx: Ctx, saleId: string, returnId: string) {
  const [sold, returned] = await Promise.all([
    ctx.db.selectFrom('sale_lines').select(['line_no', 'qty', 'total_fen', 'gift_points']).where('sale_id', '=', saleId).execute(),
    ctx.db
      .selectFrom('return_lines')
      .innerJoin('returns', (j) => j.onRef('returns.store_id', '=', 'return_lines.store_id').onRef('returns.id', '=', 'return_lines.return_id'))
      .select(['returns.id as returnId', 'returns.status as status', 'return_lines.sale_line_no as lineNo', 'return_lines.qty as qty', 'return_lines.refund_fen as refundFen'])
      .where('returns.sale_id', '=', saleId)
      .execute(),
  ]);
  const now = returned.filter((r) => r.returnId === returnId);
  const before = returned.filter((r) => r.returnId !== returnId && r.status === 'completed');
  const sum = (rows: typeof returned, lineNo: number, field: 'qty' | 'refundFen') => rows.filter((r) => r.lineNo === lineNo).reduce((s, r) => s + r[field], 0);
  const gifts = sold.filter((l) => l.gift_points > 0);
  return {
    points: gifts.reduce((s, g) => s + giftPointsBack(g.gift_points, g.qty, sum(now, g.line_no, 'qty'), sum(before, g.line_no, 'qty')), 0),
    cashFen: gifts.reduce((s, g) => s + g.total_fen, 0),
    cashNowFen: gifts.reduce((s, g) => s + sum(now, g.line_no, 'refundFen'), 0),
    cashBeforeFen: gifts.reduce((s, g) => s + sum(before, g.line_no, 'refundFen'), 0),
    /** Every line of the sale is back once this return completes. */
    whole: sold.every((l) => sum(now, l.line_no, 'qty') + sum(before, l.line_no, 'qty') >= l.qty),
  };
}

/**
 * A return's points, inside the return's transaction: points earned on the returned goods are
 * clawed back in proportion (never below zero unless the chain allows it), points the sale was
 * paid with come back as far as the refund routes to them, a returned gift's points come back
 * whole (its cash part is refunded as money by the return), and when the whole sale is back its
 * coupon is usable again if still within its days (the member is told either way).
 */
export async function writeReturnPoints(
  ctx: Ctx,
  input: { storeId: string; returnId: string; saleId: string; memberId: string; saleNetFen: number; returnedFen: number; previouslyReturnedFen: number; refundedPoints: number; businessDate: string; at: string },
): Promise<{ clawedBack: number; refunded: number; giftPoints: number; coupon: { code: string; outcome: 'restored' | 'expired'; lastDay: string } | null }> {
  const config = await membersConfig(ctx);
  const earnedRow = await ctx.db.selectFrom('member_points').select((eb) => eb.fn.sum<number>('points').as('p')).where('doc_type', '=', 'sale').where('doc_id', '=', input.saleId).where('kind', '=', 'earn').executeTakeFirst();
  const earned = Number(earnedRow?.p ?? 0);
  const gifts = await returnedGifts(ctx, input.saleId, input.returnId);
  // Gift lines earned nothing: their cash is left out of what the clawback is in proportion to.
  const netFen = Math.max(0, input.saleNetFen - gifts.cashFen);
  const beforeFen = Math.min(netFen, Math.max(0, input.previouslyReturnedFen - gifts.cashBeforeFen));
  const returnedFen = Math.min(netFen - beforeFen, Math.max(0, input.returnedFen - gifts.cashNowFen));
  let clawedBack = earned > 0 ? clawbackForReturn(earned, netFen, returnedFen, beforeFen) : 0;
  const row = await memberRow(ctx, input.memberId);
  const refundedPoints = input.refundedPoints + gifts.points;
  const available = row.points_balance + refundedPoints;
  if (!config.allowNegativeBalance) clawedBack = Math.min(clawedBack, Math.max(0, available));
  const delta = refundedPoints - clawedBack;
  if (delta !== 0) await ctx.db.updateTable('members').set((eb) => ({ points_balance: eb('points_balance', '+', delta), updated_at: input.at })).where('id', '=', input.memberId).execute();
  const entries = [
    ...(refundedPoints > 0 ? [{ kind: 'refund', points: refundedPoints }] : []),
    ...(clawedBack > 0 ? [{ kind: 'clawback', points: -clawedBack }] : []),
  ];
  if (entries.length) {
    await ctx.db
      .insertInto('member_points')
      .values(entries.map((e) => ({ store_id: input.storeId, id: newId(), member_id: input.memberId, kind: e.kind, points: e.points, doc_type: 'return', doc_id: input.returnId, business_date: input.businessDate, created_at: input.at })))
      .execute();
  }
  const coupon = gifts.whole ? await restoreSaleCoupon(ctx, input.saleId, input.businessDate) : null;
  if (coupon) {
    const body =
      coupon.outcome === 'restored'
        ? `【Tillpoint】您退货的订单所用优惠券 ${coupon.code} 已恢复，可用至 ${coupon.lastDay}。`
        : `【Tillpoint】您退货的订单所用优惠券 ${coupon.code} 已于 ${coupon.lastDay} 过期，无法恢复。`;
    await queueMessage(ctx, row, coupon.outcome === 'restored' ? 'coupon_restored' : 'coupon_expired', body, { at: input.at, storeId: input.storeId, lastDay: coupon.lastDay, amountFen: coupon.valueFen });
  }
  return { clawedBack, refunded: refundedPoints, giftPoints: gifts.points, coupon: coupon && { code: coupon.code, outcome: coupon.outcome, lastDay: coupon.lastDay } };
}

/** Everything held about a member, decrypted, for a data request (audited). */
export async function exportMember(ctx: Ctx, actor: Actor, id: string): Promise<{ member: MemberView; consent: { version: string; at: string }; points: Array<{ kind: string; points: number; at: string; docType: string; docId: string }> }> {
  requirePermission(actor, 'members.manage');
  const row = await memberRow(ctx, id);
  const points = await ctx.db.selectFrom('member_points').select(['kind', 'points', 'created_at', 'doc_type', 'doc_id']).where('member_id', '=', id).orderBy('created_at').execute();
  await ctx.db.transaction().execute((tx) => appendAudit({ ...ctx, db: tx, actor }, { action: 'member.exported', docType: 'member', docId: id, storeId: null, data: { cardNo: row.card_no } }));
  return {
    member: viewOf(ctx, row, (await membersConfig(ctx)).tiers, true),
    consent: { version: row.consent_version, at: row.consent_at },
    points: points.map((p) => ({ kind: p.kind, points: p.points, at: p.created_at, docType: p.doc_type, docId: p.doc_id })),
  };
}

/** Deletes a member's personal data on request; sales and points stay, tied to no person (audited). */
export async function anonymiseMember(ctx: Ctx, actor: Actor, id: string): Promise<MemberView> {
  requirePermission(actor, 'members.manage');
  const row = await memberRow(ctx, id);
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable('members').set({ phone_index: null, phone_sealed: null, name_sealed: null, birthday_sealed: null, wechat_openid_sealed: null, wechat_openid_index: null, status: 'anonymised', updated_at: now }).where('id', '=', id).execute();
    await tx.deleteFrom('member_messages').where('member_id', '=', id).where('status', '=', 'pending').execute();
    await appendAudit({ ...ctx, db: tx, actor }, { action: 'member.anonymised', docType: 'member', docId: id, storeId: null, data: { cardNo: row.card_no } });
    await appendOutbox({ ...ctx, db: tx }, { type: 'member.anonymised', documentId: `${id}:anonymised`, payload: { memberId: id, at: now } });
  });
  return getMember(ctx, actor, id);
}
