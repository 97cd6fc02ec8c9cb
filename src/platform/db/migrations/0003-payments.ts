// Wallet payments by payment code: one row per attempt, written before the provider is called.
import type { Kysely, Migration } from 'kysely';

export const payments0003: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('payments')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('cart_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('merchant_order_no', 'text', (c) => c.notNull().unique())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('channel_txn_id', 'text')
      .addColumn('auth_code_tail', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('payments_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('payments_open_idx').on('payments').columns(['status', 'updated_at']).execute();
  },
};
