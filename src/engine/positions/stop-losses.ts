/**
 * Stop-losses on the venue (issue 8, item 2). Every open position whose bot's plugin gives a
 * stop-loss price is protected by a stop order at the venue (intent stop_loss, market, with the
 * stop price, for the position's whole amount), placed with intent before call: ONE transaction
 * records the pending stop order AND sets the position's sl_order_id, COMMITs, and only then is
 * the venue called (docs/architecture.md, decision 1). So a crash at any point leaves either
 * nothing (the scan places it) or a recorded intent (reconciliation asks the venue by client order
 * id): the stop is placed once.
 *
 * - A grown position gets its stop replaced (REPLACED) for the new amount.
 * - A failed placement counts on the position (retry_count + 1, last_error_at, error_details
 *   with the venue's raw body) and is tried again after the stop-loss backoff (1 s, 2 s, 4 s, ...;
 *   the generic retry loop leaves stop-loss orders alone). After `protections.stopLossAttempts`
 *   failed attempts, or at once when the venue says the stop would trigger immediately, the stop
 *   is given up (DROPPED) and the position's exit_reason is set to the emergency sentence with
 *   the venue's whole message BEFORE a market exit for the position's amount is recorded (same
 *   transaction) and placed. The closing fill keeps that exit_reason.
 * - A stop cancelled outside botledger (the bot is stopped for it, as for any outside cancel)
 *   leaves the position unprotected: a new stop is placed at once, for the stopped bot too.
 * - Once the position is closed, the stop left over is cancelled with POSITION_CLOSED (by the
 *   runtime, with the other leftovers: engine/positions/position-exits.ts).
 * - A venue without stop orders (`capabilities.stopOrders` off): botledger watches the price and
 *   sells at market (intent stop_loss) when it reaches the stop.
 *
 * It runs after commits (the ledger's commit hub: positions and stop orders that changed) and on
 * each runtime step (a bounded scan); never inside a transaction, and never awaited inside the
 * venue's event listener (a commit only queues work). Work on one position runs one at a time.
 */
import type { Bot } from '../../domain/bot/bot.ts';
import { compare } from '../../domain/money.ts';
import type { Order } from '../../domain/order/order.ts';
import { isStopLossHit, type Position, setStopLoss } from '../../domain/position/position.ts';
import { closingSide, DEFAULT_STOP_LOSS_BACKOFF, type StopLossBackoff, stopLossRetryDueAt } from '../../domain/position/stop-loss.ts';
import type { TickerReport } from '../../exchange/exchange-adapter.ts';
import { type CommittedChange, commitHubFor } from '../../storage/committed-changes.ts';
import type { PositionCursor } from '../../storage/repositories/positions.ts';
import type { ExecutionEngine, PlacementFailure } from '../orders/execution.ts';
import type { PluginRegistry } from '../strategy-plugin.ts';
import { STOP_LOSS_ACTOR, StopLossFailures } from './stop-loss-failures.ts';

export { STOP_LOSS_ACTOR, stopLossAttemptsOf } from './stop-loss-failures.ts';

/** Positions looked at per step by the scan (the rest on the next steps: the scan goes round). */
export const STOP_LOSS_SCAN_LIMIT = 100;

export interface StopLossManagerOptions {
  readonly plugins: PluginRegistry;
  readonly backoff?: StopLossBackoff;
  readonly scanLimit?: number;
}

/** What a scan did, for the step report. */
export interface StopLossScan {
  readonly checked: number;
  /** Work that threw (logged, tried again next step). */
  readonly failures: readonly { readonly positionId: string; readonly message: string }[];
}

/**
 * @example
 * const stopLosses = new StopLossManager(execution, { plugins });
 * const unfollow = stopLosses.follow();
 * await stopLosses.scan(); // each step
 */
export class StopLossManager {
  readonly #execution: ExecutionEngine;
  readonly #plugins: PluginRegistry;
  readonly #backoff: StopLossBackoff;
  readonly #scanLimit: number;
  readonly #failures: StopLossFailures;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #errors: { positionId: string; message: string }[] = [];
  readonly #tickers = new Map<string, TickerReport>();
  #cursor: PositionCursor | undefined;

