/**
 * The paper exchange's control surface for people (admins, demos, tests): list its markets with
 * their prices, move a price, and cancel or fill an order by hand at the venue, as a person on
 * the venue's website would. botledger learns of it only through the venue's events, exactly as
 * it would from a real exchange: a cancel by hand is an OUTSIDE cancel and stops the order's bot.
 * Each action waits until the ledger has committed what the venue pushed (ledger.settle()).
 */
import type { OrderRef } from '../exchange/exchange-adapter.ts';
import { PaperControlError } from '../exchange/paper/paper-control.ts';
import { rejectedReason } from '../domain/order/reasons.ts';
import { getOrderByExchangeOrderId } from '../storage/repositories/orders.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { findOrder } from './orders.ts';

/** One market of the paper exchange. */
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

/**
 * The venue's listed markets, by symbol, with their last price and rules.
 *
 * @example
 * (await listPaperMarkets(ledger))[0]; // { symbol: 'BTC/USDT', price: '60000', tickSize: '0.01', ... }
 */
export async function listPaperMarkets(ledger: Ledger): Promise<PaperMarketView[]> {
  const { paper } = venueOf(ledger);
  const rules = await paper.loadMarkets();
  return rules
    .map((rule) => {
      const ticker = paper.control.ticker(rule.symbol);
      return {
        symbol: rule.symbol,
        price: ticker.last,
        bid: ticker.bid,
        ask: ticker.ask,
        tickSize: rule.tickSize,
        amountStep: rule.amountStep,
        minAmount: rule.minAmount,
        minNotional: rule.minNotional,
      };
    })
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
}

async function listedMarket(ledger: Ledger, symbol: string): Promise<PaperMarketView> {
  const market = (await listPaperMarkets(ledger)).find((each) => each.symbol === symbol);
  if (!market)
    throw new LedgerError('SYMBOL_INVALID', `the paper exchange lists no market ${symbol.slice(0, 64)} (see GET /api/v1/paper/markets)`, {
      field: 'symbol',
    });
  return market;
}

/** A control refusal (a price off the tick grid, an amount above what remains) as bad input naming the field. */
function asInput<T>(field: string, act: () => T): T {
  try {
    return act();
  } catch (error) {
    if (error instanceof PaperControlError) throw new LedgerError('INVALID_FIELD', error.message, { field });
    throw error;
  }
}

/**
 * Sets a market's last price (on its tick grid); resting orders it crosses execute, and the ledger
 * has committed their fills (and the plugins' reactions) when this resolves.
 *
 * @example
 * await setPaperPrice(ledger, 'BTC/USDT', '59900');
 */
export async function setPaperPrice(ledger: Ledger, symbol: string, price: string): Promise<PaperMarketView> {
  await listedMarket(ledger, symbol);
  asInput('price', () => venueOf(ledger).paper.control.setPrice(symbol, price));
  await ledger.settle();
  return listedMarket(ledger, symbol);
}

/**
 * The venue's reference of an order named by botledger order id, client order id or exchange order
 * id (a venue order botledger never knew is found by its exchange order id alone).
 */
async function venueRef(ledger: Ledger, ref: string): Promise<OrderRef> {
  const known = await findOrder(ledger, ref).catch(async () => getOrderByExchangeOrderId(ledger.database.db, ref));
  if (known) return { symbol: known.symbol, clientOrderId: known.clientOrderId };
  const atVenue = venueOf(ledger).paper.control.order({ symbol: undefined as unknown as string, exchangeOrderId: ref });
  if (atVenue) return { symbol: atVenue.symbol, exchangeOrderId: atVenue.exchangeOrderId };
  throw new LedgerError('ORDER_NOT_FOUND', `order ${ref} does not exist in the ledger or at the paper exchange`, { order: ref });
}

/** What the venue did by hand, and the ledger's order after it committed the venue's events. */
export interface PaperHandAction {
  readonly venueOrder: {
    readonly exchangeOrderId: string;
    readonly clientOrderId: string;
    readonly state: string;
    readonly filledAmount: string;
  };
}

/**
 * Cancels an open order at the venue by hand. The order's bot (if any) is stopped by it, with its
 * reason, once the ledger has committed the venue's cancel event (done when this resolves).
 * ORDER_NOT_FOUND; ORDER_NOT_OPEN when the venue has it but it is no longer open.
 *
 * @example
 * await cancelPaperOrderByHand(ledger, 'bl-scalp1-1');
 */
export async function cancelPaperOrderByHand(ledger: Ledger, ref: string): Promise<PaperHandAction> {
  const report = venueOf(ledger).paper.control.cancelByHand(await venueRef(ledger, ref));
  await ledger.settle();
  return {
    venueOrder: {
      exchangeOrderId: report.exchangeOrderId,
      clientOrderId: report.clientOrderId,
      state: report.state,
      filledAmount: report.filledAmount,
    },
  };
}

