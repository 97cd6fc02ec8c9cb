// Members' coupons become master data stores pull (a coupon bought at one store is usable at all):
// their writes are marked for the incremental pull like the other pulled tables.
import { sql, type Kysely, type Migration } from 'kysely';
import { markExistingRows, trackChanges, untrackChanges } from './0020-sync-changes';

export const couponsPulled0022: Migration = {
  async up(db: Kysely<unknown>) {
    await trackChanges(db, 'member_coupons', ['id']);
    await markExistingRows(db, 'member_coupons', ['id']);
  },
  async down(db: Kysely<unknown>) {
    await untrackChanges(db, 'member_coupons');
    await sql`delete from sync_changes where table_name = 'member_coupons'`.execute(db);
  },
};
