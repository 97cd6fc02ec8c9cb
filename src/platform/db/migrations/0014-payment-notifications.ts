// Notifications providers push to us (WeChat Pay v3 refund results), kept by the provider's
// notification id so a replayed one is refused. Chain-level, like recon_exceptions: the id is
// known, and must be checked, before the notification is decrypted and its store found.
import type { Kysely, Migration } from 'kysely';

export const paymentNotifications0014: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('payment_notifications')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('notify_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('store_ref', 'text')
      .addColumn('refund_no', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('payment_notifications_pk', ['channel', 'notify_id'])
      .execute();
  },
};
