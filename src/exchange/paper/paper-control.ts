/**
 * The control surface of the paper exchange: what a person at the venue (or a test) can do that
 * botledger cannot see coming. Cancel or fill an order by hand, move the price, inject faults,
 * drop the stream, and decide when pushed events arrive.
 */
import type {
  BalanceReport,
  FillReport,
  OrderRef,
  OrderSide,
  OrderStatusReport,
  PositionStatusReport,
  TickerReport,
  VenueEvent,
} from '../exchange-adapter.ts';
import type { EventStreamStats, ListenerFailure } from './event-stream.ts';
import type { EventFault, PaperOperation, RequestFault } from './faults.ts';
import { PaperDecimal, parseDecimal } from './paper-decimal.ts';
import { type PaperFaultOptions, type PaperRuntimeSettings, mergeSettings } from './paper-options.ts';
import type { PaperOrder } from './paper-store.ts';
import type { PaperVenue } from './paper-venue.ts';
import { fillReport, notFound, notOpen, orderReport } from './venue-payloads.ts';

/**
 * Bybit's answer to a request with a bad API key, as `rejectStopOrders` gives it by default: the
 * seed's stop-loss failure, whose text is longer than the 100 characters it was once cut to.
 */
export const BYBIT_STOP_REJECTION = {
  venueId: 'bybit',
  retCode: 10003,
  retMsg: 'API key is invalid. Check whether the key and secret are correct, the key has not expired and the IP is whitelisted.',
} as const;

/** A control call with a bad argument (not a venue answer); names the argument. */
export class PaperControlError extends Error {
  readonly code = 'PAPER_CONTROL_INVALID';
}

/**
 * @example
 * const paper = new PaperExchange({ seed: 7 });
 * paper.control.setPrice('BTC/USDT', '59000');      // crosses resting buys at or above 59000
 * paper.control.cancelByHand({ symbol: 'BTC/USDT', clientOrderId: 'bl-1' });
 * paper.control.timeoutNext('cancelOrder', 'after'); // the next cancel acts, then times out
 * await paper.control.drain();                        // every pushed event delivered
 */
export class PaperControl {
  readonly #venue: PaperVenue;

  constructor(venue: PaperVenue) {
    this.#venue = venue;
  }

  /** Cancels an open order at the venue, as a person on the venue's website would. Pushes the cancel event. */
  cancelByHand(ref: OrderRef): OrderStatusReport {
    const applied = this.#venue.cancel(this.#openOrder(ref), 'person');
    void this.#venue.announce(applied.events);
    return orderReport(applied.value);
  }

  /**
   * Executes an open order by hand: `amount` (default: all that remains) at `price` (default: the
   * last price), as a maker. Pushes the fill and order events.
   */
  fillByHand(ref: OrderRef, amount?: string, price?: string): FillReport {
    const order = this.#openOrder(ref);
    const remaining = new PaperDecimal(order.amount).minus(order.filledAmount);
    const size = amount === undefined ? remaining : parseDecimal(amount);
    if (!size || size.lte(0) || size.gt(remaining)) {
      throw new PaperControlError(
        `fillByHand amount must be a decimal string above 0 and at most ${remaining.toFixed()} (what remains of ${order.clientOrderId}), got ${String(amount)}`,
      );
    }
    const at = price === undefined ? this.#venue.market(order.symbol).price : this.#price(order.symbol, price, 'fillByHand price');
    order.triggered = true;
    const applied = this.#venue.fill(order, size.toFixed(), at, false);
    void this.#venue.announce(applied.events);
    return fillReport(applied.value);
  }

