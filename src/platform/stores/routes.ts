// HTTP endpoints for stores and terminals, each checked against the caller's scope.
import { z } from 'zod';
import { actorOf, requireAuth, type TpApp } from '../http/server';
import { requirePermission, storeFilter } from '../auth/permissions';
import { createTerminal, findStoreByCode, listStores, listTerminals, scopeOf } from './service';

const StoreOut = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  regionId: z.string().nullable(),
  timeZone: z.string(),
  dayCutover: z.string(),
});
const TerminalOut = z.object({ id: z.string(), storeId: z.string(), code: z.string(), name: z.string() });
const CodeParam = z.object({ code: z.string().max(16) });

export async function storeRoutes(app: TpApp): Promise<void> {
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
