/**
 * Ownership (issue 9): every ledger object belongs to a user, and lists are read per user.
 * - indexes for the lists of one user at scale: orders (user_id, status, created_at, id) and
 *   (user_id, created_at, id) for keyset pages of a user's orders (with or without a status),
 *   positions (user_id, status, opened_at, id), bots (user_id, created_at, id), trades (user_id,
 *   plugin_id, closed_at, id) (a user's statistics fold and daily pnl read in close order), and
 *   exchange_accounts (user_id).
 * - `plugin_stats` becomes keyed by (user_id, plugin_id): the running aggregates of one user's
 *   trades of one plugin. Trades without a user (made before users existed, imported) fold under
 *   user_id '' (a key column cannot be null). Rebuilt on both dialects the same way (new table,
 *   rows copied, old dropped, new renamed): a row is kept as it is when all its plugin's trades
 *   belong to one user (the usual case: its aggregate, checkpoints included, is that user's), and
 *   folded again from the trades, per user, when several users traded the plugin.
 *
 * Value sets and the fold are copied, not imported from src/domain: an applied migration is frozen.
 * `down` folds the rows back to one per plugin (from the trades) and drops the indexes.
 *
 * Frozen once released: change it with a new migration, never by editing this.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../../migrate/migration.ts';

const INDEXES: readonly [name: string, table: string, columns: readonly string[]][] = [
  ['orders_user_status_created_idx', 'orders', ['user_id', 'status', 'created_at', 'id']],
  ['orders_user_created_idx', 'orders', ['user_id', 'created_at', 'id']],
  ['positions_user_status_opened_idx', 'positions', ['user_id', 'status', 'opened_at', 'id']],
  ['bots_user_created_idx', 'bots', ['user_id', 'created_at', 'id']],
  ['trades_user_plugin_closed_idx', 'trades', ['user_id', 'plugin_id', 'closed_at', 'id']],
  ['exchange_accounts_user_idx', 'exchange_accounts', ['user_id']],
];

/** The columns of plugin_stats as 0003 made them, in order. */
const STATS_COLUMNS = [
  'plugin_id',
  'total',
  'wins',
  'losses',
  'breakeven',
  'total_pnl',
  'best_pnl',
  'worst_pnl',
  'gross_profit',
  'gross_loss',
  'pnl_peak',
  'max_drawdown',
  'last_closed_at',
  'last_trade_id',
  'checkpoint_closed_at',
  'checkpoint_trade_id',
  'checkpoint_pnl',
  'checkpoint_peak',
  'checkpoint_drawdown',
  'candidate_closed_at',
  'candidate_trade_id',
  'candidate_pnl',
  'candidate_peak',
  'candidate_drawdown',
  'updated_at',
];

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  for (const [name, table, columns] of INDEXES)
    await db.schema
      .createIndex(name)
      .on(table)
      .columns([...columns])
      .execute();
  await createStatsTable(db, context, true);
  // Plugins whose trades all belong to one user (or that have no trades): their row is that user's.
  const owners = await sql<{ plugin_id: string; owner: string | null; users: string | number }>`
    select s.plugin_id, min(coalesce(t.user_id, '')) as owner, count(distinct coalesce(t.user_id, '')) as users
    from plugin_stats s left join trades t on t.plugin_id = s.plugin_id group by s.plugin_id`.execute(db);
  const columns = STATS_COLUMNS.join(', ');
  for (const row of owners.rows) {
    if (Number(row.users) > 1) continue;
    await sql`insert into plugin_stats_new (user_id, ${sql.raw(columns)}) select ${row.owner ?? ''}, ${sql.raw(columns)} from plugin_stats where plugin_id = ${row.plugin_id}`.execute(
      db,
    );
  }
  const shared = owners.rows.filter((row) => Number(row.users) > 1).map((row) => row.plugin_id);
  // Plugins traded by several users, and any trades whose plugin has no row yet: folded per user.
  const missing = await sql<{ plugin_id: string }>`
    select distinct plugin_id from trades where plugin_id not in (select plugin_id from plugin_stats) order by plugin_id`.execute(db);
  await sql`drop table plugin_stats`.execute(db);
  await sql`alter table plugin_stats_new rename to plugin_stats`.execute(db);
  for (const pluginId of [...shared, ...missing.rows.map((row) => row.plugin_id)]) await foldPlugin(db, context, pluginId, true);
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  await createStatsTable(db, context, false);
  await sql`drop table plugin_stats`.execute(db);
  await sql`alter table plugin_stats_new rename to plugin_stats`.execute(db);
  const plugins = await sql<{ plugin_id: string }>`select distinct plugin_id from trades order by plugin_id`.execute(db);
  for (const { plugin_id: pluginId } of plugins.rows) await foldPlugin(db, context, pluginId, false);
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).execute();
}

/** plugin_stats is derived from trades (recomputable at any time): its rows split or merge by user. */
export const config = { allowRowChange: ['plugin_stats'] };

