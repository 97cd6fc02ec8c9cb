// Users and their role grants; disabling a user revokes every session at once.
import { AppError } from '../errors';
import { newId } from '../ids';
import { inTransaction } from '../db/index';
import type { Ctx } from '../context';
import { assertPassword, assertPin, hashSecret } from './passwords';
import { isRole, type RoleGrant } from './permissions';
import { forgetSessions } from './sessions';

export interface NewUser {
  username: string;
  displayName?: string;
  password: string;
  pin?: string;
  grants: RoleGrant[];
  isDemo?: boolean;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;

export async function createUser(ctx: Ctx, input: NewUser): Promise<{ id: string }> {
  if (!USERNAME.test(input.username)) {
    throw new AppError('VALIDATION_FAILED', `Username "${input.username}" must be 2–32 lowercase letters, digits, ".", "_" or "-".`, {
      details: { field: 'username' },
    });
  }
  assertPassword(input.password);
  if (input.pin !== undefined) assertPin(input.pin);
  for (const g of input.grants) {
    if (!isRole(g.role)) throw new AppError('VALIDATION_FAILED', `Unknown role "${String(g.role)}".`, { details: { field: 'role' } });
  }
  const passwordHash = await hashSecret(input.password);
  const pinHash = input.pin === undefined ? null : await hashSecret(input.pin);
  const id = newId();
  await inTransaction(ctx.db, async (tx) => {
    const existing = await tx.selectFrom('users').select('id').where('username', '=', input.username).executeTakeFirst();
    if (existing) throw new AppError('CONFLICT', `User "${input.username}" already exists.`);
    await tx
      .insertInto('users')
      .values({
        id,
        username: input.username,
        display_name: input.displayName ?? input.username,
        password_hash: passwordHash,
        pin_hash: pinHash,
        is_demo: input.isDemo ? 1 : 0,
        disabled_at: null,
        created_at: ctx.clock.now().toISOString(),
      })
      .execute();
    if (input.grants.length > 0) {
      await tx
        .insertInto('user_roles')
        .values(input.grants.map((g) => ({ user_id: id, role: g.role, scope_kind: g.scopeKind, scope_ref: g.scopeRef })))
        .execute();
    }
  });
  return { id };
}

async function requireUser(ctx: Ctx, username: string): Promise<{ id: string }> {
  const user = await ctx.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  if (!user) throw new AppError('NOT_FOUND', `No user "${username}".`);
  return user;
}

export async function setPassword(ctx: Ctx, username: string, password: string): Promise<void> {
  assertPassword(password);
  const user = await requireUser(ctx, username);
  const passwordHash = await hashSecret(password);
  await inTransaction(ctx.db, async (tx) => {
    await tx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
    await revokeAllSessions(tx, user.id, ctx.clock.now().toISOString());
  });
}

export async function setPin(ctx: Ctx, username: string, pin: string): Promise<void> {
  assertPin(pin);
  const user = await requireUser(ctx, username);
  await ctx.db.updateTable('users').set({ pin_hash: await hashSecret(pin) }).where('id', '=', user.id).execute();
}

/** Disables a user and revokes all of their sessions in the same transaction. */
export async function disableUser(ctx: Ctx, username: string): Promise<void> {
  const user = await requireUser(ctx, username);
  const now = ctx.clock.now().toISOString();
  await inTransaction(ctx.db, async (tx) => {
    await tx.updateTable('users').set({ disabled_at: now }).where('id', '=', user.id).execute();
    await revokeAllSessions(tx, user.id, now);
  });
}

export async function revokeAllSessions(db: Ctx['db'], userId: string, now: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  forgetSessions({ userId });
}
