/**
 * Acting as a person at the paper exchange, on a ledger opened with its venue: list the markets
 * and their prices, move a price, cancel or fill an order by hand. Each change is followed by
 * `ledger.settle()`, so what the venue pushed (fills, a cancel botledger did not ask for, which
 * stops the bot) is committed before the caller reads the ledger again. Used by `botledger paper`
 * when no server runs; the server's /api/v1/paper routes do the same for it.
 */
import type { FillReport, OrderRef, OrderStatusReport, TickerReport } from '../exchange/exchange-adapter.ts';
import type { Order } from '../domain/order/order.ts';
import { getOrder, getOrderByClientOrderId } from '../storage/repositories/orders.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';

/** One market of the paper exchange, as listed. */
export interface PaperMarketView {
  readonly symbol: string;
  readonly last: string;
  readonly bid: string;
  readonly ask: string;
  readonly tickSize: string;
  readonly amountStep: string;
  readonly minNotional: string;
}

/** What a cancel or fill by hand did: the venue's report, and the ledger's order afterwards (null: an order the ledger does not have). */
export interface PaperOrderAction<R> {
  readonly venue: R;
  readonly order: Order | null;
}

/**
 * Every market the venue lists, with its last price.
 *
 * @example
 * await listPaperMarkets(ledger); // [{ symbol: 'BTC/USDT', last: '60000', ... }]
 */
export async function listPaperMarkets(ledger: Ledger): Promise<PaperMarketView[]> {
  const { paper } = venueOf(ledger);
  const markets = await paper.loadMarkets();
  return Promise.all(
    markets.map(async (rules) => {
      const ticker = await paper.fetchTicker(rules.symbol);
      return {
        symbol: rules.symbol,
        last: ticker.last,
        bid: ticker.bid,
        ask: ticker.ask,
        tickSize: rules.tickSize,
        amountStep: rules.amountStep,
        minNotional: rules.minNotional,
      };
    }),
  );
}

async function knownSymbol(ledger: Ledger, symbol: string): Promise<void> {
  const symbols = (await venueOf(ledger).paper.loadMarkets()).map((market) => market.symbol);
  if (!symbols.includes(symbol))
    throw new LedgerError('SYMBOL_INVALID', `symbol ${symbol} is not a market of the paper exchange (it lists ${symbols.join(', ')})`, {
      field: 'symbol',
      symbol,
    });
}

/**
 * Sets a market's last price; resting orders it crosses fill, and the ledger records them.
 *
 * @example
 * await setPaperPrice(ledger, 'BTC/USDT', '59000');
 */
export async function setPaperPrice(ledger: Ledger, symbol: string, price: string): Promise<TickerReport> {
  await knownSymbol(ledger, symbol);
  const ticker = venueOf(ledger).paper.control.setPrice(symbol, price);
  await ledger.settle();
  return ticker;
}

/** The venue reference of an order: the ledger's (by id or client order id), else an exchange order id looked for in every market. */
async function venueRef(ledger: Ledger, ref: string): Promise<{ venueRef: OrderRef; orderId: string | null }> {
  const db = ledger.database.db;
  const order = (await getOrder(db, ref)) ?? (await getOrderByClientOrderId(db, ref));
  if (order) return { venueRef: { symbol: order.symbol, clientOrderId: order.clientOrderId }, orderId: order.id };
  const { paper } = venueOf(ledger);
  for (const { symbol } of await paper.loadMarkets()) {
    const found = await paper.fetchOrder({ symbol, exchangeOrderId: ref }).catch(() => undefined);
    if (found) return { venueRef: { symbol, exchangeOrderId: ref }, orderId: null };
  }
  throw new LedgerError(
    'ORDER_NOT_FOUND',
    `order ${ref} is neither an order of this ledger (id or client order id) nor an exchange order id of the paper exchange`,
    { order: ref },
  );
}

async function afterwards(ledger: Ledger, orderId: string | null): Promise<Order | null> {
  await ledger.settle();
  return orderId ? ((await getOrder(ledger.database.db, orderId)) ?? null) : null;
}

/**
 * Cancels an open order at the venue by hand, as a person on its website would: botledger hears
 * a cancel it did not ask for, and stops the bot.
 *
 * @example
 * const { venue, order } = await cancelPaperOrder(ledger, 'bl-s1-1'); // order.cancellationReason 'OUTSIDE'
 */
export async function cancelPaperOrder(ledger: Ledger, ref: string): Promise<PaperOrderAction<OrderStatusReport>> {
  const { venueRef: target, orderId } = await venueRef(ledger, ref);
  const venue = venueOf(ledger).paper.control.cancelByHand(target);
  return { venue, order: await afterwards(ledger, orderId) };
}

/**
 * Fills an open order by hand: `amount` (default what remains) at `price` (default the last price).
 *
 * @example
 * await fillPaperOrder(ledger, 'bl-s1-1', { amount: '0.005' });
 */
export async function fillPaperOrder(
  ledger: Ledger,
  ref: string,
  options: { amount?: string; price?: string } = {},
): Promise<PaperOrderAction<Omit<FillReport, 'raw'>>> {
  const { venueRef: target, orderId } = await venueRef(ledger, ref);
  const { raw: _raw, ...venue } = venueOf(ledger).paper.control.fillByHand(target, options.amount, options.price);
  return { venue, order: await afterwards(ledger, orderId) };
}
