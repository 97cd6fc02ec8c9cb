// Store ↔ HQ sync: the store nodes HQ knows (with their sealed secrets), the nonces it has seen,
// every outbox event it received (unique per node and seq, and per document), the exceptions
// applying them raised, and — on a store node — how far its outbox is acknowledged.
import type { Kysely, Migration } from 'kysely';

export const sync0011: Migration = {
  async up(db: Kysely<unknown>) {
    // HQ: one row per registered store node. The secret is sealed (AES-256-GCM) under HQ's sync key.
    await db.schema
      .createTable('sync_nodes')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      // The outbox node id the store pushes from, bound on its first push.
      .addColumn('outbox_node_id', 'text')
      // Highest applied seq: the batches that follow must start right after it.
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_push_at', 'text')
      .addColumn('last_pull_at', 'text')
      .addColumn('clock_skew_ms', 'bigint')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addPrimaryKeyConstraint('sync_nodes_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('sync_nodes_id_uq').on('sync_nodes').column('id').unique().execute();
    await db.schema
      .createTable('sync_nonces')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('seen_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_nonces_pk', ['node_id', 'nonce'])
      .execute();
    await db.schema.createIndex('sync_nonces_seen_idx').on('sync_nonces').column('seen_at').execute();
    await db.schema
      .createTable('sync_received')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      // Kept only for event types HQ does not apply yet, so nothing is lost until it does.
      .addColumn('payload', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_received_pk', ['node_id', 'seq'])
      .addUniqueConstraint('sync_received_doc_uq', ['type', 'document_id'])
      .execute();
    await db.schema
      .createTable('sync_exceptions')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      // POINTS_NEGATIVE | MEMBER_UNKNOWN
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('doc_type', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('ref', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_exceptions_pk', ['store_id', 'id'])
      .execute();
    // Store node: one row per outbox node it pushes.
    await db.schema
      .createTable('sync_state')
      .addColumn('node_id', 'text', (c) => c.primaryKey())
      .addColumn('acked_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_push_at', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('last_pull_at', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['sync_state', 'sync_exceptions', 'sync_received', 'sync_nonces', 'sync_nodes']) await db.schema.dropTable(t).execute();
  },
};
