// Row types of every table, as Kysely sees them. Domains add their tables here as they land.
// Timestamps are ISO-8601 UTC text; money is integer fen; booleans are 0/1 integers (same on
// SQLite and PostgreSQL, so the two dialects return identical rows).


export interface RegionsTable {
  id: string;
  code: string;
  name: string;
  created_at: string;
}

/** Stores are the distribution key's own table (a reference table under Citus). */
export interface StoresTable {
  id: string;
  code: string;
  name: string;
  region_id: string | null;
  time_zone: string;
  day_cutover: string;
  created_at: string;
  address: string | null;
}

export interface TerminalsTable {
  store_id: string;
  id: string;
  code: string;
  name: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  pin_hash: string | null;
  is_demo: number;
  disabled_at: string | null;
  created_at: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  /** 'all' | 'region' | 'store' */
  scope_kind: string;
  /** region or store id; '' for 'all' */
  scope_ref: string;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  /** 'password' | 'pin' */
  method: string;
  terminal_id: string | null;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Gapless counters by name (e.g. `outbox:NODE`, `audit:NODE`). */
export interface SequencesTable {
  name: string;
  last_value: number;
}

export interface OutboxTable {
  node_id: string;
  seq: number;
  event_id: string;
  type: string;
  document_id: string;
  payload: string;
  created_at: string;
}


export interface CategoriesTable {
  id: string;
  code: string;
  name: string;
  parent_id: string | null;
  vat_rate: string;
  created_at: string;
}

export interface SkusTable {
  id: string;
  code: string;
  name: string;
  unit: string;
  category_id: string;
  price_fen: number;
  cost_fen: number;
  plu: string | null;
  active: number;
  is_bundle: number;
  created_at: string;
  updated_at: string;
}

export interface SkuBarcodesTable {
  barcode: string;
  sku_id: string;
}

export interface BundleComponentsTable {
  bundle_id: string;
  component_id: string;
  qty: number;
}

export interface StorePricesTable {
  store_id: string;
  sku_id: string;
  price_fen: number;
  updated_at: string;
}

export interface PromotionsTable {
  id: string;
  name: string;
  /** JSON PromotionTarget */
  target: string;
  /** JSON PromotionRule */
  rule: string;
  priority: number;
  exclusive: number;
  members_only: number;
  starts_at: string | null;
  ends_at: string | null;
  active: number;
  created_at: string;
}

export interface StockMovesTable {
  store_id: string;
  id: string;
  sku_id: string;
  /** Signed: pieces, or grams for kg SKUs. */
  qty: number;
  kind: string;
  doc_type: string;
  doc_id: string;
  cost_fen: number;
  reason: string | null;
  actor_id: string | null;
  business_date: string;
  created_at: string;
}

export interface StockBalancesTable {
  store_id: string;
  sku_id: string;
  qty: number;
  updated_at: string;
}

/** Moving-average cost per store × SKU, fen per piece (per kg), half-even on each receipt. */
export interface StockCostsTable {
  store_id: string;
  sku_id: string;
  avg_cost_fen: number;
  updated_at: string;
}

/** The min level below which a store × SKU is low on stock. */
export interface StockLevelsTable {
  store_id: string;
  sku_id: string;
  min_qty: number;
  updated_at: string;
}

export interface SuppliersTable {
  id: string;
  code: string;
  name: string;
  contact: string | null;
  created_at: string;
}

export interface PurchaseOrdersTable {
  store_id: string;
  id: string;
  po_no: string;
  supplier_id: string;
  /** draft | ordered | partly_received | received */
  status: string;
  note: string | null;
  created_by: string;
  created_at: string;
  sent_at: string | null;
  received_at: string | null;
  sent_by: string | null;
  delivery_address: string | null;
}

export interface PurchaseOrderLinesTable {
  store_id: string;
  po_id: string;
  line_no: number;
  sku_id: string;
  qty_ordered: number;
  qty_received: number;
  unit_cost_fen: number;
}

export interface GoodsReceiptsTable {
  store_id: string;
  id: string;
  po_id: string;
  over_receipt_reason: string | null;
  received_by: string;
  business_date: string;
  created_at: string;
}

export interface TransfersTable {
  /** The sending store. */
  store_id: string;
  id: string;
  transfer_no: string;
  to_store_id: string;
  /** in_transit | received */
  status: string;
  note: string | null;
  sent_by: string;
  sent_at: string;
  received_by: string | null;
  received_at: string | null;
}

export interface TransferLinesTable {
  store_id: string;
  transfer_id: string;
  line_no: number;
  sku_id: string;
  qty_sent: number;
  /** null while in transit */
  qty_received: number | null;
  unit_cost_fen: number;
}

export interface StockCountsTable {
  store_id: string;
  id: string;
  count_no: string;
  /** full | category */
  scope: string;
  category_id: string | null;
  /** open | submitted | approved | cancelled */
  status: string;
  created_by: string;
  created_at: string;
  submitted_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
  /** Comma-separated shelf locations of a count by location (scope 'location'). */
  location_codes: string | null;
}

/** The SKUs a count by location covers, fixed when the count opens. */
export interface StockCountSkusTable {
  store_id: string;
  count_id: string;
  sku_id: string;
  location_code: string;
}

/** The shelf location (货位) of a SKU at a store, e.g. A-03-2. */
export interface ShelfLocationsTable {
  store_id: string;
  sku_id: string;
  location_code: string;
  updated_by: string;
  updated_at: string;
}

export interface StockCountEntriesTable {
  store_id: string;
  count_id: string;
  id: string;
  sku_id: string;
  qty: number;
  counted_by: string;
  created_at: string;
}

export interface StockCountLinesTable {
  store_id: string;
  count_id: string;
  sku_id: string;
  expected_qty: number;
  counted_qty: number;
  unit_cost_fen: number;
  variance_fen: number;
  location_code: string | null;
}

export interface ShiftsTable {
  store_id: string;
  id: string;
  terminal_id: string;
  cashier_id: string;
  business_date: string;
  status: string;
  float_fen: number;
  opened_at: string;
  closed_at: string | null;
  closed_by: string | null;
  counted_fen: number | null;
  expected_fen: number | null;
  over_short_fen: number | null;
  counted_detail: string | null;
}

export interface CashMovementsTable {
  store_id: string;
  id: string;
  shift_id: string;
  /** 'float' | 'sale' | 'change' | 'refund' | 'in' | 'out' */
  kind: string;
  /** Signed: + into the drawer, − out of it. */
  amount_fen: number;
  reason: string | null;
  doc_id: string | null;
  actor_id: string | null;
  business_date: string;
  created_at: string;
}

export interface ReceiptCountersTable {
  store_id: string;
  terminal_id: string;
  business_date: string;
  last_seq: number;
}

export interface SalesTable {
  store_id: string;
  id: string;
  receipt_no: string;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  member_id: string | null;
  business_date: string;
  created_at: string;
  subtotal_fen: number;
  discount_fen: number;
  rounding_fen: number;
  total_fen: number;
  paid_fen: number;
  change_fen: number;
  receipt_token: string;
  idempotency_key: string;
  status: string;
}

export interface SaleLinesTable {
  store_id: string;
  sale_id: string;
  line_no: number;
  sku_id: string;
  name: string;
  unit: string;
  qty: number;
  unit_price_fen: number;
  list_fen: number;
  discount_fen: number;
  total_fen: number;
  cost_fen: number;
  vat_rate: string;
  category_id: string;
  /** JSON AppliedPromotion[] */
  promotions: string;
  /** Points the member paid for this line as a gift (积分兑换礼品); 0 on other lines. */
  gift_points: number;
}

export interface SaleLineComponentsTable {
  store_id: string;
  sale_id: string;
  line_no: number;
  sku_id: string;
  qty: number;
  revenue_fen: number;
}

export interface SaleTendersTable {
  store_id: string;
  id: string;
  sale_id: string;
  method: string;
  amount_fen: number;
  tendered_fen: number;
  change_fen: number;
  status: string;
  reference: string | null;
  auth_code: string | null;
  card_last4: string | null;
  merchant_order_no: string | null;
  channel_txn_id: string | null;
  created_at: string;
}

export interface SalePromotionsTable {
  store_id: string;
  sale_id: string;
  promotion_id: string;
  name: string;
  saving_fen: number;
}

export interface HeldCartsTable {
  store_id: string;
  id: string;
  terminal_id: string;
  cashier_id: string;
  label: string;
  state: string;
  held_at: string;
}

export interface AuditLogTable {
  node_id: string;
  seq: number;
  id: string;
  at: string;
  actor_id: string | null;
  action: string;
  doc_type: string;
  doc_id: string;
  store_ref: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface AuditCheckpointsTable {
  node_id: string;
  seq: number;
  hash: string;
  at: string;
  /** HMAC-SHA256 (hex) of node_id|seq|hash|at under the node key. */
  mac: string;
}

export interface PaymentsTable {
  store_id: string;
  id: string;
  cart_id: string;
  sale_id: string | null;
  channel: string;
  merchant_order_no: string;
  amount_fen: number;
  /** created | paying | user_paying | unknown | succeeded | failed | cancelled */
  status: string;
  channel_txn_id: string | null;
  /** Last 4 digits of the payment code only: the code itself is a bearer credential. */
  auth_code_tail: string;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReconFilesTable {
  id: string;
  /** wechat | alipay | aggregator | card | bank */
  source: string;
  format: string;
  file_name: string;
  sha256: string;
  line_count: number;
  imported_at: string;
  imported_by: string | null;
  /** The earliest and latest time of the file's channel lines (null: none). */
  lines_from: string | null;
  lines_to: string | null;
  /** The store whose own merchant account the file is (its unexplained lines are that store's); null: the chain's. */
  store_ref: string | null;
}

export interface ChannelLinesTable {
  id: string;
  file_id: string;
  channel: string;
  channel_txn_id: string;
  merchant_order_no: string | null;
  refund_no: string | null;
  kind: string;
  gross_fen: number;
  fee_fen: number;
  fee_exact: string;
  net_fen: number;
  time: string;
  store_ref: string | null;
  terminal: string | null;
  line: number;
}

export interface BankLinesTable {
  id: string;
  file_id: string;
  account: string;
  value_date: string;
  booking_date: string | null;
  amount_fen: number;
  currency: string;
  counterparty: string | null;
  reference: string | null;
  description: string;
  line: number;
}

/** A refund request to a wallet provider, written before the provider is called. */
export interface PaymentRefundsTable {
  store_id: string;
  id: string;
  payment_id: string;
  channel: string;
  merchant_order_no: string;
  /** The provider's idempotency key (WeChat out_refund_no, Alipay out_request_no). */
  refund_no: string;
  amount_fen: number;
  /** requested | processing | unknown | succeeded | failed */
  status: string;
  channel_refund_id: string | null;
  reason: string;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

/** A provider's notification, by its id, so a replay is refused (chain-level: checked before decryption). */
export interface PaymentNotificationsTable {
  channel: string;
  notify_id: string;
  /** e.g. REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED */
  event_type: string;
  /** The store of the refund it settled (chain-level table: checked before the store is known). */
  store_ref: string | null;
  refund_no: string | null;
  received_at: string;
}

/** A supervisor's approval of one act (a return above the requester's limit). */
export interface ApprovalsTable {
  store_id: string;
  id: string;
  kind: string;
  /** pending | approved | rejected | used */
  status: string;
  /** SHA-256 of the canonical subject: the approval covers exactly this request. */
  subject_hash: string;
  subject: string;
  amount_fen: number;
  required_role: string;
  reason: string;
  terminal_id: string | null;
  requester_id: string;
  requester_method: string;
  approver_id: string | null;
  approver_method: string | null;
  decision_note: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  used_at: string | null;
  used_by_doc: string | null;
}

export interface ReturnsTable {
  store_id: string;
  id: string;
  return_no: string;
  sale_store_id: string | null;
  sale_id: string | null;
  receipt_no: string | null;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  approval_id: string | null;
  business_date: string;
  reason_code: string;
  note: string | null;
  refund_fen: number;
  /** refunding | completed | refund_failed */
  status: string;
  idempotency_key: string;
  created_at: string;
  completed_at: string | null;
}

export interface ReturnLinesTable {
  store_id: string;
  return_id: string;
  line_no: number;
  sale_line_no: number | null;
  sku_id: string;
  name: string;
  qty: number;
  refund_fen: number;
  vat_rate: string;
  category_id: string;
  /** shelf | damaged */
  restock: string;
}

export interface ReturnRefundsTable {
  store_id: string;
  return_id: string;
  id: string;
  method: string;
  amount_fen: number;
  /** pending | processing | succeeded | failed */
  status: string;
  sale_tender_id: string | null;
  merchant_order_no: string | null;
  refund_no: string | null;
  reference: string | null;
  error_code: string | null;
  error_message: string | null;
  updated_at: string;
}

/** Sales rollups per store × business date × dimension (src/reports/rollups.ts). */
export interface ReportSalesDailyTable {
  store_id: string;
  business_date: string;
  /** category | product | hour | tender | cashier | rate | total */
  dim_kind: string;
  /** category id, SKU id, local hour '00'–'23', tender method, cashier id, VAT rate, or '' */
  dim_ref: string;
  gross_fen: number;
  discount_fen: number;
  net_fen: number;
  returns_fen: number;
  cost_fen: number;
  qty: number;
  items: number;
  transactions: number;
  return_count: number;
}

export interface ReportWatermarksTable {
  store_id: string;
  /** sale | return */
  source: string;
  last_at: string;
  last_id: string;
  updated_at: string;
}

export interface ReportAppliedTable {
  store_id: string;
  source: string;
  doc_id: string;
  at: string;
}

/** A store's stored daily report, written once after its business day closed (src/reports/daily-report.ts). */
export interface ReportDailyTable {
  store_id: string;
  business_date: string;
  generated_at: string;
  net_fen: number;
  transactions: number;
  /** The report as JSON. */
  body: string;
  /** none | queued | sent | failed */
  notify_status: string;
  notify_to: string | null;
  notify_attempts: number;
  notify_error: string | null;
  notified_at: string | null;
}

/** A channel's settlement batch for one business date (layer 2 of reconciliation). */
export interface SettlementsTable {
  id: string;
  file_id: string;
  channel: string;
  merchant_id: string;
  business_date: string;
  settle_date: string;
  batch_id: string;
  txn_count: number;
  gross_fen: number;
  fee_fen: number;
  refund_fen: number;
  net_fen: number;
  line: number;
}

/** The cash a store took to the bank for a business date (reconciliation layer 3, cash ↔ bank). */
export interface CashDepositsTable {
  store_id: string;
  id: string;
  business_date: string;
  amount_fen: number;
  counted_fen: number;
  slip_no: string | null;
  recorded_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A reconciliation exception under its stable key, and where the clerk's work on it stands. */
export interface ReconExceptionsTable {
  id: string;
  key: string;
  business_date: string;
  code: string;
  channel: string;
  /** The store it concerns (chain-level table: a bank line may concern none). */
  store_ref: string | null;
  /** open | assigned | resolved | written_off */
  status: string;
  amount_fen: number;
  /** The exception as the run found it (JSON). */
  detail: string;
  assignee_id: string | null;
  /** auto | manual_match | write_off */
  resolution_kind: string | null;
  resolution: string | null;
  /** Resolved by a refund to the customer: the refund's number (商户退款单号). */
  refund_ref: string | null;
  first_seen_at: string;
  last_seen_at: string;
  updated_at: string;
}

export interface ReconExceptionEventsTable {
  id: string;
  exception_id: string;
  at: string;
  actor_id: string | null;
  action: string;
  note: string | null;
}

/** A member; personal fields are sealed (AES-256-GCM), the phone is found by its blind index. */
export interface MembersTable {
  id: string;
  card_no: string;
  /** HMAC of the phone number; null once the member is anonymised. */
  phone_index: string | null;
  phone_sealed: string | null;
  name_sealed: string | null;
  birthday_sealed: string | null;
  tier_code: string;
  tier_since: string;
  /** Cached from member_points (the ledger is the truth). */
  points_balance: number;
  registered_store: string;
  consent_version: string;
  consent_sha256: string;
  consent_at: string;
  /** active | anonymised */
  status: string;
  created_at: string;
  updated_at: string;
  /** The WeChat mini-program openid the member bound (sealed), and its blind index; null when not bound. */
  wechat_openid_sealed: string | null;
  wechat_openid_index: string | null;
}

/** The points ledger: earn, redeem, clawback, refund, expire, adjust (signed points). */
export interface MemberPointsTable {
  store_id: string;
  id: string;
  member_id: string;
  kind: string;
  points: number;
  doc_type: string;
  doc_id: string;
  business_date: string;
  created_at: string;
}

/** A coupon a member bought with points (chain-level: usable in every store until it expires). */
export interface MemberCouponsTable {
  id: string;
  code: string;
  member_id: string;
  offer_id: string;
  name: string;
  value_fen: number;
  min_spend_fen: number;
  points: number;
  /** issued | used (a coupon past last_day is expired whatever its status says) */
  status: string;
  issued_at: string;
  /** The last local day (YYYY-MM-DD) the coupon can be used. */
  last_day: string;
  issued_store_ref: string;
  used_store_ref: string | null;
  used_sale_id: string | null;
  used_at: string | null;
}

/** Messages to members' phones, delivered with retries; dead after the last attempt. */
export interface MemberMessagesTable {
  id: string;
  member_id: string;
  kind: string;
  channel: string;
  body: string;
  /** pending | sent | dead */
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** JSON of the values the message was written from (points, amounts, times), for WeChat's templates. */
  data: string | null;
}

/** HQ: a registered store node; its secret sealed under HQ's sync key (src/sync). */
export interface SyncNodesTable {
  store_id: string;
  id: string;
  secret_sealed: string;
  outbox_node_id: string | null;
  last_seq: number;
  last_push_at: string | null;
  last_pull_at: string | null;
  clock_skew_ms: number | null;
  created_at: string;
  revoked_at: string | null;
  /** As the node reported on its last signed call (x-tp-app-version, x-tp-queued). */
  app_version: string | null;
  queued_events: number | null;
  last_seen_at: string | null;
  /** The last change number the node pulled (src/sync/changes.ts). */
  pulled_change_no: number | null;
}

/** A store's own price for a SKU, where HQ's policy lets stores override (src/catalog/price-overrides.ts). */
export interface StorePriceOverridesTable {
  store_id: string;
  sku_id: string;
  price_fen: number;
  hq_price_fen: number;
  set_by: string;
  set_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface SyncNoncesTable {
  node_id: string;
  nonce: string;
  seen_at: string;
}

/** HQ: every outbox event received, once per (node, seq) and once per (type, document). */
export interface SyncReceivedTable {
  node_id: string;
  seq: number;
  event_id: string;
  type: string;
  document_id: string;
  /** Raw payload, kept for event types HQ does not apply yet. */
  payload: string | null;
  created_at: string;
  received_at: string;
}

/** HQ: what applying a store's events could not settle silently (negative points, unknown member). */
export interface SyncExceptionsTable {
  store_id: string;
  id: string;
  code: string;
  doc_type: string;
  doc_id: string;
  ref: string | null;
  detail: string;
  created_at: string;
  /** Set when HQ worked the exception (migration 0026): when, by which user, and the note why. */
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

/** Store node: how far HQ has acknowledged this node's outbox. */
export interface SyncStateTable {
  node_id: string;
  acked_seq: number;
  last_push_at: string | null;
  last_attempt_at: string | null;
  last_error: string | null;
  last_pull_at: string | null;
  /** HQ's opaque cursor where the next pull starts (null: the first pull reads everything). */
  pull_cursor: string | null;
  /** The last HQ change number applied here, and HQ's latest as it said on that pull. */
  pulled_change_no: number | null;
  hq_change_no: number | null;
  /** HQ's opaque cursor where the next inbound-transfer read starts (null: from the beginning). */
  inbound_cursor: string | null;
}

/** HQ: the latest change of each row a store pulls, numbered in commit order (src/sync/changes.ts). */
export interface SyncChangesTable {
  table_name: string;
  /** JSON array of the row's primary-key values. */
  row_key: string;
  /** Null until numbered, and again after each later write. */
  change_no: number | null;
}

export interface Database {
  regions: RegionsTable;
  stores: StoresTable;
  terminals: TerminalsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  sequences: SequencesTable;
  outbox: OutboxTable;
  categories: CategoriesTable;
  skus: SkusTable;
  sku_barcodes: SkuBarcodesTable;
  bundle_components: BundleComponentsTable;
  store_prices: StorePricesTable;
  store_price_overrides: StorePriceOverridesTable;
  promotions: PromotionsTable;
  stock_moves: StockMovesTable;
  stock_balances: StockBalancesTable;
  stock_costs: StockCostsTable;
  stock_levels: StockLevelsTable;
  suppliers: SuppliersTable;
  purchase_orders: PurchaseOrdersTable;
  purchase_order_lines: PurchaseOrderLinesTable;
  goods_receipts: GoodsReceiptsTable;
  transfers: TransfersTable;
  transfer_lines: TransferLinesTable;
  stock_counts: StockCountsTable;
  stock_count_entries: StockCountEntriesTable;
  stock_count_lines: StockCountLinesTable;
  stock_count_skus: StockCountSkusTable;
  shelf_locations: ShelfLocationsTable;
  shifts: ShiftsTable;
  cash_movements: CashMovementsTable;
  receipt_counters: ReceiptCountersTable;
  sales: SalesTable;
  sale_lines: SaleLinesTable;
  sale_line_components: SaleLineComponentsTable;
  sale_tenders: SaleTendersTable;
  sale_promotions: SalePromotionsTable;
  held_carts: HeldCartsTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  payments: PaymentsTable;
  recon_files: ReconFilesTable;
  channel_lines: ChannelLinesTable;
  bank_lines: BankLinesTable;
  payment_refunds: PaymentRefundsTable;
  payment_notifications: PaymentNotificationsTable;
  approvals: ApprovalsTable;
  returns: ReturnsTable;
  return_lines: ReturnLinesTable;
  return_refunds: ReturnRefundsTable;
  members: MembersTable;
  member_points: MemberPointsTable;
  member_messages: MemberMessagesTable;
  member_coupons: MemberCouponsTable;
  report_sales_daily: ReportSalesDailyTable;
  report_watermarks: ReportWatermarksTable;
  report_applied: ReportAppliedTable;
  report_daily: ReportDailyTable;
  settlements: SettlementsTable;
  cash_deposits: CashDepositsTable;
  recon_exceptions: ReconExceptionsTable;
  recon_exception_events: ReconExceptionEventsTable;
  sync_nodes: SyncNodesTable;
  sync_nonces: SyncNoncesTable;
  sync_received: SyncReceivedTable;
  sync_exceptions: SyncExceptionsTable;
  sync_state: SyncStateTable;
  sync_changes: SyncChangesTable;
}
