/**
 * Bots: the one column map and row codec of `bots`, reads (get, list, the active ones), the batch
 * forms a unit of work uses (lock, insert, versioned update), and the per-bot order sequence that
 * client order ids are made from.
 */
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialects/capabilities.ts';
import type { BotsTable, LedgerSchema } from '../schema.ts';
import { placeholders, type UpdateColumn, updateManyVersioned } from '../sql/batch.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import type { Bot, BotStatus } from '../../domain/bot/bot.ts';
import { intOut, jsonIn, jsonOut, jsonSelect, type Page, type PageOptions, pageBy, RecordNotFoundError, textOut, timeIn, timeOut } from './codec.ts';

/** Domain field -> column of `bots`: the one map every statement on bots is made from. */
export const BOT_COLUMNS = {
  id: 'id',
  userId: 'user_id',
  pluginId: 'plugin_id',
  exchangeAccountId: 'exchange_account_id',
  symbol: 'symbol',
  config: 'config',
  status: 'status',
  stopReason: 'stop_reason',
  orderTtlMs: 'order_ttl_ms',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  version: 'version',
} as const satisfies Record<keyof Bot, keyof BotsTable>;

type BotField = keyof typeof BOT_COLUMNS;
const BOT_FIELDS = Object.keys(BOT_COLUMNS) as BotField[];

/** Fields an update may change; the id, owner, plugin and creation time are fixed when the bot is made. */
const MUTABLE_BOT_FIELDS = ['exchangeAccountId', 'symbol', 'config', 'status', 'stopReason', 'orderTtlMs', 'updatedAt'] as const satisfies readonly BotField[];

/** A row of `bots` as a domain Bot (config parsed whether it came as text or as pg's jsonb). */
export function botFromRow(row: Record<string, unknown>): Bot {
  return {
    id: String(row.id),
    userId: textOut(row.user_id),
    pluginId: String(row.plugin_id),
    exchangeAccountId: textOut(row.exchange_account_id),
    symbol: String(row.symbol),
    config: jsonOut<Bot['config']>(row.config) ?? {},
    status: row.status as BotStatus,
    stopReason: textOut(row.stop_reason),
    orderTtlMs: intOut(row.order_ttl_ms),
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version ?? 1),
  };
}

function botColumnValue(bot: Bot, field: BotField): unknown {
  if (field === 'config') return jsonIn(bot.config);
  if (field === 'createdAt' || field === 'updatedAt') return timeIn(bot[field], field);
  return bot[field];
}

/** The map's columns, JSON selected as its text (so a JSON string is never mistaken for serialized JSON). */
const PLAIN_BOT_COLUMNS = BOT_FIELDS.filter((field) => field !== 'config').map((field) => BOT_COLUMNS[field]);
const selectBots = (db: Kysely<LedgerSchema>) => db.selectFrom('bots').select([...PLAIN_BOT_COLUMNS, jsonSelect('config').as('config')]);

/** @example const bot = await getBot(db, 'scalper1'); */
export async function getBot(db: Kysely<LedgerSchema>, id: string): Promise<Bot | undefined> {
  const row = await selectBots(db).where('id', '=', id).executeTakeFirst();
  return row ? botFromRow(row) : undefined;
}

/** Ids and symbols of the active bots, by id: what one step of the runtime ticks. */
export async function activeBots(db: Kysely<LedgerSchema>): Promise<{ id: string; symbol: string }[]> {
  const rows = await db.selectFrom('bots').select(['id', 'symbol']).where('status', '=', 'active').orderBy('id').execute();
  return rows.map((row) => ({ id: String(row.id), symbol: String(row.symbol) }));
}

/**
 * The bots with these ids, locked for the rest of the transaction (sorted: no deadlock).
 *
 * @example
 * const [bot] = await lockBots(q, caps, ['b1']);
 */
export async function lockBots(q: SqlExecutor, caps: DialectCapabilities, ids: readonly string[]): Promise<Bot[]> {
  const list = [...new Set(ids)].sort();
  if (list.length === 0) return [];
  const rows = await q.all(`select * from bots where id in (${placeholders(list.length)}) order by id${caps.rowLocks ? ' for update' : ''}`, list);
  return rows.map(botFromRow);
}

/**
 * Inserts bots. A bot's client-order-id counter starts after any sequence the venue is known to
 * have used for its id (client_order_sequence_floors), so a bot made again with the id of one a
 * restore took away never reuses that one's client order ids.
 */
