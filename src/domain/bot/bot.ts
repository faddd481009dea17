/**
 * A bot's lifecycle (active, stopped, deleted) and the auto-stop rule of seed 000: a cancel that
 * botledger did not ask for stops the bot, and the stop reason names the order.
 * Pure: `now` and ids come in as arguments.
 */
import { DomainError } from '../errors.ts';
import { BOT_ID_PATTERN } from '../order/client-order-id.ts';
import { isSystemCancellation, outsideCancelReason } from '../order/reasons.ts';
import { DEFAULT_ORDER_TTL_MS } from '../order/retry-policy.ts';

export const BOT_STATUSES = ['active', 'stopped', 'deleted'] as const;
export type BotStatus = (typeof BOT_STATUSES)[number];

/** Longest bot id, so that `bl-<botId>-<sequence>` fits a 32-character venue limit with room for 10^9 orders. */
export const MAX_BOT_ID_LENGTH = 16;

/**
 * Longest order TTL: a year. Past that a retry deadline means nothing to a trader, and far enough
 * past it (8.64e15 ms from 1970) it is not even a date.
 */
export const MAX_ORDER_TTL_MS = 365 * 24 * 60 * 60 * 1000;

/** A JSON value (bot config). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface Bot {
  readonly id: string;
  readonly userId: string | null;
  readonly pluginId: string;
  readonly exchangeAccountId: string | null;
  readonly symbol: string;
  readonly config: { readonly [key: string]: JsonValue };
  readonly status: BotStatus;
  /** Why it is stopped (or deleted); null while active. */
  readonly stopReason: string | null;
  /** How long a failed order of this bot keeps being retried. */
  readonly orderTtlMs: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic concurrency: storage bumps it on every update. */
  readonly version: number;
}

export interface NewBotInput {
  readonly id: string;
  readonly pluginId: string;
  readonly symbol: string;
  readonly userId?: string | null;
  readonly exchangeAccountId?: string | null;
  readonly config?: { readonly [key: string]: JsonValue };
  readonly orderTtlMs?: number;
}

/** The result of a lifecycle command: `changed` is false for a repeat (stop on a stopped bot). */
export interface BotChange {
  readonly bot: Bot;
  readonly changed: boolean;
  /** A whole sentence for the event log. */
  readonly message: string;
}

function invalid(bot: Bot, action: string, why: string): DomainError {
  return new DomainError('INVALID_BOT_TRANSITION', `cannot ${action} bot ${bot.id}: ${why}`, { botId: bot.id, status: bot.status });
}

/**
 * A new, active bot. The id must be at most {@link MAX_BOT_ID_LENGTH} of [A-Za-z0-9_-] because
 * it is embedded in every client order id.
 *
 * @example
 * createBot({ id: 'scalper1', pluginId: 'scalper', symbol: 'BTC/USDT' }, new Date()).status; // 'active'
 */
