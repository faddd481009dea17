/**
 * One feed of everything committed to a ledger, for the stream and the dashboard that follow it.
 *
 * - From now: every change this process commits to the ledger, in commit order, with its
 *   event_log ids, as soon as its COMMIT returned (the storage unit of work publishes it to the
 *   ledger's CommitHub, src/storage/committed-changes.ts).
 * - From an id: first the committed event-log rows after that id (read by id through
 *   {@link EventLogTail}, which never skips a row committed late under a lower id), then live.
 *   Live changes are buffered from the moment of subscribing, before the first read, so a change
 *   that commits during the replay is never missed; an event already delivered by the replay is
 *   not delivered again (dedupe by event id). The replay ends only when the tail has caught up
 *   with no row held back behind a gap, so the switch cannot leave a row behind.
 *
 * Writers in OTHER processes are not heard live (the hub is per process): a reader that must see
 * them follows the log with {@link EventLogTail} instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { type CommitHub, type CommittedChange, type CommittedEvent, commitHubFor } from '../storage/committed-changes.ts';
import type { LedgerSchema } from '../storage/schema.ts';
import { EventLogTail } from './event-log-tail.ts';

/** A change as the feed delivers it. */
export interface FeedChange extends CommittedChange {
  /**
   * 'live': published in this process after its COMMIT, with the orders, fills and bots it wrote.
   * 'replay': one event-log row read back by id, committed before the subscription or by another
   * process. Orders, fills and bots are empty: the event names its order and bot, whose current
   * state a reader loads if it needs it.
   */
  readonly origin: 'live' | 'replay';
  /** The highest event_log id in this change (null only for a change that appended no event). */
  readonly lastId: string | null;
}

export type FeedListener = (change: FeedChange) => void;

export interface FeedSubscribeOptions {
  /** Replay the committed rows with an id above this one first; omitted: from now. */
  readonly after?: string;
  /** Called once if the replay fails (the subscription is then stopped). */
  readonly onError?: (error: unknown) => void;
  /**
   * Awaited before each replay read: a consumer that cannot keep up (a slow WebSocket client)
   * holds the replay back instead of being handed the whole log at once. Live changes are
   * buffered meanwhile, as during any replay.
   */
  readonly pace?: () => Promise<void> | void;
}

export interface FeedSubscription {
  /** Resolves when the replay is done and changes arrive live (at once when subscribed from now). */
  readonly live: Promise<void>;
  /** Stops delivering; safe to call more than once. */
  stop(): void;
}

export interface ChangeFeedOptions {
  /** Rows per replay read; default 500. */
  readonly pageSize?: number;
  /** Passed to {@link EventLogTail}; default 5000 ms. */
  readonly gapGraceMs?: number;
  /** Pause between replay reads while rows are held back behind a gap; default 50 ms. */
  readonly holdPollMs?: number;
  /** Event ids remembered for dedupe across the replay-to-live switch; default 65,536. */
  readonly dedupeWindow?: number;
}

/** The ledger a feed follows: an open database (storage/database.ts) is one. */
export interface FeedDatabase {
  readonly db: Kysely<any>;
  readonly url: string;
  readonly target: { readonly dialect: string; readonly path?: string };
}

/** Ids delivered most recently, forgotten oldest first beyond `size`. */
class RecentIds {
  readonly #ids = new Set<string>();
  readonly #size: number;
  constructor(size: number) {
    this.#size = size;
  }
  has(id: string): boolean {
    return this.#ids.has(id);
  }
  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#size) this.#ids.delete(this.#ids.values().next().value as string);
  }
}

function lastIdOf(events: readonly CommittedEvent[]): string | null {
  let last: bigint | null = null;
  for (const event of events) if (last === null || BigInt(event.id) > last) last = BigInt(event.id);
  return last === null ? null : last.toString();
}

function isEmpty(change: CommittedChange): boolean {
  return change.events.length === 0 && change.orders.length === 0 && change.fills.length === 0 && change.bots.length === 0;
}

