// Members over HTTP (DESIGN §9: POST /members, GET /members?phone): register at the till or in
// the back office, look up, see points, export or anonymise on request, and the settings.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { findStoreByCode } from '../platform/stores/service';
import { requirePermission } from '../platform/auth/permissions';
import { resolveTill } from '../checkout/index';
import { membersConfig, membersConfigSchema, saveMembersConfig } from './config';
import { anonymiseMember, exportMember, findMemberByPhone, getMember, memberQrCode, portalView, registerMember } from './service';
import { memberOfToken, MEMBER_TOKEN_TTL_MS, openPortalSession, sendPortalCode } from './portal';
import { issueCoupon, memberCoupons, rewardOffers } from './coupons';
import { listMembers, memberLedger, memberMessages, memberProgress, memberSales } from './member-detail';
import { bindMemberWechat } from './wechat-binding';
import { saveWechatSubscribeSettings, wechatSubscribeSettings, wechatSubscribeSettingsSchema } from './wechat-messages';

const MEMBER_COOKIE = 'tp_member';

const tags = ['members'];
const MemberOut = z.object({
  id: z.string(),
  cardNo: z.string(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  birthday: z.string().nullable(),
  tier: z.object({ code: z.string(), name: z.string(), discountPercent: z.string(), pointsMultiplier: z.string() }),
  pointsBalance: z.number().int(),
  status: z.enum(['active', 'anonymised']),
  createdAt: z.string(),
  wechatBound: z.boolean(),
});
const IdParams = z.object({ id: z.string().max(64) });
const PageQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20), offset: z.coerce.number().int().min(0).default(0) });

const CHAIN = { storeId: '*', regionId: null };

