// Sync endpoints. HQ: register nodes (hq_admin), list them, take pushes and serve pulls (signed
// by the node, never by a user session). Every node: the sync status for the till and back office.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { requirePermission } from '../platform/auth/permissions';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { applyBatch, pushBodySchema } from './apply';
import { syncKeyOf } from './keys';
import { listNodes, registerNode, verifySyncRequest } from './nodes';
import { chainHealth, noteNodeContact } from './health';
import { readPullPage } from './pull';
import { readInboundPage } from './inbound';
import { storeSyncOf } from './store-sync';
import { listSyncExceptions, resolveSyncException } from './exceptions';

export interface SyncRoutesOptions {
  role: 'all' | 'hq' | 'store';
  dataDir: string;
}

/** A push of 500 sales is a few MB; the platform's 1 MB limit suits people, not nodes. */
const PUSH_BODY_LIMIT = 64 * 1024 * 1024;
const rawBodies = new WeakMap<FastifyRequest, Buffer>();
/** A pull's and an inbound read's page: where it starts (HQ's opaque cursor) and its size. */
const pageQuery = z.object({ cursor: z.string().max(2000).optional(), limit: z.coerce.number().int().min(1).max(5000).default(1000) });

export async function syncRoutes(app: TpApp, options: SyncRoutesOptions): Promise<void> {
  // The signature covers the body's bytes as sent, so they are kept beside the parsed JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: PUSH_BODY_LIMIT }, (request, body, done) => {
    const bytes = body as Buffer;
    rawBodies.set(request, bytes);
    try {
      done(null, bytes.length ? JSON.parse(bytes.toString('utf8')) : {});
    } catch {
      done(new AppError('BAD_REQUEST', 'The body is not valid JSON.'), undefined);
    }
  });
  const verified = (request: FastifyRequest) => {
    if (options.role === 'store') throw new AppError('NOT_FOUND', 'This is a store node; send sync requests to HQ.');
    return verifySyncRequest(request.ctx, syncKeyOf(request.ctx.nodeId, options.dataDir), { method: request.method, url: request.url, headers: request.headers, body: rawBodies.get(request) ?? Buffer.alloc(0) });
  };

  app.get(
    '/sync/status',
    { preHandler: requireAuth('store.view'), schema: { tags: ['sync'] } },
    async (request) => {
      const sync = storeSyncOf(request.ctx.nodeId);
      if (sync) return sync.status();
      return { role: options.role, hqReachable: null, queuedEvents: 0, oldestUnsyncedAt: null, lastPushAt: null, nodes: options.role === 'hq' ? await listNodes(request.ctx) : undefined };
    },
  );

  if (options.role === 'store') return;

  app.post(
    '/sync/nodes',
    { preHandler: requireAuth('users.manage'), schema: { tags: ['sync'], body: z.object({ storeCode: z.string().min(1).max(16) }) } },
    async (request, reply) => {
      // Chain-wide: only a grant over every store may issue node credentials.
      requirePermission(actorOf(request), 'users.manage', { storeId: '*', regionId: null });
      const credential = await registerNode(request.ctx, syncKeyOf(request.ctx.nodeId, options.dataDir), request.body.storeCode);
      request.log.info({ nodeId: credential.nodeId, store: credential.storeCode }, 'store node registered');
      return reply.status(201).header('cache-control', 'no-store').send(credential);
    },
  );

  app.get('/sync/nodes', { preHandler: requireAuth('store.view'), schema: { tags: ['sync'] } }, async (request) => {
    requirePermission(actorOf(request), 'store.view', { storeId: '*', regionId: null });
    const nodes = await listNodes(request.ctx);
    // The chain's stores and regions with each store node's health (the back office's 门店与区域).
    return { nodes, ...(await chainHealth(request.ctx, nodes)) };
  });

  // HQ works the exceptions it raised applying stores' documents (src/sync/exceptions.ts).
  app.get(
    '/sync/exceptions',
    {
      preHandler: requireAuth('store.view'),
      schema: {
        tags: ['sync'],
        summary: "HQ: the chain's sync exceptions, newest first",
        querystring: z.object({ store: z.string().max(16).optional(), status: z.enum(['open', 'resolved']).optional(), code: z.string().max(40).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }),
      },
    },
    async (request) => {
      requirePermission(actorOf(request), 'store.view', { storeId: '*', regionId: null });
      return listSyncExceptions(request.ctx, request.query);
    },
  );

  app.post(
    '/sync/exceptions/:id/resolve',
    { preHandler: requireAuth('store.manage'), schema: { tags: ['sync'], summary: 'HQ: resolve a sync exception with a note', params: z.object({ id: z.string().max(64) }), body: z.object({ note: z.string().max(500) }) } },
    async (request) => {
      requirePermission(actorOf(request), 'store.manage', { storeId: '*', regionId: null });
      return resolveSyncException(request.ctx, request.params.id, request.body);
    },
  );

  app.post('/sync/push', { bodyLimit: PUSH_BODY_LIMIT, schema: { tags: ['sync'], hide: true } }, async (request) => {
    const node = await verified(request);
    const parsed = pushBodySchema.safeParse(request.body);
    if (!parsed.success) throw new AppError('SYNC_BATCH_INVALID', `The batch is malformed at ${parsed.error.issues[0]?.path.join('.') ?? '?'}.`, { status: 400 });
    const ack = await applyBatch(request.ctx, node, parsed.data);
    await noteNodeContact(request.ctx, node.id, request.headers, ack.ackedSeq - node.lastSeq);
    return ack;
  });

  app.get('/sync/pull', { schema: { tags: ['sync'], hide: true, querystring: pageQuery } }, async (request) => {
    const node = await verified(request);
    const page = await readPullPage(request.ctx, request.query.cursor, request.query.limit);
    await noteNodeContact(request.ctx, node.id, request.headers);
    // How far the node has pulled (HQ's node list shows how many changes it is behind).
    await request.ctx.db
      .updateTable('sync_nodes')
      .set(page.more ? { pulled_change_no: page.changeNo } : { pulled_change_no: page.changeNo, last_pull_at: request.ctx.clock.now().toISOString() })
      .where('id', '=', node.id)
      .execute();
    return page;
  });

  // Transfers to the node's store, and the receipt of those it sent (src/sync/inbound.ts).
  app.get('/sync/inbound', { schema: { tags: ['sync'], hide: true, querystring: pageQuery } }, async (request) => {
    const node = await verified(request);
    const page = await readInboundPage(request.ctx, node.storeId, request.query.cursor, request.query.limit);
    await noteNodeContact(request.ctx, node.id, request.headers);
    return page;
  });
}