export function createBot(input: NewBotInput, now: Date): Bot {
  if (typeof input.id !== 'string' || !BOT_ID_PATTERN.test(input.id) || input.id.length > MAX_BOT_ID_LENGTH) {
    throw new DomainError('INVALID_FIELD', `bot id must be 1 to ${MAX_BOT_ID_LENGTH} letters, digits, "-" or "_", got "${input.id}"`, {
      field: 'id',
    });
  }
  if (typeof input.pluginId !== 'string' || !input.pluginId.trim())
    throw new DomainError('INVALID_FIELD', 'pluginId must be a non-empty string', { field: 'pluginId' });
  if (typeof input.symbol !== 'string' || !input.symbol.trim())
    throw new DomainError('INVALID_FIELD', 'symbol must be a non-empty string', { field: 'symbol' });
  const ttl = input.orderTtlMs ?? DEFAULT_ORDER_TTL_MS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_ORDER_TTL_MS)
    throw new DomainError('INVALID_FIELD', `orderTtlMs must be a positive integer of milliseconds, at most ${MAX_ORDER_TTL_MS} (a year), got ${ttl}`, {
      field: 'orderTtlMs',
    });
  const at = now.toISOString();
  return {
    id: input.id,
    userId: input.userId ?? null,
    pluginId: input.pluginId,
    exchangeAccountId: input.exchangeAccountId ?? null,
    symbol: input.symbol,
    config: input.config ?? {},
    status: 'active',
    stopReason: null,
    orderTtlMs: ttl,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/**
 * Stops an active bot with a reason ("Stopped by alice"). Stopping a stopped bot is a repeat; a
 * deleted bot cannot be stopped. Cancelling its live orders (STOP) is the engine's job.
 *
 * @example
 * stopBot(bot, 'Stopped by alice', now).bot.status; // 'stopped'
 */
export function stopBot(bot: Bot, stopReason: string, now: Date): BotChange {
  if (bot.status === 'deleted') throw invalid(bot, 'stop', 'it is deleted');
  if (bot.status === 'stopped')
    return { bot, changed: false, message: `Bot ${bot.id} is already stopped: ${bot.stopReason ?? ''}`.trimEnd() };
  return {
    bot: { ...bot, status: 'stopped', stopReason, updatedAt: now.toISOString() },
    changed: true,
    message: `Bot ${bot.id} stopped: ${stopReason}`,
  };
}

/**
 * Starts a stopped bot again (clears the stop reason). Starting an active bot is a repeat.
 *
 * @example
 * startBot(stoppedBot, now).bot.status; // 'active'
 */
export function startBot(bot: Bot, now: Date): BotChange {
  if (bot.status === 'deleted') throw invalid(bot, 'start', 'it is deleted');
  if (bot.status === 'active') return { bot, changed: false, message: `Bot ${bot.id} is already active` };
  return {
    bot: { ...bot, status: 'active', stopReason: null, updatedAt: now.toISOString() },
    changed: true,
    message: `Bot ${bot.id} started`,
  };
}

/**
 * Deletes a bot (kept as a row with status deleted, so its orders and trades keep their owner).
 * Final: a deleted bot cannot be started, stopped or updated.
 *
 * @example
 * deleteBot(bot, 'Deleted by alice', now).bot.status; // 'deleted'
 */
export function deleteBot(bot: Bot, reason: string, now: Date): BotChange {
  if (bot.status === 'deleted') return { bot, changed: false, message: `Bot ${bot.id} is already deleted` };
  return {
    bot: { ...bot, status: 'deleted', stopReason: reason, updatedAt: now.toISOString() },
    changed: true,
    message: `Bot ${bot.id} deleted: ${reason}`,
  };
}

/**
 * Changes a bot's config (the engine cancels and replaces its live order with UPDATE). The bot
 * keeps its status: an update never stops a bot.
 *
 * @example
 * updateBotConfig(bot, { buyPrice: '100' }, now).bot.config; // { buyPrice: '100' }
 */
export function updateBotConfig(bot: Bot, config: { readonly [key: string]: JsonValue }, now: Date): BotChange {
  if (bot.status === 'deleted') throw invalid(bot, 'update', 'it is deleted');
  return { bot: { ...bot, config, updatedAt: now.toISOString() }, changed: true, message: `Bot ${bot.id} updated` };
}

/** The facts of a cancelled order the auto-stop rule needs. */
export interface CancelledOrderFacts {
  readonly clientOrderId: string;
  readonly botId: string | null;
  readonly status: string;
  readonly cancellationReason: string | null;
}

/**
 * The auto-stop rule: a cancelled order of this bot with no system cancellation reason (NULL or
 * OUTSIDE) stops an active bot, with a stop reason naming the order. Anything else changes nothing.
 *
 * @example
 * autoStopForCancelledOrder(bot, { clientOrderId: 'bl-b1-7', botId: 'b1', status: 'cancelled', cancellationReason: 'OUTSIDE' }, now);
 * // { bot: { status: 'stopped', stopReason: 'Order bl-b1-7 cancelled outside botledger - bot stopped' }, changed: true, ... }
 */
export function autoStopForCancelledOrder(bot: Bot, order: CancelledOrderFacts, now: Date): BotChange {
  if (order.botId !== bot.id || order.status !== 'cancelled' || isSystemCancellation(order.cancellationReason)) {
    return {
      bot,
      changed: false,
      message: `Bot ${bot.id} keeps running: order ${order.clientOrderId} was not cancelled outside botledger`,
    };
  }
  if (bot.status !== 'active')
    return { bot, changed: false, message: `Bot ${bot.id} is ${bot.status}; order ${order.clientOrderId} was cancelled outside botledger` };
  const reason = outsideCancelReason(order.clientOrderId, true);
  return { bot: { ...bot, status: 'stopped', stopReason: reason, updatedAt: now.toISOString() }, changed: true, message: reason };
}