  constructor(execution: ExecutionEngine, options: StopLossManagerOptions) {
    this.#execution = execution;
    this.#plugins = options.plugins;
    this.#backoff = options.backoff ?? DEFAULT_STOP_LOSS_BACKOFF;
    this.#scanLimit = options.scanLimit ?? STOP_LOSS_SCAN_LIMIT;
    this.#failures = new StopLossFailures(execution, this.#backoff);
    // A placement error of a stop order, whoever placed it (this manager, a retry by hand): keep
    // the error (its class and raw body) for the failure's record, and look at the position.
    execution.onPlacementError((failure: PlacementFailure) => {
      if (failure.order.intent !== 'stop_loss') return;
      this.#failures.remember(failure);
      this.#queueByOrder(failure.order.id);
    });
  }

  /**
   * Follows the ledger's commits in this process (both connections publish to one hub): a
   * position that opened, grew or closed, a stop order that failed or was cancelled, is looked
   * at after its commit. Returns the unsubscribe function.
   */
  follow(): () => void {
    return commitHubFor(this.#execution.database).subscribe((change) => this.#onCommitted(change));
  }

  #onCommitted(change: CommittedChange): void {
    const positions = (change as { positions?: readonly Position[] }).positions ?? [];
    // Only open positions that may want a stop: a plugin without the hook costs the hot path nothing.
    for (const position of positions) if (position.status === 'open' && this.#mayWantStop(position)) this.#queue(position.id);
    for (const order of change.orders) {
      if (order.intent === 'stop_loss' && order.status !== 'pending') this.#queueByOrder(order.id);
    }
  }

  /** A new price: a position watched by botledger (a venue without stop orders) may have reached its stop. */
  setTicker(ticker: TickerReport): void {
    this.#tickers.set(ticker.symbol, ticker);
  }

  /**
   * One bounded pass over open positions that may be unprotected (no stop, a failed one that is
   * due, a cancelled or filled one, one for another amount), at most the scan limit, going round
   * them over successive calls. Resolves when their work is done.
   */
  async scan(): Promise<StopLossScan> {
    const batch = await this.#execution.ledger.positionsToProtect(this.#scanLimit, this.#cursor);
    const last = batch.at(-1);
    this.#cursor = batch.length < this.#scanLimit || !last ? undefined : { openedAt: last.openedAt, id: last.id };
    await Promise.all(batch.filter((position) => this.#mayWantStop(position)).map((position) => this.#queue(position.id)));
    await this.idle();
    return { checked: batch.length, failures: this.#errors.splice(0) };
  }

  /** Looks at one position now (after the work already queued on it): places, replaces, retries, gives up or cleans up as needed. */
  protect(positionId: string): Promise<void> {
    return this.#queue(positionId);
  }

  /** True while work is queued or running. */
  get busy(): boolean {
    return this.#queues.size > 0;
  }

  /** Resolves when no work is queued or running. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()]);
  }

  #queueByOrder(orderId: string): void {
    const queued = this.#execution.ledger.positionOfStopLoss(orderId).then((position) => (position ? this.#queue(position.id) : undefined));
    // Tracked like position work, so idle() waits for the lookup too.
    const key = `order:${orderId}:${Math.random()}`;
    const tracked = queued.catch((error: unknown) => this.#errors.push({ positionId: `(stop order ${orderId})`, message: messageOf(error) }));
    this.#queues.set(key, tracked as Promise<void>);
    void tracked.then(() => this.#queues.delete(key));
  }

  /** Runs the position's work after the work already queued on it; errors are kept for the step report. */
  #queue(positionId: string): Promise<void> {
    const previous = this.#queues.get(positionId) ?? Promise.resolve();
    const next = previous.then(() => this.#look(positionId)).catch((error: unknown) => {
      this.#errors.push({ positionId, message: `stop-loss of position ${positionId}: ${messageOf(error)}` });
    });
    this.#queues.set(positionId, next);
    void next.then(() => {
      if (this.#queues.get(positionId) === next) this.#queues.delete(positionId);
    });
    return next;
  }

  async #look(positionId: string): Promise<void> {
    const ledger = this.#execution.ledger;
    const position = await ledger.positionById(positionId);
    if (!position) return;
    // A closed position's leftover stop is the runtime's to cancel (POSITION_CLOSED, position-exits.ts).
    if (position.status === 'closed') return;
    const stop = position.slOrderId ? await ledger.orderById(position.slOrderId) : undefined;
    // An exit is under way (an emergency exit, a close by hand): no new stop for it.
    if (position.exitReason !== null || !position.botId) return;
    const bot = await ledger.botById(position.botId);
    if (!bot || bot.status === 'deleted') return;
    const stopPrice = this.#stopPriceOf(bot, position);
    if (stopPrice === undefined) return;
    if (!this.#execution.exchange.capabilities.stopOrders) return this.#watch(position, stop, stopPrice);
    if (!stop) return this.#place(position, bot, stopPrice, 'the position opened');
    switch (stop.status) {
      case 'pending':
        // In flight, or being cancelled (replaced, a bot stop): its answer or cancel brings us back.
        if (this.#execution.inFlight.has(stop.id) || stop.cancellationReason !== null) return;
        if (compare(stop.amount, position.amount) === 0 && stop.stopPrice !== null && compare(stop.stopPrice, stopPrice) === 0) return;
        return this.#replace(position, bot, stop, stopPrice);
      case 'failed':
        return this.#failures.afterFailure(position, stop, bot, (failed) => this.#retry(position, bot, failed));
      case 'cancelled':
        return this.#place(position, bot, stopPrice, unprotectedBecause(stop));
      default:
        // Filled (closed) while the position is still open: it grew meanwhile; protect what is left.
        return this.#place(position, bot, stopPrice, `stop-loss ${stop.clientOrderId} executed and ${position.amount} is still open`);
    }
  }

  /** False when the position's plugin has no stop-loss hook and the position no stop price: nothing to do, no read needed. */
  #mayWantStop(position: Position): boolean {
    if (position.stopLossPrice !== null) return true;
    try {
      return typeof (this.#plugins.get(position.pluginId) as { stopLossPrice?: unknown }).stopLossPrice === 'function';
    } catch {
      return false; // a plugin this runtime does not run
    }
  }

  /** The plugin's stop-loss price for the bot's config (`stopLossPrice?(config)`), else the one the position has. */
  #stopPriceOf(bot: Bot, position: Position): string | undefined {
    const plugin = this.#plugins.get(bot.pluginId) as { stopLossPrice?: (config: unknown) => string | undefined };
    return plugin.stopLossPrice?.(bot.config) ?? position.stopLossPrice ?? undefined;
  }

  /**
   * Intent before call: one transaction records the stop order and sets sl_order_id (and the stop
   * price), COMMIT, then the venue. Nothing is done when the position moved meanwhile (another
   * look follows its commit).
   */
  async #place(position: Position, bot: Bot, stopPrice: string, why: string, market = false): Promise<void> {
    const execution = this.#execution;
    const order = await execution.transact(async (uow) => {
      const locked = await uow.positions.positionById(position.id);
      if (locked?.status !== 'open' || locked.exitReason !== null || locked.slOrderId !== position.slOrderId) return undefined;
      const now = execution.now();
      const input = market
        ? { botId: bot.id, symbol: locked.symbol, side: closingSide(locked.side), type: 'market' as const, intent: 'stop_loss' as const, amount: locked.amount }
        : { botId: bot.id, symbol: locked.symbol, side: closingSide(locked.side), type: 'market' as const, intent: 'stop_loss' as const, amount: locked.amount, stopPrice };
      const recorded = await execution.recordIntent(uow, { ...input, protective: true }, 'engine');
      uow.positions.savePosition(locked, setStopLoss(locked, { stopLossPrice: stopPrice, slOrderId: recorded.id }, now));
      const what = market ? `a market ${input.side} of ${locked.amount} (the price reached the stop-loss ${stopPrice}; ${execution.venueName} takes no stop orders)` : `${input.side} ${locked.amount} at stop ${stopPrice}`;
      uow.appendEvent({
        source: 'engine',
        type: 'StopLossPlacing',
        message: `Position ${locked.id} (${locked.symbol}, bot ${bot.id}): ${why} - stop-loss ${recorded.clientOrderId} recorded (${what}), placing it at ${execution.venueName}`,
        orderId: recorded.id,
        botId: bot.id,
        pluginId: locked.pluginId,
        payload: { positionId: locked.id, stopPrice, amount: locked.amount, why },
        applied: true,
        at: now.toISOString(),
      });
      return recorded;
    });
    if (!order) return;
    await this.#afterPlacement(position.id, bot, await execution.placeRecorded(order));
  }

  /** The stop for another amount or price (the position grew): cancel it (REPLACED), then place the new one. */
  async #replace(position: Position, bot: Bot, stop: Order, stopPrice: string): Promise<void> {
    const cancelled = await this.#execution.cancelOrder(stop.id, 'REPLACED', 'engine', STOP_LOSS_ACTOR);
    if (cancelled.status !== 'cancelled') return; // the venue has not confirmed yet (or it filled): the next look decides
    await this.#place(position, bot, stopPrice, `the position is now ${position.amount} (stop-loss ${stop.clientOrderId} was for ${stop.amount})`);
  }

  async #retry(position: Position, bot: Bot, failed: Order): Promise<void> {
    const retried = await this.#execution.execute({ type: 'RetryOrder', orderId: failed.id, actor: STOP_LOSS_ACTOR }, 'engine');
    await this.#afterPlacement(position.id, bot, retried);
  }

