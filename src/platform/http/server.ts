// The HTTP server: Fastify with Zod schemas, OpenAPI, problem+json errors, security headers,
// a request context per request, and authentication from a Bearer token or session cookie.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, isAppError } from '../errors';
import { newId, isUuid } from '../ids';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Ctx } from '../context';
import type { Db } from '../db/index';
import type { Logger } from '../logging';
import { authenticate, csrfTokenOf, type SessionPolicy } from '../auth/sessions';
import { requirePermission, type Actor, type Permission } from '../auth/permissions';

export interface ServerDeps {
  db: Db;
  dbKind: 'sqlite' | 'postgres';
  config: Pick<Config, 'role' | 'session' | 'allowDemoRemote'>;
  clock: Clock;
  log: Logger;
  nodeId: string;
  /** Built web app (index.html + assets/); pages answer 503 when it is missing. */
  webDir?: string;
}

export type TpApp = FastifyInstance<any, any, any, Logger, ZodTypeProvider>; // eslint-disable-line @typescript-eslint/no-explicit-any

declare module 'fastify' {
  interface FastifyRequest {
    ctx: Ctx;
    /** How the caller authenticated: a session cookie needs a CSRF header on unsafe methods. */
    authVia: 'bearer' | 'cookie' | null;
  }
  interface FastifyInstance {
    deps: ServerDeps;
    sessionPolicy: SessionPolicy;
  }
}

export const SESSION_COOKIE = 'tp_session';
export const CSRF_COOKIE = 'tp_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const BODY_LIMIT_BYTES = 1024 * 1024;
/** Pages of the single-page web app, served from index.html. */
const PAGE_ROUTES = ['/', '/login', '/pos', '/pos/*', '/admin', '/admin/*', '/m', '/m/*'];

function problem(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  if (err.code === 'TOO_MANY_ATTEMPTS' && typeof err.details?.retryAfterSeconds === 'number') {
    void reply.header('retry-after', String(err.details.retryAfterSeconds));
  }
  return reply
    .status(err.status)
    .type('application/problem+json')
    .send({
      type: `urn:tillpoint:problem:${err.code}`,
      title: err.code,
      status: err.status,
      code: err.code,
      detail: err.message,
      ...(err.details ? { details: err.details } : {}),
      requestId: request.id,
    });
}

/** Maps any thrown value to an AppError: validation, Fastify's own errors, else INTERNAL. */
function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`.replace(/\.$/, ''),
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return new AppError('VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : 'The request is not valid.', { details: { issues } });
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB. Send less per request.`);
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (Content-Type: application/json).');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('BAD_REQUEST', e.message ?? 'The request is not valid.', { status: e.statusCode });
  }
  return new AppError('INTERNAL', 'Something went wrong on our side. The request id helps support find it.', { status: 500, cause: err });
}

function securityHeaders(reply: FastifyReply, isApi: boolean): void {
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('cross-origin-opener-policy', 'same-origin');
  // antd injects its CSS at run time, hence 'unsafe-inline' for styles only.
  void reply.header(
    'content-security-policy',
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  );
  if (isApi) void reply.header('cache-control', 'no-store');
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9_-]{10,100})$/.exec(header);
  if (!m) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer TOKEN".');
  return m[1];
}

/**
 * A preHandler that requires a signed-in actor (and a permission, when given, held in some
 * scope; store-level scope is checked by the handler, which knows the store).
 *
 * @example app.get('/x', { preHandler: requireAuth('store.manage') }, handler)
 */
export function requireAuth(permission?: Permission) {
  return async function requireAuthHandler(request: FastifyRequest): Promise<void> {
    const actor = request.ctx.actor;
    if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    if (request.authVia === 'cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      const expected = await csrfTokenOf(request.ctx, actor.sessionId);
      if (!expected || request.headers[CSRF_HEADER] !== expected) {
        throw new AppError('CSRF_TOKEN_INVALID', 'The page is out of date (missing CSRF token). Reload and try again.');
      }
    }
    if (permission) requirePermission(actor, permission);
  };
}

/** The signed-in actor of a request that passed `requireAuth`. */
export function actorOf(request: FastifyRequest): Actor {
  const actor = request.ctx.actor;
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return actor;
}

/**
 * Builds the server with every platform concern wired; domains register their routes with
 * `app.register(plugin, { prefix: '/api/v1' })` before `ready()`.
 */
export async function buildServer(deps: ServerDeps): Promise<TpApp> {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && isUuid(given) ? given : newId();
    },
    trustProxy: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  app.decorate('sessionPolicy', {
    idleMinutes: deps.config.session.idleMinutes,
    absoluteHours: deps.config.session.absoluteHours,
    allowDemoRemote: deps.config.allowDemoRemote,
  });
  app.decorateRequest('ctx', null as unknown as Ctx);
  app.decorateRequest('authVia', null);

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Tillpoint API', version: '1', description: 'Smart checkout and automatic reconciliation.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    request.ctx = { actor: null, db: deps.db, clock: deps.clock, nodeId: deps.nodeId, log: request.log as Logger, requestId: request.id };
    if (!request.url.startsWith('/api/')) return;
    const bearer = bearerToken(request);
    const cookie = bearer ? undefined : request.cookies[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (!token) return;
    try {
      request.ctx.actor = await authenticate(request.ctx, app.sessionPolicy, token);
      request.authVia = bearer ? 'bearer' : 'cookie';
    } catch (err) {
      // A stale cookie must not block public routes such as sign-in; a bad bearer token must.
      if (bearer) throw err;
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    securityHeaders(reply, request.url.startsWith('/api/') || request.url === '/healthz');
    return payload;
  });

  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused');
    return problem(reply, request, appErr);
  });

  app.setNotFoundHandler((request, reply) =>
    problem(reply, request, new AppError('NOT_FOUND', `Nothing at ${request.method} ${request.url.split('?')[0] ?? ''}. Check the address.`)),
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  const webDir = deps.webDir;
  const indexHtml = webDir ? path.join(webDir, 'index.html') : undefined;
  if (webDir && fs.existsSync(path.join(webDir, 'assets'))) {
    await app.register(fastifyStatic, { root: path.join(webDir, 'assets'), prefix: '/assets/', index: false, maxAge: '365d', immutable: true });
  }
  for (const url of PAGE_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      if (url === '/') return reply.redirect('/login');
      if (!indexHtml || !fs.existsSync(indexHtml)) {
        throw new AppError('WEB_NOT_BUILT', 'The web app is not built. Run "npm run build:web" (npm start does it for you).', { status: 503 });
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(fs.createReadStream(indexHtml));
    });
  }
  return app;
}
