// Members over HTTP (DESIGN §9: POST /members, GET /members?phone): register at the till or in
// the back office, look up, see points, export or anonymise on request, and the settings.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission } from '../platform/auth/permissions';
import { findStoreByCode } from '../platform/stores/service';
import { resolveTill } from '../checkout/index';
import { membersConfig, membersConfigSchema, saveMembersConfig } from './config';
import { anonymiseMember, exportMember, findMemberByPhone, getMember, memberQrCode, registerMember } from './service';

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
  app.get('/members-config', { preHandler: requireAuth(), schema: { tags, response: { 200: membersConfigSchema } } }, (req) => membersConfig(req.ctx));
  app.put('/members-config', { preHandler: requireAuth('members.manage'), schema: { tags, body: z.unknown(), response: { 200: membersConfigSchema } } }, (req) => {
    requirePermission(actorOf(req), 'catalog.manage');
    return saveMembersConfig(req.ctx, req.body);
  });
}
