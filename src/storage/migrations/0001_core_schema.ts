/**
 * botledger's core schema (source `core`): users and API tokens, exchange accounts, bots, orders,
 * fills, positions, trades, the append-only event log and sync status. Designed up front for
 * everything seeds 000-004 describe, so later migrations add behaviour rather than reshape tables.
 *
 * Portable: column types come from the dialect's capabilities (money NUMERIC(38,18) or TEXT, JSON
 * as JSONB or TEXT, instants as timestamptz or ISO-8601 TEXT). Value sets are copied here rather
 * than imported from src/domain on purpose: an applied migration is frozen, and must not change
 * when the domain later does.
 *
 * Frozen once released: change the schema with a new migration (0002_...), never by editing this.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../../migrate/migration.ts';

const ORDER_STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'];
const ORDER_INTENTS = ['entry', 'exit', 'stop_loss'];
const CANCELLATION_REASONS = ['UPDATE', 'STOP', 'DELETE', 'EXPIRED', 'DROPPED', 'REPLACED', 'STOP_LOSS', 'OUTSIDE'];
const BOT_STATUSES = ['active', 'stopped', 'deleted'];
const POSITION_STATUSES = ['open', 'closed'];
const EVENT_SOURCES = ['api', 'cli', 'engine', 'exchange-ws', 'exchange-rest', 'reconciliation'];

/** Tables in creation order (dropped in reverse). */
export const CORE_TABLES = [
  'users',
  'api_tokens',
  'exchange_accounts',
  'bots',
  'orders',
  'fills',
  'positions',
  'trades',
  'event_log',
  'sync_status',
];

