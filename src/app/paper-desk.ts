/**
 * Acting as a person at the paper exchange, on a ledger opened with its venue: list the markets
 * and their prices, move a price, cancel or fill an order by hand. Each change is followed by
 * `ledger.settle()`, so what the venue pushed (fills, a cancel botledger did not ask for, which
 * stops the bot) is committed before the caller reads the ledger again. Used by `botledger paper`
 * when no server runs. The shapes are those of the server's /api/v1/paper routes (the routes'
 * own src/app/paper.ts on the routes branch), so the CLI prints the same either way; once that
 * file is merged, this one can give way to it.
 */
import type { Order } from '../domain/order/order.ts';
import type { OrderRef, OrderStatusReport } from '../exchange/exchange-adapter.ts';
import { PaperControlError } from '../exchange/paper/index.ts';
import { getOrder, getOrderByClientOrderId } from '../storage/repositories/orders.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';

/** One market of the paper exchange, as listed (GET /api/v1/paper/markets). */
export interface PaperMarketView {
  readonly symbol: string;
  readonly price: string;
  readonly bid: string;
  readonly ask: string;
  readonly tickSize: string;
  readonly amountStep: string;
  readonly minAmount: string;
  readonly minNotional: string;
}

/** What a cancel or fill by hand did at the venue, and the ledger's order afterwards (null: an order the ledger does not have). */
export interface PaperHandAction {
  readonly venueOrder: {
    readonly exchangeOrderId: string;
    readonly clientOrderId: string;
    readonly state: string;
    readonly filledAmount: string;
  };
  readonly order: Order | null;
}

/**
 * Every market the venue lists, by symbol, with its last price and rules.
 *
 * @example
 * await listPaperMarkets(ledger); // [{ symbol: 'BTC/USDT', price: '60000', ... }]
 */
export async function listPaperMarkets(ledger: Ledger): Promise<PaperMarketView[]> {
  const { paper } = venueOf(ledger);
  const markets = await paper.loadMarkets();
  const views = await Promise.all(
    markets.map(async (rules) => {
      const ticker = await paper.fetchTicker(rules.symbol);
      return {
        symbol: rules.symbol,
        price: ticker.last,
        bid: ticker.bid,
        ask: ticker.ask,
        tickSize: rules.tickSize,
        amountStep: rules.amountStep,
        minAmount: rules.minAmount,
        minNotional: rules.minNotional,
      };
    }),
  );
  return views.sort((a, b) => a.symbol.localeCompare(b.symbol));
}

async function listedMarket(ledger: Ledger, symbol: string): Promise<PaperMarketView> {
  const markets = await listPaperMarkets(ledger);
  const market = markets.find((each) => each.symbol === symbol);
  if (!market)
    throw new LedgerError(
      'SYMBOL_INVALID',
      `the paper exchange lists no market ${symbol.slice(0, 64)} (it lists ${markets.map((m) => m.symbol).join(', ')})`,
      {
        field: 'symbol',
      },
    );
  return market;
}

/** A control refusal (a price off the tick grid, an amount above what remains) as bad input naming the field. */
function asInput<T>(field: (message: string) => string, act: () => T): T {
  try {
    return act();
  } catch (error) {
    if (error instanceof PaperControlError) throw new LedgerError('INVALID_FIELD', error.message, { field: field(error.message) });
    throw error;
  }
}

/**
 * Sets a market's last price; resting orders it crosses fill, and the ledger has recorded them when this resolves.
 *
 * @example
 * await setPaperPrice(ledger, 'BTC/USDT', '59000');
 */
export async function setPaperPrice(ledger: Ledger, symbol: string, price: string): Promise<PaperMarketView> {
  await listedMarket(ledger, symbol);
  asInput(
    () => 'price',
    () => venueOf(ledger).paper.control.setPrice(symbol, price),
  );
  await ledger.settle();
  return listedMarket(ledger, symbol);
}

/** The venue reference of an order: the ledger's (by id or client order id), else an exchange order id looked for in every market. */
async function venueRef(ledger: Ledger, ref: string): Promise<OrderRef> {
  const db = ledger.database.db;
  const order = (await getOrder(db, ref)) ?? (await getOrderByClientOrderId(db, ref));
  if (order) return { symbol: order.symbol, clientOrderId: order.clientOrderId };
  const { paper } = venueOf(ledger);
  for (const { symbol } of await paper.loadMarkets()) {
    const found = await paper.fetchOrder({ symbol, exchangeOrderId: ref }).catch(() => undefined);
    if (found) return { symbol, exchangeOrderId: ref };
  }
  throw new LedgerError('ORDER_NOT_FOUND', `order ${ref} does not exist in the ledger or at the paper exchange`, { order: ref });
}

async function afterwards(ledger: Ledger, target: OrderRef, report: OrderStatusReport | undefined): Promise<PaperHandAction> {
  await ledger.settle();
  const now =
    (await venueOf(ledger)
      .paper.fetchOrder(target)
      .catch(() => undefined)) ?? report;
  const order = now ? ((await getOrderByClientOrderId(ledger.database.db, now.clientOrderId)) ?? null) : null;
  return {
    venueOrder: {
      exchangeOrderId: now?.exchangeOrderId ?? '',
      clientOrderId: now?.clientOrderId ?? '',
      state: now?.state ?? 'unknown',
      filledAmount: now?.filledAmount ?? '0',
    },
    order,
  };
}

/**
 * Cancels an open order at the venue by hand, as a person on its website would: botledger hears
 * a cancel it did not ask for, and stops the bot.
 *
 * @example
 * const { venueOrder, order } = await cancelPaperOrder(ledger, 'bl-s1-1'); // order.cancellationReason 'OUTSIDE'
 */
export async function cancelPaperOrder(ledger: Ledger, ref: string): Promise<PaperHandAction> {
  const target = await venueRef(ledger, ref);
  const report = venueOf(ledger).paper.control.cancelByHand(target);
  return afterwards(ledger, target, report);
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
): Promise<PaperHandAction> {
  const target = await venueRef(ledger, ref);
  asInput(
    (message) => (/fillByHand price/.test(message) ? 'price' : 'amount'),
    () => venueOf(ledger).paper.control.fillByHand(target, options.amount, options.price),
  );
  return afterwards(ledger, target, undefined);
}
