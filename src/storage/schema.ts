/**
 * Kysely table types of the core schema (migrations/0001_core_schema.ts and later), as the columns hold
 * values: money as decimal strings (PostgreSQL numeric / SQLite TEXT), instants as ISO strings or
 * Dates (pg), JSON as text once selected through `cast(... as text)`, booleans as 0/1 or true/false.
 * Repositories convert to domain values (repositories/codec.ts).
 */
import type { ColumnType, Generated } from 'kysely';

type Instant = ColumnType<string | Date, string, string>;
type Money = string;
type Json = ColumnType<unknown, string | null, string | null>;
type Bool = ColumnType<boolean | number, number, number>;

export interface UsersTable {
  id: string;
  /** The username (unique, lower case). */
  name: string;
  /** Migration 0004. */
  role: ColumnType<'admin' | 'trader' | 'viewer', 'admin' | 'trader' | 'viewer' | undefined, 'admin' | 'trader' | 'viewer'>;
  /** `scrypt$N$r$p$<salt>$<key>`; null: no password (log in with a token). Migration 0004. */
  password_hash: string | null;
  disabled_at: Instant | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 hex of the token; the token itself is never stored. */
  token_hash: string;
  /** Migration 0004. */
  kind: ColumnType<'session' | 'personal' | 'one_time' | 'local', 'session' | 'personal' | 'one_time' | 'local' | undefined, 'session' | 'personal' | 'one_time' | 'local'>;
  /** Comma list of read, trade, admin (what the token may do, cut down to its user's role). Migration 0004. */
  scopes: ColumnType<string, string | undefined, string>;
  /** Null: never expires. Migration 0004. */
  expires_at: Instant | null;
  created_at: Instant;
  last_used_at: Instant | null;
  revoked_at: Instant | null;
}

