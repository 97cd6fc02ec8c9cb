// Shelf locations (货位) per store × SKU, stock counts by location, and who sent a purchase order
// and where it is delivered. Store-scoped tables lead every key with `store_id` (Citus rule).
import type { Kysely, Migration } from 'kysely';

export const inventoryLocations0017: Migration = {
  async up(db: Kysely<unknown>) {
    // One location per SKU at a store (e.g. A-03-2: aisle A, bay 03, shelf 2); a SKU without a
    // row has no place yet.
    await db.schema
      .createTable('shelf_locations')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('location_code', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('shelf_locations_pk', ['store_id', 'sku_id'])
      .execute();
    await db.schema.createIndex('shelf_locations_code_idx').on('shelf_locations').columns(['store_id', 'location_code']).execute();

    // A count by location covers the SKUs placed there when it was opened: moving an item's
    // location during the count does not change what the count is about.
    await db.schema.alterTable('stock_counts').addColumn('location_codes', 'text').execute();
    await db.schema
      .createTable('stock_count_skus')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('count_id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('location_code', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stock_count_skus_pk', ['store_id', 'count_id', 'sku_id'])
      .addForeignKeyConstraint('stock_count_skus_count_fk', ['store_id', 'count_id'], 'stock_counts', ['store_id', 'id'])
      .execute();
    // Where each counted SKU stood, as posted at approval.
    await db.schema.alterTable('stock_count_lines').addColumn('location_code', 'text').execute();

    await db.schema.alterTable('purchase_orders').addColumn('sent_by', 'text').execute();
    await db.schema.alterTable('purchase_orders').addColumn('delivery_address', 'text').execute();
  },
};
