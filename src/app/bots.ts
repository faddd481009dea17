/**
 * Bots: create, update, stop, start, delete (on the venue: they cancel or place orders) and the
 * queries. Input is checked before anything is stored (the plugin's config schema, the symbol);
 * after a command the venue's answers are awaited, so what is returned is the committed state, with
 * what the plugin's reaction did when it went wrong (BOT_STOPPED, ORDER_FAILED) and a notice when
 * a person's cancel at the venue came first (CANCELLED_OUTSIDE, issue 6, defect 4).
 */
import type { Bot } from '../domain/bot/bot.ts';
import { DomainError } from '../domain/errors.ts';
import type { Order } from '../domain/order/order.ts';
import { type Position, stopLossState } from '../domain/position/position.ts';
import { describeHeldPosition } from '../engine/bots/take-down.ts';
import { describeImmediateLoss, ImmediateLossError } from '../engine/bots/update-preview.ts';
import { PluginConfigError, type PluginRegistry, parsePluginConfig } from '../plugins/plugin-api.ts';
import { getBot, listBots as listStoredBots } from '../storage/repositories/bots.ts';
import { countOrdersByStatus, getOrder, listOrders } from '../storage/repositories/orders.ts';
import { getPosition, listPositions } from '../storage/repositories/positions.ts';
import type { LedgerErrorCode } from './error-catalog.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { firstAdminId } from './users.ts';
import { type OwnerOption, ownedBy } from './ownership.ts';
import type { VenueInfo } from './venue.ts';

/** A bot as commands show it (JSON). */
export function botView(bot: Bot) {
  return {
    id: bot.id,
    pluginId: bot.pluginId,
    symbol: bot.symbol,
    status: bot.status,
    stopReason: bot.stopReason,
    orderTtlSeconds: bot.orderTtlMs / 1000,
    config: bot.config,
    createdAt: bot.createdAt,
    updatedAt: bot.updatedAt,
  };
}

/** What went wrong after a command was done (its code is in the error catalogue). */
export interface CommandFailure {
  readonly code: LedgerErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** The flag each field the engine checks comes from (config fields come from --config). */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  symbol: '--symbol',
  orderTtlMs: '--ttl',
  id: '--id',
  botId: '--id',
  pluginId: '--plugin',
};

/** The engine's refusal of a value, naming the flag and, for --config, the field (the code stays). */
function namingTheFlag(error: unknown): unknown {
  if (error instanceof PluginConfigError) {
    return new LedgerError(error.code, `--config: ${error.message}`, {
      flag: '--config',
      plugin: error.pluginId,
      field: error.issues[0]?.path,
      issues: error.issues,
    });
  }
  if (error instanceof DomainError) {
    const flag = FLAG_OF_FIELD[String(error.details.field)];
    if (flag && error.code !== 'INVALID_BOT_TRANSITION')
      return new LedgerError(error.code, `${flag}: ${error.message}`, { ...error.details, flag });
  }
  return error;
}

const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;

/**
 * Checks a bot's plugin and config (its schema) now, so nothing is opened or stored for a bad one;
 * the error names the field. With `symbol`, checks its form too.
 *
 * @example
 * checkBotInput(builtInPlugins(), { pluginId: 'scalper', symbol: 'BTC/USDT', config });
 */
export function checkBotInput(
  plugins: PluginRegistry,
  input: { pluginId: string; symbol?: string; config: Record<string, unknown> },
): void {
  if (input.symbol !== undefined && !SYMBOL_PATTERN.test(input.symbol))
    throw new LedgerError('SYMBOL_INVALID', `--symbol must look like BASE/QUOTE in capitals, such as BTC/USDT, got "${input.symbol}"`, {
      flag: '--symbol',
    });
  let plugin: ReturnType<typeof plugins.get>;
  try {
    plugin = plugins.get(input.pluginId);
  } catch (error) {
    throw new LedgerError('PLUGIN_UNKNOWN', `--plugin: ${(error as Error).message}`, { flag: '--plugin' });
  }
  try {
    parsePluginConfig(plugin, input.config);
  } catch (error) {
    if (!(error instanceof PluginConfigError)) throw error;
    throw new LedgerError(error.code, `--config: ${error.message}`, { flag: '--config', plugin: input.pluginId, issues: error.issues });
  }
}

