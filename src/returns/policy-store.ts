// Where a store's return policy comes from: its own, else its region's, else the chain's, else
// the defaults. Kept in the settings table as JSON (no cache: a return reads it once).
import { AppError } from '../platform/errors';
import { readSetting, writeSetting } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import { storeScopeById } from '../platform/stores/service';
import { DEFAULT_RETURN_POLICY, returnPolicySchema, type ReturnPolicy } from './policy';

export type PolicyScope = { kind: 'store'; id: string } | { kind: 'region'; id: string } | { kind: 'chain' };

const key = (scope: PolicyScope) => (scope.kind === 'chain' ? 'returns:policy' : `returns:policy:${scope.kind}:${scope.id}`);

export async function returnPolicyFor(ctx: Ctx, storeId: string): Promise<ReturnPolicy> {
  const { regionId } = await storeScopeById(ctx, storeId);
  const scopes: PolicyScope[] = [{ kind: 'store', id: storeId }, ...(regionId ? [{ kind: 'region' as const, id: regionId }] : []), { kind: 'chain' }];
  for (const scope of scopes) {
    const raw = await readSetting(ctx.db, key(scope));
    if (raw) return returnPolicySchema.parse(JSON.parse(raw));
  }
  return DEFAULT_RETURN_POLICY;
}

/** Saves a policy for a store, a region or the chain, saying which field is wrong when it is. */
export async function saveReturnPolicy(ctx: Ctx, scope: PolicyScope, policy: unknown): Promise<ReturnPolicy> {
  const parsed = returnPolicySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new AppError('VALIDATION_FAILED', `Return policy field "${field}": ${issue?.message ?? 'invalid'}.`, { status: 400, details: { field } });
  }
  const { limits } = parsed.data;
  const ladder = [limits.cashier.perReturnFen, limits.store_manager.perReturnFen, limits.regional_manager.perReturnFen].map((v) => v ?? Number.POSITIVE_INFINITY);
  if (ladder[0]! > ladder[1]! || ladder[1]! > ladder[2]!) {
    throw new AppError('VALIDATION_FAILED', 'Each role’s per-return limit must be at least the one below it (cashier ≤ store manager ≤ regional manager).', { status: 400, details: { field: 'limits' } });
  }
  await writeSetting(ctx.db, key(scope), JSON.stringify(parsed.data));
  return parsed.data;
}
