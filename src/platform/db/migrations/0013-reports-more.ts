// More reports: the stored daily report per store and business date (written once after the day
// closes, with the state of its message to the store manager), rollups rebuilt with the new
// dimensions (promotion, member, return reason), and indexes for the reports that read small
// tables directly (voids in the audit log, new members, members' sales for repurchase).
import { sql, type Kysely, type Migration } from 'kysely';

export const reportsMore0013: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('report_daily')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('generated_at', 'text', (c) => c.notNull())
      .addColumn('net_fen', 'bigint', (c) => c.notNull())
      .addColumn('transactions', 'bigint', (c) => c.notNull())
      // The day's report as JSON (src/reports/daily-report.ts).
      .addColumn('body', 'text', (c) => c.notNull())
      // none (no channel set) | queued | sent | failed
      .addColumn('notify_status', 'text', (c) => c.notNull())
      .addColumn('notify_to', 'text')
      .addColumn('notify_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('notify_error', 'text')
      .addColumn('notified_at', 'text')
      .addPrimaryKeyConstraint('report_daily_pk', ['store_id', 'business_date'])
      .execute();
    await db.schema.createIndex('report_daily_notify_idx').on('report_daily').columns(['notify_status', 'generated_at']).execute();

    // Rollups are derived data: cleared here, the watermark job rebuilds them with the new
    // dimensions on its next run (a report refreshes before it reads).
    await sql`delete from report_sales_daily`.execute(db);
    await sql`delete from report_applied`.execute(db);
    await sql`delete from report_watermarks`.execute(db);

    await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'at']).execute();
    await db.schema.createIndex('members_created_idx').on('members').columns(['created_at']).execute();
    await db.schema.createIndex('sales_member_date_idx').on('sales').columns(['member_id', 'business_date']).execute();
  },
};