/**
 * What went wrong with the plugin's reaction to a command: the bot was stopped, or an order it
 * placed was rejected (failed). The bot stays as created or updated either way.
 */
function reactionFailure(done: string, bot: Bot, wasActive: boolean, placed: readonly Order[]): CommandFailure | undefined {
  if (wasActive && bot.status !== 'active') {
    return {
      code: 'BOT_STOPPED',
      message: `${done}, but it is ${bot.status}: ${bot.stopReason ?? 'no reason recorded'}`,
      details: { botId: bot.id },
    };
  }
  const failed = placed.filter((order) => order.status === 'failed');
  if (failed.length === 0) return undefined;
  return {
    code: 'ORDER_FAILED',
    message: `${done}, but ${failed.map((order) => `its order ${order.clientOrderId} failed: ${order.reason}`).join('; ')} (the venue's answer; see \`botledger orders retry|drop\`)`,
    details: { botId: bot.id, orders: failed.map((order) => order.clientOrderId) },
  };
}

/** With an owner, another user's bot is exactly like a missing one (BOT_NOT_FOUND), so ids do not leak. */
async function existingBot(ledger: Pick<Ledger, 'database'>, id: string, owner?: string): Promise<Bot> {
  const found = await getBot(ledger.database.db, id);
  const bot = found && ownedBy(found, owner) ? found : undefined;
  if (!bot) throw new LedgerError('BOT_NOT_FOUND', `bot ${id} does not exist (see \`botledger bots list\`)`, { botId: id });
  return bot;
}

/** A new bot. */
export interface CreateBotRequest {
  readonly id: string;
  readonly pluginId: string;
  readonly symbol: string;
  readonly config: Record<string, unknown>;
  readonly orderTtlMs?: number;
  /** The user the bot belongs to (its orders, positions and trades too); none: a bot of no user (the CLI before users). */
  readonly userId?: string;
  /** Who asks (default: the command line). */
  readonly origin?: CommandOrigin;
}

/**
 * Creates an active bot; its plugin places its first orders on the venue. Returns the bot, its
 * orders once the venue answered, and the failure of the plugin's reaction, if any.
 *
 * @example
 * const { bot, orders, failure } = await createBot(ledger, { id: 'scalp1', pluginId: 'scalper', symbol: 'BTC/USDT', config });
 */
export async function createBot(
  ledger: Ledger,
  request: CreateBotRequest,
): Promise<{ bot: Bot; orders: Order[]; failure?: CommandFailure }> {
  checkBotInput(ledger.plugins, request);
  const { runtime } = venueOf(ledger);
  const existing = await getBot(ledger.database.db, request.id);
  // Bot ids are one namespace for every user: another user's bot is refused too, without its status.
  if (existing) {
    const status = ownedBy(existing, request.userId) ? ` (status ${existing.status})` : '';
    throw new LedgerError('BOT_EXISTS', `--id: a bot "${request.id}" already exists${status}`, { flag: '--id', field: 'id' });
  }
  try {
    // Every bot belongs to a user: without one named, the first admin (as the command line acts).
    const { origin, ...bot } = request;
    const userId = bot.userId ?? (await firstAdminId(ledger));
    await runtime.bots.create({ ...bot, userId }, origin?.source ?? 'cli');
  } catch (error) {
    throw namingTheFlag(error);
  }
  await ledger.settle();
  const bot = await runtime.bots.get(request.id);
  const { items } = await listOrders(ledger.database.db, { botId: request.id }, { limit: 10 });
  return { bot, orders: items, failure: reactionFailure(`bot ${request.id} was created`, bot, true, items) };
}

/**
 * One bot, its order counts by status and its latest orders.
 *
 * @example
 * const { bot, counts, recentOrders } = await showBot(ledger, 'scalp1');
 */
export async function showBot(
  ledger: Pick<Ledger, 'database'>,
  id: string,
  options: OwnerOption = {},
): Promise<{ bot: Bot; counts: Record<string, number>; recentOrders: Order[] }> {
  const bot = await existingBot(ledger, id, options.owner);
  const counts = await countOrdersByStatus(ledger.database.db, { botId: id });
  const recent = await listOrders(ledger.database.db, { botId: id }, { limit: 10 });
  return { bot, counts, recentOrders: recent.items };
}

