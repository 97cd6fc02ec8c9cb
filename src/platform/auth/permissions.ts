// Roles, their permissions and scopes, and the one check every route uses.
import { AppError } from '../errors';

export const ROLES = ['cashier', 'store_manager', 'regional_manager', 'finance', 'hq_admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'pos.sell'
  | 'pos.shift'
  | 'pos.void'
  | 'pos.price_override'
  | 'returns.create'
  | 'returns.approve'
  | 'returns.policy'
  | 'store.view'
  | 'store.manage'
  | 'catalog.manage'
  | 'members.manage'
  | 'recon.view'
  | 'recon.manage'
  | 'reports.view'
  | 'inventory.manage'
  /** Scan goods into a stock count (blind: never sees the expected quantity). */
  | 'inventory.count'
  | 'users.manage'
  | 'audit.view';

const GRANTS: Record<Role, readonly Permission[]> = {
  cashier: ['pos.sell', 'pos.shift', 'pos.void', 'returns.create', 'store.view', 'inventory.count'],
  store_manager: ['pos.sell', 'pos.shift', 'pos.void', 'pos.price_override', 'returns.create', 'returns.approve', 'store.view', 'store.manage', 'reports.view', 'inventory.manage', 'inventory.count', 'members.manage', 'audit.view'],
  regional_manager: ['returns.approve', 'returns.policy', 'store.view', 'store.manage', 'reports.view', 'inventory.manage', 'inventory.count'],
  finance: ['store.view', 'recon.view', 'recon.manage', 'reports.view'],
  hq_admin: ['returns.policy', 'store.view', 'store.manage', 'catalog.manage', 'members.manage', 'reports.view', 'inventory.manage', 'inventory.count', 'users.manage', 'recon.view', 'audit.view'],
  auditor: ['store.view', 'recon.view', 'reports.view', 'audit.view'],
};

export type ScopeKind = 'all' | 'region' | 'store';

export interface RoleGrant {
  role: Role;
  scopeKind: ScopeKind;
  /** region or store id; '' for 'all' */
  scopeRef: string;
}

export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  grants: RoleGrant[];
  sessionId: string;
  terminalId: string | null;
}

/** Where a resource lives, for scope checks. */
export interface StoreScope {
  storeId: string;
  regionId: string | null;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

function covers(grant: RoleGrant, store: StoreScope | undefined): boolean {
  if (grant.scopeKind === 'all') return true;
  if (!store) return false;
  if (grant.scopeKind === 'store') return grant.scopeRef === store.storeId;
  return store.regionId !== null && grant.scopeRef === store.regionId;
}

/**
 * Whether `actor` holds `permission`, for `store` when given (a store-less check asks whether
 * the actor holds it anywhere, and is for listing what is in scope afterwards).
 *
 * @example can(actor, 'returns.approve', { storeId, regionId })
 */
export function can(actor: Actor, permission: Permission, store?: StoreScope): boolean {
  return actor.grants.some((g) => GRANTS[g.role].includes(permission) && (store === undefined || covers(g, store)));
}

/** The roles `actor` holds for `store` (a return's limit depends on the highest). */
export function rolesAt(actor: Pick<Actor, 'grants'>, store: StoreScope): Role[] {
  return actor.grants.filter((g) => covers(g, store)).map((g) => g.role);
}

/** Throws 403 `PERMISSION_DENIED` or `STORE_OUT_OF_SCOPE` unless `can(actor, permission, store)`. */
export function requirePermission(actor: Actor | null, permission: Permission, store?: StoreScope): Actor {
  if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  if (can(actor, permission, store)) return actor;
  if (store && can(actor, permission)) {
    throw new AppError('STORE_OUT_OF_SCOPE', 'You may not act for this store. Ask an administrator to extend your scope.', {
      details: { permission },
    });
  }
  throw new AppError('PERMISSION_DENIED', `Your role does not allow this (needs ${permission}). Ask a manager.`, {
    details: { permission },
  });
}

/** The store ids an actor may see with `permission`, or 'all'. */
export function storeFilter(actor: Actor, permission: Permission, stores: readonly StoreScope[]): 'all' | string[] {
  if (actor.grants.some((g) => g.scopeKind === 'all' && GRANTS[g.role].includes(permission))) return 'all';
  return stores.filter((s) => can(actor, permission, s)).map((s) => s.storeId);
}