  /**
   * A person trades on the venue's website: a market order of the account with a client order id
   * the venue makes (`web-1`, `web-2`, ...; never botledger's), executed at once, its events
   * pushed. It moves the account's position like any fill (e.g. closes a position behind
   * botledger's back). Venue rejections (balance, lot size) throw as for `placeOrder`.
   */
  tradeByHand(symbol: string, side: OrderSide, amount: string): OrderStatusReport {
    let n = 1;
    while (this.#venue.store.orderByClientId(`web-${n}`)) n += 1;
    const applied = this.#venue.place({ clientOrderId: `web-${n}`, symbol, side, type: 'market', amount });
    void this.#venue.announce(applied.events);
    return orderReport(applied.value);
  }

  /**
   * Sets the account's net position in `symbol` without any fill (`net` signed: '-0.5' is short
   * 0.5; '0' flat), at `entryPrice` (default: the last price), as a transfer or the venue's own
   * adjustment would: a size the account's fills cannot explain. Balances are left as they are.
   */
  setPosition(symbol: string, net: string, entryPrice?: string): PositionStatusReport {
    const size = parseDecimal(net);
    if (!size) throw new PaperControlError(`setPosition net must be a signed decimal string, got ${JSON.stringify(net)}`);
    const at = entryPrice === undefined ? this.#venue.market(symbol).price : this.#price(symbol, entryPrice, 'setPosition entryPrice');
    const now = this.#venue.now();
    this.#venue.store.transaction(() => this.#venue.positions.set(symbol, size, new PaperDecimal(at), now));
    return this.#venue.positions.reports(symbol, now)[0];
  }

  /** Sets a market's last price (on its tick grid) and matches every resting order against it. */
  setPrice(symbol: string, price: string): TickerReport {
    const applied = this.#venue.setPrice(symbol, this.#price(symbol, price, 'setPrice price'));
    void this.#venue.announce(applied.events);
    return this.#venue.ticker(symbol);
  }

  /** Moves `symbol` (default: every market) `count` random-walk steps, matching after each; returns the final tickers. */
  tick(count = 1, symbol?: string): TickerReport[] {
    if (!Number.isInteger(count) || count < 0) throw new PaperControlError(`tick count must be a whole number >= 0, got ${count}`);
    const symbols = symbol === undefined ? this.#venue.symbols() : [symbol];
    // One commit for all the steps: a long walk should not cost one fsync per step.
    return this.#venue.batch(() => {
      for (let i = 0; i < count; i += 1) {
        for (const each of symbols) void this.#venue.announce(this.#venue.step(each).events);
      }
      return symbols.map((each) => this.#venue.ticker(each));
    });
  }

  /**
   * Runs several control actions in one durable commit, their events pushed after it (how a
   * benchmark produces venue events faster than one fsync each). Not all-or-nothing: if `body`
   * throws, what it did before is kept and announced, then the error is rethrown.
   *
   * @example
   * paper.control.batch(() => refs.forEach((ref) => paper.control.fillByHand(ref)));
   */
  batch<T>(body: () => T): T {
    return this.#venue.batch(body);
  }

  ticker(symbol: string): TickerReport {
    return this.#venue.ticker(symbol);
  }

  /** Sets a currency's total balance, as a deposit or withdrawal would (turns balance checks on if they were off). */
  setBalance(currency: string, total: string): BalanceReport[] {
    const parsed = parseDecimal(total);
    if (!parsed || parsed.lt(0))
      throw new PaperControlError(`setBalance total must be a decimal string >= 0, got ${JSON.stringify(total)}`);
    this.#venue.store.transaction(() => this.#venue.wallet.set(currency, parsed.toFixed()));
    return this.#venue.wallet.balances();
  }

  /** The venue's report of one order (no fault, no latency), or undefined. */
  order(ref: OrderRef): OrderStatusReport | undefined {
    const order = this.#venue.find(ref);
    return order && orderReport(order);
  }

  /** Makes the next `times` calls of `operation` (or 'any') fail with `fault`. */
  failNext(operation: PaperOperation | 'any', fault: RequestFault, times = 1): void {
    this.#venue.faults.failNext(operation, fault, times);
  }

  /** The next call is rejected with the venue's payload (default: the configured rejection, "API key is invalid."). */
  rejectNext(operation: PaperOperation | 'any' = 'placeOrder', rejection: { retCode?: number; retMsg?: string; venueId?: string } = {}): void {
    this.failNext(operation, { kind: 'reject', ...rejection });
  }

  /**
   * The next `times` stop placements (placeOrder with a stopPrice; other orders go through) are
   * rejected the way ccxt reports Bybit's answer: OrderRejectedError whose `raw` is the venue's
   * body ({ retCode, retMsg, result, retExtInfo, time }) and whose message is `bybit <that body as
   * JSON>`, whole (longer than 100 characters with the default words).
   *
   * @example
   * paper.control.rejectStopOrders(3); // three failed stop-loss placements, then they work again
   */
  rejectStopOrders(times = 1, rejection: { retCode?: number; retMsg?: string; venueId?: string } = {}): void {
    this.failNext('placeStopOrder', { kind: 'reject', ...BYBIT_STOP_REJECTION, ...rejection }, times);
  }

  /**
   * The next `times` stop placements time out (ExchangeUnclearError): 'after' the venue placed the
   * stop (it exists and its events are pushed; default) or 'before' (nothing was placed).
   */
  timeoutStopOrders(times = 1, when: 'before' | 'after' = 'after'): void {
    this.failNext('placeStopOrder', { kind: when === 'after' ? 'timeout-after' : 'timeout-before' }, times);
  }

  /** The next `times` stop placements are refused with OrderWouldTriggerError whatever the price (nothing is placed). */
  wouldTriggerStopOrders(times = 1): void {
    this.failNext('placeStopOrder', { kind: 'would-trigger' }, times);
  }

