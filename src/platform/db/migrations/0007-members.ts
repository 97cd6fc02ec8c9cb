// Members (chain-wide, like a reference table: a member shops at every store), their points
// ledger (written by the store where the points moved) and the messages queued for them.
// Personal data is sealed (AES-256-GCM); phone lookups go through a keyed blind index.
import type { Kysely, Migration } from 'kysely';

export const members0007: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('members')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('card_no', 'text', (c) => c.notNull().unique())
      .addColumn('phone_index', 'text', (c) => c.unique())
      .addColumn('phone_sealed', 'text')
      .addColumn('name_sealed', 'text')
      .addColumn('birthday_sealed', 'text')
      .addColumn('tier_code', 'text', (c) => c.notNull())
      .addColumn('tier_since', 'text', (c) => c.notNull())
      .addColumn('points_balance', 'bigint', (c) => c.notNull())
      .addColumn('registered_store', 'text', (c) => c.notNull())
      .addColumn('consent_version', 'text', (c) => c.notNull())
      .addColumn('consent_sha256', 'text', (c) => c.notNull())
      .addColumn('consent_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('member_points')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('doc_type', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_points_pk', ['store_id', 'id'])
      .execute();
    // The tier check on each member sale sums that member's last 12 months of sales.
    await db.schema.createIndex('sales_member_idx').on('sales').columns(['member_id', 'created_at']).execute();
    await db.schema.createIndex('member_points_member_idx').on('member_points').columns(['member_id', 'created_at']).execute();
    await db.schema
      .createTable('member_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .execute();
    await db.schema.createIndex('member_messages_due_idx').on('member_messages').columns(['status', 'next_attempt_at']).execute();
  },
};
