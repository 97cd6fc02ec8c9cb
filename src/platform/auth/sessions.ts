// Sign-in with password or till PIN, opaque session tokens, idle and absolute expiry.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import { newId } from '../ids';
import type { Ctx } from '../context';
import type { RateLimiter } from './rate-limit';
import { verifySecret } from './passwords';
import { isRole, type Actor, type RoleGrant, type ScopeKind } from './permissions';

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
  /** Demo users may sign in from loopback only, unless this is set. */
  allowDemoRemote: boolean;
}

export interface SignIn {
  token: string;
  csrfToken: string;
  expiresAt: string;
  actor: Actor;
}

export interface Client {
  ip: string;
}

/** A 128-bit random token; only its SHA-256 is stored, so a stolen database holds no tokens. */
function newToken(): string {
  return randomBytes(16).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}

// A fixed hash to verify against when the user does not exist, so timing does not tell.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$5kp3GPGGBHcauHfow0oNgw$MJ4Dsrx/ONUvA/PT9LKZhe55wLzps5FJH+1dhlnUl8E';

function throttle(limiter: RateLimiter, ctx: Ctx, keys: string[]): void {
  const wait = Math.max(...keys.map((k) => limiter.retryAfterMs(k)));
  if (wait > 0) {
    ctx.log.warn({ keys, retryAfterMs: wait }, 'sign-in throttled');
    throw new AppError('TOO_MANY_ATTEMPTS', `Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute(s).`, {
      details: { retryAfterSeconds: Math.ceil(wait / 1000) },
    });
  }
}

async function grantsOf(ctx: Ctx, userId: string): Promise<RoleGrant[]> {
  const rows = await ctx.db.selectFrom('user_roles').select(['role', 'scope_kind', 'scope_ref']).where('user_id', '=', userId).execute();
  return rows
    .filter((r) => isRole(r.role))
    .map((r) => ({ role: r.role as RoleGrant['role'], scopeKind: r.scope_kind as ScopeKind, scopeRef: r.scope_ref }));
}

async function openSession(
  ctx: Ctx,
  policy: SessionPolicy,
  user: { id: string; username: string; display_name: string },
  method: 'password' | 'pin',
  terminalId: string | null,
): Promise<SignIn> {
  const now = ctx.clock.now();
  const token = newToken();
  const csrfToken = newToken();
  const id = newId();
  const expiresAt = new Date(now.getTime() + policy.absoluteHours * 3_600_000).toISOString();
  await ctx.db
    .insertInto('sessions')
    .values({
      id,
      token_hash: hashToken(token),
      user_id: user.id,
      method,
      terminal_id: terminalId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
      revoked_at: null,
    })
    .execute();
  const grants = await grantsOf(ctx, user.id);
  ctx.log.info({ userId: user.id, method, terminalId }, 'signed in');
  return { token, csrfToken, expiresAt, actor: { userId: user.id, username: user.username, displayName: user.display_name, grants, sessionId: id, terminalId } };
}

async function findUser(ctx: Ctx, username: string) {
  return ctx.db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'password_hash', 'pin_hash', 'is_demo', 'disabled_at'])
    .where('username', '=', username)
    .executeTakeFirst();
}

function assertMaySignIn(user: { is_demo: number; disabled_at: string | null }, policy: SessionPolicy, client: Client): void {
  if (user.disabled_at) throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password.');
  if (user.is_demo && !policy.allowDemoRemote && !isLoopback(client.ip)) {
    throw new AppError('DEMO_LOGIN_REMOTE', 'Demo accounts may sign in only on this machine. Start with --allow-demo-remote to allow others.');
  }
}

/**
 * Signs in with username and password. Five failures in 15 minutes for a username (or 20 from
 * one address) answer 429 until the window passes.
 */
