// Imported statement files and their normalised lines (channel bills, bank statements).
// A bill covers a merchant account, often several stores, so these are chain-level tables.
import type { Kysely, Migration } from 'kysely';

export const reconciliation0004: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('recon_files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('line_count', 'integer', (c) => c.notNull())
      .addColumn('imported_at', 'text', (c) => c.notNull())
      .addColumn('imported_by', 'text')
      .execute();
    await db.schema
      .createTable('channel_lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('file_id', 'text', (c) => c.notNull().references('recon_files.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('channel_txn_id', 'text', (c) => c.notNull())
      .addColumn('merchant_order_no', 'text')
      .addColumn('refund_no', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('gross_fen', 'bigint', (c) => c.notNull())
      .addColumn('fee_fen', 'bigint', (c) => c.notNull())
      .addColumn('fee_exact', 'text', (c) => c.notNull())
      .addColumn('net_fen', 'bigint', (c) => c.notNull())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('store_ref', 'text')
      .addColumn('terminal', 'text')
      .addColumn('line', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('channel_lines_order_idx').on('channel_lines').columns(['channel', 'merchant_order_no']).execute();
    await db.schema
      .createTable('bank_lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('file_id', 'text', (c) => c.notNull().references('recon_files.id'))
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('value_date', 'text', (c) => c.notNull())
      .addColumn('booking_date', 'text')
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('counterparty', 'text')
      .addColumn('reference', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('bank_lines_date_idx').on('bank_lines').columns(['account', 'value_date']).execute();
  },
};
