// Inventory beyond the ledger: suppliers (an HQ reference table), purchase orders and their
// receipts, transfers between stores, stock counts, min levels and the moving-average cost per
// store × SKU. Store-scoped tables lead every key with `store_id` (Citus rule).
import type { Kysely, Migration } from 'kysely';

export const inventory0009: Migration = {
  async up(db: Kysely<unknown>) {
    // Moving-average cost per store × SKU, in fen per piece (per kg for weighed SKUs), rounded
    // half-even on each receipt. A table of its own rather than columns on stock_balances: the
    // balance row is rebuilt from the ledger, the cost is history (it cannot be recomputed from
    // the quantities alone once goods have left at an older cost).
    await db.schema
      .createTable('stock_costs')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('avg_cost_fen', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_costs_pk', ['store_id', 'sku_id'])
      .execute();

    await db.schema
      .createTable('stock_levels')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('min_qty', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_levels_pk', ['store_id', 'sku_id'])
      .execute();

    // History per SKU and the 28-day sales velocity read moves by store, SKU and date.
    await db.schema.createIndex('stock_moves_history_idx').on('stock_moves').columns(['store_id', 'sku_id', 'business_date']).execute();

    await db.schema
      .createTable('suppliers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('contact', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('purchase_orders')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('po_no', 'text', (c) => c.notNull().unique())
      .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addColumn('received_at', 'text')
      .addPrimaryKeyConstraint('purchase_orders_pk', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('purchase_order_lines')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('po_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty_ordered', 'bigint', (c) => c.notNull())
      .addColumn('qty_received', 'bigint', (c) => c.notNull())
      .addColumn('unit_cost_fen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('purchase_order_lines_pk', ['store_id', 'po_id', 'line_no'])
      .addForeignKeyConstraint('purchase_order_lines_po_fk', ['store_id', 'po_id'], 'purchase_orders', ['store_id', 'id'])
      .execute();
    // One row per delivery taken in at the back door (a PO may arrive in several).
    await db.schema
      .createTable('goods_receipts')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('po_id', 'text', (c) => c.notNull())
      .addColumn('over_receipt_reason', 'text')
      .addColumn('received_by', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('goods_receipts_pk', ['store_id', 'id'])
      .addForeignKeyConstraint('goods_receipts_po_fk', ['store_id', 'po_id'], 'purchase_orders', ['store_id', 'id'])
      .execute();

    // A transfer lives at the sending store; the receiving store's moves point back at it.
    await db.schema
      .createTable('transfers')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('transfer_no', 'text', (c) => c.notNull().unique())
      .addColumn('to_store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('sent_by', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .addColumn('received_by', 'text')
      .addColumn('received_at', 'text')
      .addPrimaryKeyConstraint('transfers_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('transfers_to_idx').on('transfers').columns(['to_store_id', 'status']).execute();
    await db.schema
      .createTable('transfer_lines')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('transfer_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty_sent', 'bigint', (c) => c.notNull())
      .addColumn('qty_received', 'bigint')
      .addColumn('unit_cost_fen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('transfer_lines_pk', ['store_id', 'transfer_id', 'line_no'])
      .addForeignKeyConstraint('transfer_lines_transfer_fk', ['store_id', 'transfer_id'], 'transfers', ['store_id', 'id'])
      .execute();

    await db.schema
      .createTable('stock_counts')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('count_no', 'text', (c) => c.notNull().unique())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('category_id', 'text', (c) => c.references('categories.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addPrimaryKeyConstraint('stock_counts_pk', ['store_id', 'id'])
      .execute();
    // What the counters scanned, appended (several counters may scan the same shelf).
    await db.schema
      .createTable('stock_count_entries')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('count_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('counted_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_count_entries_pk', ['store_id', 'count_id', 'id'])
      .addForeignKeyConstraint('stock_count_entries_count_fk', ['store_id', 'count_id'], 'stock_counts', ['store_id', 'id'])
      .execute();
    // The variance as posted at approval: expected is the on-hand at that moment.
    await db.schema
      .createTable('stock_count_lines')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('count_id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('expected_qty', 'bigint', (c) => c.notNull())
      .addColumn('counted_qty', 'bigint', (c) => c.notNull())
      .addColumn('unit_cost_fen', 'bigint', (c) => c.notNull())
      .addColumn('variance_fen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_count_lines_pk', ['store_id', 'count_id', 'sku_id'])
      .addForeignKeyConstraint('stock_count_lines_count_fk', ['store_id', 'count_id'], 'stock_counts', ['store_id', 'id'])
      .execute();
  },
};
