// Reading a day back for reconciliation in pages along an index instead of scanning and sorting
// whole tables: a file's channel lines in line order, a store's sales of a day in id order, and
// each imported file's span of line times, so the files a date needs are found without its lines.
import { sql, type Kysely, type Migration } from 'kysely';

export const reconIndexes0025: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('channel_lines_file_idx').on('channel_lines').columns(['file_id', 'line']).execute();
    // The same index with the sale id last (a page's key): it serves every lookup it served.
    await db.schema.dropIndex('sales_date_idx').execute();
    await db.schema.createIndex('sales_date_idx').on('sales').columns(['store_id', 'business_date', 'id']).execute();
    // The earliest and latest time of a file's channel lines (null: it has none, e.g. a bank statement).
    await db.schema.alterTable('recon_files').addColumn('lines_from', 'text').execute();
    await db.schema.alterTable('recon_files').addColumn('lines_to', 'text').execute();
    await sql`update recon_files set lines_from = (select min(time) from channel_lines where channel_lines.file_id = recon_files.id), lines_to = (select max(time) from channel_lines where channel_lines.file_id = recon_files.id)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('recon_files').dropColumn('lines_to').execute();
    await db.schema.alterTable('recon_files').dropColumn('lines_from').execute();
    await db.schema.dropIndex('sales_date_idx').execute();
    await db.schema.createIndex('sales_date_idx').on('sales').columns(['store_id', 'business_date']).execute();
    await db.schema.dropIndex('channel_lines_file_idx').execute();
  },
};
