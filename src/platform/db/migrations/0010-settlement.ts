// Reconciliation layers 2 and 3 and the exception workflow: imported settlement batches, and the
// exceptions a run finds, kept under a stable key so a re-run updates them instead of adding more.
import type { Kysely, Migration } from 'kysely';

export const settlement0010: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per settlement batch (a channel's money for one business date), from an imported file.
    await db.schema
      .createTable('settlements')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('file_id', 'text', (c) => c.notNull().references('recon_files.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('settle_date', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('txn_count', 'integer', (c) => c.notNull())
      .addColumn('gross_fen', 'bigint', (c) => c.notNull())
      .addColumn('fee_fen', 'bigint', (c) => c.notNull())
      .addColumn('refund_fen', 'bigint', (c) => c.notNull())
      .addColumn('net_fen', 'bigint', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('settlements_day_idx').on('settlements').columns(['channel', 'business_date']).execute();

    await db.schema
      .createTable('recon_exceptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // code|channel|date|the document it is about: the same gap found again is the same row.
      .addColumn('key', 'text', (c) => c.notNull().unique())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('store_ref', 'text')
      /** open | assigned | resolved | written_off */
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text')
      /** auto (matched on a re-run) | manual_match | write_off */
      .addColumn('resolution_kind', 'text')
      .addColumn('resolution', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('recon_exceptions_day_idx').on('recon_exceptions').columns(['business_date', 'status']).execute();

    await db.schema
      .createTable('recon_exception_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('exception_id', 'text', (c) => c.notNull().references('recon_exceptions.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      /** opened | assigned | noted | resolved | written_off | cleared | reopened */
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
    await db.schema.createIndex('recon_exception_events_idx').on('recon_exception_events').columns(['exception_id', 'at']).execute();
  },
};
