/**
 * The paper exchange's push channel, behaving like a venue's WebSocket: events arrive in order
 * after a latency, one at a time (a listener's promise is awaited before the next event), and can
 * be dropped, duplicated, reordered or lost in a disconnect. Nothing here is persisted: events in
 * flight are lost on a restart, as on a real venue, and must be recovered by asking (fetch*).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VenueEvent, VenueEventListener } from '../exchange-adapter.ts';
import type { EventFate } from './faults.ts';
import { Fifo } from './fifo.ts';

/** Marks code running inside a listener call, so the venue never waits on a delivery that waits on it. */
const insideListener = new AsyncLocalStorage<true>();

/**
 * Thrown for a delivery request the stream cannot honour: from inside a listener (it would wait for
 * that listener itself), or a manual step of a stream that delivers by itself.
 */
export class StreamReentryError extends Error {
  readonly code = 'PAPER_STREAM_REENTRY';
}

interface Entry {
  readonly event: VenueEvent;
  /** performance.now() at which it may be delivered. */
  readonly dueAt: number;
  /** Tells the publisher this event is out of its hands (delivered, dropped, held back or lost). */
  readonly settle: () => void;
}

export interface EventStreamSettings {
  readonly latencyMs: number;
  readonly delivery: 'auto' | 'manual';
  readonly faults: { readonly outageEvents: number };
}

/** Counters of what the stream did, for tests and the control surface. */
export interface EventStreamStats {
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Published while disconnected, or in flight when the connection dropped. */
  lost: number;
}

/** A listener failure, kept so a test can see it; the stream goes on. */
export interface ListenerFailure {
  readonly error: unknown;
  readonly event: VenueEvent;
}

/**
 * @example
 * const stream = new EventStream(() => settings, (event) => faults.eventFate(event));
 * const unsubscribe = stream.subscribe(async (event) => handle(event));
 * await stream.publish([{ type: 'reconnected' }]); // resolves once delivered
 */
export class EventStream {
  readonly #listeners = new Set<VenueEventListener>();
  readonly #settings: () => EventStreamSettings;
  readonly #fate: (event: VenueEvent) => EventFate;
  readonly #onListenerError: ((error: unknown, event: VenueEvent) => void) | undefined;
  readonly #queue = new Fifo<Entry>();
  #held: Entry | undefined;
  #connected = true;
  /** Events a self-healing outage still loses before the stream reconnects by itself (0 = manual reconnect). */
  #outageLeft = 0;
  #pump: Promise<void> | undefined;
  #closed = false;
  readonly stats: EventStreamStats = { delivered: 0, dropped: 0, duplicated: 0, reordered: 0, lost: 0 };
  readonly failures: ListenerFailure[] = [];

  constructor(
    settings: () => EventStreamSettings,
    fate: (event: VenueEvent) => EventFate,
    onListenerError?: (error: unknown, event: VenueEvent) => void,
  ) {
    this.#settings = settings;
    this.#fate = fate;
    this.#onListenerError = onListenerError;
  }

  /**
   * True inside a listener call (and whatever it awaits). A call made from there must not wait for
   * its own events: they queue behind the event being handled, as on a real socket.
   */
  get inListener(): boolean {
    return insideListener.getStore() === true;
  }

  get connected(): boolean {
    return this.#connected;
  }

