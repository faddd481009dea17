/**
 * Bots: insert, get, update with an optimistic `version` check, list, and the per-bot order
 * sequence that client order ids are made from.
 */
import type { Kysely } from 'kysely';
import type { Bot, BotStatus } from '../../domain/bot/bot.ts';
import { RecordNotFoundError, intOut, jsonIn, jsonOut, jsonSelect, type Page, type PageOptions, pageBy, timeIn, timeOut } from './codec.ts';

const BOT_COLUMNS = [
  'id',
  'user_id',
  'plugin_id',
  'exchange_account_id',
  'symbol',
  'status',
  'stop_reason',
  'order_ttl_ms',
  'created_at',
  'updated_at',
  'version',
] as const;

function botFromRow(row: Record<string, unknown>): Bot {
  return {
    id: String(row.id),
    userId: (row.user_id as string | null) ?? null,
    pluginId: String(row.plugin_id),
    exchangeAccountId: (row.exchange_account_id as string | null) ?? null,
    symbol: String(row.symbol),
    config: jsonOut<Bot['config']>(row.config) ?? {},
    status: row.status as BotStatus,
    stopReason: (row.stop_reason as string | null) ?? null,
    orderTtlMs: intOut(row.order_ttl_ms),
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version),
  };
}

const selectBots = (db: Kysely<any>) => db.selectFrom('bots').select([...BOT_COLUMNS, jsonSelect('config').as('config')]);

/**
 * Records a new bot (from createBot).
 *
 * @example
 * await insertBot(db, createBot({ id: 'scalper1', pluginId: 'scalper', symbol: 'BTC/USDT' }, now));
 */
export async function insertBot(db: Kysely<any>, bot: Bot): Promise<void> {
  await db
    .insertInto('bots')
    .values({
      id: bot.id,
      user_id: bot.userId,
      plugin_id: bot.pluginId,
      exchange_account_id: bot.exchangeAccountId,
      symbol: bot.symbol,
      config: jsonIn(bot.config),
      status: bot.status,
      stop_reason: bot.stopReason,
      order_ttl_ms: bot.orderTtlMs,
      created_at: timeIn(bot.createdAt, 'createdAt'),
      updated_at: timeIn(bot.updatedAt, 'updatedAt'),
      version: bot.version,
    })
    .execute();
}

/** @example const bot = await getBot(db, 'scalper1'); */
export async function getBot(db: Kysely<any>, id: string): Promise<Bot | undefined> {
  const row = await selectBots(db).where('id', '=', id).executeTakeFirst();
  return row ? botFromRow(row) : undefined;
}

/**
 * Writes `bot` only if the stored row still has `bot.version`; the stored version becomes
 * `bot.version + 1`. False (nothing changed) when someone else updated it in between.
 *
 * @example
 * const { bot: next, changed } = autoStopForCancelledOrder(bot, order, now);
 * if (changed && !(await updateBot(trx, next))) { ... re-read and decide again ... }
 */
export async function updateBot(db: Kysely<any>, bot: Bot): Promise<boolean> {
  const result = await db
    .updateTable('bots')
    .set({
      exchange_account_id: bot.exchangeAccountId,
      symbol: bot.symbol,
      config: jsonIn(bot.config),
      status: bot.status,
      stop_reason: bot.stopReason,
      order_ttl_ms: bot.orderTtlMs,
      updated_at: timeIn(bot.updatedAt, 'updatedAt'),
      version: bot.version + 1,
    })
    .where('id', '=', bot.id)
    .where('version', '=', bot.version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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
export async function listBots(db: Kysely<any>, filter: BotFilter = {}, page: PageOptions = {}): Promise<Page<Bot>> {
  let query = selectBots(db);
  if (filter.status !== undefined)
    query = query.where('status', 'in', typeof filter.status === 'string' ? [filter.status] : [...filter.status]);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  return pageBy(query, { time: 'created_at', id: 'id' }, page, botFromRow, (bot) => ({ at: bot.createdAt, id: bot.id }));
}

/**
 * Takes the bot's next order sequence number (1, 2, ...) atomically; feed it to makeClientOrderId.
 * Throws naming the bot when it does not exist. Numbers taken in a transaction that rolls back
 * are handed out again, which is right: no order was recorded with them.
 *
 * @example
 * const clientOrderId = makeClientOrderId({ botId: bot.id, sequence: await nextOrderSequence(trx, bot.id), maxLength: 36 });
 */
export async function nextOrderSequence(db: Kysely<any>, botId: string): Promise<number> {
  const row = await db
    .updateTable('bots')
    .set((eb) => ({ order_sequence: eb('order_sequence', '+', 1) }))
    .where('id', '=', botId)
    .returning('order_sequence')
    .executeTakeFirst();
  if (!row) throw new RecordNotFoundError('bots', botId, `bot "${botId}" does not exist, so it has no order sequence`);
  return intOut(row.order_sequence);
}
