// HQ works the sync exceptions it raised applying store documents: who resolved one, when and why.
// Open ones are those with no resolved_at (what the 门店与区域 count shows).
import type { Kysely, Migration } from 'kysely';

export const syncExceptionsResolved0026: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sync_exceptions').addColumn('resolved_at', 'text').execute();
    await db.schema.alterTable('sync_exceptions').addColumn('resolved_by', 'text').execute();
    await db.schema.alterTable('sync_exceptions').addColumn('resolution', 'text').execute();
    // The list reads newest first, per store or chain-wide.
    await db.schema.createIndex('sync_exceptions_created_idx').on('sync_exceptions').columns(['created_at', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('sync_exceptions_created_idx').execute();
    for (const c of ['resolution', 'resolved_by', 'resolved_at']) await db.schema.alterTable('sync_exceptions').dropColumn(c).execute();
  },
};
