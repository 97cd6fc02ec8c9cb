// HTTP endpoints for stores and terminals, each checked against the caller's scope.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../http/server';
import { requirePermission, storeFilter } from '../auth/permissions';
import { AppError } from '../errors';
import type { Ctx } from '../context';
import { createRegion, createStore, createTerminal, findRegionByCode, findStoreByCode, listRegions, listStores, listTerminals, renameRegion, scopeOf, updateStore } from './service';

const StoreOut = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  regionId: z.string().nullable(),
  timeZone: z.string(),
  dayCutover: z.string(),
  address: z.string().nullable().optional(),
});
const RegionOut = z.object({ id: z.string(), code: z.string(), name: z.string() });
const StoreIn = z.object({
  name: z.string().min(1).max(60),
  regionCode: z.string().max(16).nullable().optional(),
  timeZone: z.string().min(1).max(64).optional(),
  dayCutover: z.string().max(5).optional(),
  address: z.string().max(200).nullable().optional(),
});
/** Stores and regions are HQ's master data: only a chain-wide grant edits them. */
const CHAIN = { storeId: '*', regionId: null };
const TerminalOut = z.object({ id: z.string(), storeId: z.string(), code: z.string(), name: z.string() });
const CodeParam = z.object({ code: z.string().max(16) });

export async function storeRoutes(app: TpApp): Promise<void> {
  const atHq = () => {
    if (app.deps.config.role === 'store') throw new AppError('STORE_DATA_OWNED_BY_HQ', "Stores and regions are HQ's master data: edit them in HQ's back office (this store node takes them on its next pull).", { status: 409 });
  };
  const regionIdOf = async (ctx: Ctx, code: string | null | undefined) => (code ? (await findRegionByCode(ctx, code)).id : code);

  app.post('/stores', { preHandler: requireAuth('store.manage'), schema: { tags: ['stores'], summary: 'HQ: open a store', body: StoreIn.extend({ code: z.string().min(1).max(16) }), response: { 201: StoreOut } } }, async (request, reply) => {
    atHq();
    requirePermission(actorOf(request), 'store.manage', CHAIN);
    const { regionCode, ...rest } = request.body;
    return reply.status(201).send(await createStore(request.ctx, { ...rest, regionId: (await regionIdOf(request.ctx, regionCode)) ?? null }));
  });

  app.patch('/stores/:code', { preHandler: requireAuth('store.manage'), schema: { tags: ['stores'], summary: "HQ: change a store's name, region, address, time zone or day cutover", params: CodeParam, body: StoreIn.partial(), response: { 200: StoreOut } } }, async (request) => {
    atHq();
    requirePermission(actorOf(request), 'store.manage', CHAIN);
    const { regionCode, ...rest } = request.body;
    return updateStore(request.ctx, request.params.code, { ...rest, regionId: await regionIdOf(request.ctx, regionCode) });
  });

  app.get('/regions', { preHandler: requireAuth('store.view'), schema: { tags: ['stores'], response: { 200: z.object({ regions: z.array(RegionOut) }) } } }, async (request) => ({ regions: await listRegions(request.ctx) }));

  app.post('/regions', { preHandler: requireAuth('store.manage'), schema: { tags: ['stores'], summary: 'HQ: add a region', body: z.object({ code: z.string().min(1).max(16), name: z.string().min(1).max(60) }), response: { 201: RegionOut } } }, async (request, reply) => {
    atHq();
    requirePermission(actorOf(request), 'store.manage', CHAIN);
    const { id } = await createRegion(request.ctx, request.body);
    return reply.status(201).send({ id, ...request.body });
  });

  app.patch('/regions/:code', { preHandler: requireAuth('store.manage'), schema: { tags: ['stores'], summary: 'HQ: rename a region', params: CodeParam, body: z.object({ name: z.string().min(1).max(60) }), response: { 200: RegionOut } } }, async (request) => {
    atHq();
    requirePermission(actorOf(request), 'store.manage', CHAIN);
    return renameRegion(request.ctx, request.params.code, request.body.name);
  });

  app.get(
    '/stores',
    { preHandler: requireAuth('store.view'), schema: { tags: ['stores'], response: { 200: z.object({ stores: z.array(StoreOut) }) } } },
    async (request) => {
      const actor = actorOf(request);
      const stores = await listStores(request.ctx);
      const allowed = storeFilter(actor, 'store.view', stores.map(scopeOf));
      return { stores: allowed === 'all' ? stores : stores.filter((s) => allowed.includes(s.id)) };
    },
  );

  app.get(
    '/stores/:code',
    { preHandler: requireAuth('store.view'), schema: { tags: ['stores'], params: CodeParam, response: { 200: StoreOut.extend({ terminals: z.array(TerminalOut) }) } } },
    async (request) => {
      const store = await findStoreByCode(request.ctx, request.params.code);
      requirePermission(actorOf(request), 'store.view', scopeOf(store));
      return { ...store, terminals: await listTerminals(request.ctx, store.id) };
    },
  );

  app.post(
    '/stores/:code/terminals',
    {
      preHandler: requireAuth('store.manage'),
      schema: {
        tags: ['stores'],
        params: CodeParam,
        body: z.object({ code: z.string().min(1).max(16), name: z.string().min(1).max(60) }),
        response: { 201: TerminalOut },
      },
    },
    async (request, reply) => {
      const store = await findStoreByCode(request.ctx, request.params.code);
      requirePermission(actorOf(request), 'store.manage', scopeOf(store));
      const terminal = await createTerminal(request.ctx, store.id, request.body);
      return reply.status(201).send(terminal);
    },
  );
}
