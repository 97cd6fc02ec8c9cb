// Points rewards: coupons members buy with points (chain-level like members: a coupon issued in
// one store or in the portal is spent in any store, so it is keyed by its own id and names the
// stores only as store_ref text), and the points a sale line's gift cost (0 on other lines), so a
// return of a gift gives its points back.
import type { Kysely, Migration } from 'kysely';

export const memberRewards0015: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('member_coupons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('offer_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value_fen', 'bigint', (c) => c.notNull())
      .addColumn('min_spend_fen', 'bigint', (c) => c.notNull())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addColumn('last_day', 'text', (c) => c.notNull())
      .addColumn('issued_store_ref', 'text', (c) => c.notNull())
      .addColumn('used_store_ref', 'text')
      .addColumn('used_sale_id', 'text')
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('member_coupons_member_idx').on('member_coupons').columns(['member_id', 'status', 'last_day']).execute();
    await db.schema.alterTable('sale_lines').addColumn('gift_points', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  },
};
