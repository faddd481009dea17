/**
 * Optional balances of the paper exchange. When the venue is given starting balances, an order
 * locks what it may spend (quote for a buy, with the fee; base for a sell), a fill settles, and a
 * cancel releases the rest. An order the free balance cannot cover is rejected the way a venue
 * does. Without starting balances nothing is checked (an endless wallet).
 */
import type { PaperFill, PaperOrder, PaperStore } from './paper-store.ts';
import { PaperDecimal, formatDecimal } from './paper-decimal.ts';
import { RET_CODES, quoteCurrency, rejected } from './venue-payloads.ts';

/** One currency's balance, as a venue reports it. */
export interface PaperBalance {
  readonly currency: string;
  readonly total: string;
  readonly free: string;
  readonly used: string;
}

function baseCurrency(symbol: string): string {
  return symbol.split(':')[0].split('/')[0];
}

/**
 * @example
 * const wallet = new Wallet(store, { USDT: '1000' });
 * wallet.lock(order, '100.5', '0.001', now); // throws OrderRejectedError when 1000 USDT is not enough
 */
export class Wallet {
  readonly #store: PaperStore;
  readonly #balances = new Map<string, { total: PaperDecimal; locked: PaperDecimal }>();
  #enabled: boolean;

  constructor(store: PaperStore, initial: Readonly<Record<string, string>> | undefined) {
    this.#store = store;
    for (const row of store.balances())
      this.#balances.set(row.currency, { total: new PaperDecimal(row.total), locked: new PaperDecimal(row.locked) });
    // Starting balances apply once: a reopened file keeps what trading made of them.
    for (const [currency, amount] of Object.entries(initial ?? {})) {
      if (!this.#balances.has(currency)) this.set(currency, amount);
    }
    this.#enabled = this.#balances.size > 0;
  }

  /** Whether balances are kept (starting balances were given, or one was set by hand). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Sets a currency's total (the control surface's deposit or withdrawal); turns balance checks on. */
  set(currency: string, total: string): void {
    this.#enabled = true;
    const entry = this.#entry(currency);
    entry.total = new PaperDecimal(total);
    this.#save(currency);
  }

  balances(): PaperBalance[] {
    return [...this.#balances.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, { total, locked }]) => ({
        currency,
        total: formatDecimal(total),
        free: formatDecimal(total.minus(locked)),
        used: formatDecimal(locked),
      }));
  }

  /**
   * Locks what a new order may spend, pricing a buy at `price` (its limit, or the touch worsened by
   * slippage for a market order) plus the fee, and returns the amount locked (undefined without
   * balances). Rejects, changing nothing, when the free balance falls short.
   */
  lock(symbol: string, side: 'buy' | 'sell', amount: string, price: PaperDecimal, feeRate: string, now: number): string | undefined {
    if (!this.enabled) return undefined;
    const currency = side === 'buy' ? quoteCurrency(symbol) : baseCurrency(symbol);
    const need = side === 'buy' ? new PaperDecimal(amount).mul(price).mul(new PaperDecimal(feeRate).plus(1)) : new PaperDecimal(amount);
    const entry = this.#entry(currency);
    const free = entry.total.minus(entry.locked);
    if (free.lt(need)) {
      throw rejected(
        RET_CODES.insufficientBalance,
        `Insufficient available balance: the order needs ${formatDecimal(need)} ${currency}, free is ${formatDecimal(free)} ${currency}`,
        now,
      );
    }
    entry.locked = entry.locked.plus(need);
    this.#save(currency);
    return formatDecimal(need);
  }

  /** Settles one fill: the spent side leaves the balance (and the lock), the bought side arrives. */
  settle(order: PaperOrder, fill: PaperFill, remainingBefore: PaperDecimal): void {
    if (!this.enabled || order.locked === undefined) return;
    const base = baseCurrency(order.symbol);
    const quote = quoteCurrency(order.symbol);
    const held = new PaperDecimal(order.locked);
    // The lock shrinks in proportion to the amount filled; the last fill releases all of it.
    const release = held.mul(fill.amount).div(remainingBefore);
    const value = new PaperDecimal(fill.price).mul(fill.amount);
    const [spent, spentAmount, got, gotAmount] =
      order.side === 'buy'
        ? [quote, value.plus(fill.fee), base, new PaperDecimal(fill.amount)]
        : [base, new PaperDecimal(fill.amount), quote, value.minus(fill.fee)];
    const from = this.#entry(spent);
    from.total = from.total.minus(spentAmount);
    from.locked = from.locked.minus(release);
    const to = this.#entry(got);
    to.total = to.total.plus(gotAmount);
    order.locked = formatDecimal(held.minus(release));
    this.#save(spent);
    this.#save(got);
  }

  /** Gives back what a cancelled order still held. */
  release(order: PaperOrder): void {
    if (!this.enabled || order.locked === undefined) return;
    const currency = order.side === 'buy' ? quoteCurrency(order.symbol) : baseCurrency(order.symbol);
    const entry = this.#entry(currency);
    entry.locked = entry.locked.minus(order.locked);
    order.locked = '0';
    this.#save(currency);
  }

  #entry(currency: string): { total: PaperDecimal; locked: PaperDecimal } {
    let entry = this.#balances.get(currency);
    if (!entry) {
      entry = { total: new PaperDecimal(0), locked: new PaperDecimal(0) };
      this.#balances.set(currency, entry);
    }
    return entry;
  }

  #save(currency: string): void {
    const { total, locked } = this.#entry(currency);
    this.#store.saveBalance(currency, formatDecimal(total), formatDecimal(locked));
  }
}
