// Members over HTTP (DESIGN §9: POST /members, GET /members?phone): register at the till or in
// the back office, look up, see points, export or anonymise on request, and the settings.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission } from '../platform/auth/permissions';
import { findStoreByCode } from '../platform/stores/service';
import { resolveTill } from '../checkout/index';
import { membersConfig, membersConfigSchema, saveMembersConfig } from './config';
import { anonymiseMember, exportMember, findMemberByPhone, getMember, memberQrCode, portalView, registerMember } from './service';
import { memberOfToken, MEMBER_TOKEN_TTL_MS, openPortalSession, sendPortalCode } from './portal';

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
});
const IdParams = z.object({ id: z.string().max(64) });

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
  app.get('/members', { preHandler: requireAuth(), schema: { tags, summary: 'Find a member by phone number', querystring: z.object({ phone: z.string().max(32) }), response: { 200: z.object({ members: z.array(MemberOut) }) } } }, async (req) => {
    const found = await findMemberByPhone(req.ctx, actorOf(req), req.query.phone);
    return { members: found ? [found] : [] };
  });
  app.get('/members/:id', { preHandler: requireAuth(), schema: { tags, params: IdParams, querystring: z.object({ reveal: z.coerce.boolean().optional() }), response: { 200: MemberOut } } }, (req) =>
    getMember(req.ctx, actorOf(req), req.params.id, req.query.reveal ?? false),
  );
  app.get('/members/:id/qr', { preHandler: requireAuth('members.manage'), schema: { tags, summary: 'The member’s dynamic code (as the portal shows it), valid about a minute', params: IdParams, response: { 200: z.object({ code: z.string() }) } } }, async (req) => ({
    code: await memberQrCode(req.ctx, req.params.id),
  }));
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
  app.post('/portal/logout', { schema: { tags: portal } }, async (_req, reply) => {
    void reply.clearCookie(MEMBER_COOKIE, { path: '/api/v1/portal' });
    return reply.status(204).send();
  });

  app.get('/members-config', { preHandler: requireAuth(), schema: { tags, response: { 200: membersConfigSchema } } }, (req) => membersConfig(req.ctx));
  app.put('/members-config', { preHandler: requireAuth('members.manage'), schema: { tags, body: z.unknown(), response: { 200: membersConfigSchema } } }, (req) => {
    requirePermission(actorOf(req), 'catalog.manage');
    return saveMembersConfig(req.ctx, req.body);
  });
}
