/**
 * The runner: drives bots against a venue. It subscribes the venue-event processor (on its own
 * database connection) to the venue's stream, hands each committed order change to the bot's
 * plugin, and on every `step()` feeds prices to the plugins, runs the retry loop and reconciles
 * orders whose state is unclear. When the stream comes back after a disconnect, it reconciles at
 * once, since the events pushed meanwhile are lost. A venue that pushes nothing
 * (`capabilities.streaming` off) is polled instead: every step asks it about every pending order.
 *
 * A plugin reaction is queued on the bot (BotService) and never awaited inside the venue's event
 * listener: the listener only commits, so a venue that delivers events before its call returns
 * can never wait on a command that is waiting on it.
 */
import type { ExchangeAdapter } from '../../exchange/exchange-adapter.ts';
import type { PluginRegistry } from '../strategy-plugin.ts';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { BotService } from '../bots/bots.ts';
import { type Clock, SYSTEM_CLOCK } from '../clock.ts';
import { ExecutionEngine } from '../orders/execution.ts';
import { Reconciler } from '../recovery/reconciliation.ts';
import { type AccountSyncReport, PositionSync } from '../recovery/position-sync.ts';
import { RetryScheduler, type RetryRun } from '../orders/retries.ts';
import { VenueEventProcessor, type VenueEventOutcome } from '../venue-events/venue-events.ts';
import { ExchangeError } from '../../exchange/exchange-adapter.ts';
import { cancelLeftovers, cancelLeftoversOfClosedPositions } from '../positions/position-exits.ts';
import { StopLossManager } from '../positions/stop-losses.ts';

/** A bot whose steps fail this many times in a row (not because of the venue) is stopped. */
export const MAX_FAILED_STEPS = 3;

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** Failures gathered for the next step report, and each bot's run of failed steps. */
class StepFailures {
  #list: StepFailure[] = [];
  readonly #streaks = new Map<string, number>();
  add(failure: StepFailure): void {
    this.#list.push(failure);
  }
  /** One more failed step of the bot; returns how many in a row. */
  failed(botId: string): number {
    const streak = (this.#streaks.get(botId) ?? 0) + 1;
    this.#streaks.set(botId, streak);
    return streak;
  }
  succeeded(botId: string): void {
    this.#streaks.delete(botId);
  }
  take(): StepFailure[] {
    const list = this.#list;
    this.#list = [];
    return list;
  }
}

export interface BotRuntimeOptions {
  /** The connection of commands (API, CLI, plugins). */
  readonly database: BotledgerDatabase;
  /** A second connection to the same database, for venue events. */
  readonly eventsDatabase: BotledgerDatabase;
  readonly exchange: ExchangeAdapter;
  readonly plugins: PluginRegistry;
  readonly clock?: Clock;
  readonly venueName?: string;
  /** Pending orders younger than this are not reconciled yet (their answer may be on its way). Default 0. */
  readonly reconcileAfterMs?: number;
  /** A step syncs the account with the venue when this long (runtime clock) has passed since the last sync or the start (PositionSync); 0 (the default): only when asked. The app passes 60 s. */
  readonly syncEveryMs?: number;
}

/** What one step did. */
export interface StepReport {
  readonly bots: number;
  readonly retries: RetryRun;
  readonly reconciled: number;
  /** Present when this step synced the account with the venue. */
  readonly sync?: AccountSyncReport;
  /** Calls that failed in this step: logged, counted here, tried again next time. */
  readonly failures: readonly StepFailure[];
  /** True when {@link BotRuntime.halt} cut the step short. */
  readonly interrupted: boolean;
}

/** One failure a step survived. */
export interface StepFailure {
  /** ticker: fetchTicker; bot: a bot's tick or reaction; retry / reconcile: one order. */
  readonly scope: 'ticker' | 'bot' | 'retry' | 'reconcile' | 'stop-loss';
  readonly symbol?: string;
  readonly botId?: string;
  readonly orderId?: string;
  readonly message: string;
}

export interface StepOptions {
  /** Reconcile pending orders in this step (default true). */
  readonly reconcile?: boolean;
  /** Default: the runtime's `reconcileAfterMs`. */
  readonly reconcileMinAgeMs?: number;
  /** Sync the account with the venue in this step: true always, false never; default when `syncEveryMs` has passed. */
  readonly sync?: boolean;
}

/**
 * @example
 * const runtime = new BotRuntime({ database, eventsDatabase, exchange: paper, plugins: new PluginRegistry([SCALPER_PLUGIN]) });
 * runtime.start();
 * await runtime.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: 'BTC/USDT', config });
 * paper.control.tick(10);
 * await runtime.step();
 */
export class BotRuntime {
  readonly execution: ExecutionEngine;
  readonly processor: VenueEventProcessor;
  readonly bots: BotService;
  readonly retries: RetryScheduler;
  readonly reconciler: Reconciler;
  readonly positionSync: PositionSync;
  readonly #syncEveryMs: number;
  #lastSyncAt: number;
  /** Stop-losses on the venue for open positions (engine/positions/stop-losses.ts). */
  readonly stopLosses: StopLossManager;
  readonly #exchange: ExchangeAdapter;
  readonly #reconcileAfterMs: number;
  readonly #reactions = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];
  readonly #stepFailures = new StepFailures();
  #unsubscribe: (() => void) | undefined;
  #unfollowStops: (() => void) | undefined;

