// Signed checkpoints of the audit chain (HMAC with the node key, which stays outside the
// database), and indexes for the audit trail's filters. Node-scoped like audit_log itself.
import type { Kysely, Migration } from 'kysely';

export const audit0006: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('mac', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_checkpoints_pk', ['node_id', 'seq'])
      .execute();
    // The trail lists newest first by seq; a store's manager sees only that store's records.
    await db.schema.createIndex('audit_log_store_idx').on('audit_log').columns(['store_ref', 'node_id', 'seq']).execute();
  },
};
