// Reconciliation of the stores' cash with the bank: the cash a store takes to the bank for a
// business date (存现), matched against the bank statement's cash deposit credits (现金存款).
import type { Kysely, Migration } from 'kysely';

export const reconCash0018: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cash_deposits')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      // What the store took to the bank (defaults to the day's counted cash less the floats).
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      // The day's counted cash less the floats when the deposit was recorded, for the clerk.
      .addColumn('counted_fen', 'bigint', (c) => c.notNull())
      // 缴款单号 on the bank's deposit slip: the statement's 摘要 or reference repeats it.
      .addColumn('slip_no', 'text')
      .addColumn('recorded_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cash_deposits_pk', ['store_id', 'id'])
      .addUniqueConstraint('cash_deposits_day_uq', ['store_id', 'business_date'])
      .execute();
    await db.schema.createIndex('cash_deposits_date_idx').on('cash_deposits').columns(['business_date']).execute();
  },
};
