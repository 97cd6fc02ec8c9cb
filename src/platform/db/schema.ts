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

export interface OutboxHeadsTable {
  node_id: string;
  last_seq: number;
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


export interface Database {
  regions: RegionsTable;
  stores: StoresTable;
  terminals: TerminalsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  outbox_heads: OutboxHeadsTable;
  outbox: OutboxTable;
}