/**
 * Fills an open order by hand at the venue: `amount` (default: what remains) at `price` (default:
 * the last price). The ledger has committed the fill when this resolves.
 *
 * @example
 * await fillPaperOrderByHand(ledger, 'bl-scalp1-1', { amount: '0.005' });
 */
export async function fillPaperOrderByHand(
  ledger: Ledger,
  ref: string,
  options: { amount?: string; price?: string } = {},
): Promise<PaperHandAction> {
  const { paper } = venueOf(ledger);
  const venueOrderRef = await venueRef(ledger, ref);
  let fill: ReturnType<typeof paper.control.fillByHand>;
  try {
    fill = paper.control.fillByHand(venueOrderRef, options.amount, options.price);
  } catch (error) {
    // fillByHand names its argument in the message: "fillByHand amount ..." or "fillByHand price ...".
    if (error instanceof PaperControlError)
      throw new LedgerError('INVALID_FIELD', error.message, { field: /fillByHand price/.test(error.message) ? 'price' : 'amount' });
    throw error;
  }
  await ledger.settle();
  const report =
    paper.control.order({ symbol: venueOrderRef.symbol, clientOrderId: fill.clientOrderId }) ?? paper.control.order(venueOrderRef);
  return {
    venueOrder: {
      exchangeOrderId: report?.exchangeOrderId ?? fill.exchangeOrderId,
      clientOrderId: report?.clientOrderId ?? fill.clientOrderId,
      state: report?.state ?? 'unknown',
      filledAmount: report?.filledAmount ?? fill.amount,
    },
  };
}

/** The most placements one call may arm: enough for a demo or a test, bounded so a typo cannot arm millions. */
export const MAX_ARMED_REJECTIONS = 1000;

/** The explicit faults armed at the paper exchange. */
export interface PaperFaultsView {
  /** Order placements still to be rejected (each placement, a retry included, uses one). */
  readonly rejectOrders: number;
  /** The venue's words of the next rejection (null when none is armed). */
  readonly message: string | null;
  /** The whole text the next rejected order will carry as its reason (null when none is armed). */
  readonly reason: string | null;
  /** Other explicit call faults queued by other means (timeouts, rate limits, stop-only rejections). */
  readonly otherFaults: number;
}

/**
 * What is armed at the venue now: the placement rejections queued, their text, and a count of
 * any other explicit faults (armed by tests or code, not this control).
 */
export function paperFaults(ledger: Ledger): PaperFaultsView {
  const { paper } = venueOf(ledger);
  const queued = paper.control.queuedFaults();
  const rejections = queued.filter(
    (entry) => entry.fault.kind === 'reject' && (entry.operation === 'placeOrder' || entry.operation === 'any'),
  );
  const next = rejections[0]?.fault;
  const configured = paper.control.settings.faults.rejection;
  const retMsg = next?.kind === 'reject' ? (next.retMsg ?? configured.retMsg) : null;
  const retCode = next?.kind === 'reject' ? (next.retCode ?? configured.retCode) : null;
  return {
    rejectOrders: rejections.length,
    message: retMsg,
    // The venue's body as the rejection error words it (venue-payloads.ts `rejected`), quoted as the engine records it.
    reason: retMsg === null ? null : rejectedReason(paper.displayName, JSON.stringify({ retCode, retMsg })),
    otherFaults: queued.length - rejections.length,
  };
}

/**
 * Arms the paper exchange to reject the next `count` order placements (stops included) as the venue
 * would: OrderRejectedError with the configured code and `message` (default "API key is invalid."),
 * so the orders become `failed` with that text as their reason, and their retries fail too while
 * rejections remain. One queued fault per placement, armed in one call.
 *
 * @example
 * armPaperRejections(ledger, { count: 3, message: 'Insufficient margin' }); // { rejectOrders: 3, ... }
 */
export function armPaperRejections(ledger: Ledger, options: { count: number; message?: string }): PaperFaultsView {
  const { count, message } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_ARMED_REJECTIONS)
    throw new LedgerError(
      'INVALID_FIELD',
      `rejectOrders must be a whole number from 1 to ${MAX_ARMED_REJECTIONS}, got ${String(count).slice(0, 32)}`,
      {
        field: 'rejectOrders',
      },
    );
  if (message !== undefined && message.trim() === '')
    throw new LedgerError('INVALID_FIELD', 'message must not be blank (leave it out for the venue default)', { field: 'message' });
  const { paper } = venueOf(ledger);
  paper.control.failNext('placeOrder', message === undefined ? { kind: 'reject' } : { kind: 'reject', retMsg: message }, count);
  return paperFaults(ledger);
}

/** Forgets every explicit fault queued at the paper exchange (placements go through again). */
export function clearPaperFaults(ledger: Ledger): PaperFaultsView {
  venueOf(ledger).paper.control.clearFaults();
  return paperFaults(ledger);
}
