// Refunds of wallet and card payments, returns against sales, and the approvals that let a
// return go past a cashier's limit. All store-scoped: `store_id` leads every key (Citus rule).
import type { Kysely, Migration } from 'kysely';

export const returns0005: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per refund request to a provider, written before the provider is called; the
    // refund number is the idempotency key the provider sees (WeChat out_refund_no, Alipay
    // out_request_no), so a retry can never refund twice.
    await db.schema
      .createTable('payment_refunds')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('merchant_order_no', 'text', (c) => c.notNull())
      .addColumn('refund_no', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('channel_refund_id', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('payment_refunds_pk', ['store_id', 'id'])
      .addUniqueConstraint('payment_refunds_no_uq', ['store_id', 'refund_no'])
      .addForeignKeyConstraint('payment_refunds_payment_fk', ['store_id', 'payment_id'], 'payments', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('payment_refunds_open_idx').on('payment_refunds').columns(['status', 'updated_at']).execute();

    await db.schema
      .createTable('approvals')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('subject_hash', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('required_role', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text')
      .addColumn('requester_id', 'text', (c) => c.notNull())
      .addColumn('requester_method', 'text', (c) => c.notNull())
      .addColumn('approver_id', 'text')
      .addColumn('approver_method', 'text')
      .addColumn('decision_note', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('used_at', 'text')
      .addColumn('used_by_doc', 'text')
      .addPrimaryKeyConstraint('approvals_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('approvals_status_idx').on('approvals').columns(['store_id', 'status', 'created_at']).execute();

    await db.schema
      .createTable('returns')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('return_no', 'text', (c) => c.notNull().unique())
      .addColumn('sale_store_id', 'text')
      .addColumn('sale_id', 'text')
      .addColumn('receipt_no', 'text')
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('shift_id', 'text', (c) => c.notNull())
      .addColumn('cashier_id', 'text', (c) => c.notNull())
      .addColumn('approval_id', 'text')
      .addColumn('business_date', 'text', (c) => c.notNull())
      .addColumn('reason_code', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('refund_fen', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addPrimaryKeyConstraint('returns_pk', ['store_id', 'id'])
      .addUniqueConstraint('returns_idempotency_uq', ['store_id', 'idempotency_key'])
      .addForeignKeyConstraint('returns_shift_fk', ['store_id', 'shift_id'], 'shifts', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('returns_sale_idx').on('returns').columns(['sale_store_id', 'sale_id']).execute();
    await db.schema.createIndex('returns_date_idx').on('returns').columns(['store_id', 'business_date']).execute();
    await db.schema
      .createTable('return_lines')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('return_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sale_line_no', 'integer')
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('qty', 'bigint', (c) => c.notNull())
      .addColumn('refund_fen', 'bigint', (c) => c.notNull())
      .addColumn('vat_rate', 'text', (c) => c.notNull())
      .addColumn('category_id', 'text', (c) => c.notNull())
      .addColumn('restock', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('return_lines_pk', ['store_id', 'return_id', 'line_no'])
      .addForeignKeyConstraint('return_lines_return_fk', ['store_id', 'return_id'], 'returns', ['store_id', 'id'])
      .execute();
    await db.schema
      .createTable('return_refunds')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('return_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('amount_fen', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('sale_tender_id', 'text')
      .addColumn('merchant_order_no', 'text')
      .addColumn('refund_no', 'text')
      .addColumn('reference', 'text')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('return_refunds_pk', ['store_id', 'return_id', 'id'])
      .addForeignKeyConstraint('return_refunds_return_fk', ['store_id', 'return_id'], 'returns', ['store_id', 'id'])
      .execute();
  },
};
