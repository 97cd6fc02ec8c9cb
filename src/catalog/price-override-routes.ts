// Store price overrides over HTTP: a store manager sets or clears the store's own price at the
// store node (where HQ's policy allows); HQ sets the policy, lists a store's overrides, revokes one.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission } from '../platform/auth/permissions';
import { findRegionByCode, findStoreByCode, scopeOf } from '../platform/stores/service';
import { clearPriceOverride, listPriceOverrides, priceOverridePolicyFor, revokePriceOverride, savePriceOverridePolicy, setPriceOverride } from './price-overrides';
import { priceOverridePolicySchema, type PolicyScope } from './price-override-policy';

const Params = z.object({ store: z.string().max(16), code: z.string().max(32) });
const CHAIN = { storeId: '*', regionId: null };
const OverrideOut = z.object({
  skuId: z.string(),
  skuCode: z.string(),
  name: z.string(),
  priceFen: z.number().int(),
  hqPriceFenAtSet: z.number().int(),
  hqPriceFen: z.number().int(),
  setBy: z.string(),
  setAt: z.string(),
  revokedAt: z.string().nullable(),
  inEffect: z.boolean(),
});
const ScopeOut = z.object({ kind: z.enum(['chain', 'region', 'store']), id: z.string().optional() }).nullable();

export async function priceOverrideRoutes(app: TpApp): Promise<void> {
  const role = app.deps.config.role;
  // The store sets its own prices; HQ owns the policy and revocations (both pulled by stores).
  const atStore = (what: string) => {
    if (role === 'hq') throw new AppError('PRICE_OVERRIDE_AT_STORE', `A store sets its own price at its store node; HQ cannot ${what}. HQ changes a store's price with PUT /stores/{store}/prices/{code}.`, { status: 409 });
  };
  const atHq = (what: string) => {
    if (role === 'store') throw new AppError('PRICE_OWNED_BY_HQ', `Only HQ can ${what}; this is a store node.`, { status: 409 });
  };

  app.get(
    '/stores/:store/price-overrides',
    { preHandler: requireAuth('store.view'), schema: { tags: ['catalog'], summary: "A store's own prices beside HQ's, and the policy that governs them", params: Params.pick({ store: true }), response: { 200: z.object({ policy: priceOverridePolicySchema, policyScope: ScopeOut, overrides: z.array(OverrideOut) }) } } },
    async (req) => {
      const store = await findStoreByCode(req.ctx, req.params.store);
      requirePermission(actorOf(req), 'store.view', scopeOf(store));
      const [{ policy, scope }, overrides] = await Promise.all([priceOverridePolicyFor(req.ctx, store.id), listPriceOverrides(req.ctx, store.id)]);
      return { policy, policyScope: scope, overrides };
    },
  );

  app.put(
    '/stores/:store/price-overrides/:code',
    { preHandler: requireAuth('store.manage'), schema: { tags: ['catalog'], summary: "Set the store's own price for a product (if HQ's policy allows)", params: Params, body: z.object({ priceFen: z.number().int() }), response: { 200: OverrideOut } } },
    async (req) => {
      atStore("set a store's own price");
      const store = await findStoreByCode(req.ctx, req.params.store);
      requirePermission(actorOf(req), 'store.manage', scopeOf(store));
      return setPriceOverride(req.ctx, store.id, req.params.code, req.body.priceFen);
    },
  );

  app.delete('/stores/:store/price-overrides/:code', { preHandler: requireAuth('store.manage'), schema: { tags: ['catalog'], summary: "Clear the store's own price (HQ's applies again)", params: Params } }, async (req, reply) => {
    atStore("clear a store's own price");
    const store = await findStoreByCode(req.ctx, req.params.store);
    requirePermission(actorOf(req), 'store.manage', scopeOf(store));
    await clearPriceOverride(req.ctx, store.id, req.params.code);
    return reply.status(204).send();
  });

  app.post('/stores/:store/price-overrides/:code/revoke', { preHandler: requireAuth('catalog.manage'), schema: { tags: ['catalog'], summary: "HQ revokes a store's own price (from the store's next pull)", params: Params } }, async (req, reply) => {
    atHq("revoke a store's price");
    requirePermission(actorOf(req), 'catalog.manage', CHAIN);
    const store = await findStoreByCode(req.ctx, req.params.store);
    await revokePriceOverride(req.ctx, store.id, req.params.code);
    return reply.status(204).send();
  });

  app.put(
    '/price-override-policy',
    {
      preHandler: requireAuth('catalog.manage'),
      schema: {
        tags: ['catalog'],
        summary: 'HQ: whether stores may override prices (chain, a region or a store)',
        body: z.object({ scope: z.enum(['chain', 'region', 'store']), code: z.string().max(16).optional(), policy: z.unknown() }),
        response: { 200: priceOverridePolicySchema },
      },
    },
    async (req) => {
      atHq('set the price override policy');
      requirePermission(actorOf(req), 'catalog.manage', CHAIN);
      const { scope, code } = req.body;
      if (scope !== 'chain' && !code) throw new AppError('VALIDATION_FAILED', `Name the ${scope} by its code.`, { details: { field: 'code' } });
      const target: PolicyScope = scope === 'chain' ? { kind: 'chain' } : scope === 'region' ? { kind: 'region', id: (await findRegionByCode(req.ctx, code ?? '')).id } : { kind: 'store', id: (await findStoreByCode(req.ctx, code ?? '')).id };
      return savePriceOverridePolicy(req.ctx, target, req.body.policy);
    },
  );
}
