// An exception resolved by a refund to the customer keeps the refund's number: the refund line it
// brings on a later bill (商户退款单号) is then explained, not a refund no till made.
import type { Kysely, Migration } from 'kysely';

export const reconRefundRef0028: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recon_exceptions').addColumn('refund_ref', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('recon_exceptions').dropColumn('refund_ref').execute();
  },
};