export async function insertBots(q: SqlExecutor, bots: readonly Bot[]): Promise<void> {
  const columns = BOT_FIELDS.map((field) => BOT_COLUMNS[field]);
  const sql = `insert into bots (${columns.join(', ')}, order_sequence) values (${placeholders(columns.length)}, coalesce((select sequence from client_order_sequence_floors where bot_id = ?), 0))`;
  for (const bot of bots) await q.run(sql, [...BOT_FIELDS.map((field) => botColumnValue(bot, field)), bot.id]);
}

const UPDATE_COLUMNS: UpdateColumn[] = MUTABLE_BOT_FIELDS.map((field) => ({
  name: BOT_COLUMNS[field],
  type: (caps: DialectCapabilities) => (field === 'config' ? caps.jsonType : field === 'updatedAt' ? caps.timestampType : field === 'orderTtlMs' ? 'bigint' : 'text'),
}));

/**
 * Writes the mutable columns of each bot where the stored row is still at `expectedVersion`; the
 * stored version becomes `bot.version`. Throws StaleRowError naming the bots that had moved.
 */
export async function updateBots(q: SqlExecutor, caps: DialectCapabilities, updates: readonly { bot: Bot; expectedVersion: number }[]): Promise<void> {
  if (updates.length === 0) return;
  await updateManyVersioned(
    q,
    caps,
    'bots',
    'id',
    UPDATE_COLUMNS,
    updates.map(({ bot, expectedVersion }) => ({ key: bot.id, expectedVersion, newVersion: bot.version, values: MUTABLE_BOT_FIELDS.map((field) => botColumnValue(bot, field)) })),
    (id) => `bot ${id}`,
  );
}

/**
 * Takes the bot's next order sequence number (1, 2, ...) atomically; feed it to makeClientOrderId.
 * Throws naming the bot when it does not exist. Numbers taken in a transaction that rolls back
 * are handed out again, which is right: no order was recorded with them.
 */
export async function nextOrderSequence(q: SqlExecutor, botId: string): Promise<number> {
  const row = await q.get<{ order_sequence: unknown }>('update bots set order_sequence = order_sequence + 1 where id = ? returning order_sequence', [botId]);
  if (!row) throw new RecordNotFoundError('bots', botId, `bot "${botId}" does not exist, so it has no order sequence`);
  return intOut(row.order_sequence);
}

/** Moves the bot's client-order-id counter up to `sequence` (never down); true when it moved. */
export async function raiseOrderSequence(q: SqlExecutor, botId: string, sequence: number): Promise<boolean> {
  return (await q.run('update bots set order_sequence = ? where id = ? and order_sequence < ?', [sequence, botId, sequence])) > 0;
}

/** Records that the venue has used client-order-id `sequence` for `botId` (kept as the highest seen). */
export async function raiseSequenceFloor(q: SqlExecutor, botId: string, sequence: number, at: string): Promise<void> {
  await q.run(
    `insert into client_order_sequence_floors (bot_id, sequence, updated_at) values (?, ?, ?)
     on conflict (bot_id) do update set sequence = excluded.sequence, updated_at = excluded.updated_at
     where client_order_sequence_floors.sequence < excluded.sequence`,
    [botId, sequence, at],
  );
}

/** The highest client-order-id sequence the venue is known to have used for `botId` (0: none recorded). */
export async function sequenceFloor(q: SqlExecutor, botId: string): Promise<number> {
  const row = await q.get<{ sequence: unknown }>('select sequence from client_order_sequence_floors where bot_id = ?', [botId]);
  return Number(row?.sequence ?? 0);
}

export interface BotFilter {
  readonly status?: BotStatus | readonly BotStatus[];
  readonly pluginId?: string;
  readonly userId?: string;
}

/**
 * Bots matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const { items } = await listBots(db, { status: 'active' });
 */
export async function listBots(db: Kysely<LedgerSchema>, filter: BotFilter = {}, page: PageOptions = {}): Promise<Page<Bot>> {
  let query = selectBots(db);
  if (filter.status !== undefined)
    query = query.where('status', 'in', typeof filter.status === 'string' ? [filter.status] : [...filter.status]);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  return pageBy(query, { time: 'created_at', id: 'id' }, page, botFromRow, (bot) => ({ at: bot.createdAt, id: bot.id }));
}
