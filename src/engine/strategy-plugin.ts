/**
 * The strategy plugin contract, defined where it is consumed (the engine runs plugins; the layer
 * order lets plugins import the engine, not the reverse). Plugin authors import it from
 * src/plugins/plugin-api.ts, which re-exports this file.
 *
 * The strategy plugin API. A plugin never touches the database or the venue: it looks at its
 * bot's orders and the market and returns commands; the engine records each command's intent,
 * commits, and only then calls the venue (docs/architecture.md, decision 1).
 *
 * A plugin is identified by `id` (stored as `plugin_id` on bots, orders, positions and trades),
 * and validates its bot's config with a zod schema, so a bad config is refused with the field
 * named before a bot is created or updated.
 */
import type { z } from 'zod';
import type { JsonValue } from '../domain/bot/bot.ts';
import { PROTECTIONS_CONFIG_KEY, protectionLimits } from '../domain/bot/protections.ts';
import type { DomainError } from '../domain/errors.ts';
import type { CancelOrder, PlaceOrder } from '../domain/order/order-commands.ts';
import type { OrderIntent } from '../domain/order/order-status.ts';
import type { MarketRules, OrderSide, OrderType, TickerReport } from '../exchange/exchange-adapter.ts';

/** One of the bot's orders, as a plugin sees it. */
export interface PluginOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly intent: OrderIntent;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly price: string | null;
  readonly amount: string;
  readonly filledAmount: string;
  readonly averagePrice: string | null;
  readonly status: string;
  /** Set once botledger asked to cancel it (the cancel may not be confirmed yet). */
  readonly cancellationReason: string | null;
  /** ISO-8601; with `id`, orders sort in the order they were made. */
  readonly createdAt: string;
}

/**
 * Place a new order for the bot: the domain's PlaceOrder command (domain/order/order-commands.ts)
 * without what the engine fills in (the bot, its symbol, the order TTL).
 *
 * @example
 * { type: 'PlaceOrder', intent: 'entry', side: 'buy', orderType: 'limit', amount: '0.1', price: '100' }
 */
export type PlaceCommand = Omit<PlaceOrder, 'botId' | 'symbol' | 'expiresAt' | 'stopPrice'>;

/** Cancel one of the bot's live orders, for a system reason (never OUTSIDE): `{ type: 'CancelOrder', orderId, cancellationReason }`. */
export type CancelCommand = Omit<CancelOrder, 'actor'>;

/**
 * Close the bot's open position now, at market: `{ type: 'ClosePosition', reason: 'RSI above 70' }`.
 * The engine owns the position: it takes down the bot's exits, places the closing order for the
 * amount held, and the trade's exit_reason says `Closed by plugin at market (<reason>)`. Positions
 * close by themselves when an exit or a stop-loss fills; this is for a strategy that wants out.
 */
export interface ClosePositionCommand {
  readonly type: 'ClosePosition';
  readonly reason?: string;
}

/** What a hook returns: imperative commands, carried out in order by the engine. */
export type PluginCommand = PlaceCommand | CancelCommand | ClosePositionCommand;

/** The bot's open position on its symbol, as a plugin sees it (the engine keeps it from the fills). */
export interface PluginPosition {
  readonly id: string;
  readonly side: 'long' | 'short';
  /** The amount held now (base currency). */
  readonly amount: string;
  readonly entryPrice: string;
  readonly realizedPnl: string;
  readonly stopLossPrice: string | null;
  /** The stop-loss order protecting it at the venue, if placed. */
  readonly slOrderId: string | null;
  readonly openedAt: string;
}

/** What a hook is given. */
export interface PluginContext<C> {
  readonly botId: string;
  readonly symbol: string;
  readonly config: C;
  /** The bot's orders that still matter: pending and ongoing ones, and failed ones awaiting retry. */
  readonly orders: readonly PluginOrder[];
  /** The bot's most recent exit or stop-loss that filled (closed), if any. */
  readonly lastClosedExit?: PluginOrder;
  /** How many of the bot's entries have completed a cycle (closed). */
  readonly closedEntries: number;
  /** The latest ticker, when the runtime has one. */
  readonly ticker?: TickerReport;
  /** The bot's open position on its symbol, if it holds one. */
  readonly position?: PluginPosition;
}

/**
 * Which config fields become order prices and amounts, so the engine can check any plugin's config
 * against the money columns and the venue's market rules before a bot is stored (field names are
 * top-level config keys; an absent optional field is skipped).
 */
export interface OrderFields {
  /** Limit and trigger prices: on the venue's tick grid, at most its maximum price. */
  readonly prices: readonly string[];
  /** Base amounts: on the venue's lot size, within its minimum and maximum amount. */
  readonly amounts: readonly string[];
  /** The limit orders the config makes (amount field x price field), each held to the venue's minimum notional. */
  readonly limitOrders?: readonly { readonly amount: string; readonly price: string }[];
}

