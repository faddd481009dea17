/**
 * Positions, stop-losses and per-plugin statistics (issue 8):
 * - orders.cancellation_reason accepts POSITION_CLOSED: a stop-loss or exit order left over after
 *   its position closed. PostgreSQL drops and re-adds the CHECK; SQLite cannot alter a CHECK, so it
 *   rebuilds `orders` (new table with the same columns, defaults and foreign keys, rows copied,
 *   old table dropped, new one renamed, every index made again).
 *   SQLite also rebuilds `fills`, the one table that references `orders`: with foreign keys ON,
 *   DROP TABLE orders deletes its rows first, and even deferred (`defer_foreign_keys`) the fills
 *   that pointed at them count as violations at COMMIT, since renaming the copy does not undo them.
 *   So `fills_new` references `orders_new`, and the rename of `orders_new` to `orders` rewrites that
 *   reference (SQLite >= 3.26). The migration engine switches foreign keys off around a migration
 *   anyway and runs `foreign_key_check` before COMMIT; this order also works when they are on.
 * - `plugin_stats`: one row per plugin with the running aggregates that answer the statistics in
 *   O(1) (counts, sums, best/worst, the cumulative pnl's peak and maximum drawdown, and the last
 *   trade folded in, by close time then id, so a trade that arrives out of that order is noticed),
 *   and a checkpoint of the pnl curve from which such a trade is folded in again without reading
 *   every trade. Filled here from the trades already stored, exactly (decimal.js); checkpoints
 *   start empty.
 * - positions.entry_cost: the exact quote amount paid for what a position still holds, so that
 *   several entries at different prices and partial exits realize an exact pnl (the average entry
 *   price, rounded to 18 places, cannot; 0001 stored no positions yet, so '0' fills it).
 * - indexes: positions(sl_order_id) (a stop order's fill finds its position), positions
 *   (exchange_account_id, status) (sync walks an account's open positions), and trades(plugin_id,
 *   closed_at, id) replacing trades(plugin_id, closed_at): the statistics fold and "trades of a
 *   plugin over N days" read in (closed_at, id) order, which the old index could only half give.
 *
 * Value sets are copied, not imported from src/domain: an applied migration is frozen.
 * `down` reverts all of it; it refuses while an order holds POSITION_CLOSED, because the old CHECK
 * cannot hold that order and rewriting the reason would lose why it was cancelled.
 *
 * Frozen once released: change it with a new migration, never by editing this.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../../migrate/migration.ts';

const OLD_CANCELLATION_REASONS = ['UPDATE', 'STOP', 'DELETE', 'EXPIRED', 'DROPPED', 'REPLACED', 'STOP_LOSS', 'OUTSIDE'];
const NEW_CANCELLATION_REASONS = [...OLD_CANCELLATION_REASONS, 'POSITION_CLOSED'];

/** The columns of `orders` and `fills` as 0001 made them, in order: the rebuild copies exactly these. */
const ORDER_COLUMNS = [
  'id',
  'user_id',
  'bot_id',
  'plugin_id',
  'client_order_id',
  'exchange_order_id',
  'symbol',
  'side',
  'type',
  'intent',
  'price',
  'stop_price',
  'amount',
  'filled_amount',
  'average_price',
  'status',
  'reason',
  'cancellation_reason',
  'retry_count',
  'first_failed_at',
  'next_retry_at',
  'expires_at',
  'created_at',
  'updated_at',
  'version',
];
const FILL_COLUMNS = ['id', 'order_id', 'exchange_trade_id', 'price', 'amount', 'fee', 'fee_currency', 'occurred_at', 'raw', 'created_at'];

/** The indexes of `orders` (0001), made again after the rebuild. */
const ORDER_INDEXES: readonly [string, readonly string[]][] = [
  ['orders_bot_id_status_idx', ['bot_id', 'status']],
  ['orders_plugin_id_idx', ['plugin_id', 'created_at']],
  ['orders_status_idx', ['status', 'next_retry_at']],
  ['orders_exchange_order_id_idx', ['exchange_order_id']],
  ['orders_created_at_id_idx', ['created_at', 'id']],
];