  constructor(options: BotRuntimeOptions) {
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.#exchange = options.exchange;
    this.#reconcileAfterMs = options.reconcileAfterMs ?? 0;
    this.execution = ExecutionEngine.open(options.database, { exchange: options.exchange, clock, venueName: options.venueName });
    this.processor = VenueEventProcessor.open(options.eventsDatabase, { clock, venueName: this.execution.venueName });
    this.bots = new BotService(this.execution, options.plugins);
    this.retries = new RetryScheduler(this.execution);
    this.reconciler = new Reconciler(this.execution);
    this.positionSync = new PositionSync(this.execution);
    this.#syncEveryMs = options.syncEveryMs ?? 0;
    this.#lastSyncAt = this.execution.clock.now();
    this.stopLosses = new StopLossManager(this.execution, { plugins: options.plugins });
    const react = (outcome: VenueEventOutcome) => {
      if (!outcome.applied || !outcome.order?.botId) return;
      const botId = outcome.order.botId;
      // A closed position's other exits and its stop-loss are taken down (POSITION_CLOSED).
      const leftovers = outcome.position?.leftovers ?? [];
      if (leftovers.length > 0) this.#track(cancelLeftovers(this.execution, leftovers), botId);
      // A market close that just filled (a triggered stop-loss, an emergency exit) is the newest
      // price botledger knows (the last ticker may predate it): the plugin's reaction must not buy
      // again above a stop that was just hit.
      const stopped = outcome.order;
      if (stopped.intent !== 'entry' && stopped.type === 'market' && stopped.status === 'closed' && stopped.averagePrice) {
        const last = stopped.averagePrice;
        this.bots.setTicker({ symbol: stopped.symbol, bid: last, ask: last, last, timestamp: clock.now() });
      }
      this.#track(this.bots.orderUpdated(outcome.order), botId);
    };
    this.processor.onCommitted(react);
    this.execution.onVenueOutcome(react);
    this.execution.onOrderRecorded((order) => this.processor.knowOrder(order));
  }

  /** Errors raised by plugin reactions (the runtime carries on; the CLI shows them). */
  get errors(): readonly unknown[] {
    return this.#errors;
  }

  /** True when the venue pushes no events, so every step polls it for every pending order. */
  get polling(): boolean {
    return !this.#exchange.capabilities.streaming;
  }

