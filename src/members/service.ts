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
}

function tierOf(tiers: readonly Tier[], code: string): Tier {
  const tier = tiers.find((t) => t.code === code) ?? tiers[0];
  if (!tier) throw new AppError('INTERNAL', 'No member tiers are configured.');
  return tier;
}

function maskName(name: string): string {
  return name.length <= 1 ? name : `${name[0]}${'*'.repeat(Math.min(name.length - 1, 3))}`;
}

function viewOf(ctx: Ctx, row: Selectable<MembersTable>, tiers: readonly Tier[], reveal: boolean): MemberView {
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

async function memberRow(ctx: Ctx, id: string): Promise<Selectable<MembersTable>> {
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

/** What the member portal shows its signed-in member (phone masked even to its owner, as on screens). */
export async function portalView(ctx: Ctx, memberId: string) {
  const row = await memberRow(ctx, memberId);
  if (row.status !== 'active') throw new AppError('UNAUTHENTICATED', 'This membership has been deleted.');
  const [points, messages] = await Promise.all([
    ctx.db.selectFrom('member_points').select(['kind', 'points', 'created_at', 'doc_type']).where('member_id', '=', memberId).orderBy('created_at', 'desc').limit(20).execute(),
    ctx.db.selectFrom('member_messages').select(['kind', 'body', 'status', 'created_at']).where('member_id', '=', memberId).where('kind', '!=', 'login_code').orderBy('created_at', 'desc').limit(20).execute(),
  ]);
  const { tiers } = await membersConfig(ctx);
  const since = new Date(ctx.clock.now().getTime() - 365 * 86_400_000).toISOString();
  const [activity, receipts] = await Promise.all([
    ctx.db.selectFrom('sales').select((eb) => [eb.fn.sum<number>('total_fen').as('spend'), eb.fn.countAll<number>().as('visits')]).where('member_id', '=', memberId).where('created_at', '>=', since).executeTakeFirst(),
    ctx.db.selectFrom('sales').innerJoin('stores', 'stores.id', 'sales.store_id').select(['sales.receipt_no', 'sales.receipt_token', 'sales.total_fen', 'sales.created_at', 'stores.name']).where('sales.member_id', '=', memberId).orderBy('sales.created_at', 'desc').limit(20).execute(),
  ]);
  const rank = tiers.findIndex((t) => t.code === row.tier_code);
  const next = tiers[rank + 1];
  const spendFen = Number(activity?.spend ?? 0);
  return {
    member: viewOf(ctx, row, tiers, false),
    // What the next tier asks of the last 12 months, and how far the member is from it.
    nextTier: next ? { name: next.name, minSpendFen: next.minSpendFen ?? null, minVisits: next.minVisits ?? null, spendFen, visits: Number(activity?.visits ?? 0), missingFen: next.minSpendFen !== undefined ? Math.max(0, next.minSpendFen - spendFen) : null } : null,
    receipts: receipts.map((r) => ({ receiptNo: r.receipt_no, url: `/r/${r.receipt_token}`, totalFen: r.total_fen, at: r.created_at, store: r.name })),
    qr: { code: memberQrToken(keysOf(ctx).qrSecret, row.card_no, ctx.clock.now()), refreshSeconds: 30 },
    points: points.map((p) => ({ kind: p.kind, points: p.points, at: p.created_at, docType: p.doc_type })),
    messages: messages.map((m) => ({ kind: m.kind, body: m.body, status: m.status, at: m.created_at })),
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
  redeemed: number;
  balance: number;
  tier: { code: string; name: string };
  upgraded: boolean;
}

function queueMessage(ctx: Ctx, memberId: string, kind: string, body: string, at: string) {
  return ctx.db.insertInto('member_messages').values({ id: newId(), member_id: memberId, kind, channel: 'sms', body, status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, created_at: at, sent_at: null }).execute();
}

/**
 * Writes a sale's points inside the sale's transaction: the redemption (refused when the balance
 * no longer covers it), the points earned, the tier upgrade the sale causes (benefits apply from
 * the next sale), and the messages to the member's phone.
 */
export async function writeSalePoints(
  ctx: Ctx,
  sale: { storeId: string; saleId: string; memberId: string; earned: number; redeemed: number; netFen: number; businessDate: string; at: string; receiptToken: string },
): Promise<SalePoints> {
  const config = await membersConfig(ctx);
  if (sale.redeemed > 0) {
    const taken = await ctx.db
      .updateTable('members')
      .set((eb) => ({ points_balance: eb('points_balance', '-', sale.redeemed), updated_at: sale.at }))
      .where('id', '=', sale.memberId)
      .where('points_balance', '>=', sale.redeemed)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw new AppError('POINTS_INSUFFICIENT', 'The member no longer has enough points for this payment. Remove the points payment and take another method.', { status: 409 });
  }
  if (sale.earned > 0) await ctx.db.updateTable('members').set((eb) => ({ points_balance: eb('points_balance', '+', sale.earned), updated_at: sale.at })).where('id', '=', sale.memberId).execute();
  const entries = [
    ...(sale.redeemed > 0 ? [{ kind: 'redeem', points: -sale.redeemed }] : []),
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
  await queueMessage(ctx, sale.memberId, 'e_receipt', `【Tillpoint】您的电子小票（${formatMoney(sale.netFen)}）：${config.receiptBaseUrl}/r/${sale.receiptToken}`, sale.at);
  if (sale.earned > 0) await queueMessage(ctx, sale.memberId, 'points_earned', `【Tillpoint】本次消费获得 ${sale.earned} 积分，当前积分 ${row.points_balance}。`, sale.at);
  if (sale.redeemed > 0) await queueMessage(ctx, sale.memberId, 'points_redeemed', `【Tillpoint】本次使用 ${sale.redeemed} 积分抵扣，当前积分 ${row.points_balance}。`, sale.at);
  if (upgraded) await queueMessage(ctx, sale.memberId, 'tier_upgraded', `【Tillpoint】恭喜您升级为${tier.name}，下次消费起享受${tier.discountPercent}%会员折扣。`, sale.at);
  return { memberId: sale.memberId, earned: sale.earned, redeemed: sale.redeemed, balance: row.points_balance, tier: { code: tier.code, name: tier.name }, upgraded };
}

/**
 * A return's points, inside the return's transaction: points earned on the returned goods are
 * clawed back in proportion (never below zero unless the chain allows it), and points the sale
 * was paid with come back as far as the refund routes to them.
 */
export async function writeReturnPoints(
  ctx: Ctx,
  input: { storeId: string; returnId: string; saleId: string; memberId: string; saleNetFen: number; returnedFen: number; previouslyReturnedFen: number; refundedPoints: number; businessDate: string; at: string },
): Promise<{ clawedBack: number; refunded: number }> {
  const config = await membersConfig(ctx);
  const earnedRow = await ctx.db.selectFrom('member_points').select((eb) => eb.fn.sum<number>('points').as('p')).where('doc_type', '=', 'sale').where('doc_id', '=', input.saleId).where('kind', '=', 'earn').executeTakeFirst();
  const earned = Number(earnedRow?.p ?? 0);
  let clawedBack = earned > 0 ? clawbackForReturn(earned, input.saleNetFen, input.returnedFen, input.previouslyReturnedFen) : 0;
  const row = await memberRow(ctx, input.memberId);
  const available = row.points_balance + input.refundedPoints;
  if (!config.allowNegativeBalance) clawedBack = Math.min(clawedBack, Math.max(0, available));
  const delta = input.refundedPoints - clawedBack;
  if (delta !== 0) await ctx.db.updateTable('members').set((eb) => ({ points_balance: eb('points_balance', '+', delta), updated_at: input.at })).where('id', '=', input.memberId).execute();
  const entries = [
    ...(input.refundedPoints > 0 ? [{ kind: 'refund', points: input.refundedPoints }] : []),
    ...(clawedBack > 0 ? [{ kind: 'clawback', points: -clawedBack }] : []),
  ];
  if (entries.length) {
    await ctx.db
      .insertInto('member_points')
      .values(entries.map((e) => ({ store_id: input.storeId, id: newId(), member_id: input.memberId, kind: e.kind, points: e.points, doc_type: 'return', doc_id: input.returnId, business_date: input.businessDate, created_at: input.at })))
      .execute();
  }
  return { clawedBack, refunded: input.refundedPoints };
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
    await tx.updateTable('members').set({ phone_index: null, phone_sealed: null, name_sealed: null, birthday_sealed: null, status: 'anonymised', updated_at: now }).where('id', '=', id).execute();
    await tx.deleteFrom('member_messages').where('member_id', '=', id).where('status', '=', 'pending').execute();
    await appendAudit({ ...ctx, db: tx, actor }, { action: 'member.anonymised', docType: 'member', docId: id, storeId: null, data: { cardNo: row.card_no } });
    await appendOutbox({ ...ctx, db: tx }, { type: 'member.anonymised', documentId: `${id}:anonymised`, payload: { memberId: id, at: now } });
  });
  return getMember(ctx, actor, id);
}