const inList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
const cancellationCheck = (values: readonly string[]) => `cancellation_reason is null or cancellation_reason in (${inList(values)})`;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  await setCancellationReasons(db, context, NEW_CANCELLATION_REASONS);
  await createPluginStats(db, context);
  await db.schema
    .alterTable('positions')
    .addColumn('entry_cost', sql.raw(context.capabilities.moneyType), (c) => c.notNull().defaultTo('0'))
    .execute();
  await db.schema.createIndex('positions_sl_order_id_idx').on('positions').column('sl_order_id').execute();
  await db.schema.createIndex('positions_account_status_idx').on('positions').columns(['exchange_account_id', 'status']).execute();
  await db.schema.createIndex('trades_plugin_closed_id_idx').on('trades').columns(['plugin_id', 'closed_at', 'id']).execute();
  await db.schema.dropIndex('trades_plugin_id_idx').execute();
  await fillPluginStats(db, context);
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const held = await sql<{ n: string | number }>`select count(*) as n from orders where cancellation_reason = 'POSITION_CLOSED'`.execute(
    db,
  );
  const count = Number(held.rows[0]?.n ?? 0);
  if (count > 0) {
    throw new Error(
      `${count} order(s) were cancelled with POSITION_CLOSED, which the schema before 0003 cannot hold; reverting would have to rewrite why they were cancelled. Restore a backup taken before 0003 instead`,
    );
  }
  await db.schema.createIndex('trades_plugin_id_idx').on('trades').columns(['plugin_id', 'closed_at']).execute();
  await db.schema.dropIndex('trades_plugin_closed_id_idx').execute();
  await db.schema.dropIndex('positions_account_status_idx').execute();
  await db.schema.dropIndex('positions_sl_order_id_idx').execute();
  await db.schema.alterTable('positions').dropColumn('entry_cost').execute();
  await db.schema.dropTable('plugin_stats').execute();
  await setCancellationReasons(db, context, OLD_CANCELLATION_REASONS);
}

/** plugin_stats is derived from trades (recomputable at any time): `down` may drop its rows. */
export const config = { allowRowChange: ['plugin_stats'] };

/** Each query must return no rows: every plugin with trades has its statistics row, with the right count. */
export const verify = [
  `select t.plugin_id from trades t left join plugin_stats s on s.plugin_id = t.plugin_id
   group by t.plugin_id, s.total having s.total is null or count(*) <> s.total`,
];

async function setCancellationReasons(db: Kysely<any>, context: MigrationContext, reasons: readonly string[]): Promise<void> {
  if (context.dialect === 'postgres') {
    // The name PostgreSQL gave 0001's column CHECK, found rather than assumed.
    const found = await sql<{ conname: string }>`
      select conname from pg_constraint
      where conrelid = 'orders'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%cancellation_reason%'`.execute(db);
    for (const { conname } of found.rows) await sql`alter table orders drop constraint ${sql.id(conname)}`.execute(db);
    await sql`alter table orders add constraint orders_cancellation_reason_check check (${sql.raw(cancellationCheck(reasons))})`.execute(
      db,
    );
    return;
  }
  await rebuildSqliteOrders(db, reasons);
}

async function columnNames(db: Kysely<any>, table: string): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  return result.rows.map((row) => row.name);
}

/** Refuses when a table has columns this migration does not know (added by someone else): the copy would drop them. */
async function assertColumns(db: Kysely<any>, table: string, expected: readonly string[]): Promise<void> {
  const live = await columnNames(db, table);
  if (live.join(',') !== expected.join(',')) {
    throw new Error(
      `${table} has the columns (${live.join(', ')}), not the ones this migration rebuilds (${expected.join(', ')}); nothing was changed`,
    );
  }
}