/**
 * Every bot (of a status; of the owner, with one), oldest first.
 *
 * @example
 * const bots = await listBots(ledger, 'active', { owner: 'u1' });
 */
export async function listBots(ledger: Pick<Ledger, 'database'>, status?: Bot['status'], options: OwnerOption = {}): Promise<Bot[]> {
  const filter = { ...(status ? { status } : {}), ...(options.owner !== undefined ? { userId: options.owner } : {}) };
  return (await listStoredBots(ledger.database.db, filter, { limit: 1000, direction: 'asc' })).items;
}

/** Orders a command took down that ended cancelled outside botledger, and what that means. */
export interface OutsideCancel {
  readonly message: string;
  readonly orders: { id: string; clientOrderId: string; reason: string }[];
}

/** A position a stopped or deleted bot held, and what became of it. */
export interface HeldPositionReport {
  /** "Bot X stopped; it still holds long 0.01 BTC/USDT (position P), protected by its stop-loss at 59000 (order ...)", or NOT protected, or being closed. */
  readonly message: string;
  /** The position after the command (closed when --close-position closed it). */
  readonly position: Position;
  readonly stopLossState: 'none' | 'unprotected' | 'protected';
  /** The stop-loss order kept at the venue, if any. */
  readonly stopOrder: Order | null;
  /** With --close-position: the order that closes it. */
  readonly closingOrder: Order | null;
}

/** What a lifecycle command did. */
export interface BotChange {
  readonly bot: Bot;
  readonly before: { status: Bot['status'] };
  /** A person's cancel at the venue came first and stopped the bot (CANCELLED_OUTSIDE): the command did not do what was asked. */
  readonly cancelledOutside?: OutsideCancel;
  /** Stop and delete: the positions the bot held (kept under their stop-loss, or closed with --close-position). */
  readonly positions?: HeldPositionReport[];
}

/** What `updateBot` did. */
export interface BotUpdate extends BotChange {
  readonly cancelled: Order[];
  readonly placed: Order[];
  /** The plugin's reaction went wrong (the config is saved). */
  readonly failure?: CommandFailure;
  /** With `allowImmediateLoss`: the sales at a loss the new config makes at once. */
  readonly warning?: string;
}

/**
 * Changes a bot's config: cancels its live order (UPDATE) and places the replacement. A config that
 * would sell the open position at once at a loss is refused (UPDATE_SELLS_AT_A_LOSS, nothing
 * changed) unless `allowImmediateLoss`.
 *
 * @example
 * const { bot, cancelled, placed, failure } = await updateBot(ledger, 'scalp1', config);
 */
export async function updateBot(
  ledger: Ledger,
  id: string,
  config: Record<string, unknown>,
  options: { allowImmediateLoss?: boolean; owner?: string; origin?: CommandOrigin } = {},
): Promise<BotUpdate> {
  // Another user's bot is refused as missing before the venue is even looked at.
  const before = await existingBot(ledger, id, options.owner);
  const { runtime, info } = venueOf(ledger);
  checkBotInput(ledger.plugins, { pluginId: before.pluginId, config });
  const db = ledger.database.db;
  const liveOrders = [
    ...(await listOrders(db, { botId: id, status: ['pending', 'failed'] }, { limit: 1000 })).items,
    ...(await cancelledAtStart(ledger, id, info)),
  ];
  const live = liveOrders.map((order) => order.id);
  const startedAt = new Date().toISOString();
  let warning: string | undefined;
  try {
    if (options.allowImmediateLoss) {
      const sales = await runtime.bots.previewUpdate(id, config);
      if (sales.length > 0) warning = `${describeImmediateLoss(id, sales)}; updating anyway (--yes)`;
    }
    await runtime.bots.update(id, config, options.origin?.source ?? 'cli', {
      immediateLoss: options.allowImmediateLoss ? 'allow' : 'refuse',
    });
  } catch (error) {
    if (error instanceof ImmediateLossError)
      throw new LedgerError(error.code, `${describeImmediateLoss(id, error.sales)}. Nothing was changed; pass --yes to update anyway.`, {
        botId: id,
        sales: error.sales,
      });
    throw namingTheFlag(error);
  }
  await ledger.settle();
  const bot = await runtime.bots.get(id);
  const orders = (await listOrders(db, { botId: id }, { limit: 1000 })).items;
  const cancelled = orders.filter((order) => live.includes(order.id) && order.cancellationReason === 'UPDATE');
  const placed = orders.filter((order) => !live.includes(order.id) && order.createdAt >= startedAt);
  // A person's cancel at the venue that came first stopped the bot: that is the answer, not a failed reaction.
  const cancelledOutside = await outsideCancel(ledger, 'update', bot, liveOrders);
  const failure = cancelledOutside ? undefined : reactionFailure(`bot ${id} was updated`, bot, before.status === 'active', placed);
  return { bot, before: { status: before.status }, cancelled, placed, cancelledOutside, failure, warning };
}

