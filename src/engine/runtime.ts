/**
 * The runner: drives bots against a venue. It subscribes the venue-event processor (on its own
 * database connection) to the venue's stream, hands each committed order change to the bot's
 * plugin, and on every `step()` feeds prices to the plugins, runs the retry loop and reconciles
 * orders whose state is unclear. When the stream comes back after a disconnect, it reconciles at
 * once, since the events pushed meanwhile are lost.
 *
 * A plugin reaction is queued on the bot (BotService) and never awaited inside the venue's event
 * listener: the listener only commits, so a venue that delivers events before its call returns
 * can never wait on a command that is waiting on it.
 */
import type { ExchangeAdapter } from '../exchange/exchange-adapter.ts';
import type { PluginRegistry } from './strategy-plugin.ts';
import type { BotledgerDatabase } from '../storage/database.ts';
import { BotService } from './bots.ts';
import { type Clock, SYSTEM_CLOCK } from './clock.ts';
import { ExecutionEngine } from './execution.ts';
import { Reconciler } from './reconciliation.ts';
import { RetryScheduler, type RetryRun } from './retries.ts';
import { VenueEventProcessor, type VenueEventOutcome } from './venue-events.ts';

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
}

/** What one step did. */
export interface StepReport {
  readonly bots: number;
  readonly retries: RetryRun;
  readonly reconciled: number;
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
  readonly #exchange: ExchangeAdapter;
  readonly #reconcileAfterMs: number;
  readonly #reactions = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];
  #unsubscribe: (() => void) | undefined;

  constructor(options: BotRuntimeOptions) {
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.#exchange = options.exchange;
    this.#reconcileAfterMs = options.reconcileAfterMs ?? 0;
    this.execution = ExecutionEngine.open(options.database, { exchange: options.exchange, clock, venueName: options.venueName });
    this.processor = VenueEventProcessor.open(options.eventsDatabase, { clock, venueName: this.execution.venueName });
    this.bots = new BotService(this.execution, options.plugins);
    this.retries = new RetryScheduler(this.execution);
    this.reconciler = new Reconciler(this.execution);
    const react = (outcome: VenueEventOutcome) => {
      if (!outcome.applied || !outcome.order?.botId) return;
      this.#track(this.bots.orderUpdated(outcome.order));
    };
    this.processor.onCommitted(react);
    this.execution.onVenueOutcome(react);
  }

  /** Errors raised by plugin reactions (the runtime carries on; the CLI shows them). */
  get errors(): readonly unknown[] {
    return this.#errors;
  }

  /** Starts listening to the venue's stream. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#exchange.subscribe(async (event) => {
      if (event.type === 'ticker') {
        this.bots.setTicker(event.ticker);
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
   * loop, then reconciliation of pending orders.
   */
  async step(): Promise<StepReport> {
    const active = await this.execution.ledger.read((q) => q.all<{ id: string; symbol: string }>("select id, symbol from bots where status = 'active' order by id"));
    const symbols = [...new Set(active.map((bot) => bot.symbol))];
    for (const symbol of symbols) this.bots.setTicker(await this.#exchange.fetchTicker(symbol));
    for (const bot of active) await this.bots.tick(bot.id);
    const retries = await this.retries.runDue();
    const reconciled = await this.reconciler.reconcilePending({ minAgeMs: this.#reconcileAfterMs });
    await this.settle();
    return { bots: active.length, retries, reconciled: reconciled.checked };
  }

  /** Waits until every venue event handed in is committed and every plugin reaction is done. */
  async settle(): Promise<void> {
    for (;;) {
      await this.processor.idle();
      await this.bots.idle();
      if (this.#reactions.size === 0) return;
      await Promise.all([...this.#reactions]);
    }
  }

  /** Stops listening (the databases and the exchange belong to the caller). */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.settle();
  }

  #track(reaction: Promise<void>): void {
    const tracked = reaction.catch((error: unknown) => {
      this.#errors.push(error);
    });
    this.#reactions.add(tracked);
    void tracked.then(() => this.#reactions.delete(tracked));
  }
}
