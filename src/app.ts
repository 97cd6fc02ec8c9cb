// The composition root: opens the database, migrates, and mounts every domain's routes on one
// server. Domains register here as they land.
import type { Clock } from './platform/clock';
import type { Config } from './platform/config';
import { migrate, openDatabase, type DbHandle } from './platform/db/index';
import type { Logger } from './platform/logging';
import { ensureNodeId } from './platform/node';
import { buildServer, type TpApp } from './platform/http/server';
import { authRoutes } from './platform/auth/routes';
import { storeRoutes } from './platform/stores/routes';
import { healthRoutes } from './platform/http/health';
import { catalogRoutes } from './catalog/routes';
import { checkoutRoutes, receiptPageRoutes } from './checkout/routes';
import { reconciliationRoutes } from './reconciliation/routes';
import { returnsRoutes } from './returns/routes';
import { paymentRoutes } from './payments/routes';
import { membersRoutes } from './members/routes';
import { sandboxRoutes } from './sandbox/routes';
import { configureMemberKeys, ensureMemberKeys, type MemberKeys } from './members/index';
import { inventoryRoutes } from './inventory/routes';
import { auditRoutes, configureAuditNode, ensureAuditKey } from './audit/index';
import { reportsRoutes } from './reports/index';
import { syncRoutes } from './sync/index';

export interface Tillpoint {
  app: TpApp;
  handle: DbHandle;
  nodeId: string;
  close(): Promise<void>;
}

export interface CreateOptions {
  config: Config;
  clock: Clock;
  log: Logger;
  webDir?: string;
  /** An already open database (tests share one per file). */
  handle?: DbHandle;
  /** The audit chain's checkpoint key; by default TILLPOINT_AUDIT_KEY or <dataDir>/keys/audit-node.key (made on first start). */
  auditKey?: Buffer;
  /** Personal-data keys; by default TILLPOINT_PII_KEYS or <dataDir>/keys/pii.json (made on first start). */
  memberKeys?: MemberKeys;
}

/**
 * Opens (or takes) the database, applies migrations and builds the HTTP app, ready to listen.
 *
 * @example const tp = await createTillpoint({ config, clock: systemClock, log }); await tp.app.listen({ port: 8080 });
 */
export async function createTillpoint(options: CreateOptions): Promise<Tillpoint> {
  const handle = options.handle ?? (await openDatabase(options.config.db));
  await migrate(handle.db);
  const nodeId = await ensureNodeId(handle.db);
  configureAuditNode(nodeId, { key: options.auditKey ?? ensureAuditKey({ dataDir: options.config.dataDir }) });
  configureMemberKeys(nodeId, options.memberKeys ?? ensureMemberKeys({ dataDir: options.config.dataDir }));
  const app = await buildServer({
    db: handle.db,
    dbKind: handle.kind,
    config: options.config,
    clock: options.clock,
    log: options.log,
    nodeId,
    webDir: options.webDir,
  });
  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: '/api/v1' });
  await app.register(storeRoutes, { prefix: '/api/v1' });
  await app.register(catalogRoutes, { prefix: '/api/v1' });
  await app.register(checkoutRoutes, { prefix: '/api/v1' });
  await app.register(reconciliationRoutes, { prefix: '/api/v1' });
  await app.register(returnsRoutes, { prefix: '/api/v1' });
  await app.register(paymentRoutes, { prefix: '/api/v1' });
  await app.register(membersRoutes, { prefix: '/api/v1' });
  if (options.config.demo) await app.register(sandboxRoutes, { prefix: '/api/v1' });
  await app.register(inventoryRoutes, { prefix: '/api/v1' });
  await app.register(auditRoutes, { prefix: '/api/v1' });
  await app.register(reportsRoutes, { prefix: '/api/v1' });
  await app.register(syncRoutes, { prefix: '/api/v1', role: options.config.role, dataDir: options.config.dataDir });
  await app.register(receiptPageRoutes);
  await app.ready();
  return {
    app,
    handle,
    nodeId,
    close: async () => {
      await app.close();
      if (!options.handle) await handle.close();
    },
  };
}
