/**
 * What one committed write transaction changed, published after its COMMIT returned, in commit
 * order, to everyone in this process who writes or follows the same ledger. The application's
 * change feed (src/app/change-feed.ts) builds on it: in process for low latency, and by tailing
 * `event_log` (by id) for other processes and for a reader that resumes after a reconnect.
 *
 * Hubs are per ledger, not per connection: the caller's connection and the venue-event
 * processor's connection to one database publish to the same hub.
 */
import type { Position } from '../domain/position/position.ts';
import type { Trade } from '../domain/position/trade.ts';
import type { Bot } from '../domain/bot/bot.ts';
import type { EventSource } from '../domain/order/order-events.ts';
import type { Order } from '../domain/order/order.ts';

/** An event-log row as committed, with the id the database gave it. */
export interface CommittedEvent {
  /** event_log.id as a decimal string (it is a bigint on PostgreSQL). */
  readonly id: string;
  readonly occurredAt: string;
  readonly createdAt: string;
  readonly source: EventSource;
  readonly type: string;
  readonly botId: string | null;
  readonly orderId: string | null;
  readonly pluginId: string | null;
  readonly message: string;
  readonly payload: unknown;
  readonly applied: boolean;
}

/** A fill as committed. */
export interface CommittedFill {
  readonly orderId: string;
  readonly tradeId: string;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string | null;
  readonly occurredAt: string;
}

/** Everything one transaction wrote. Every transaction that changes a row also appends at least one event. */
export interface CommittedChange {
  /** Event-log rows the transaction appended, in id order. */
  readonly events: readonly CommittedEvent[];
  /** Orders inserted or updated, as committed (their new version). */
  readonly orders: readonly Order[];
  readonly fills: readonly CommittedFill[];
  /** Bots inserted or updated, as committed. */
  readonly bots: readonly Bot[];
  /** Positions opened or changed, as committed. */
  readonly positions: readonly Position[];
  /** Trades (closed round trips) written. */
  readonly trades: readonly Trade[];
}

export type CommitListener = (change: CommittedChange) => void;

/**
 * Listeners of one ledger. A listener that throws is isolated: the others still hear the change,
 * and the writer, whose transaction has already committed, is never failed by a listener.
 *
 * @example
 * const stop = commitHubFor(database).subscribe((change) => console.log(change.events.map((e) => e.id)));
 */
export class CommitHub {
  readonly #listeners = new Set<CommitListener>();

  subscribe(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /** Called by the unit of work after COMMIT, never before. */
  publish(change: CommittedChange): void {
    if (change.events.length === 0 && change.orders.length === 0 && change.fills.length === 0 && change.bots.length === 0 && change.positions.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        process.emitWarning(`a commit listener threw: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
}

const hubs = new Map<string, CommitHub>();

/**
 * The hub of the ledger at `target` (a SQLite file's absolute path or a PostgreSQL URL): one per
 * ledger per process, whichever connection writes.
 *
 * @example
 * commitHubFor(database.target.dialect === 'sqlite' ? database.target.path : database.url)
 */
export function commitHubForKey(key: string): CommitHub {
  let hub = hubs.get(key);
  if (!hub) {
    hub = new CommitHub();
    hubs.set(key, hub);
  }
  return hub;
}

/** The hub of an open database's ledger. */
export function commitHubFor(database: { readonly url: string; readonly target: { readonly dialect: string; readonly path?: string } }): CommitHub {
  return commitHubForKey(database.target.dialect === 'sqlite' && database.target.path ? database.target.path : database.url);
}