/** SQLite: orders and fills rebuilt with the CHECK of `reasons` (see the file's comment for why fills too). */
async function rebuildSqliteOrders(db: Kysely<any>, reasons: readonly string[]): Promise<void> {
  await assertColumns(db, 'orders', ORDER_COLUMNS);
  await assertColumns(db, 'fills', FILL_COLUMNS);
  await sql`pragma defer_foreign_keys = on`.execute(db);
  // 0001's definition of orders, with the new CHECK on cancellation_reason.
  await sql
    .raw(`create table orders_new (
      id text primary key,
      user_id text references users (id),
      bot_id text references bots (id),
      plugin_id text,
      client_order_id text not null unique,
      exchange_order_id text,
      symbol text not null,
      side text not null check (side in ('buy', 'sell')),
      type text not null check (type in ('limit', 'market')),
      intent text not null check (intent in ('entry', 'exit', 'stop_loss')),
      price text,
      stop_price text,
      amount text not null,
      filled_amount text not null,
      average_price text,
      status text not null check (status in ('pending', 'ongoing', 'closed', 'failed', 'cancelled')),
      reason text not null,
      cancellation_reason text check (${cancellationCheck(reasons)}),
      retry_count integer default 0 not null,
      first_failed_at text,
      next_retry_at text,
      expires_at text,
      created_at text not null,
      updated_at text not null,
      version integer default 1 not null
    )`)
    .execute(db);
  const orderColumns = ORDER_COLUMNS.join(', ');
  await sql.raw(`insert into orders_new (${orderColumns}) select ${orderColumns} from orders`).execute(db);
  // 0001's definition of fills, pointing at orders_new until the rename below.
  await sql
    .raw(`create table fills_new (
      id integer primary key,
      order_id text not null references orders_new (id),
      exchange_trade_id text not null,
      price text not null,
      amount text not null,
      fee text not null,
      fee_currency text,
      occurred_at text not null,
      raw text,
      created_at text not null,
      constraint fills_order_trade_unique unique (order_id, exchange_trade_id)
    )`)
    .execute(db);
  const fillColumns = FILL_COLUMNS.join(', ');
  await sql.raw(`insert into fills_new (${fillColumns}) select ${fillColumns} from fills`).execute(db);
  await sql`drop table fills`.execute(db);
  await sql`drop table orders`.execute(db);
  await sql`alter table orders_new rename to orders`.execute(db);
  await sql`alter table fills_new rename to fills`.execute(db);
  for (const [name, columns] of ORDER_INDEXES)
    await db.schema
      .createIndex(name)
      .on('orders')
      .columns([...columns])
      .execute();
}

async function createPluginStats(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const money = sql.raw(context.capabilities.moneyType);
  const time = sql.raw(context.capabilities.timestampType);
  await db.schema
    .createTable('plugin_stats')
    .addColumn('plugin_id', 'text', (c) => c.primaryKey())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('wins', 'bigint', (c) => c.notNull())
    .addColumn('losses', 'bigint', (c) => c.notNull())
    .addColumn('breakeven', 'bigint', (c) => c.notNull())
    // The cumulative pnl (the sum of every trade's pnl).
    .addColumn('total_pnl', money, (c) => c.notNull())
    .addColumn('best_pnl', money)
    .addColumn('worst_pnl', money)
    // Sum of the winning pnls (>= 0) and of the losing pnls (<= 0, kept negative).
    .addColumn('gross_profit', money, (c) => c.notNull())
    .addColumn('gross_loss', money, (c) => c.notNull())
    // The running maximum of the cumulative pnl, starting from 0 before the first trade.
    .addColumn('pnl_peak', money, (c) => c.notNull())
    // The largest drop of the cumulative pnl below its running peak (>= 0).
    .addColumn('max_drawdown', money, (c) => c.notNull())
    // The last trade folded in, in (closed_at, id) order.
    .addColumn('last_closed_at', time)
    .addColumn('last_trade_id', 'text')
    // The cumulative pnl curve (cumulative pnl, peak, drawdown) as it stood after an earlier trade,
    // so a trade that arrives a little out of close order is folded from there (a few trades read)
    // instead of from the first trade: the checkpoint lags the last trade by a while, the
    // candidate is the next checkpoint. Null: none yet.
    .addColumn('checkpoint_closed_at', time)
    .addColumn('checkpoint_trade_id', 'text')
    .addColumn('checkpoint_pnl', money)
    .addColumn('checkpoint_peak', money)
    .addColumn('checkpoint_drawdown', money)
    .addColumn('candidate_closed_at', time)
    .addColumn('candidate_trade_id', 'text')
    .addColumn('candidate_pnl', money)
    .addColumn('candidate_peak', money)
    .addColumn('candidate_drawdown', money)
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
}

