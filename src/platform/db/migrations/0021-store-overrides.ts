// Chain management: a store's address, what each store node last told HQ about itself (version,
// queue, last contact), and store price overrides — store-owned rows the pull never overwrites.
import type { Kysely, Migration } from 'kysely';

export const storeOverrides0021: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('stores').addColumn('address', 'text').execute();
    // HQ: reported by the node on every signed push and pull (x-tp-app-version, x-tp-queued).
    await db.schema.alterTable('sync_nodes').addColumn('app_version', 'text').execute();
    await db.schema.alterTable('sync_nodes').addColumn('queued_events', 'bigint').execute();
    await db.schema.alterTable('sync_nodes').addColumn('last_seen_at', 'text').execute();
    // Written by the store node (policy permitting), pushed as `price.overridden`, kept at HQ too.
    await db.schema
      .createTable('store_price_overrides')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('price_fen', 'bigint', (c) => c.notNull())
      // HQ's price for the store when the override was set (what a report compares it with).
      .addColumn('hq_price_fen', 'bigint', (c) => c.notNull())
      .addColumn('set_by', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_by', 'text')
      .addPrimaryKeyConstraint('store_price_overrides_pk', ['store_id', 'sku_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('store_price_overrides').execute();
    for (const c of ['last_seen_at', 'queued_events', 'app_version']) await db.schema.alterTable('sync_nodes').dropColumn(c).execute();
    await db.schema.alterTable('stores').dropColumn('address').execute();
  },
};
