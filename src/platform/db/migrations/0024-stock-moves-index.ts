// stock_moves_sku_idx (store_id, sku_id) is the leading part of stock_moves_history_idx
// (store_id, sku_id, business_date), which serves every lookup it served: the second index only
// cost each move a write (HQ records several per pushed sale).
import type { Kysely, Migration } from 'kysely';

export const stockMovesIndex0024: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('stock_moves_sku_idx').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.createIndex('stock_moves_sku_idx').on('stock_moves').columns(['store_id', 'sku_id']).execute();
  },
};