export async function signInWithPassword(
  ctx: Ctx,
  policy: SessionPolicy,
  limiter: RateLimiter,
  input: { username: string; password: string },
  client: Client,
): Promise<SignIn> {
  const keys = [`user:${input.username}`, `ip:${client.ip}`];
  throttle(limiter, ctx, keys);
  const user = await findUser(ctx, input.username);
  const ok = await verifySecret(user?.password_hash ?? DUMMY_HASH, input.password);
  if (!user || !ok) {
    keys.forEach((k) => limiter.recordFailure(k));
    ctx.log.warn({ username: input.username, ip: client.ip }, 'sign-in failed');
    throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password.');
  }
  assertMaySignIn(user, policy, client);
  limiter.reset(`user:${input.username}`);
  return openSession(ctx, policy, user, 'password', null);
}

/** Signs a cashier in at a till with a PIN; the session is bound to that terminal. */
export async function signInWithPin(
  ctx: Ctx,
  policy: SessionPolicy,
  limiter: RateLimiter,
  input: { storeCode: string; terminalCode: string; username: string; pin: string },
  client: Client,
): Promise<SignIn> {
  const terminal = await ctx.db
    .selectFrom('terminals')
    .innerJoin('stores', 'stores.id', 'terminals.store_id')
    .select(['terminals.id as id', 'terminals.store_id as storeId'])
    .where('stores.code', '=', input.storeCode)
    .where('terminals.code', '=', input.terminalCode)
    .executeTakeFirst();
  if (!terminal) throw new AppError('NOT_FOUND', `Terminal ${input.storeCode}/${input.terminalCode} is not registered.`);
  const keys = [`pin:${terminal.id}:${input.username}`, `ip:${client.ip}`];
  throttle(limiter, ctx, keys);
  const user = await findUser(ctx, input.username);
  const ok = await verifySecret(user?.pin_hash ?? DUMMY_HASH, input.pin);
  if (!user || !user.pin_hash || !ok) {
    keys.forEach((k) => limiter.recordFailure(k));
    ctx.log.warn({ username: input.username, terminalId: terminal.id, ip: client.ip }, 'PIN sign-in failed');
    throw new AppError('INVALID_CREDENTIALS', 'Wrong user or PIN.');
  }
  assertMaySignIn(user, policy, client);
  const grants = await grantsOf(ctx, user.id);
  const storeRow = await ctx.db.selectFrom('stores').select('region_id').where('id', '=', terminal.storeId).executeTakeFirstOrThrow();
  const allowed = grants.some(
    (g) => g.scopeKind === 'all' || (g.scopeKind === 'store' && g.scopeRef === terminal.storeId) || (g.scopeKind === 'region' && g.scopeRef === storeRow.region_id),
  );
  if (!allowed) throw new AppError('STORE_OUT_OF_SCOPE', 'You are not assigned to this store.');
  limiter.reset(keys[0] ?? '');
  return openSession(ctx, policy, user, 'pin', terminal.id);
}

/** Whoever proved who they are with a password or PIN, without opening a session. */
export interface VerifiedPerson {
  userId: string;
  username: string;
  displayName: string;
  grants: RoleGrant[];
  method: 'password' | 'pin';
}

/**
 * Checks a supervisor's own password or PIN typed at someone else's till (an approval), under
 * the same failure limits as signing in, and opens no session.
 */
export async function verifyCredentials(ctx: Ctx, policy: SessionPolicy, limiter: RateLimiter, input: { username: string; password?: string; pin?: string }, client: Client): Promise<VerifiedPerson> {
  const method = input.pin !== undefined ? 'pin' : 'password';
  const secret = input.pin ?? input.password;
  if (!secret) throw new AppError('VALIDATION_FAILED', 'Give the approver’s PIN or password.', { status: 400, details: { field: 'pin' } });
  const keys = [`approve:${input.username}`, `ip:${client.ip}`];
  throttle(limiter, ctx, keys);
  const user = await findUser(ctx, input.username);
  const hash = method === 'pin' ? user?.pin_hash : user?.password_hash;
  const ok = await verifySecret(hash ?? DUMMY_HASH, secret);
  if (!user || !hash || !ok) {
    keys.forEach((k) => limiter.recordFailure(k));
    ctx.log.warn({ username: input.username, ip: client.ip }, 'approver credentials refused');
    throw new AppError('INVALID_CREDENTIALS', method === 'pin' ? 'Wrong approver or PIN.' : 'Wrong approver or password.');
  }
  assertMaySignIn(user, policy, client);
  limiter.reset(keys[0] ?? '');
  return { userId: user.id, username: user.username, displayName: user.display_name, grants: await grantsOf(ctx, user.id), method };
}

