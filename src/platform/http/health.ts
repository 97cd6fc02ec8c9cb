// GET /healthz: the node answers and its database does.
import { z } from 'zod';
import { ping } from '../db/index';
import type { TpApp } from './server';

export async function healthRoutes(app: TpApp): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok'), role: z.string(), db: z.string(), nodeId: z.string(), time: z.string() }) },
      },
    },
    async () => {
      await ping(app.deps.db);
      return { status: 'ok' as const, role: app.deps.config.role, db: app.deps.dbKind, nodeId: app.deps.nodeId, time: app.deps.clock.now().toISOString() };
    },
  );
}