/** Each query must return no rows: every (user, plugin) with trades has its row, with the right count. */
export const verify = [
  `select t.plugin_id from trades t left join plugin_stats s on s.plugin_id = t.plugin_id and s.user_id = coalesce(t.user_id, '')
   group by coalesce(t.user_id, ''), t.plugin_id, s.total having s.total is null or count(*) <> s.total`,
];

/** plugin_stats_new: 0003's columns, with user_id first (per user) or without it (down). */
async function createStatsTable(db: Kysely<any>, context: MigrationContext, perUser: boolean): Promise<void> {
  const money = sql.raw(context.capabilities.moneyType);
  const time = sql.raw(context.capabilities.timestampType);
  let table = db.schema.createTable('plugin_stats_new');
  if (perUser) table = table.addColumn('user_id', 'text', (c) => c.notNull());
  table = table
    .addColumn('plugin_id', 'text', (c) => (perUser ? c.notNull() : c.primaryKey()))
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('wins', 'bigint', (c) => c.notNull())
    .addColumn('losses', 'bigint', (c) => c.notNull())
    .addColumn('breakeven', 'bigint', (c) => c.notNull())
    .addColumn('total_pnl', money, (c) => c.notNull())
    .addColumn('best_pnl', money)
    .addColumn('worst_pnl', money)
    .addColumn('gross_profit', money, (c) => c.notNull())
    .addColumn('gross_loss', money, (c) => c.notNull())
    .addColumn('pnl_peak', money, (c) => c.notNull())
    .addColumn('max_drawdown', money, (c) => c.notNull())
    .addColumn('last_closed_at', time)
    .addColumn('last_trade_id', 'text')
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
    .addColumn('updated_at', time, (c) => c.notNull());
  if (perUser) table = table.addPrimaryKeyConstraint('plugin_stats_user_plugin_pk', ['user_id', 'plugin_id'] as never[]);
  await table.execute();
}

/** Exact for NUMERIC(38,18) sums (decimal.js's default precision is 20 significant digits). */
const Decimal = DecimalJs.clone({ precision: 80, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
type Decimal = InstanceType<typeof Decimal>;

const FOLD_BATCH = 5_000;
const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
const plain = (value: Decimal): string => {
  const text = value.toFixed();
  return text === '-0' ? '0' : text;
};

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

function add(fold: Fold, pnl: Decimal, closedAt: unknown, id: string): void {
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
  fold.lastClosedAt = iso(closedAt);
  fold.lastTradeId = id;
}

/** Folds a plugin's trades in (closed_at, id) order into plugin_stats: one row per user (perUser) or one row. */
async function foldPlugin(db: Kysely<any>, context: MigrationContext, pluginId: string, perUser: boolean): Promise<void> {
  const now = context.dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  const folds = new Map<string, Fold>();
  let after: { closedAt: unknown; id: string } | undefined;
  for (;;) {
    const page = await sql<{ id: string; user_id: string | null; pnl: unknown; closed_at: unknown }>`
      select id, user_id, pnl, closed_at from trades
      where plugin_id = ${pluginId} ${after ? sql`and closed_at >= ${after.closedAt} and (closed_at > ${after.closedAt} or id > ${after.id})` : sql``}
      order by closed_at, id limit ${FOLD_BATCH}`.execute(db);
    for (const row of page.rows) {
      const key = perUser ? (row.user_id ?? '') : '';
      let fold = folds.get(key);
      if (!fold) {
        const zero = new Decimal(0);
        fold = {
          total: 0,
          wins: 0,
          losses: 0,
          breakeven: 0,
          sum: zero,
          best: null,
          worst: null,
          profit: zero,
          loss: zero,
          peak: zero,
          drawdown: zero,
          lastClosedAt: null,
          lastTradeId: null,
        };
        folds.set(key, fold);
      }
      add(fold, new Decimal(String(row.pnl)), row.closed_at, row.id);
    }
    if (page.rows.length < FOLD_BATCH) break;
    const last = page.rows[page.rows.length - 1];
    after = { closedAt: last.closed_at, id: last.id };
  }
  for (const [userId, fold] of folds) {
    const values = sql`${pluginId}, ${fold.total}, ${fold.wins}, ${fold.losses}, ${fold.breakeven}, ${plain(fold.sum)},
      ${fold.best === null ? null : plain(fold.best)}, ${fold.worst === null ? null : plain(fold.worst)},
      ${plain(fold.profit)}, ${plain(fold.loss)}, ${plain(fold.peak)}, ${plain(fold.drawdown)}, ${fold.lastClosedAt}, ${fold.lastTradeId}, ${now}`;
    const columns = sql.raw(
      'plugin_id, total, wins, losses, breakeven, total_pnl, best_pnl, worst_pnl, gross_profit, gross_loss, pnl_peak, max_drawdown, last_closed_at, last_trade_id, updated_at',
    );
    if (perUser) await sql`insert into plugin_stats (user_id, ${columns}) values (${userId}, ${values})`.execute(db);
    else await sql`insert into plugin_stats (${columns}) values (${values})`.execute(db);
  }
}