  /** Starts listening to the venue's stream (a venue without one is polled by {@link step} instead). */
  start(): void {
    // After each commit (a position opened, grew or closed; a stop order failed or was cancelled)
    // the stop-loss manager queues its work; the committing code never waits for it.
    this.#unfollowStops ??= this.stopLosses.follow();
    if (this.#unsubscribe || this.polling) return;
    this.#unsubscribe = this.#exchange.subscribe(async (event) => {
      if (event.type === 'ticker') {
        this.bots.setTicker(event.ticker);
        this.stopLosses.setTicker(event.ticker);
        return;
      }
      await this.processor.handle(event, 'exchange-ws');
      // Whatever the venue pushed while the stream was down is lost: ask it (not awaited here,
      // the listener must never wait on a venue call).
      if (event.type === 'reconnected') this.#track(this.reconciler.reconcilePending().then(() => undefined));
    });
  }

  /**
   * One round: a fresh price for every active bot's symbol and its plugin's tick, then the retry
   * loop, then reconciliation of pending orders. A failed venue call or a broken bot never aborts
   * the step (issue 6, defect 3): it is logged, counted in the report and tried again next step,
   * and the step goes on with the other symbols, bots and orders. A bot whose plugin throws is
   * stopped with the plugin's words (BotService); a bot that fails for another reason than the
   * venue {@link MAX_FAILED_STEPS} steps in a row is stopped with the last error. Venue failures
   * never stop a bot: an outage would otherwise stop them all.
   */
  async step(options: StepOptions = {}): Promise<StepReport> {
    const failures = this.#stepFailures;
    const active = await this.execution.ledger.activeBots();
    const priced = new Set<string>();
    for (const symbol of new Set(active.map((bot) => bot.symbol))) {
      if (this.bots.halted) break;
      try {
        const ticker = await this.#exchange.fetchTicker(symbol);
        this.bots.setTicker(ticker);
        this.stopLosses.setTicker(ticker);
        priced.add(symbol);
      } catch (error) {
        // Without a fresh price the bots of this symbol wait: a stale one could trigger a wrong stop-loss.
        failures.add({ scope: 'ticker', symbol, message: `fetchTicker ${symbol} failed: ${messageOf(error)}` });
      }
    }
    for (const bot of active) {
      if (this.bots.halted) break;
      if (!priced.has(bot.symbol)) continue;
      try {
        await this.bots.tick(bot.id);
        failures.succeeded(bot.id);
      } catch (error) {
        await this.#botFailed(bot.id, error);
      }
    }
    let retries: RetryRun = { retried: [], expired: [] };
    let reconciled = 0;
    if (!this.bots.halted) {
      const due = await this.retries.runDue();
      retries = due;
      for (const failure of due.failed ?? []) failures.add({ scope: 'retry', orderId: failure.orderId, message: failure.message });
    }
    // Without a stream nothing else tells the ledger that an order filled or was cancelled: poll every step.
    if (!this.bots.halted && (options.reconcile !== false || this.polling)) {
      const minAgeMs = this.polling ? 0 : (options.reconcileMinAgeMs ?? this.#reconcileAfterMs);
      const report = await this.reconciler.reconcilePending({ minAgeMs });
      reconciled = report.checked;
      for (const failure of report.failed ?? []) failures.add({ scope: 'reconcile', orderId: failure.orderId, message: failure.message });
    }
    // Open positions left unprotected (a stop that failed and is due, one cancelled outside
    // botledger, none placed before a crash), a bounded number per step; stopped bots' too.
    if (!this.bots.halted) {
      const scan = await this.stopLosses.scan();
      for (const failure of scan.failures) failures.add({ scope: 'stop-loss', message: failure.message });
      // And the other way round: exits and stops a closed position left live (a crash after its close).
      try {
        await cancelLeftoversOfClosedPositions(this.execution);
      } catch (error) {
        failures.add({ scope: 'stop-loss', message: `cancelling the orders closed positions left: ${messageOf(error)}` });
      }
    }
    const sync = this.bots.halted ? undefined : await this.#syncIfDue(options.sync);
    await this.settle();
    const report = failures.take();
    await this.#log(report.filter((failure) => failure.scope !== 'bot'));
    return { bots: active.length, retries, reconciled, ...(sync ? { sync } : {}), failures: report, interrupted: this.bots.halted };
  }

  /**
   * Syncs the account with the venue now (a failure is in the report's `error`, and in the
   * account's sync_status row and the event log). The interval counts from here.
   */
  async sync(): Promise<AccountSyncReport> {
    this.#lastSyncAt = this.execution.clock.now();
    const report = await this.positionSync.sync();
    await this.settle();
    return report;
  }

  async #syncIfDue(asked: boolean | undefined): Promise<AccountSyncReport | undefined> {
    if (asked === false) return undefined;
    const now = this.execution.clock.now();
    const due = this.#syncEveryMs > 0 && now - this.#lastSyncAt >= this.#syncEveryMs;
    if (asked !== true && !due) return undefined;
    return this.sync();
  }

