// Sign-in, sign-out, who-am-I, and user administration over HTTP.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors';
import { actorOf, CSRF_COOKIE, requireAuth, SESSION_COOKIE, type TpApp } from '../http/server';
import { findStoreByCode, listStores } from '../stores/service';
import { createRateLimiter } from './rate-limit';
import { ROLES, permissionsOf, type RoleGrant } from './permissions';
import { signInWithPassword, signInWithPin, signOut, type SignIn } from './sessions';
import { createUser, disableUser } from './users';

const SignInOut = z.object({
  token: z.string(),
  csrfToken: z.string(),
  expiresAt: z.string(),
  user: z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.string()) }),
});

const MeOut = z.object({
  username: z.string(),
  displayName: z.string(),
  grants: z.array(z.object({ role: z.string(), scopeKind: z.string(), scopeRef: z.string() })),
  permissions: z.array(z.string()),
  terminalId: z.string().nullable(),
  stores: z.array(z.object({ id: z.string(), code: z.string(), name: z.string() })),
});

function answerSignIn(request: FastifyRequest, reply: FastifyReply, signIn: SignIn) {
  const secure = request.protocol === 'https';
  const maxAge = Math.max(1, Math.floor((new Date(signIn.expiresAt).getTime() - request.ctx.clock.now().getTime()) / 1000));
  void reply.setCookie(SESSION_COOKIE, signIn.token, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge });
  void reply.setCookie(CSRF_COOKIE, signIn.csrfToken, { path: '/', httpOnly: false, sameSite: 'strict', secure, maxAge });
  return {
    token: signIn.token,
    csrfToken: signIn.csrfToken,
    expiresAt: signIn.expiresAt,
    user: { username: signIn.actor.username, displayName: signIn.actor.displayName, roles: signIn.actor.grants.map((g) => g.role) },
  };
}

export async function authRoutes(app: TpApp): Promise<void> {
  // Five failures per user (or user at a till) and twenty per address in 15 minutes.
  const limiter = createRateLimiter(app.deps.clock, { max: (key) => (key.startsWith('ip:') ? 20 : 5), windowMs: 15 * 60_000 });

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
        response: { 200: SignInOut },
      },
    },
    async (request, reply) => {
      const signIn = await signInWithPassword(request.ctx, app.sessionPolicy, limiter, request.body, { ip: request.ip });
      return answerSignIn(request, reply, signIn);
    },
  );

  app.post(
    '/auth/pin',
    {
      schema: {
        tags: ['auth'],
        body: z.object({
          storeCode: z.string().min(1).max(16),
          terminalCode: z.string().min(1).max(16),
          username: z.string().min(1).max(64),
          pin: z.string().min(1).max(16),
        }),
        response: { 200: SignInOut },
      },
    },
    async (request, reply) => {
      const signIn = await signInWithPin(request.ctx, app.sessionPolicy, limiter, request.body, { ip: request.ip });
      return answerSignIn(request, reply, signIn);
    },
  );

  app.post('/auth/logout', { preHandler: requireAuth(), schema: { tags: ['auth'] } }, async (request, reply) => {
    await signOut(request.ctx, actorOf(request).sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    void reply.clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/auth/me', { preHandler: requireAuth(), schema: { tags: ['auth'], response: { 200: MeOut } } }, async (request) => {
    const actor = actorOf(request);
    const stores = await listStores(request.ctx);
    const visible = stores.filter((s) =>
      actor.grants.some((g) => g.scopeKind === 'all' || (g.scopeKind === 'store' && g.scopeRef === s.id) || (g.scopeKind === 'region' && g.scopeRef === s.regionId)),
    );
    const permissions = [...new Set(actor.grants.flatMap((g) => permissionsOf(g.role)))].sort();
    return {
      username: actor.username,
      displayName: actor.displayName,
      grants: actor.grants,
      permissions,
      terminalId: actor.terminalId,
      stores: visible.map((s) => ({ id: s.id, code: s.code, name: s.name })),
    };
  });

  // An authenticated no-op: the cost of authentication alone, for benchmarks and probes.
  app.get('/ping', { preHandler: requireAuth(), schema: { tags: ['auth'], response: { 200: z.object({ ok: z.literal(true) }) } } }, () => ({
    ok: true as const,
  }));

  app.post(
    '/users',
    {
      preHandler: requireAuth('users.manage'),
      schema: {
        tags: ['users'],
        body: z.object({
          username: z.string().min(2).max(32),
          displayName: z.string().min(1).max(60).optional(),
          password: z.string().min(4).max(200),
          pin: z.string().regex(/^\d{4,8}$/).optional(),
          role: z.enum(ROLES),
          storeCode: z.string().max(16).optional(),
          regionCode: z.string().max(16).optional(),
        }),
        response: { 201: z.object({ id: z.string() }) },
      },
    },
    async (request, reply) => {
      const { storeCode, regionCode, role, ...rest } = request.body;
      let grant: RoleGrant = { role, scopeKind: 'all', scopeRef: '' };
      if (storeCode) grant = { role, scopeKind: 'store', scopeRef: (await findStoreByCode(request.ctx, storeCode)).id };
      else if (regionCode) {
        const region = await request.ctx.db.selectFrom('regions').select('id').where('code', '=', regionCode).executeTakeFirst();
        if (!region) throw new AppError('NOT_FOUND', `Region ${regionCode} does not exist.`);
        grant = { role, scopeKind: 'region', scopeRef: region.id };
      }
      const created = await createUser(request.ctx, { ...rest, grants: [grant] });
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/users/:username/disable',
    { preHandler: requireAuth('users.manage'), schema: { tags: ['users'], params: z.object({ username: z.string().max(64) }) } },
    async (request, reply) => {
      await disableUser(request.ctx, request.params.username);
      return reply.status(204).send();
    },
  );
}