type Lifecycle = 'stop' | 'start' | 'delete';

/** Who asks for a command: the command line (the default) or the REST API, as whom; for the event log and the stop reason. */
export interface CommandOrigin {
  readonly source: 'cli' | 'api';
  /** The person (an API user's name). */
  readonly actor?: string;
}

/** "from the command line", or "through the API by alice". */
function originText(origin: CommandOrigin | undefined): string {
  return origin?.source === 'api' ? `through the API${origin.actor ? ` by ${origin.actor}` : ''}` : 'from the command line';
}

/** Options of {@link stopBot} and {@link deleteBot}. */
export interface EndBotRequest {
  /** Close the positions the bot holds at market instead of keeping them under their stop-loss. */
  readonly closePosition?: boolean;
  /** With an owner, another user's bot is BOT_NOT_FOUND and nothing is done. */
  readonly owner?: string;
  readonly origin?: CommandOrigin;
}

/** The bot's open positions and their live stop-loss orders, as the command finds them. */
async function heldBefore(ledger: Ledger, botId: string): Promise<{ position: Position; stopOrder?: Order }[]> {
  const db = ledger.database.db;
  const positions = (await listPositions(db, { botId, status: 'open' }, { limit: 1000 })).items;
  if (positions.length === 0) return [];
  const stops = (await listOrders(db, { botId, status: 'pending' }, { limit: 1000 })).items.filter(
    (order) => order.intent === 'stop_loss' && order.cancellationReason === null,
  );
  return positions.map((position) => {
    const mine = stops.filter((order) => order.symbol === position.symbol);
    return { position, stopOrder: mine.find((order) => order.id === position.slOrderId) ?? mine[0] };
  });
}

/** What became of each held position, after the command settled. */
async function heldAfter(
  ledger: Ledger,
  botId: string,
  done: 'stopped' | 'deleted',
  held: { position: Position; stopOrder?: Order }[],
  closing: boolean,
  since: string,
): Promise<HeldPositionReport[]> {
  const db = ledger.database.db;
  const exits = closing
    ? (await listOrders(db, { botId }, { limit: 1000 })).items.filter((order) => order.intent === 'exit' && order.createdAt >= since)
    : [];
  return Promise.all(
    held.map(async ({ position, stopOrder }) => ({
      message: describeHeldPosition(botId, done, position, stopOrder, closing),
      position: (await getPosition(db, position.id)) ?? position,
      stopLossState: stopOrder ? 'protected' : stopLossState(position),
      stopOrder: stopOrder ? ((await getOrder(db, stopOrder.id)) ?? stopOrder) : null,
      closingOrder: exits.find((order) => order.symbol === position.symbol) ?? null,
    })),
  );
}

