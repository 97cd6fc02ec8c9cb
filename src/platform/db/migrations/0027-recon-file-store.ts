// A bill of a store's own merchant account (a chain whose stores each have a 子商户号) is imported
// for that store: the lines on it that no sale explains are then that store's, not only the
// chain's. A reference to the store, not a store-scoped row (the file is HQ's), hence store_ref.
import type { Kysely, Migration } from 'kysely';

export const reconFileStore0027: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recon_files').addColumn('store_ref', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('recon_files').dropColumn('store_ref').execute();
  },
};
