/**
 * A whole engine for tests: the core schema on a fresh database of the dialect, the paper
 * exchange, the caller's connection (execution, bots) and a SECOND connection for venue events,
 * as in production where the WebSocket handler does not share the REST caller's connection.
 */
import { join } from 'node:path';
import { BotService } from '../../src/engine/bots/bots.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { ExecutionEngine } from '../../src/engine/orders/execution.ts';
import { VenueEventProcessor } from '../../src/engine/venue-events/venue-events.ts';
import type { Order } from '../../src/domain/order/order.ts';
import type { ExchangeAdapter } from '../../src/exchange/exchange-adapter.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import type { PaperExchangeOptions } from '../../src/exchange/paper/paper-options.ts';
import { PluginRegistry } from '../../src/plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import { LedgerReader } from '../../src/storage/ledger-reader.ts';
import { readExecutor, type SqlExecutor } from '../../src/storage/sql/executor.ts';
import type { DialectTarget } from '../support/dialects.ts';
import { type LedgerDatabase, openLedgerDatabase } from '../support/ledger-database.ts';

export const SYMBOL = 'BTC/USDT';

export interface EngineFixture {
  readonly caller: LedgerDatabase;
  readonly events: BotledgerDatabase;
  /** A third connection for looking, never used by the engine. */
  readonly observer: Observer;
  /** The ledger's reads on the observer's connection. */
  readonly ledger: LedgerReader;
  readonly paper: PaperExchange;
  readonly clock: ManualClock;
  readonly processor: VenueEventProcessor;
  readonly execution: ExecutionEngine;
  readonly bots: BotService;
  order(id: string): Promise<Order>;
  ordersOfBot(botId: string): Promise<Order[]>;
  eventsOf(filter: { orderId?: string; botId?: string }): Promise<{ type: string; message: string; source: string; applied: boolean }[]>;
  /** Delivers every pushed event and waits until it is committed. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Plain SQL reads on a connection of their own (tests may look at any row). */
export interface Observer {
  read<T>(work: (q: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface FixtureOptions {
  readonly paper?: PaperExchangeOptions;
  /** Wraps the exchange the engine sees (spies that look at the database during a call). */
  readonly wrap?: (paper: PaperExchange, observer: Observer) => ExchangeAdapter;
  /**
   * Commits that are not flushed to disk (SQLite synchronous=NORMAL, PostgreSQL
   * synchronous_commit=off): still real commits, visible to every other connection, just not
   * fsynced. For suites of thousands of tiny transactions whose subject is not durability.
   */
  readonly fastCommits?: boolean;
}

export async function openEngineFixture(target: DialectTarget, options: FixtureOptions = {}): Promise<EngineFixture> {
  let caller = await openLedgerDatabase(target);
  if (options.fastCommits) caller = await withFastCommits(caller);
  const events = await openDatabase(caller.test.url);
  const observerDb = await openDatabase(caller.test.url);
  if (options.fastCommits) for (const handle of [events, observerDb]) handle.sqlite?.pragma('synchronous = NORMAL');
  const observer: Observer = { read: (work) => work(readExecutor(observerDb)) };
  const ledger = new LedgerReader(observerDb);
  const clock = new ManualClock();
  const paper = new PaperExchange({
    file: join(caller.test.dir, 'paper-exchange.db'),
    seed: 7,
    markets: { [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } },
    now: () => clock.now(),
    eventsBeforeResponse: true,
    synchronous: 'normal',
    ...options.paper,
  });
  const processor = VenueEventProcessor.open(events, { clock, venueName: 'Paper exchange' });
  paper.subscribe((event) => processor.handle(event).then(() => undefined));
  const exchange = options.wrap ? options.wrap(paper, observer) : paper;
  const execution = ExecutionEngine.open(caller, { exchange, clock, venueName: 'Paper exchange' });
  const bots = new BotService(execution, new PluginRegistry([SCALPER_PLUGIN]));
  return {
    caller,
    events,
    observer,
    ledger,
    paper,
    clock,
    processor,
    execution,
    bots,
    async order(id) {
      const order = await ledger.orderById(id);
      if (!order) throw new Error(`no order ${id}`);
      return order;
    },
    ordersOfBot: (botId) => ledger.ordersOfBot(botId),
    eventsOf: (filter) => ledger.eventsOf(filter),
    async settle() {
      await paper.control.drain();
      await processor.idle();
      await bots.idle();
      await paper.control.drain();
      await processor.idle();
    },
    async close() {
      await paper.close();
      await observerDb.close();
      await events.close();
      await caller.close();
    },
  };
}

async function withFastCommits(ledger: LedgerDatabase): Promise<LedgerDatabase> {
  if (ledger.sqlite) {
    ledger.sqlite.pragma('synchronous = NORMAL');
    return ledger;
  }
  const name = new URL(ledger.test.url).pathname.slice(1);
  await ledger.pool?.query(`alter database "${name}" set synchronous_commit = off`);
  // Connections opened from here on take the setting.
  await ledger.close();
  return Object.assign(await openDatabase(ledger.test.url), { test: ledger.test });
}

/** A scalper config that rests below the start price of 60000 (no fill until the price moves). */
export function scalperConfig(entryPrice = '59000', takeProfitPrice = '59500', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { amount: '0.01', entryPrice, takeProfitPrice, ...extra };
}