async function lifecycle(ledger: Ledger, action: Lifecycle, id: string, request: EndBotRequest = {}): Promise<BotChange> {
  const before = await existingBot(ledger, id, request.owner);
  const { runtime, info } = venueOf(ledger);
  const bots = runtime.bots;
  // The orders this command takes down, to tell afterwards whether a person got there first;
  // also those that reconciliation at start (just before this command) found cancelled at the venue.
  const live =
    action === 'start'
      ? []
      : [
          ...(await listOrders(ledger.database.db, { botId: id, status: 'pending' }, { limit: 1000 })).items,
          ...(await cancelledAtStart(ledger, id, info)),
        ];
  const held = action === 'start' ? [] : await heldBefore(ledger, id);
  const since = new Date(ledger.clock.now()).toISOString();
  const options = { closePosition: request.closePosition ?? false };
  const source = request.origin?.source ?? 'cli';
  if (action === 'stop') await bots.stop(id, `Stopped ${originText(request.origin)}`, source, options);
  else if (action === 'delete') await bots.delete(id, `Deleted ${originText(request.origin)}`, source, options);
  else await bots.start(id, source);
  // Wait for the venue's cancel/place answers, so the returned state is the committed one.
  await ledger.settle();
  const bot = await bots.get(id);
  const positions =
    action === 'start'
      ? undefined
      : await heldAfter(ledger, id, action === 'stop' ? 'stopped' : 'deleted', held, options.closePosition, since);
  return {
    bot,
    before: { status: before.status },
    cancelledOutside: await outsideCancel(ledger, action, bot, live),
    ...(positions ? { positions } : {}),
  };
}

/**
 * Stops a bot and cancels its live entries and exits (STOP). A position it holds keeps its
 * stop-loss (what it holds is said in `positions`), or is closed at market with `closePosition`.
 *
 * @example
 * const { bot, cancelledOutside, positions } = await stopBot(ledger, 'scalp1', { closePosition: true });
 */
export function stopBot(ledger: Ledger, id: string, request: EndBotRequest = {}): Promise<BotChange> {
  return lifecycle(ledger, 'stop', id, request);
}

/**
 * Starts a stopped bot; its plugin places its orders again.
 *
 * @example
 * const { bot } = await startBot(ledger, 'scalp1', { owner: 'u1' });
 */
export function startBot(ledger: Ledger, id: string, options: OwnerOption & { origin?: CommandOrigin } = {}): Promise<BotChange> {
  return lifecycle(ledger, 'start', id, { owner: options.owner, origin: options.origin });
}

/**
 * Deletes a bot (kept as deleted) and cancels its live entries and exits (DELETE); a position it
 * holds is kept under its stop-loss or closed, as {@link stopBot} does.
 *
 * @example
 * const { bot, positions } = await deleteBot(ledger, 'scalp1');
 */
export function deleteBot(ledger: Ledger, id: string, request: EndBotRequest = {}): Promise<BotChange> {
  return lifecycle(ledger, 'delete', id, request);
}

/**
 * The bot's orders that reconciliation at start (just before the command) found cancelled at the
 * venue: a person got there before this command too (issue 6, defects 4 and 6).
 */
async function cancelledAtStart(ledger: Ledger, botId: string, venue: VenueInfo | undefined): Promise<Order[]> {
  const changed = new Set(venue?.reconciliation?.changed ?? []);
  if (changed.size === 0) return [];
  return (await listOrders(ledger.database.db, { botId, status: 'cancelled' }, { limit: 1000 })).items.filter((order) =>
    changed.has(order.clientOrderId),
  );
}

/** Those of `orders` that ended cancelled outside botledger (issue 6, defect 4), with the notice. */
async function outsideCancel(
  ledger: Ledger,
  action: Lifecycle | 'update',
  bot: Bot,
  orders: readonly Order[],
): Promise<OutsideCancel | undefined> {
  const after = await Promise.all(orders.map((order) => getOrder(ledger.database.db, order.id)));
  const outside = after.flatMap((order) =>
    order?.cancellationReason === 'OUTSIDE' ? [{ id: order.id, clientOrderId: order.clientOrderId, reason: order.reason }] : [],
  );
  if (outside.length === 0) return undefined;
  const ids = outside.map((order) => order.clientOrderId).join(', ');
  const state = bot.status === 'deleted' ? 'the bot is deleted' : 'the bot is stopped';
  const next =
    action === 'update' && bot.status === 'stopped'
      ? ` The new config is saved; \`botledger bots start ${bot.id}\` places its orders again.`
      : '';
  return {
    message: `Order ${ids} was cancelled outside botledger (at the venue) before this ${action} reached it: ${state}.${next}`,
    orders: outside,
  };
}