/** Exact for NUMERIC(38,18) sums (decimal.js's default precision is 20 significant digits). */
const Decimal = DecimalJs.clone({ precision: 80, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
type Decimal = InstanceType<typeof Decimal>;

/** Trades read per round trip while filling plugin_stats. */
const FILL_BATCH = 5_000;

interface Fold {
  total: number;
  wins: number;
  losses: number;
  breakeven: number;
  sum: Decimal;
  best: Decimal | null;
  worst: Decimal | null;
  profit: Decimal;
  loss: Decimal;
  peak: Decimal;
  drawdown: Decimal;
  lastClosedAt: string | null;
  lastTradeId: string | null;
}

const emptyFold = (): Fold => ({
  total: 0,
  wins: 0,
  losses: 0,
  breakeven: 0,
  sum: new Decimal(0),
  best: null,
  worst: null,
  profit: new Decimal(0),
  loss: new Decimal(0),
  peak: new Decimal(0),
  drawdown: new Decimal(0),
  lastClosedAt: null,
  lastTradeId: null,
});

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
const plain = (value: Decimal): string => {
  const text = value.toFixed();
  return text === '-0' ? '0' : text;
};

/** Folds every stored trade, plugin by plugin in (closed_at, id) order, into plugin_stats. */
async function fillPluginStats(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const now = context.dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  const plugins = await sql<{ plugin_id: string }>`select distinct plugin_id from trades order by plugin_id`.execute(db);
  for (const { plugin_id: pluginId } of plugins.rows) {
    const fold = emptyFold();
    let after: { closedAt: unknown; id: string } | undefined;
    for (;;) {
      const page = await sql<{ id: string; pnl: unknown; closed_at: unknown }>`
        select id, pnl, closed_at from trades
        where plugin_id = ${pluginId} ${after ? sql`and closed_at >= ${after.closedAt} and (closed_at > ${after.closedAt} or id > ${after.id})` : sql``}
        order by closed_at, id limit ${FILL_BATCH}`.execute(db);
      for (const row of page.rows) {
        const pnl = new Decimal(String(row.pnl));
        fold.total += 1;
        if (pnl.gt(0)) {
          fold.wins += 1;
          fold.profit = fold.profit.plus(pnl);
        } else if (pnl.lt(0)) {
          fold.losses += 1;
          fold.loss = fold.loss.plus(pnl);
        } else fold.breakeven += 1;
        fold.sum = fold.sum.plus(pnl);
        if (fold.best === null || pnl.gt(fold.best)) fold.best = pnl;
        if (fold.worst === null || pnl.lt(fold.worst)) fold.worst = pnl;
        if (fold.sum.gt(fold.peak)) fold.peak = fold.sum;
        const drop = fold.peak.minus(fold.sum);
        if (drop.gt(fold.drawdown)) fold.drawdown = drop;
        fold.lastClosedAt = iso(row.closed_at);
        fold.lastTradeId = row.id;
      }
      if (page.rows.length < FILL_BATCH) break;
      const last = page.rows[page.rows.length - 1];
      after = { closedAt: last.closed_at, id: last.id };
    }
    await sql`
      insert into plugin_stats (plugin_id, total, wins, losses, breakeven, total_pnl, best_pnl, worst_pnl, gross_profit, gross_loss,
                                pnl_peak, max_drawdown, last_closed_at, last_trade_id, updated_at)
      values (${pluginId}, ${fold.total}, ${fold.wins}, ${fold.losses}, ${fold.breakeven}, ${plain(fold.sum)},
              ${fold.best === null ? null : plain(fold.best)}, ${fold.worst === null ? null : plain(fold.worst)},
              ${plain(fold.profit)}, ${plain(fold.loss)}, ${plain(fold.peak)}, ${plain(fold.drawdown)},
              ${fold.lastClosedAt}, ${fold.lastTradeId}, ${now})`.execute(db);
  }
}
