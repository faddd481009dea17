/**
 * Bots: create, update, stop, delete, start. Every live order a command takes away is cancelled
 * with its system reason (UPDATE, STOP, DELETE), committed before the venue is asked (take-down.ts);
 * a stop or delete keeps the stop-loss of a position the bot holds, or closes the position.
 *
 * Commands on one bot run one after another (a per-bot queue), so a plugin reaction never sees a
 * half-done update. The venue-event processor is NOT in that queue and never waits for it.
 */
import { type Bot, createBot, deleteBot, type JsonValue, startBot, stopBot, updateBotConfig } from '../../domain/bot/bot.ts';
import type { Order } from '../../domain/order/order.ts';
import { type PlaceCommand, type PluginCommand, type PluginContext, type PluginOrder, type PluginPosition, type PluginRegistry, parsePluginConfig } from '../strategy-plugin.ts';
import type { Position } from '../../domain/position/position.ts';
import { closedOnRequest, closedWhenBotEnded } from '../../domain/position/exit-reasons.ts';
import { closePosition } from '../positions/position-exits.ts';
import { ExchangeError, type MarketRules, type TickerReport } from '../../exchange/exchange-adapter.ts';
import { BotNotActiveError, type ExecutionEngine } from '../orders/execution.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import { isDriverError } from '../../storage/database-errors.ts';
import { StaleRowError } from '../../storage/stale-row-error.ts';
import { makeClientOrderId } from '../../domain/order/client-order-id.ts';
import { assertConfigFitsMarket, assertPlaceable, marketFor } from '../orders/market-checks.ts';
import { ImmediateLossError, type ImmediateSale, immediateLosses, ordersAfterTakeDown } from './update-preview.ts';
import { ProtectionGuard } from './protections.ts';
import { venueAccount } from '../recovery/venue-account.ts';
import { BotNotFoundError, type HeldPosition, takeDownBot } from './take-down.ts';

export { BotNotFoundError };

export interface CreateBotInput {
  readonly id: string;
  readonly pluginId: string;
  readonly symbol: string;
  readonly config: Record<string, unknown>;
  readonly userId?: string | null;
  readonly exchangeAccountId?: string | null;
  /** How long a failed order keeps being retried. */
  readonly orderTtlMs?: number;
}

/** Options of {@link BotService.update}. */
export interface UpdateOptions {
  /**
   * When the new config would sell an open position at once below its entry price: 'refuse'
   * throws {@link ImmediateLossError} and changes nothing; 'allow' (the default) goes ahead.
   */
  readonly immediateLoss?: 'refuse' | 'allow';
}

/** Options of {@link BotService.stop} and {@link BotService.delete}. */
export interface EndBotOptions {
  /** Close the positions the bot holds at market (after its entries and exits are taken down) instead of keeping them under their stop-loss. */
  readonly closePosition?: boolean;
}

/**
 * Errors that say nothing about the bot (the venue or the database is in trouble): they are the
 * caller's to handle, and never stop a bot.
 */
function isInfrastructureError(error: unknown): boolean {
  return error instanceof ExchangeError || error instanceof StaleRowError || isDriverError(error);
}

/** Statuses of orders a plugin still cares about. */
const PLUGIN_VISIBLE: Order['status'][] = ['pending', 'ongoing', 'failed'];

/**
 * @example
 * const bots = new BotService(execution, new PluginRegistry([SCALPER_PLUGIN]));
 * await bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: 'BTC/USDT', config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500' } });
 * await bots.update('scalp1', { amount: '0.01', entryPrice: '58900', takeProfitPrice: '59400' });
 * await bots.stop('scalp1');
 */
export class BotService {
  readonly execution: ExecutionEngine;
  readonly plugins: PluginRegistry;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #tickers = new Map<string, TickerReport>();
  #markets: MarketRules[] | undefined;
  readonly #protections: ProtectionGuard;
  #halted = false;

  constructor(execution: ExecutionEngine, plugins: PluginRegistry) {
    this.execution = execution;
    this.plugins = plugins;
    this.#protections = new ProtectionGuard(execution);
  }

  /**
   * From now on no plugin hook runs and no further plugin command starts; the command in flight
   * finishes (its intent is committed and its venue answer recorded). The safe point at which
   * `run` stops on Ctrl-C or SIGTERM, even while reactions keep coming.
   */
  halt(): void {
    this.#halted = true;
  }

  get halted(): boolean {
    return this.#halted;
  }