  subscribe(listener: VenueEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Queues events for delivery, applying the fault fates. Resolves when every one of them is out of
   * the publisher's hands: delivered (and its listeners settled), dropped, held back for reordering, or lost.
   */
  publish(events: readonly VenueEvent[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const event of events) {
      if (this.#closed || !this.#connected) {
        this.stats.lost += 1;
        if (!this.#closed && this.#outageLeft > 0 && --this.#outageLeft === 0) waits.push(this.reconnect());
        continue;
      }
      const fate = this.#fate(event);
      if (fate.disconnect) {
        // This event is the first one the outage loses.
        const outage = this.#settings().faults.outageEvents;
        waits.push(this.disconnect('WebSocket connection lost (1006 abnormal closure)', outage));
        this.stats.lost += 1;
        if (outage > 0 && --this.#outageLeft === 0) waits.push(this.reconnect());
        continue;
      }
      if (fate.drop) {
        this.stats.dropped += 1;
        continue;
      }
      waits.push(this.#enqueue(event, fate.reorder));
      if (fate.duplicate) {
        this.stats.duplicated += 1;
        waits.push(this.#enqueue(event, false));
      }
    }
    this.#kick();
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * Drops the connection: events in flight are lost, listeners get {type:'disconnected'}, nothing
   * more until reconnect(), or until `reconnectAfterEvents` pushed events were lost (when above 0).
   */
  disconnect(reason: string, reconnectAfterEvents = 0): Promise<void> {
    if (!this.#connected || this.#closed) return Promise.resolve();
    this.#outageLeft = reconnectAfterEvents;
    const inFlight = [...this.#queue.clear(), ...(this.#held ? [this.#held] : [])];
    this.stats.lost += inFlight.length;
    for (const entry of inFlight) entry.settle();
    this.#held = undefined;
    const notice = this.#enqueue({ type: 'disconnected', reason }, false);
    this.#connected = false;
    this.#kick();
    return notice;
  }

  /** Restores the connection and sends {type:'reconnected'}; what happened meanwhile must be fetched. */
  reconnect(): Promise<void> {
    if (this.#connected || this.#closed) return Promise.resolve();
    this.#connected = true;
    this.#outageLeft = 0;
    return this.publish([{ type: 'reconnected' }]);
  }

  /** Events waiting for delivery, in delivery order (a held-back event last). */
  pending(): VenueEvent[] {
    return [...this.#queue.toArray(), ...(this.#held ? [this.#held] : [])].map((entry) => entry.event);
  }

  /** Delivers up to `count` waiting events of a manual stream (releasing a held-back event when nothing else waits). */
  async deliver(count = 1): Promise<number> {
    this.#refuseReentry('deliver');
    if (this.#settings().delivery !== 'manual') {
      // Stepping by hand beside the automatic pump would hand two events to a listener at once.
      throw new StreamReentryError("control.deliver() steps a delivery: 'manual' stream; this one delivers by itself (use drain())");
    }
    let delivered = 0;
    while (delivered < count) {
      if (this.#queue.length === 0) this.#releaseHeld();
      const entry = this.#queue.shift();
      if (!entry) break;
      await this.#deliver(entry);
      delivered += 1;
    }
    return delivered;
  }

  /** Delivers everything pending (a held-back event included) and waits until listeners are done. */
  async drain(): Promise<void> {
    this.#refuseReentry('drain');
    for (;;) {
      await this.#pump;
      this.#releaseHeld();
      if (this.#queue.length === 0) return;
      if (this.#settings().delivery === 'manual') await this.deliver(this.#queue.length);
      else this.#kick();
    }
  }

  /** Settings changed (e.g. manual -> auto): start delivering what waits. */
  wake(): void {
    this.#kick();
  }

  /** Stops delivery; queued events are lost. Waits for a listener call in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of [...this.#queue.clear(), ...(this.#held ? [this.#held] : [])]) entry.settle();
    this.#held = undefined;
    await this.#pump;
    this.#listeners.clear();
  }

  #refuseReentry(name: string): void {
    if (this.inListener) {
      throw new StreamReentryError(`control.${name}() was called from inside an event listener; it would wait for that listener to finish`);
    }
  }

  #enqueue(event: VenueEvent, reorder: boolean): Promise<void> {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { event, dueAt: performance.now() + this.#settings().latencyMs, settle };
    if (reorder && !this.#held) {
      // Held back until the next event is queued, then delivered right after it.
      this.stats.reordered += 1;
      this.#held = entry;
      entry.settle();
      return settled;
    }
    this.#queue.push(entry);
    this.#releaseHeld();
    return settled;
  }

  #releaseHeld(): void {
    if (!this.#held) return;
    const held = this.#held;
    this.#held = undefined;
    // Due no earlier than the event it now follows.
    const last = this.#queue.last();
    this.#queue.push(last && last.dueAt > held.dueAt ? { ...held, dueAt: last.dueAt } : held);
  }

  #kick(): void {
    if (this.#pump || this.#closed || this.#settings().delivery === 'manual' || this.#queue.length === 0) return;
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined;
      this.#kick();
    });
  }

  async #run(): Promise<void> {
    // Never deliver inside the publisher's own turn: a pushed event arrives from the network.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (!this.#closed && this.#settings().delivery === 'auto') {
      const entry = this.#queue.peek();
      if (!entry) return;
      const wait = entry.dueAt - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.#queue.peek() !== entry) continue; // a disconnect or manual delivery took it meanwhile
      this.#queue.shift();
      await this.#deliver(entry);
    }
  }

  async #deliver(entry: Entry): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        await insideListener.run(true, () => listener(entry.event));
      } catch (error) {
        this.failures.push({ error, event: entry.event });
        this.#onListenerError?.(error, entry.event);
      }
    }
    this.stats.delivered += 1;
    entry.settle();
  }
}