// Writing last_seen on every request would cost a durable write per API call; a minute's
// resolution is plenty for a 30-minute idle timeout.
const TOUCH_EVERY_MS = 60_000;

// Sessions resolved in the last few seconds are kept in memory, so a till's scans do not pay
// two queries each for authentication. Sign-out, revoke and disable in this process forget
// them at once; a change made by another process (the CLI) takes effect within the TTL.
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
interface CachedSession {
  loadedAt: number;
  actor: Actor;
  lastSeenAt: string;
  expiresAt: string;
}
const sessionCache = new Map<string, CachedSession>();

/** Drops cached sessions of a user (all of them) or one session, after revoking in the database. */
export function forgetSessions(match: { userId?: string; sessionId?: string }): void {
  for (const [key, entry] of sessionCache) {
    if (entry.actor.userId === match.userId || entry.actor.sessionId === match.sessionId) sessionCache.delete(key);
  }
}

async function loadSession(ctx: Ctx, tokenHash: string): Promise<CachedSession> {
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.user_id as userId',
      'sessions.terminal_id as terminalId',
      'sessions.last_seen_at as lastSeenAt',
      'sessions.expires_at as expiresAt',
      'sessions.revoked_at as revokedAt',
      'users.username as username',
      'users.display_name as displayName',
      'users.disabled_at as disabledAt',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.revokedAt || row.disabledAt) throw new AppError('UNAUTHENTICATED', 'Your session has ended. Sign in again.');
  const grants = await grantsOf(ctx, row.userId);
  return {
    loadedAt: ctx.clock.now().getTime(),
    actor: { userId: row.userId, username: row.username, displayName: row.displayName, grants, sessionId: row.sessionId, terminalId: row.terminalId },
    lastSeenAt: row.lastSeenAt,
    expiresAt: row.expiresAt,
  };
}

/** Resolves a session token to its actor, enforcing revocation and both timeouts. */
export async function authenticate(ctx: Ctx, policy: SessionPolicy, token: string): Promise<Actor> {
  const key = hashToken(token);
  const now = ctx.clock.now().getTime();
  let entry = sessionCache.get(key);
  if (!entry || now - entry.loadedAt >= CACHE_TTL_MS || now < entry.loadedAt) {
    sessionCache.delete(key);
    entry = await loadSession(ctx, key);
    if (sessionCache.size >= CACHE_MAX) sessionCache.delete(sessionCache.keys().next().value ?? '');
    sessionCache.set(key, entry);
  }
  const idleDeadline = new Date(entry.lastSeenAt).getTime() + policy.idleMinutes * 60_000;
  if (now >= new Date(entry.expiresAt).getTime() || now >= idleDeadline) {
    sessionCache.delete(key);
    throw new AppError('SESSION_EXPIRED', 'Your session has expired. Sign in again.');
  }
  if (now - new Date(entry.lastSeenAt).getTime() >= TOUCH_EVERY_MS) {
    entry.lastSeenAt = new Date(now).toISOString();
    await ctx.db.updateTable('sessions').set({ last_seen_at: entry.lastSeenAt }).where('id', '=', entry.actor.sessionId).execute();
  }
  return entry.actor;
}

/** The CSRF token of a session, for cookie-authenticated unsafe requests. */
export async function csrfTokenOf(ctx: Ctx, sessionId: string): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('sessions').select('csrf_token').where('id', '=', sessionId).executeTakeFirst();
  return row?.csrf_token;
}

export async function signOut(ctx: Ctx, sessionId: string): Promise<void> {
  await ctx.db.updateTable('sessions').set({ revoked_at: ctx.clock.now().toISOString() }).where('id', '=', sessionId).execute();
  forgetSessions({ sessionId });
}