export interface ExchangeAccountsTable {
  id: string;
  user_id: string | null;
  name: string;
  exchange: string;
  sandbox: Bool;
  credentials_ref: string | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface BotsTable {
  id: string;
  user_id: string | null;
  plugin_id: string;
  exchange_account_id: string | null;
  symbol: string;
  config: Json;
  status: 'active' | 'stopped' | 'deleted';
  stop_reason: string | null;
  order_ttl_ms: ColumnType<string | number, number, number>;
  order_sequence: ColumnType<string | number, number | undefined, number>;
  created_at: Instant;
  updated_at: Instant;
  version: number;
}

export interface OrdersTable {
  id: string;
  user_id: string | null;
  bot_id: string | null;
  plugin_id: string | null;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market';
  intent: 'entry' | 'exit' | 'stop_loss';
  price: Money | null;
  stop_price: Money | null;
  amount: Money;
  filled_amount: Money;
  average_price: Money | null;
  status: 'pending' | 'ongoing' | 'closed' | 'failed' | 'cancelled';
  reason: string;
  cancellation_reason: string | null;
  retry_count: number;
  first_failed_at: Instant | null;
  next_retry_at: Instant | null;
  expires_at: Instant | null;
  created_at: Instant;
  updated_at: Instant;
  version: number;
}

export interface FillsTable {
  id: Generated<string | number>;
  order_id: string;
  exchange_trade_id: string;
  price: Money;
  amount: Money;
  fee: Money;
  fee_currency: string | null;
  occurred_at: Instant;
  raw: Json;
  created_at: Instant;
}

export interface PositionsTable {
  id: string;
  user_id: string | null;
  bot_id: string | null;
  plugin_id: string;
  exchange_account_id: string | null;
  symbol: string;
  side: 'long' | 'short';
  amount: Money;
  entry_cost: Money;
  closed_amount: Money;
  entry_price: Money;
  exit_price: Money | null;
  realized_pnl: Money;
  fees: Money;
  stop_loss_price: Money | null;
  status: 'open' | 'closed';
  exit_reason: string | null;
  error_details: Json;
  retry_count: number;
  last_error_at: Instant | null;
  last_sync_at: Instant | null;
  sync_status: string | null;
  exchange_order_id: string | null;
  sl_order_id: string | null;
  opened_at: Instant;
  closed_at: Instant | null;
  updated_at: Instant;
  version: number;
}

export interface TradesTable {
  id: string;
  position_id: string | null;
  user_id: string | null;
  bot_id: string | null;
  plugin_id: string;
  symbol: string;
  side: 'long' | 'short';
  amount: Money;
  entry_price: Money;
  exit_price: Money;
  pnl: Money;
  fees: Money;
  exit_reason: string | null;
  opened_at: Instant;
  closed_at: Instant;
  created_at: Instant;
}

/** Append-only: triggers refuse UPDATE and DELETE on both dialects. */
export interface EventLogTable {
  id: Generated<string | number>;
  occurred_at: Instant;
  created_at: Instant;
  source: 'api' | 'cli' | 'engine' | 'exchange-ws' | 'exchange-rest' | 'reconciliation';
  type: string;
  bot_id: string | null;
  order_id: string | null;
  plugin_id: string | null;
  message: string;
  payload: Json;
  applied: Bool;
}

export interface SyncStatusTable {
  exchange_account_id: string;
  last_sync_at: Instant | null;
  positions_synced: number;
  discrepancies_found: number;
  discrepancies_fixed: number;
  status: string;
  error: string | null;
  updated_at: Instant;
}

/** One row (migration 0002): the ledger's own id. */
export interface LedgerIdentityTable {
  singleton: number;
  ledger_id: string;
  created_at: Instant;
}

/** Per bot id, the highest client-order-id sequence the venue is known to have used (migration 0002). */
export interface ClientOrderSequenceFloorsTable {
  bot_id: string;
  sequence: ColumnType<string | number, number, number>;
  updated_at: Instant;
}

/**
 * One row per user and plugin (migration 0003, keyed by user since 0005): the running aggregates of
 * the user's trades of the plugin, folded in (closed_at, id) order, from which every statistic is
 * read in O(1). Trades without a user fold under user_id ''.
 */
export interface PluginStatsTable {
  user_id: string;
  plugin_id: string;
  total: ColumnType<string | number, number, number>;
  wins: ColumnType<string | number, number, number>;
  losses: ColumnType<string | number, number, number>;
  breakeven: ColumnType<string | number, number, number>;
  /** The cumulative pnl. */
  total_pnl: Money;
  best_pnl: Money | null;
  worst_pnl: Money | null;
  /** Sum of the winning pnls (>= 0). */
  gross_profit: Money;
  /** Sum of the losing pnls (<= 0, negative). */
  gross_loss: Money;
  /** Running maximum of the cumulative pnl, from 0 before the first trade. */
  pnl_peak: Money;
  /** Largest drop of the cumulative pnl below its running peak (>= 0). */
  max_drawdown: Money;
  last_closed_at: Instant | null;
  last_trade_id: string | null;
  /** The pnl curve after an earlier trade (checkpoint) and the next checkpoint (candidate); null: none. */
  checkpoint_closed_at: Instant | null;
  checkpoint_trade_id: string | null;
  checkpoint_pnl: Money | null;
  checkpoint_peak: Money | null;
  checkpoint_drawdown: Money | null;
  candidate_closed_at: Instant | null;
  candidate_trade_id: string | null;
  candidate_pnl: Money | null;
  candidate_peak: Money | null;
  candidate_drawdown: Money | null;
  updated_at: Instant;
}

/** The core schema as Kysely sees it: `new Kysely<LedgerSchema>(...)` or `db as Kysely<LedgerSchema>`. */
export interface LedgerSchema {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  exchange_accounts: ExchangeAccountsTable;
  bots: BotsTable;
  orders: OrdersTable;
  fills: FillsTable;
  positions: PositionsTable;
  trades: TradesTable;
  event_log: EventLogTable;
  sync_status: SyncStatusTable;
  ledger_identity: LedgerIdentityTable;
  client_order_sequence_floors: ClientOrderSequenceFloorsTable;
  plugin_stats: PluginStatsTable;
}