/**
 * The committed-change feed of one ledger.
 *
 * @example
 * const feed = new ChangeFeed(database);
 * const sub = feed.subscribe((change) => send(change), { after: lastSeenId });
 * await sub.live;
 */
export class ChangeFeed {
  readonly #database: FeedDatabase;
  readonly #hub: CommitHub;
  readonly #options: ChangeFeedOptions;

  constructor(database: FeedDatabase, options: ChangeFeedOptions = {}) {
    this.#database = database;
    this.#hub = commitHubFor(database);
    this.#options = options;
  }

  /**
   * Delivers every committed change to `listener`, from now or from the id `options.after`.
   * A listener that throws does not stop the feed (the hub isolates it; replayed rows likewise).
   */
  subscribe(listener: FeedListener, options: FeedSubscribeOptions = {}): FeedSubscription {
    if (options.after === undefined) {
      const stop = this.#hub.subscribe((change) => listener({ ...change, origin: 'live', lastId: lastIdOf(change.events) }));
      return { live: Promise.resolve(), stop };
    }
    return this.#replayThenLive(listener, options.after, options.onError, options.pace);
  }

  #replayThenLive(
    listener: FeedListener,
    after: string,
    onError?: (error: unknown) => void,
    pace?: () => Promise<void> | void,
  ): FeedSubscription {
    const seen = new RecentIds(this.#options.dedupeWindow ?? 65_536);
    const buffer: CommittedChange[] = [];
    /** The buffered change each heard event id belongs to. */
    const heardById = new Map<string, CommittedChange>();
    let switched = false;
    let stopped = false;
    const deliver = (change: CommittedChange): void => {
      if (stopped) return;
      const fresh = change.events.filter((event) => !seen.has(event.id));
      // Every event of it was delivered by the replay: the same transaction, already told.
      if (change.events.length > 0 && fresh.length === 0) return;
      for (const event of fresh) seen.add(event.id);
      const out = fresh.length === change.events.length ? change : { ...change, events: fresh };
      safely(() => listener({ ...out, origin: 'live', lastId: lastIdOf(out.events) }));
    };
    // Subscribed before the first read: whatever commits from here on is heard, live or replayed.
    const unsubscribe = this.#hub.subscribe((change) => {
      if (switched) deliver(change);
      else {
        buffer.push(change);
        for (const event of change.events) heardById.set(event.id, change);
      }
    });
    const stop = (): void => {
      stopped = true;
      unsubscribe();
    };
    const live = (async () => {
      const tail = new EventLogTail(this.#database.db as Kysely<LedgerSchema>, {
        after,
        pageSize: this.#options.pageSize,
        gapGraceMs: this.#options.gapGraceMs,
      });
      for (;;) {
        if (stopped) return;
        if (pace) await pace();
        if (stopped) return;
        const rows = await tail.read();
        for (const event of rows) {
          if (stopped) return;
          if (seen.has(event.id)) continue;
          // Committed during the replay and already heard: deliver it whole, with its rows.
          const heard = heardById.get(event.id);
          if (heard) {
            deliver(heard);
            continue;
          }
          seen.add(event.id);
          const change: FeedChange = {
            events: [event],
            orders: [],
            fills: [],
            bots: [],
            positions: [],
            trades: [],
            origin: 'replay',
            lastId: event.id,
          };
          safely(() => listener(change));
        }
        if (rows.length > 0) continue;
        if (!tail.holding) break;
        await sleep(this.#options.holdPollMs ?? 50);
      }
      // Synchronous from here to `switched = true`: no publish can slip between the buffer and live.
      for (const change of buffer.splice(0)) if (!isEmpty(change)) deliver(change);
      heardById.clear();
      switched = true;
    })();
    live.catch((error) => {
      stop();
      onError?.(error);
    });
    return { live, stop };
  }
}

function safely(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.emitWarning(`a change-feed listener threw: ${(error as Error)?.message ?? String(error)}`);
  }
}