const oneOf = (column: string, values: readonly string[], nullable = false) =>
  sql.raw(`${nullable ? `${column} is null or ` : ''}${column} in (${values.map((value) => `'${value}'`).join(', ')})`);

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const caps = context.capabilities;
  const money = sql.raw(caps.moneyType);
  const json = sql.raw(caps.jsonType);
  const time = sql.raw(caps.timestampType);
  const autoId = sql.raw(caps.autoIdType);
  // SQLite stores a boolean column as 0/1; repositories bind 0/1, which PostgreSQL's boolean accepts too.
  const bool = sql.raw('boolean');

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  // Only a hash of each token is stored; the token itself is shown once, when it is made.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();

  // credentials_ref names where the venue keys live (an environment variable, a file); never the keys.
  await db.schema
    .createTable('exchange_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('exchange', 'text', (c) => c.notNull())
    .addColumn('sandbox', bool, (c) => c.notNull().defaultTo(sql`false`))
    .addColumn('credentials_ref', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('bots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('plugin_id', 'text', (c) => c.notNull())
    .addColumn('exchange_account_id', 'text', (c) => c.references('exchange_accounts.id'))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(oneOf('status', BOT_STATUSES)))
    .addColumn('stop_reason', 'text')
    .addColumn('order_ttl_ms', 'bigint', (c) => c.notNull())
    // The bot's client-order-id counter (bl-<bot>-<sequence>), taken with UPDATE ... RETURNING.
    .addColumn('order_sequence', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('bots_plugin_id_idx').on('bots').column('plugin_id').execute();
  await db.schema.createIndex('bots_status_idx').on('bots').column('status').execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('bot_id', 'text', (c) => c.references('bots.id'))
    .addColumn('plugin_id', 'text')
    .addColumn('client_order_id', 'text', (c) => c.notNull().unique())
    .addColumn('exchange_order_id', 'text')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(oneOf('side', ['buy', 'sell'])))
    .addColumn('type', 'text', (c) => c.notNull().check(oneOf('type', ['limit', 'market'])))
    .addColumn('intent', 'text', (c) => c.notNull().check(oneOf('intent', ORDER_INTENTS)))
    .addColumn('price', money)
    .addColumn('stop_price', money)
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('filled_amount', money, (c) => c.notNull())
    .addColumn('average_price', money)
    .addColumn('status', 'text', (c) => c.notNull().check(oneOf('status', ORDER_STATUSES)))
    // One whole sentence, TEXT: never cut (seed 002's VARCHAR(100) cut the errors that mattered).
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('cancellation_reason', 'text', (c) => c.check(oneOf('cancellation_reason', CANCELLATION_REASONS, true)))
    .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_failed_at', time)
    .addColumn('next_retry_at', time)
    .addColumn('expires_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('orders_bot_id_status_idx').on('orders').columns(['bot_id', 'status']).execute();
  await db.schema.createIndex('orders_plugin_id_idx').on('orders').columns(['plugin_id', 'created_at']).execute();
  await db.schema.createIndex('orders_status_idx').on('orders').columns(['status', 'next_retry_at']).execute();
  await db.schema.createIndex('orders_exchange_order_id_idx').on('orders').column('exchange_order_id').execute();
  await db.schema.createIndex('orders_created_at_id_idx').on('orders').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('fills')
    .addColumn('id', autoId, (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('exchange_trade_id', 'text', (c) => c.notNull())
    .addColumn('price', money, (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('fee', money, (c) => c.notNull())
    .addColumn('fee_currency', 'text')
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('raw', json)
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('fills_order_trade_unique', ['order_id', 'exchange_trade_id'])
    .execute();

  await db.schema
    .createTable('positions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('bot_id', 'text', (c) => c.references('bots.id'))
    .addColumn('plugin_id', 'text', (c) => c.notNull())
    .addColumn('exchange_account_id', 'text', (c) => c.references('exchange_accounts.id'))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(oneOf('side', ['long', 'short'])))
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('closed_amount', money, (c) => c.notNull())
    .addColumn('entry_price', money, (c) => c.notNull())
    .addColumn('exit_price', money)
    .addColumn('realized_pnl', money, (c) => c.notNull())
    .addColumn('fees', money, (c) => c.notNull())
    .addColumn('stop_loss_price', money)
    .addColumn('status', 'text', (c) => c.notNull().check(oneOf('status', POSITION_STATUSES)))
    .addColumn('exit_reason', 'text')
    .addColumn('error_details', json)
    .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error_at', time)
    .addColumn('last_sync_at', time)
    .addColumn('sync_status', 'text')
    .addColumn('exchange_order_id', 'text')
    .addColumn('sl_order_id', 'text')
    .addColumn('opened_at', time, (c) => c.notNull())
    .addColumn('closed_at', time)
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('positions_plugin_id_idx').on('positions').column('plugin_id').execute();
  await db.schema.createIndex('positions_bot_id_status_idx').on('positions').columns(['bot_id', 'status']).execute();
  await db.schema.createIndex('positions_status_idx').on('positions').column('status').execute();

  await db.schema
    .createTable('trades')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position_id', 'text', (c) => c.references('positions.id'))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('bot_id', 'text', (c) => c.references('bots.id'))
    .addColumn('plugin_id', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(oneOf('side', ['long', 'short'])))
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('entry_price', money, (c) => c.notNull())
    .addColumn('exit_price', money, (c) => c.notNull())
    .addColumn('pnl', money, (c) => c.notNull())
    .addColumn('fees', money, (c) => c.notNull())
    .addColumn('exit_reason', 'text')
    .addColumn('opened_at', time, (c) => c.notNull())
    .addColumn('closed_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trades_plugin_id_idx').on('trades').columns(['plugin_id', 'closed_at']).execute();
  await db.schema.createIndex('trades_bot_id_idx').on('trades').column('bot_id').execute();
  await db.schema.createIndex('trades_created_at_id_idx').on('trades').columns(['created_at', 'id']).execute();

  // Append-only (triggers below). No foreign keys: the log must outlive and never block anything.
  await db.schema
    .createTable('event_log')
    .addColumn('id', autoId, (c) => c.primaryKey())
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(oneOf('source', EVENT_SOURCES)))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('bot_id', 'text')
    .addColumn('order_id', 'text')
    .addColumn('plugin_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('payload', json)
    .addColumn('applied', bool, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_log_created_at_id_idx').on('event_log').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('event_log_order_id_idx').on('event_log').columns(['order_id', 'id']).execute();
  await db.schema.createIndex('event_log_bot_id_idx').on('event_log').columns(['bot_id', 'id']).execute();
  await db.schema.createIndex('event_log_plugin_id_idx').on('event_log').columns(['plugin_id', 'id']).execute();

  await db.schema
    .createTable('sync_status')
    .addColumn('exchange_account_id', 'text', (c) => c.primaryKey().references('exchange_accounts.id'))
    .addColumn('last_sync_at', time)
    .addColumn('positions_synced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('discrepancies_found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('discrepancies_fixed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  // Trigger syntax has no common form, so this is the one place the migration looks at the dialect.
  if (context.dialect === 'postgres') {
    await sql`
      create function event_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'event_log is append-only: % is not allowed', tg_op using errcode = 'P0001';
      end
      $$`.execute(db);
    await sql`create trigger event_log_no_update_delete before update or delete on event_log for each row execute function event_log_append_only()`.execute(
      db,
    );
    await sql`create trigger event_log_no_truncate before truncate on event_log for each statement execute function event_log_append_only()`.execute(
      db,
    );
  } else {
    await sql`create trigger event_log_no_update before update on event_log begin select raise(abort, 'event_log is append-only: UPDATE is not allowed'); end`.execute(
      db,
    );
    await sql`create trigger event_log_no_delete before delete on event_log begin select raise(abort, 'event_log is append-only: DELETE is not allowed'); end`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  for (const table of [...CORE_TABLES].reverse()) await db.schema.dropTable(table).ifExists().execute();
  if (context.dialect === 'postgres') await sql`drop function if exists event_log_append_only()`.execute(db);
}

/** Each query must return no rows: every order has one of the five statuses. */
export const verify = ["select id from orders where status not in ('pending', 'ongoing', 'closed', 'failed', 'cancelled')"];