/** One problem with a config field; `path` is the field name (`entryPrice`), the message names it too. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A strategy. Hooks are pure functions of their context: same context, same commands.
 *
 * @example
 * const plugin: StrategyPlugin<{ amount: string }> = {
 *   id: 'noop', description: 'does nothing', configSchema: z.object({ amount: z.string() }),
 *   onStart: () => [], onTick: () => [], onOrderUpdate: () => [],
 * };
 */
export interface StrategyPlugin<C = unknown> {
  readonly id: string;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  /** A config that passes the schema, shown to people writing their first one (the dashboard's form, GET /plugins). */
  readonly exampleConfig?: C;
  /** The config fields that become order prices and amounts (checked by the engine against the venue's rules). */
  readonly orderFields?: OrderFields;
  /**
   * The stop-loss price for the bot's position, if the strategy wants one. The engine places it at
   * the venue as a stop order once the position opens and keeps it there (engine/positions/).
   */
  stopLossPrice?(config: C): string | undefined;
  /** Checks of its own against the venue's market rules, beyond {@link orderFields}; returns the problems (none: []). */
  validateAgainstMarket?(config: C, market: MarketRules): ConfigIssue[];
  /** The bot was created, started or updated: return the orders it should have. */
  onStart(context: PluginContext<C>): PluginCommand[];
  /** A new price. */
  onTick(context: PluginContext<C>): PluginCommand[];
  /** One of the bot's orders changed (after the change is committed). */
  onOrderUpdate(context: PluginContext<C>, order: PluginOrder): PluginCommand[];
}

/** Raised for a bot config its plugin refuses; names the plugin and every bad field. */
export class PluginConfigError extends Error {
  readonly code = 'PLUGIN_CONFIG_INVALID';
  constructor(
    readonly pluginId: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`config for plugin "${pluginId}" is invalid: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`);
    this.name = 'PluginConfigError';
  }
}

/** Raised when a bot names a plugin nobody registered. */
export class UnknownPluginError extends Error {
  readonly code = 'PLUGIN_UNKNOWN';
}

/**
 * Validates a config with the plugin's schema; throws {@link PluginConfigError} naming the fields.
 * An optional `protections` object (the engine's limits for this bot, domain/bot/protections.ts)
 * is checked by the engine's own rules and kept; the plugin's schema never sees it.
 *
 * @example
 * const config = parsePluginConfig(SCALPER_PLUGIN, { amount: '0.1', entryPrice: '100', takeProfitPrice: '101' });
 */
export function parsePluginConfig<C>(plugin: StrategyPlugin<C>, config: unknown): C {
  // `protections` belongs to the engine, not to the plugin: checked here, kept in the stored config.
  const { protections, rest } = splitProtections(config);
  const issues: { path: string; message: string }[] = [];
  if (protections !== undefined) {
    try {
      protectionLimits({ [PROTECTIONS_CONFIG_KEY]: protections as JsonValue });
    } catch (error) {
      const field = String((error as DomainError).details?.field ?? PROTECTIONS_CONFIG_KEY);
      issues.push({ path: field, message: (error as Error).message });
    }
  }
  const result = plugin.configSchema.safeParse(rest);
  if (!result.success) issues.push(...result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })));
  if (issues.length > 0 || !result.success) throw new PluginConfigError(plugin.id, issues);
  return (protections === undefined ? result.data : { ...(result.data as object), [PROTECTIONS_CONFIG_KEY]: protections }) as C;
}

function splitProtections(config: unknown): { protections: unknown; rest: unknown } {
  if (config === null || typeof config !== 'object' || Array.isArray(config) || !(PROTECTIONS_CONFIG_KEY in config)) return { protections: undefined, rest: config };
  const { [PROTECTIONS_CONFIG_KEY]: protections, ...rest } = config as Record<string, unknown>;
  return { protections, rest };
}

/**
 * The plugins a runtime knows, by id.
 *
 * @example
 * const registry = new PluginRegistry([SCALPER_PLUGIN]);
 * registry.get('scalper');
 */
export class PluginRegistry {
  readonly #plugins = new Map<string, StrategyPlugin<unknown>>();
  constructor(plugins: readonly StrategyPlugin<any>[] = []) {
    for (const plugin of plugins) this.register(plugin);
  }
  register(plugin: StrategyPlugin<any>): void {
    if (this.#plugins.has(plugin.id)) throw new Error(`plugin "${plugin.id}" is already registered`);
    this.#plugins.set(plugin.id, plugin);
  }
  get(id: string): StrategyPlugin<unknown> {
    const plugin = this.#plugins.get(id);
    if (!plugin) throw new UnknownPluginError(`no strategy plugin "${id}" is registered (known: ${[...this.#plugins.keys()].join(', ') || 'none'})`);
    return plugin;
  }
  ids(): string[] {
    return [...this.#plugins.keys()];
  }
}