export async function membersRoutes(app: TpApp): Promise<void> {
  app.post(
    '/members',
    {
      preHandler: requireAuth(),
      schema: {
        tags,
        summary: 'Register a member (mobile number, optional name and birthday, consent to the current terms)',
        body: z.object({
          phone: z.string().max(32),
          name: z.string().max(80).optional(),
          birthday: z.string().max(10).optional(),
          consentVersion: z.string().max(20),
          consentAccepted: z.boolean(),
          storeCode: z.string().max(16).optional(),
          terminalCode: z.string().max(16).optional(),
        }),
        response: { 201: MemberOut },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const storeId = actor.terminalId || (req.body.storeCode && req.body.terminalCode) ? (await resolveTill(req.ctx, actor, req.body)).storeId : (await findStoreByCode(req.ctx, req.body.storeCode ?? '')).id;
      return reply.status(201).send(await registerMember(req.ctx, actor, storeId, req.body));
    },
  );
  app.get(
    '/members',
    {
      preHandler: requireAuth(),
      schema: { tags, summary: 'Find a member by phone number; without a phone, the member list (newest first, members.manage)', querystring: PageQuery.extend({ phone: z.string().max(32).optional() }), response: { 200: z.object({ members: z.array(MemberOut), total: z.number().int() }) } },
    },
    async (req) => {
      if (req.query.phone === undefined) return listMembers(req.ctx, actorOf(req), req.query);
      const found = await findMemberByPhone(req.ctx, actorOf(req), req.query.phone);
      return { members: found ? [found] : [], total: found ? 1 : 0 };
    },
  );
  app.get('/members/:id', { preHandler: requireAuth(), schema: { tags, params: IdParams, querystring: z.object({ reveal: z.coerce.boolean().optional() }), response: { 200: MemberOut } } }, (req) =>
    getMember(req.ctx, actorOf(req), req.params.id, req.query.reveal ?? false),
  );
  app.get('/members/:id/qr', { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'The member’s dynamic code (as the portal shows it), valid about a minute', params: IdParams, response: { 200: z.object({ code: z.string() }) } } }, async (req) => ({
    code: await memberQrCode(req.ctx, req.params.id),
  }));
  const NextTier = z.object({ name: z.string(), minSpendFen: z.number().nullable(), minVisits: z.number().nullable(), spendFen: z.number(), visits: z.number(), missingFen: z.number().nullable(), missingVisits: z.number().nullable() });
  app.get(
    '/members/:id/progress',
    { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'The member’s tier since when, spend and visits over 12 months, the distance to the next tier', params: IdParams, response: { 200: z.object({ tierSince: z.string(), spendFen: z.number(), visits: z.number(), nextTier: NextTier.nullable() }) } } },
    (req) => memberProgress(req.ctx, actorOf(req), req.params.id),
  );
  app.get(
    '/members/:id/points',
    {
      preHandler: requireAuth('members.manage'),
      schema: {
        tags,
        summary: 'The member’s points ledger, newest first, each entry with its sale or return',
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: z.object({
            total: z.number().int(),
            balance: z.number().int(),
            entries: z.array(z.object({ id: z.string(), kind: z.string(), points: z.number().int(), businessDate: z.string(), at: z.string(), docType: z.string(), docId: z.string(), receiptNo: z.string().nullable(), receiptUrl: z.string().nullable(), returnNo: z.string().nullable() })),
          }),
        },
      },
    },
    (req) => memberLedger(req.ctx, actorOf(req), req.params.id, req.query),
  );
  app.get(
    '/members/:id/sales',
    {
      preHandler: requireAuth('members.manage'),
      schema: {
        tags,
        summary: 'The member’s purchases at the stores the user may see, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.object({ total: z.number().int(), sales: z.array(z.object({ id: z.string(), receiptNo: z.string(), businessDate: z.string(), totalFen: z.number().int(), createdAt: z.string(), storeCode: z.string(), storeName: z.string(), receiptUrl: z.string() })) }) },
      },
    },
    (req) => memberSales(req.ctx, actorOf(req), req.params.id, req.query),
  );
  app.get(
    '/members/:id/messages',
    {
      preHandler: requireAuth('members.manage'),
      schema: {
        tags,
        summary: 'The messages sent to the member: channel (sms | wechat), status (pending | sent | dead), the last error',
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: z.object({
            total: z.number().int(),
            messages: z.array(z.object({ id: z.string(), kind: z.string(), channel: z.string(), status: z.string(), attempts: z.number().int(), body: z.string(), lastError: z.string().nullable(), createdAt: z.string(), sentAt: z.string().nullable() })),
          }),
        },
      },
    },
    (req) => memberMessages(req.ctx, actorOf(req), req.params.id, req.query),
  );
  app.get('/members/:id/export', { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'Everything held about the member, for a data request (audited)', params: IdParams } }, (req) => exportMember(req.ctx, actorOf(req), req.params.id));
  app.post('/members/:id/anonymise', { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'Delete the member’s personal data on request (audited)', params: IdParams, response: { 200: MemberOut } } }, (req) =>
    anonymiseMember(req.ctx, actorOf(req), req.params.id),
  );
  // The member portal (/m) on the member's phone: SMS code sign-in, then their card, points and messages.
  const portal = ['portal'];
  app.post('/portal/code', { schema: { tags: portal, summary: 'Send a sign-in code by SMS to a member’s phone', body: z.object({ phone: z.string().max(32) }), response: { 202: z.object({ sent: z.literal(true), resendAfterSeconds: z.number() }) } } }, async (req, reply) =>
    reply.status(202).send(await sendPortalCode(req.ctx, req.body.phone)),
  );
  app.post(
    '/portal/session',
    { schema: { tags: portal, body: z.object({ phone: z.string().max(32), code: z.string().max(12) }), response: { 200: z.object({ memberId: z.string(), expiresAt: z.string() }) } } },
    async (req, reply) => {
      const session = await openPortalSession(req.ctx, req.body.phone, req.body.code);
      void reply.setCookie(MEMBER_COOKIE, session.token, { path: '/api/v1/portal', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: MEMBER_TOKEN_TTL_MS / 1000 });
      return { memberId: session.memberId, expiresAt: session.expiresAt };
    },
  );
  app.get('/portal/me', { schema: { tags: portal, summary: 'The signed-in member: card, tier, points, a fresh member code, recent points and messages' } }, (req) =>
    portalView(req.ctx, memberOfToken(req.ctx, req.cookies[MEMBER_COOKIE])),
  );
  app.post(
    '/portal/wechat',
    { schema: { tags: portal, summary: 'Bind the signed-in member’s WeChat by the mini-program login code (wx.login); messages then come on WeChat', body: z.object({ code: z.string().max(128) }), response: { 200: z.object({ wechatBound: z.literal(true) }) } } },
    (req) => bindMemberWechat(req.ctx, memberOfToken(req.ctx, req.cookies[MEMBER_COOKIE]), req.body.code),
  );
  app.post('/portal/logout', { schema: { tags: portal } }, async (_req, reply) => {
    void reply.clearCookie(MEMBER_COOKIE, { path: '/api/v1/portal' });
    return reply.status(204).send();
  });

  // Points rewards: the gifts and coupon offers, a member's coupons, and buying a coupon with points at the till or in the portal.
  const Coupon = z.object({ id: z.string(), code: z.string(), offerId: z.string(), name: z.string(), valueFen: z.number().int(), minSpendFen: z.number().int(), points: z.number().int(), state: z.enum(['issued', 'used', 'expired']), issuedAt: z.string(), lastDay: z.string(), usedAt: z.string().nullable() });
  const Offers = z.object({
    gifts: z.array(z.object({ skuId: z.string(), code: z.string(), name: z.string(), priceFen: z.number().int(), points: z.number().int(), cashFen: z.number().int() })),
    couponOffers: z.array(z.object({ id: z.string(), name: z.string(), points: z.number().int(), valueFen: z.number().int(), minSpendFen: z.number().int(), validDays: z.number().int() })),
  });
  app.get('/members-rewards', { preHandler: requireAuth(), schema: { tags, summary: 'The points gifts (积分兑换礼品) and coupon offers (积分兑换优惠券) of the chain', response: { 200: Offers } } }, (req) => rewardOffers(req.ctx));
  app.get('/members/:id/coupons', { preHandler: requireAuth(), schema: { tags, summary: 'A member’s coupons, newest first, with their state today', params: IdParams, response: { 200: z.object({ coupons: z.array(Coupon) }) } } }, async (req) => {
    await getMember(req.ctx, actorOf(req), req.params.id);
    return { coupons: await memberCoupons(req.ctx, req.params.id) };
  });
  app.post(
    '/members/:id/coupons',
    { preHandler: requireAuth('pos.sell'), schema: { tags, summary: 'Convert the member’s points into a coupon at the till (points debited at once)', params: IdParams, body: z.object({ offerId: z.string().max(32), storeCode: z.string().max(16).optional(), terminalCode: z.string().max(16).optional() }), response: { 201: Coupon } } },
    async (req, reply) => {
      const actor = actorOf(req);
      const till = await resolveTill(req.ctx, actor, req.body);
      return reply.status(201).send(await issueCoupon(req.ctx, { memberId: req.params.id, offerId: req.body.offerId, storeId: till.storeId, timeZone: till.timeZone, actorId: actor.userId }));
    },
  );
  app.get('/portal/rewards', { schema: { tags: portal, summary: 'The coupon offers the signed-in member can buy with points', response: { 200: Offers } } }, async (req) => {
    memberOfToken(req.ctx, req.cookies[MEMBER_COOKIE]);
    return rewardOffers(req.ctx);
  });
  app.post('/portal/coupons', { schema: { tags: portal, summary: 'The signed-in member converts points into a coupon (兑换优惠券)', body: z.object({ offerId: z.string().max(32) }), response: { 201: Coupon } } }, async (req, reply) => {
    const memberId = memberOfToken(req.ctx, req.cookies[MEMBER_COOKIE]);
    const home = await req.ctx.db.selectFrom('members').innerJoin('stores', 'stores.id', 'members.registered_store').select(['stores.id as storeId', 'stores.time_zone as timeZone']).where('members.id', '=', memberId).executeTakeFirstOrThrow();
    return reply.status(201).send(await issueCoupon(req.ctx, { memberId, offerId: req.body.offerId, storeId: home.storeId, timeZone: home.timeZone }));
  });

  app.get('/members-config', { preHandler: requireAuth(), schema: { tags, response: { 200: membersConfigSchema } } }, (req) => membersConfig(req.ctx));
  // Tiers, points rules, gifts, coupon offers and message templates are the chain's: a chain-wide grant edits them.
  app.put('/members-config', { preHandler: requireAuth('members.manage'), schema: { tags, body: z.unknown(), response: { 200: membersConfigSchema } } }, (req) => {
    requirePermission(actorOf(req), 'members.manage', CHAIN);
    return saveMembersConfig(req.ctx, req.body);
  });
  app.get('/members-config/wechat', { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'The WeChat subscription-message template per message kind', response: { 200: wechatSubscribeSettingsSchema } } }, (req) => wechatSubscribeSettings(req.ctx));
  app.put('/members-config/wechat', { preHandler: requireAuth('members.manage'), schema: { tags, body: z.unknown(), response: { 200: wechatSubscribeSettingsSchema } } }, (req) => {
    requirePermission(actorOf(req), 'members.manage', CHAIN);
    return saveWechatSubscribeSettings(req.ctx, req.body);
  });
}