  /** After the venue answered a placement: placed (logged), or failed (counted, retried or given up). */
  async #afterPlacement(positionId: string, bot: Bot, order: Order): Promise<void> {
    if (order.status === 'failed') {
      const position = await this.#execution.ledger.positionById(positionId);
      if (position) await this.#failures.afterFailure(position, order, bot, (failed) => this.#retry(position, bot, failed));
      return;
    }
    if (order.status === 'pending' && order.exchangeOrderId) await this.#failures.logPlaced(positionId, order);
  }

  /** A venue without stop orders: keep the stop price on the position; sell at market when the price reaches it. */
  async #watch(position: Position, stop: Order | undefined, stopPrice: string): Promise<void> {
    if (stop && (stop.status === 'pending' || stop.status === 'failed')) {
      if (stop.status === 'failed' && position.botId) {
        const bot = await this.#execution.ledger.botById(position.botId);
        if (bot) await this.#failures.afterFailure(position, stop, bot, (failed) => this.#retry(position, bot, failed));
      }
      return;
    }
    if (position.stopLossPrice === null || compare(position.stopLossPrice, stopPrice) !== 0) await this.#keepStopPrice(position, stopPrice);
    const ticker = this.#tickers.get(position.symbol);
    if (!ticker || !isStopLossHit({ side: position.side, stopLossPrice: stopPrice }, ticker.last) || !position.botId) return;
    const bot = await this.#execution.ledger.botById(position.botId);
    if (bot) await this.#place(position, bot, stopPrice, `the last price ${ticker.last} reached the stop-loss ${stopPrice}`, true);
  }

  /** Records the stop price on the position (a venue without stop orders: botledger watches it). */
  async #keepStopPrice(position: Position, stopPrice: string): Promise<void> {
    const execution = this.#execution;
    await execution.transact(async (uow) => {
      const locked = await uow.positions.positionById(position.id);
      if (locked?.status !== 'open') return;
      const now = execution.now();
      uow.positions.savePosition(locked, setStopLoss(locked, { stopLossPrice: stopPrice }, now));
      uow.appendEvent({
        source: 'engine',
        type: 'StopLossWatched',
        message: `Position ${locked.id} (${locked.symbol}): ${execution.venueName} takes no stop orders, so botledger watches the price and sells at market when it reaches the stop-loss ${stopPrice}`,
        botId: locked.botId,
        pluginId: locked.pluginId,
        payload: { positionId: locked.id, stopPrice },
        applied: true,
        at: now.toISOString(),
      });
    });
  }

  /** When a position's failed stop is due for its next attempt (epoch ms). */
  retryDueAt(position: Position): number {
    return stopLossRetryDueAt(position, this.#backoff);
  }
}

function unprotectedBecause(stop: Order): string {
  if (stop.cancellationReason === 'OUTSIDE') return `stop-loss ${stop.clientOrderId} was cancelled outside botledger, so the position is unprotected - placing a new one at once`;
  return `stop-loss ${stop.clientOrderId} was cancelled (${stop.cancellationReason ?? 'no reason'}), so the position is unprotected`;
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
