// The context every service method takes first: who acts, for which store, in which
// transaction, by which clock.
import type { Clock } from './clock';
import type { Db } from './db/index';
import type { Logger } from './logging';
import type { Actor } from './auth/permissions';

export interface Ctx {
  /** The signed-in user, or null for system jobs and public pages. */
  actor: Actor | null;
  /** The store the request acts for, when it acts for one. */
  storeId?: string;
  /** The database, or the transaction the caller opened. */
  db: Db;
  clock: Clock;
  /** This node's id: the outbox and document ids are scoped by it. */
  nodeId: string;
  log: Logger;
  requestId?: string;
}