  /** Writes failures to the event log (bots' own failures are written by #botFailed). */
  async #log(failures: readonly StepFailure[]): Promise<void> {
    if (failures.length === 0) return;
    const at = this.execution.now().toISOString();
    const type = { ticker: 'TickerFailed', retry: 'RetryFailed', reconcile: 'ReconcileFailed', bot: 'BotStepFailed', 'stop-loss': 'StopLossCheckFailed' } as const;
    try {
      await this.execution.transact(async (uow) => {
        for (const failure of failures) {
          uow.appendEvent({
            source: failure.scope === 'reconcile' ? 'reconciliation' : 'engine',
            type: type[failure.scope],
            message: `${failure.message} - tried again next time`,
            orderId: failure.orderId ?? null,
            payload: failure,
            applied: false,
            at,
          });
        }
      });
    } catch {
      // The ledger itself is failing: the report still carries every failure.
    }
  }

  /**
   * Stops at the next safe point: no plugin hook or command starts any more, the one in flight
   * finishes (intent committed, venue answer recorded), and a step in progress returns early.
   * For Ctrl-C and SIGTERM.
   */
  halt(): void {
    this.bots.halt();
  }

  /** Records a bot's failed tick or reaction; stops the bot after too many non-venue failures in a row. */
  async #botFailed(botId: string, error: unknown): Promise<void> {
    const venue = error instanceof ExchangeError;
    const streak = venue ? 0 : this.#stepFailures.failed(botId);
    const stopping = streak >= MAX_FAILED_STEPS;
    const message = `${venue ? 'a venue call' : 'a step'} of bot ${botId} failed: ${messageOf(error)}`;
    this.#stepFailures.add({ scope: 'bot', botId, message });
    const note = venue ? 'tried again next step' : stopping ? 'the bot is stopped' : `tried again next step (${streak} of ${MAX_FAILED_STEPS} in a row before the bot is stopped)`;
    try {
      await this.execution.transact(async (uow) =>
        uow.appendEvent({ source: 'engine', type: 'BotStepFailed', message: `${message} - ${note}`, botId, payload: { error: messageOf(error) }, applied: false, at: this.execution.now().toISOString() }),
      );
      if (stopping) await this.bots.stop(botId, `Stopped after ${streak} failed steps in a row: ${messageOf(error)}`, 'engine');
    } catch (logError) {
      // The ledger itself is failing: the failure is still counted in the step report.
      this.#stepFailures.add({ scope: 'bot', botId, message: `recording the failure of bot ${botId} failed too: ${messageOf(logError)}` });
    }
  }

  /** Waits until every venue event handed in is committed and every plugin reaction is done. */
  async settle(): Promise<void> {
    for (;;) {
      await this.processor.idle();
      await this.bots.idle();
      await this.stopLosses.idle();
      if (this.#reactions.size === 0 && !this.stopLosses.busy) return;
      await Promise.all([...this.#reactions]);
    }
  }

  /** Stops listening (the databases and the exchange belong to the caller). */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unfollowStops?.();
    this.#unfollowStops = undefined;
    await this.settle();
    this.processor.close();
  }

  #track(reaction: Promise<void>, botId?: string): void {
    const tracked = reaction.catch(async (error: unknown) => {
      this.#errors.push(error);
      if (botId) await this.#botFailed(botId, error);
    });
    this.#reactions.add(tracked);
    void tracked.then(() => this.#reactions.delete(tracked));
  }
}