  /** Runs `work` after every earlier command on the same bot has finished. */
  serialize<T>(botId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(botId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    this.#queues.set(botId, settled);
    void settled.then(() => {
      if (this.#queues.get(botId) === settled) this.#queues.delete(botId);
    });
    return next;
  }

  /** Resolves when no bot command is queued or running. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()]);
  }

  async get(botId: string): Promise<Bot> {
    const bot = await this.execution.ledger.botById(botId);
    if (!bot) throw new BotNotFoundError(`bot ${botId} does not exist`);
    return bot;
  }

  /**
   * The venue's rules for a symbol it lists (loaded once, again for a symbol not seen yet); an
   * INVALID_FIELD error naming `symbol` and listing the venue's markets otherwise.
   */
  async marketRules(symbol: string): Promise<MarketRules> {
    if (!this.#markets?.some((market) => market.symbol === symbol)) this.#markets = await this.execution.exchange.loadMarkets();
    return marketFor(this.#markets, symbol, this.execution.venueName);
  }

  /**
   * Creates an active bot and places its first orders. Every value is checked before anything is
   * stored: the config by its plugin's schema, its prices and amounts against the money column and
   * the venue's market rules, the symbol against the venue's markets, the id and the order TTL.
   * The error names the field; nothing is written.
   */
  async create(input: CreateBotInput, source: EventSource = 'api'): Promise<Bot> {
    const plugin = this.plugins.get(input.pluginId);
    const config = parsePluginConfig(plugin, input.config) as Record<string, JsonValue>;
    // A bot trades on the engine's exchange account unless told otherwise; its positions carry it.
    const bot = createBot({ ...input, config, exchangeAccountId: input.exchangeAccountId ?? this.execution.accountId }, this.execution.now());
    // Its first client order id must fit the venue's limit, or no order of the bot ever could.
    makeClientOrderId({ botId: bot.id, sequence: 1, maxLength: this.execution.exchange.capabilities.maxClientOrderIdLength });
    assertConfigFitsMarket(plugin, config, await this.marketRules(bot.symbol));
    await this.execution.transact(async (uow) => {
      if (bot.exchangeAccountId === this.execution.accountId) uow.ensureExchangeAccount(venueAccount(this.execution.exchange, bot.createdAt, { id: bot.exchangeAccountId }));
      uow.insertBot(bot);
      uow.appendEvent({ source, type: 'BotCreated', message: `Bot ${bot.id} created (plugin ${bot.pluginId}, ${bot.symbol})`, botId: bot.id, pluginId: bot.pluginId, payload: input, applied: true, at: bot.createdAt });
    });
    await this.serialize(bot.id, () => this.#guarded(bot.id, () => this.#runHook(bot.id, 'start')));
    return this.get(bot.id);
  }

  /**
   * Changes the config: cancels the live orders with UPDATE and places the replacements. The bot
   * stays active. The new config is checked as at {@link create} before anything changes.
   */
  update(botId: string, config: Record<string, unknown>, source: EventSource = 'api', options: UpdateOptions = {}): Promise<Bot> {
    return this.serialize(botId, async () => {
      const current = await this.get(botId);
      const parsed = await this.#checkedConfig(current, config);
      if (options.immediateLoss === 'refuse') {
        const sales = await this.#immediateLosses(current, parsed);
        if (sales.length > 0) throw new ImmediateLossError(botId, sales);
      }
      await takeDownBot(this.execution, botId, 'UPDATE', source, (bot) => updateBotConfig(bot, parsed, this.execution.now()));
      await this.#guarded(botId, () => this.#runHook(botId, 'start'));
      return this.get(botId);
    });
  }

  /**
   * What {@link update} with this config would sell at once at a loss (empty: nothing). Checks the
   * config as `update` does; changes nothing.
   *
   * @example
   * const sales = await bots.previewUpdate('scalp1', { ...config, takeProfitPrice: '59000' });
   */
  previewUpdate(botId: string, config: Record<string, unknown>): Promise<ImmediateSale[]> {
    return this.serialize(botId, async () => {
      const current = await this.get(botId);
      return this.#immediateLosses(current, await this.#checkedConfig(current, config));
    });
  }

  async #checkedConfig(bot: Bot, config: Record<string, unknown>): Promise<Record<string, JsonValue>> {
    const plugin = this.plugins.get(bot.pluginId);
    const parsed = parsePluginConfig(plugin, config) as Record<string, JsonValue>;
    assertConfigFitsMarket(plugin, parsed, await this.marketRules(bot.symbol));
    return parsed;
  }

  /** The plugin's answer to the new config, as after the take-down, checked for sells at a loss. */
  async #immediateLosses(bot: Bot, config: Record<string, JsonValue>): Promise<ImmediateSale[]> {
    if (bot.status !== 'active') return [];
    const context = await this.#context(bot);
    if (context.position?.side !== 'long') return [];
    const ticker = await this.execution.exchange.fetchTicker(bot.symbol);
    const orders = ordersAfterTakeDown(context.orders);
    const plugin = this.plugins.get(bot.pluginId);
    const commands = plugin.onStart({ ...context, config, orders, ticker });
    return immediateLosses(commands, context.position, ticker, plugin.stopLossPrice?.(config));
  }

  /**
   * Stops the bot and cancels its live entries and exits with STOP. A position it holds keeps its
   * stop-loss (the event log says what it holds), or, with `closePosition`, is closed at market.
   */
  stop(botId: string, reason = 'Stopped by user', source: EventSource = 'api', options: EndBotOptions = {}): Promise<Bot> {
    return this.serialize(botId, async () => {
      const { held } = await takeDownBot(this.execution, botId, 'STOP', source, (bot) => stopBot(bot, reason, this.execution.now()), { closing: options.closePosition });
      if (options.closePosition) await this.#closeHeld(botId, 'stopped', held, source);
      return this.get(botId);
    });
  }

  /** Deletes the bot (the row stays, status deleted) as {@link stop} stops it, with DELETE. */
  delete(botId: string, reason = 'Deleted by user', source: EventSource = 'api', options: EndBotOptions = {}): Promise<Bot> {
    return this.serialize(botId, async () => {
      const { held } = await takeDownBot(this.execution, botId, 'DELETE', source, (bot) => deleteBot(bot, reason, this.execution.now()), { closing: options.closePosition });
      if (options.closePosition) await this.#closeHeld(botId, 'deleted', held, source);
      return this.get(botId);
    });
  }

  /** Starts a stopped bot and places the orders its plugin wants. */
  start(botId: string, source: EventSource = 'api'): Promise<Bot> {
    return this.serialize(botId, async () => {
      await this.execution.transact(async (uow) => {
        const bot = await uow.bot(botId);
        if (!bot) throw new BotNotFoundError(`bot ${botId} does not exist`);
        const change = startBot(bot, this.execution.now());
        if (change.changed) uow.saveBot(bot, change.bot);
        uow.appendEvent({ source, type: 'BotStarted', message: change.message, botId, pluginId: bot.pluginId, applied: change.changed, at: this.execution.now().toISOString() });
      });
      await this.#guarded(botId, () => this.#runHook(botId, 'start'));
      return this.get(botId);
    });
  }

  /**
   * Runs a plugin reaction. When it fails for a reason of the bot's own (its plugin threw, its
   * stored config is no longer valid, its order can never be placed), that bot is stopped with a
   * reason saying so and the error goes no further: one broken bot never stops the others. Venue
   * and database trouble is not the bot's fault and is rethrown.
   */
  async #guarded(botId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isInfrastructureError(error) || error instanceof BotNotActiveError || error instanceof BotNotFoundError) throw error;
      await this.#stopBroken(botId, error);
    }
  }

  async #stopBroken(botId: string, error: unknown): Promise<void> {
    let why = (error as Error)?.message ?? String(error);
    const stored = await this.get(botId);
    try {
      // Name the field when a stored value is what is wrong (saved before these checks existed).
      createBot(stored, this.execution.now());
      await this.#checkedConfig(stored, stored.config);
    } catch (configError) {
      if (!isInfrastructureError(configError)) why = (configError as Error).message;
    }
    const reason = `Bot cannot run: ${why} - bot stopped`;
    await this.execution.transact(async (uow) => {
      const bot = await uow.bot(botId);
      if (bot?.status !== 'active') return;
      const change = stopBot(bot, reason, this.execution.now());
      uow.saveBot(bot, change.bot);
      uow.appendEvent({ source: 'engine', type: 'BotStopped', message: change.message, botId, pluginId: bot.pluginId, payload: { error: (error as Error)?.message ?? String(error) }, applied: true, at: this.execution.now().toISOString() });
    });
  }

