// 退货权限分级: who may give how much back, per store (or region, or chain), and the lowest role
// that may approve a return above the requester's limit.
import { z } from 'zod';
import type { Role } from '../platform/auth/permissions';

/** The roles that may refund, lowest first; each may do what the ones below may. */
export const RETURN_LADDER = ['cashier', 'store_manager', 'regional_manager'] as const;
export type ReturnRole = (typeof RETURN_LADDER)[number];

const fen = z.number().int().min(0).max(100_000_000_00);
const limit = z.object({ perReturnFen: fen.nullable(), perShiftFen: fen.nullable() });

export const returnPolicySchema = z.object({
  /** Days after the sale's business date a receipt return is accepted without approval. */
  windowDays: z.number().int().min(0).max(3650),
  /** null = no limit. */
  limits: z.object({ cashier: limit, store_manager: limit, regional_manager: limit }),
  /** Returns without a receipt: cash only, always a manager's approval, at most maxFen. */
  noReceipt: z.object({ allowed: z.boolean(), maxFen: fen }),
  /** Whether a receipt from another store of the chain is taken back here. */
  otherStoreReceipts: z.boolean(),
  /** How long an approval stays usable. */
  approvalValidMinutes: z.number().int().min(1).max(24 * 60),
});
export type ReturnPolicy = z.infer<typeof returnPolicySchema>;

/** ¥200 per return and ¥1,000 per shift for a cashier, ¥2,000 for a store manager, no limit above. */
export const DEFAULT_RETURN_POLICY: ReturnPolicy = {
  windowDays: 30,
  limits: {
    cashier: { perReturnFen: 20_000, perShiftFen: 100_000 },
    store_manager: { perReturnFen: 200_000, perShiftFen: null },
    regional_manager: { perReturnFen: null, perShiftFen: null },
  },
  noReceipt: { allowed: true, maxFen: 10_000 },
  otherStoreReceipts: false,
  approvalValidMinutes: 5,
};

export type ReturnNeed = 'over_return_limit' | 'over_shift_limit' | 'outside_window' | 'no_receipt';

export interface ReturnFacts {
  amountFen: number;
  /** Refunds the requester already gave in this shift. */
  shiftRefundedFen: number;
  withReceipt: boolean;
  /** Business days between the sale and today (0 = same day); null without a receipt. */
  saleAgeDays: number | null;
}

export type ReturnDecision = { ok: true; requiredRole: ReturnRole } | { ok: false; code: 'APPROVAL_REQUIRED'; requiredRole: ReturnRole; needs: ReturnNeed[] } | { ok: false; code: 'RETURN_NOT_ALLOWED'; message: string };

/** The highest rung of the ladder among `roles`, or -1 when none may refund. */
export function ladderLevel(roles: readonly Role[]): number {
  return Math.max(-1, ...roles.map((r) => RETURN_LADDER.indexOf(r as ReturnRole)));
}

/** The lowest role allowed to give this return, and why it is above a cashier. */
export function requiredRoleFor(policy: ReturnPolicy, facts: ReturnFacts): { level: number; needs: ReturnNeed[] } | { refused: string } {
  if (!facts.withReceipt) {
    if (!policy.noReceipt.allowed) return { refused: 'This store does not take returns without a receipt.' };
    if (facts.amountFen > policy.noReceipt.maxFen) return { refused: `Returns without a receipt are limited to ¥${(policy.noReceipt.maxFen / 100).toFixed(2)} here.` };
  }
  const within = (role: ReturnRole, shiftCounts: boolean) => {
    const l = policy.limits[role];
    const perReturn = l.perReturnFen === null || facts.amountFen <= l.perReturnFen;
    const perShift = !shiftCounts || l.perShiftFen === null || facts.shiftRefundedFen + facts.amountFen <= l.perShiftFen;
    return { perReturn, perShift };
  };
  let level = RETURN_LADDER.findIndex((role) => {
    const w = within(role, true);
    return w.perReturn && w.perShift;
  });
  if (level < 0) level = RETURN_LADDER.length - 1;
  const needs: ReturnNeed[] = [];
  const cashier = within('cashier', true);
  if (!cashier.perReturn) needs.push('over_return_limit');
  else if (!cashier.perShift) needs.push('over_shift_limit');
  const manager = RETURN_LADDER.indexOf('store_manager');
  if (facts.saleAgeDays !== null && facts.saleAgeDays > policy.windowDays) {
    needs.push('outside_window');
    level = Math.max(level, manager);
  }
  if (!facts.withReceipt) {
    needs.push('no_receipt');
    level = Math.max(level, manager);
  }
  return { level, needs };
}

/**
 * Whether someone with `roles` may give this return on their own; else the lowest role that may
 * approve it (APPROVAL_REQUIRED), or why no one may (RETURN_NOT_ALLOWED).
 *
 * @example decideReturn(DEFAULT_RETURN_POLICY, ['cashier'], { amountFen: 20001, shiftRefundedFen: 0, withReceipt: true, saleAgeDays: 0 }) // { ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'store_manager', … }
 */
export function decideReturn(policy: ReturnPolicy, roles: readonly Role[], facts: ReturnFacts): ReturnDecision {
  const required = requiredRoleFor(policy, facts);
  if ('refused' in required) return { ok: false, code: 'RETURN_NOT_ALLOWED', message: required.refused };
  const requiredRole = RETURN_LADDER[required.level] ?? 'regional_manager';
  // A no-receipt return always needs a second person (DESIGN: "always a manager's approval").
  const selfAllowed = facts.withReceipt && ladderLevel(roles) >= required.level;
  if (selfAllowed) return { ok: true, requiredRole };
  return { ok: false, code: 'APPROVAL_REQUIRED', requiredRole, needs: required.needs.length ? required.needs : ['no_receipt'] };
}
