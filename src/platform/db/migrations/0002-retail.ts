// Catalog (reference tables), stock ledger, shifts, sales and the audit log.
// Store-scoped tables carry store_id first in their primary key and in every foreign key
// between them (DESIGN §2).
import { sql, type Kysely, type Migration } from 'kysely';

export const retail0002: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('categories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text', (c) => c.references('categories.id'))
      .addColumn('vat_rate', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('skus')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('category_id', 'text', (c) => c.notNull().references('categories.id'))
      .addColumn('price_fen', 'bigint', (c) => c.notNull())
      .addColumn('cost_fen', 'bigint', (c) => c.notNull())
      .addColumn('plu', 'text', (c) => c.unique())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('is_bundle', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('skus_category_idx').on('skus').column('category_id').execute();
    await db.schema
      .createTable('sku_barcodes')
      .addColumn('barcode', 'text', (c) => c.primaryKey())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .execute();
    await db.schema.createIndex('sku_barcodes_sku_idx').on('sku_barcodes').column('sku_id').execute();
    await db.schema
      .createTable('bundle_components')
      .addColumn('bundle_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('component_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('bundle_components_pk', ['bundle_id', 'component_id'])
      .execute();
    await db.schema
      .createTable('store_prices')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('price_fen', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('store_prices_pk', ['store_id', 'sku_id'])
      .execute();
    await db.schema
      .createTable('promotions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('exclusive', 'integer', (c) => c.notNull())
      .addColumn('members_only', 'integer', (c) => c.notNull())
      .addColumn('starts_at', 'text')
      .addColumn('ends_at', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('stock_moves')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('doc_type', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('cost_fen', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('actor_id', 'text')
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_moves_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('stock_moves_sku_idx').on('stock_moves').columns(['store_id', 'sku_id']).execute();
    await db.schema
      .createTable('stock_balances')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_balances_pk', ['store_id', 'sku_id'])
      .execute();

    await db.schema
      .createTable('shifts')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('cashier_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('float_fen', 'bigint', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('counted_fen', 'bigint')
      .addColumn('expected_fen', 'bigint')
      .addColumn('over_short_fen', 'bigint')
      .addColumn('counted_detail', 'text')
      .addPrimaryKeyConstraint('shifts_pk', ['store_id', 'id'])
      .addForeignKeyConstraint('shifts_terminal_fk', ['store_id', 'terminal_id'], 'terminals', ['store_id', 'id'])
      .execute();
    // One open shift per till at a time.
    await db.schema
      .createIndex('shifts_one_open_idx')
      .on('shifts')
      .columns(['store_id', 'terminal_id'])
      .unique()
      .where(sql.ref('status'), '=', 'open')
      .execute();
    await db.schema
      .createTable('cash_movements')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('shift_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('doc_id', 'text')
      .addColumn('actor_id', 'text')
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Keyed by shift so a drawer's movements sit together and need no second index.
      .addPrimaryKeyConstraint('cash_movements_pk', ['store_id', 'shift_id', 'id'])
      .addForeignKeyConstraint('cash_movements_shift_fk', ['store_id', 'shift_id'], 'shifts', ['store_id', 'id'])
      .execute();

    await db.schema
      .createTable('receipt_counters')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('receipt_counters_pk', ['store_id', 'terminal_id', 'business_date'])
      .addForeignKeyConstraint('receipt_counters_terminal_fk', ['store_id', 'terminal_id'], 'terminals', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('sales')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('receipt_no', 'text', (c) => c.notNull().unique())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('shift_id', 'text', (c) => c.notNull())
      .addColumn('cashier_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('subtotal_fen', 'bigint', (c) => c.notNull())
      .addColumn('discount_fen', 'bigint', (c) => c.notNull())
      .addColumn('rounding_fen', 'bigint', (c) => c.notNull())
      .addColumn('total_fen', 'bigint', (c) => c.notNull())
      .addColumn('paid_fen', 'bigint', (c) => c.notNull())
      .addColumn('change_fen', 'bigint', (c) => c.notNull())
      .addColumn('receipt_token', 'text', (c) => c.notNull().unique())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sales_pk', ['store_id', 'id'])
      .addUniqueConstraint('sales_idempotency_uq', ['store_id', 'idempotency_key'])
      .addForeignKeyConstraint('sales_shift_fk', ['store_id', 'shift_id'], 'shifts', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('sales_date_idx').on('sales').columns(['store_id', 'business_date']).execute();
    await db.schema
      .createTable('sale_lines')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('unit_price_fen', 'bigint', (c) => c.notNull())
      .addColumn('list_fen', 'bigint', (c) => c.notNull())
      .addColumn('discount_fen', 'bigint', (c) => c.notNull())
      .addColumn('total_fen', 'bigint', (c) => c.notNull())
      .addColumn('cost_fen', 'bigint', (c) => c.notNull())
      .addColumn('vat_rate', 'text', (c) => c.notNull())
      .addColumn('category_id', 'text', (c) => c.notNull())
      .addColumn('promotions', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sale_lines_pk', ['store_id', 'sale_id', 'line_no'])
      .addForeignKeyConstraint('sale_lines_sale_fk', ['store_id', 'sale_id'], 'sales', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('sale_line_components')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('revenue_fen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sale_line_components_pk', ['store_id', 'sale_id', 'line_no', 'sku_id'])
      .addForeignKeyConstraint('sale_line_components_line_fk', ['store_id', 'sale_id', 'line_no'], 'sale_lines', ['store_id', 'sale_id', 'line_no'])
      .execute();
    await db.schema
      .createTable('sale_tenders')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('tendered_fen', 'bigint', (c) => c.notNull())
      .addColumn('change_fen', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reference', 'text')
      .addColumn('auth_code', 'text')
      .addColumn('card_last4', 'text')
      .addColumn('merchant_order_no', 'text')
      .addColumn('channel_txn_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Keyed by sale: every page written at completion is one a sale's reads need anyway.
      .addPrimaryKeyConstraint('sale_tenders_pk', ['store_id', 'sale_id', 'id'])
      .addForeignKeyConstraint('sale_tenders_sale_fk', ['store_id', 'sale_id'], 'sales', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('sale_promotions')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('promotion_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('saving_fen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sale_promotions_pk', ['store_id', 'sale_id', 'promotion_id'])
      .addForeignKeyConstraint('sale_promotions_sale_fk', ['store_id', 'sale_id'], 'sales', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('held_carts')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('cashier_id', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('held_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('held_carts_pk', ['store_id', 'id'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('doc_type', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('store_ref', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_log_pk', ['node_id', 'seq'])
      .execute();
  },
};