  /** Refuses, before it is recorded, an order the venue's market rules would refuse (the venue being unreachable is no reason to refuse). */
  async #assertPlaceable(bot: Bot, command: PlaceCommand): Promise<void> {
    let market: MarketRules;
    try {
      market = await this.marketRules(bot.symbol);
    } catch (error) {
      if (error instanceof ExchangeError) return;
      throw error;
    }
    assertPlaceable({ type: command.orderType, amount: command.amount, price: command.price }, market);
  }

  /** With `closePosition`: closes each position the take-down found the bot holding, at market. */
  async #closeHeld(botId: string, done: 'stopped' | 'deleted', held: readonly HeldPosition[], source: EventSource): Promise<void> {
    for (const { position } of held) {
      await closePosition(this.execution, position.id, { reason: closedWhenBotEnded(botId, done, source), source });
    }
  }

  /** Remembers the last price of a symbol for plugin contexts. */
  setTicker(ticker: TickerReport): void {
    this.#tickers.set(ticker.symbol, ticker);
  }

  /** Runs the bot's plugin on a new price (queued behind other commands on the bot). */
  tick(botId: string): Promise<void> {
    return this.serialize(botId, () => this.#guarded(botId, () => this.#runHook(botId, 'tick')));
  }

  /** Runs the bot's plugin on an order change (queued behind other commands on the bot). */
  orderUpdated(order: Order): Promise<void> {
    if (!order.botId) return Promise.resolve();
    return this.serialize(order.botId, () => this.#guarded(order.botId as string, () => this.#runHook(order.botId as string, 'order', order)));
  }

  async #runHook(botId: string, hook: 'start' | 'tick' | 'order', changed?: Order): Promise<void> {
    // On SQLite every ledger call resolves at once, so a bot that keeps trading is one endless
    // chain of promise jobs in which no timer, I/O or signal handler ever runs. A turn of the
    // event loop per hook lets Ctrl-C (which calls halt()) in.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#halted) return;
    const bot = await this.get(botId);
    if (bot.status !== 'active') return;
    const plugin = this.plugins.get(bot.pluginId);
    const context = await this.#context(bot);
    let commands: readonly PluginCommand[];
    try {
      commands =
        hook === 'start' ? plugin.onStart(context) : hook === 'tick' ? plugin.onTick(context) : plugin.onOrderUpdate(context, toPluginOrder(changed as Order));
    } catch (error) {
      // A hook is a pure function of the bot's state: it would throw again on every step. Stop
      // this bot with the plugin's words; the other bots go on.
      const name = hook === 'start' ? 'onStart' : hook === 'tick' ? 'onTick' : 'onOrderUpdate';
      const reason = `Stopped: plugin ${plugin.id} failed in ${name}: ${(error as Error)?.message ?? String(error)}`;
      await takeDownBot(this.execution, botId, 'STOP', 'engine', (current) => stopBot(current, reason, this.execution.now()));
      return;
    }
    await this.#execute(bot, commands);
  }

  async #context(bot: Bot): Promise<PluginContext<unknown>> {
    const ledger = this.execution.ledger;
    const orders = await ledger.ordersOfBot(bot.id, PLUGIN_VISIBLE);
    const closedEntries = await ledger.countOrdersOfBot(bot.id, 'closed', 'entry');
    const lastClosedExit = await ledger.lastClosedExit(bot.id);
    const position = await ledger.openPosition(bot.id, bot.symbol);
    return {
      botId: bot.id,
      symbol: bot.symbol,
      config: bot.config,
      orders: orders.map(toPluginOrder),
      closedEntries,
      lastClosedExit: lastClosedExit && toPluginOrder(lastClosedExit),
      ticker: this.#tickers.get(bot.symbol),
      ...(position ? { position: toPluginPosition(position) } : {}),
    };
  }

  async #execute(bot: Bot, commands: readonly PluginCommand[]): Promise<void> {
    for (const command of commands) {
      if (this.#halted) return;
      const current = await this.get(bot.id);
      if (current.status !== 'active') return;
      if (command.type === 'PlaceOrder') {
        // Protections hold whatever the plugin asks: a bot over a limit is stopped instead.
        const verdict = await this.#protections.check(current);
        if (!verdict.allowed) {
          await takeDownBot(this.execution, bot.id, 'STOP', 'engine', (stopped) => stopBot(stopped, verdict.reason, this.execution.now()));
          return;
        }
        await this.#assertPlaceable(bot, command);
        await this.execution.execute({ type: 'PlaceOrder', botId: bot.id, side: command.side, orderType: command.orderType, intent: command.intent, amount: command.amount, price: command.price }, 'engine');
      } else if (command.type === 'CancelOrder') {
        await this.execution.execute({ type: 'CancelOrder', orderId: String(command.orderId), cancellationReason: command.cancellationReason }, 'engine');
      } else {
        const position = await this.execution.ledger.openPosition(bot.id, bot.symbol);
        if (position) await closePosition(this.execution, position.id, { reason: closedOnRequest('by plugin', bot.pluginId, undefined, command.reason), source: 'engine' });
      }
    }
  }
}

function toPluginPosition(position: Position): PluginPosition {
  const { id, side, amount, entryPrice, realizedPnl, stopLossPrice, slOrderId, openedAt } = position;
  return { id, side, amount, entryPrice, realizedPnl, stopLossPrice, slOrderId, openedAt };
}

function toPluginOrder(order: Order): PluginOrder {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    intent: order.intent,
    side: order.side,
    type: order.type,
    price: order.price,
    amount: order.amount,
    filledAmount: order.filledAmount,
    averagePrice: order.averagePrice,
    status: order.status,
    cancellationReason: order.cancellationReason,
    createdAt: order.createdAt,
  };
}
