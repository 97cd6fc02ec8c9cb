// Transfers between store nodes: HQ marks every write of a transfer in the change log, so each
// store node's inbound feed (src/sync/inbound.ts) hands it the transfers to and from its store by
// change number; the store keeps where that feed stopped beside its pull cursor.
import { sql, type Kysely, type Migration } from 'kysely';
import { markExistingRows, trackChanges, untrackChanges } from './0020-sync-changes';

export const syncInbound0023: Migration = {
  async up(db: Kysely<unknown>) {
    await trackChanges(db, 'transfers', ['store_id', 'id']);
    await markExistingRows(db, 'transfers', ['store_id', 'id']);
    await db.schema.alterTable('sync_state').addColumn('inbound_cursor', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('sync_state').dropColumn('inbound_cursor').execute();
    await untrackChanges(db, 'transfers');
    await sql`delete from sync_changes where table_name = 'transfers'`.execute(db);
  },
};