  /** The next call is refused with RateLimitedError. */
  rateLimitNext(operation: PaperOperation | 'any' = 'placeOrder', retryAfterMs?: number): void {
    this.failNext(operation, retryAfterMs === undefined ? { kind: 'rate-limit' } : { kind: 'rate-limit', retryAfterMs });
  }

  /** The next call times out: 'after' the venue acted (default) or 'before'. */
  timeoutNext(operation: PaperOperation | 'any' = 'placeOrder', when: 'before' | 'after' = 'after'): void {
    this.failNext(operation, { kind: when === 'after' ? 'timeout-after' : 'timeout-before' });
  }

  dropNextEvents(count = 1): void {
    this.#eventFault('drop', count);
  }

  duplicateNextEvents(count = 1): void {
    this.#eventFault('duplicate', count);
  }

  /** Each of the next `count` events is held back and delivered after the event that follows it. */
  reorderNextEvents(count = 1): void {
    this.#eventFault('reorder', count);
  }

  /** The explicit call faults still queued (failNext, rejectNext, ...), in the order they will hit. */
  queuedFaults(): ReadonlyArray<{ readonly operation: PaperOperation | 'any'; readonly fault: RequestFault }> {
    return this.#venue.faults.queuedRequests();
  }

  /** Forgets queued explicit faults (probabilities stay as configured). */
  clearFaults(): void {
    this.#venue.faults.clear();
  }

  /**
   * Drops the stream: listeners get {type:'disconnected'}; events until reconnect() are lost. With
   * `reconnectAfterEvents` (> 0) it comes back by itself once that many pushed events were lost.
   */
  disconnect(reason = 'WebSocket connection closed by the venue (1006)', options: { reconnectAfterEvents?: number } = {}): Promise<void> {
    return this.#venue.stream.disconnect(reason, options.reconnectAfterEvents ?? 0);
  }

  /** Restores the stream; listeners get {type:'reconnected'} and must fetch what they missed. */
  reconnect(): Promise<void> {
    return this.#venue.stream.reconnect();
  }

  get connected(): boolean {
    return this.#venue.stream.connected;
  }

  /** Delivers up to `count` waiting events now (the way to step a `delivery: 'manual'` stream). */
  deliver(count = 1): Promise<number> {
    return this.#venue.stream.deliver(count);
  }

  /** Delivers every waiting event (held-back ones too) and waits until the listeners are done. */
  drain(): Promise<void> {
    return this.#venue.stream.drain();
  }

  /** Events waiting for delivery, in the order they will arrive. */
  pendingEvents(): VenueEvent[] {
    return this.#venue.stream.pending();
  }

  /**
   * Changes runtime settings (fees, slippage, liquidity, latency, delivery mode, eventsBeforeResponse,
   * ticker events, fault probabilities); returns the settings now in force.
   */
  configure(change: Partial<Omit<PaperRuntimeSettings, 'faults'>> & { readonly faults?: PaperFaultOptions }): PaperRuntimeSettings {
    this.#venue.settings = mergeSettings(this.#venue.settings, change);
    this.#venue.stream.wake();
    return this.#venue.settings;
  }

  get settings(): PaperRuntimeSettings {
    return this.#venue.settings;
  }

  /** Counts of delivered, dropped, duplicated, reordered and lost events. */
  get stats(): Readonly<EventStreamStats> {
    return { ...this.#venue.stream.stats };
  }

  /** Errors thrown by listeners (the stream carried on). */
  get listenerFailures(): readonly ListenerFailure[] {
    return this.#venue.stream.failures;
  }

  #eventFault(fault: EventFault, count: number): void {
    this.#venue.faults.failNextEvents(fault, count);
  }

  #openOrder(ref: OrderRef): PaperOrder {
    const order = this.#venue.find(ref);
    const now = this.#venue.now();
    if (!order) throw notFound(ref.exchangeOrderId ?? ref.clientOrderId ?? '(no id given)', now);
    if (order.state !== 'open' && order.state !== 'partially_filled') throw notOpen(order, now);
    return order;
  }

  #price(symbol: string, price: string, name: string): string {
    const market = this.#venue.market(symbol);
    const parsed = parseDecimal(price);
    if (!parsed || parsed.lte(0)) throw new PaperControlError(`${name} must be a positive decimal string, got ${JSON.stringify(price)}`);
    if (!parsed.mod(market.tickSize).isZero()) {
      throw new PaperControlError(`${name} ${price} is not a multiple of the tick size ${market.tickSize} of ${symbol}`);
    }
    return parsed.toFixed();
  }
}
