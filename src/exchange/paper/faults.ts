/**
 * Fault injection of the paper exchange: seeded random faults by probability, and explicit
 * "next N" faults set through the control surface (which always win over the dice).
 */
import type { VenueEvent } from '../exchange-adapter.ts';
import type { PaperFaultOptions } from './paper-options.ts';
import type { Prng } from './prng.ts';

/**
 * The REST-like calls a fault can hit. `placeStopOrder` is a `placeOrder` with a `stopPrice`: a
 * fault queued for it hits only stop placements (a stop-loss fails while entries go through); a
 * fault queued for `placeOrder` hits any placement, stop or not.
 */
export type PaperOperation =
  | 'placeOrder'
  | 'placeStopOrder'
  | 'cancelOrder'
  | 'fetchOrder'
  | 'fetchOpenOrders'
  | 'fetchOrders'
  | 'fetchFills'
  | 'fetchTicker'
  | 'fetchBalance'
  | 'fetchPositions'
  | 'fetchFillsSince'
  | 'loadMarkets';

/** Operations whose faults are also rolled by probability (fetches fail only when told to). */
export const ROLLED_OPERATIONS: readonly PaperOperation[] = ['placeOrder', 'cancelOrder'];

/** A fault of one call. */
export type RequestFault =
  /** Throws ExchangeUnclearError; the venue did nothing. */
  | { readonly kind: 'timeout-before' }
  /** The venue acts (and pushes its events), then the call throws ExchangeUnclearError. */
  | { readonly kind: 'timeout-after' }
  /**
   * Throws OrderRejectedError with this venue payload (default: the configured rejection). With
   * `venueId`, the message is what ccxt makes of it: `<venueId> <the whole body as JSON>`.
   */
  | { readonly kind: 'reject'; readonly retCode?: number; readonly retMsg?: string; readonly venueId?: string }
  /** Throws OrderWouldTriggerError ("Order would immediately trigger"), whatever the price; the venue did nothing. */
  | { readonly kind: 'would-trigger' }
  /** Throws RateLimitedError; the venue did nothing. */
  | { readonly kind: 'rate-limit'; readonly retryAfterMs?: number };

/** What happens to one pushed event. */
export type EventFault = 'drop' | 'duplicate' | 'reorder';

/** The fate of one pushed event. */
export interface EventFate {
  readonly drop: boolean;
  readonly duplicate: boolean;
  readonly reorder: boolean;
  /** The connection drops just before this event (which is lost with the rest of the outage). */
  readonly disconnect: boolean;
}

const CLEAN: EventFate = { drop: false, duplicate: false, reorder: false, disconnect: false };

/**
 * Decides which calls and events fail. Draws come from its own generator, so turning faults on
 * never changes the price path.
 *
 * @example
 * const faults = new FaultInjector(new Prng(deriveSeed(1, 'faults')), () => settings.faults);
 * faults.failNext('placeOrder', { kind: 'timeout-after' });
 * faults.requestFault('placeOrder'); // { kind: 'timeout-after' }
 */
export class FaultInjector {
  readonly #prng: Prng;
  readonly #settings: () => Required<PaperFaultOptions>;
  readonly #requestQueue: Array<{ readonly operation: PaperOperation | 'any'; readonly fault: RequestFault }> = [];
  readonly #eventQueue: EventFault[] = [];

  constructor(prng: Prng, settings: () => Required<PaperFaultOptions>) {
    this.#prng = prng;
    this.#settings = settings;
  }

  /** The generator state, persisted with the venue's state. */
  get prngState(): number {
    return this.#prng.state;
  }

  /** Makes the next call of `operation` (or of any operation) fail this way; queued faults apply in order. */
  failNext(operation: PaperOperation | 'any', fault: RequestFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.#requestQueue.push({ operation, fault });
  }

  /** Applies `fault` to the next `count` pushed order/fill/ticker events. */
  failNextEvents(fault: EventFault, count = 1): void {
    for (let i = 0; i < count; i += 1) this.#eventQueue.push(fault);
  }

  /** Forgets every queued explicit fault. */
  clear(): void {
    this.#requestQueue.length = 0;
    this.#eventQueue.length = 0;
  }

  /** The explicit call faults queued and not used yet, in the order they will hit. */
  queuedRequests(): ReadonlyArray<{ readonly operation: PaperOperation | 'any'; readonly fault: RequestFault }> {
    return this.#requestQueue.map((entry) => ({ ...entry }));
  }

  /** Queued explicit faults not used yet. */
  pending(): { readonly requests: number; readonly events: number } {
    return { requests: this.#requestQueue.length, events: this.#eventQueue.length };
  }

  /**
   * The fault of this call, if any: the first explicit one queued for any of its `operations`
   * (a stop placement is both `placeStopOrder` and `placeOrder`) or for 'any', else a roll for
   * placeOrder/cancelOrder.
   */
  requestFault(operations: PaperOperation | readonly PaperOperation[]): RequestFault | undefined {
    const names: readonly PaperOperation[] = typeof operations === 'string' ? [operations] : operations;
    const index = this.#requestQueue.findIndex((entry) => entry.operation === 'any' || names.includes(entry.operation));
    if (index >= 0) return this.#requestQueue.splice(index, 1)[0].fault;
    if (!names.some((name) => ROLLED_OPERATIONS.includes(name))) return undefined;
    const faults = this.#settings();
    // One draw per call whatever the outcome, so the sequence depends only on the calls made.
    let roll = this.#prng.nextUnit();
    const table: Array<[number, RequestFault]> = [
      [faults.rateLimit, { kind: 'rate-limit' }],
      [faults.reject, { kind: 'reject' }],
      [faults.timeoutBeforeActing, { kind: 'timeout-before' }],
      [faults.timeoutAfterActing, { kind: 'timeout-after' }],
    ];
    for (const [probability, fault] of table) {
      if (roll < probability) return fault;
      roll -= probability;
    }
    return undefined;
  }

  /** The fate of one pushed event; connection notices are never faulted. */
  eventFate(event: VenueEvent): EventFate {
    if (event.type === 'disconnected' || event.type === 'reconnected') return CLEAN;
    const explicit = this.#eventQueue.shift();
    if (explicit) return { ...CLEAN, [explicit]: true };
    const faults = this.#settings();
    // Four draws per event whatever the outcome, for the same reason as above.
    const drop = this.#prng.nextUnit() < faults.dropEvent;
    const duplicate = this.#prng.nextUnit() < faults.duplicateEvent;
    const reorder = this.#prng.nextUnit() < faults.reorderEvent;
    const disconnect = this.#prng.nextUnit() < faults.disconnect;
    if (disconnect) return { ...CLEAN, disconnect };
    return drop ? { ...CLEAN, drop } : { ...CLEAN, duplicate, reorder };
  }
}
