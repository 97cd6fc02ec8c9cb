// Sales report rollups: one row per store × business date × dimension value, kept current by an
// incremental job (src/reports/rollups.ts) that remembers, per store, how far it has read.
import type { Kysely, Migration } from 'kysely';

export const reports0008: Migration = {
  async up(db: Kysely<unknown>) {
    const measure = (t: ReturnType<Kysely<unknown>['schema']['createTable']>, name: string) => t.addColumn(name, 'bigint', (c) => c.notNull().defaultTo(0));
    let table = db.schema
      .createTable('report_sales_daily')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('dim_kind', 'text', (c) => c.notNull())
      .addColumn('dim_ref', 'text', (c) => c.notNull());
    for (const m of ['gross_fen', 'discount_fen', 'net_fen', 'returns_fen', 'cost_fen', 'qty', 'items', 'transactions', 'return_count']) table = measure(table, m);
    await table.addPrimaryKeyConstraint('report_sales_daily_pk', ['store_id', 'business_date', 'dim_kind', 'dim_ref']).execute();
    // Chain-wide reports read one dimension over a date range across every store.
    await db.schema.createIndex('report_sales_daily_kind_idx').on('report_sales_daily').columns(['dim_kind', 'business_date']).execute();

    await db.schema
      .createTable('report_watermarks')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addColumn('last_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('report_watermarks_pk', ['store_id', 'source'])
      .execute();

    // Documents applied within the look-back window behind the watermark (see rollups.ts).
    await db.schema
      .createTable('report_applied')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('report_applied_pk', ['store_id', 'source', 'doc_id'])
      .execute();
    await db.schema.createIndex('report_applied_at_idx').on('report_applied').columns(['store_id', 'source', 'at']).execute();
    // The job reads completed documents per store in (time, id) order.
    await db.schema.createIndex('sales_report_feed_idx').on('sales').columns(['store_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('returns_report_feed_idx').on('returns').columns(['store_id', 'completed_at', 'id']).execute();
  },
};
