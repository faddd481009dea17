/**
 * What the engine does differently by the venue's capabilities (never by its name). Real venues
 * differ: some find an order by client order id alone, others only by their own id
 * (`fetchByClientOrderId`); some take no stop orders (`stopOrders`). The runtime polls a venue
 * that does not stream (runtime.ts).
 */
import type { Order } from '../../domain/order/order.ts';
import type { ExchangeAdapter, ExchangeCapability, OrderStatusReport } from '../../exchange/exchange-adapter.ts';

/**
 * Raised when a command needs something the venue cannot do (`capabilities`); names the venue,
 * the capability, and what was asked. Nothing is recorded.
 */
export class VenueCapabilityError extends Error {
  readonly code = 'VENUE_CAPABILITY_MISSING';
  constructor(
    readonly venue: string,
    readonly capability: ExchangeCapability,
    message: string,
  ) {
    super(message);
    this.name = 'VenueCapabilityError';
  }
}

/**
 * Refuses, before anything is recorded, an order the venue cannot take: a stop price on a venue
 * without stop orders.
 *
 * @example
 * assertVenueTakes(paper, 'Paper exchange', { botId: 'b1', intent: 'stop_loss', stopPrice: '58000' });
 */
export function assertVenueTakes(exchange: ExchangeAdapter, venueName: string, order: { readonly botId: string; readonly intent: string; readonly stopPrice?: string }): void {
  if (order.stopPrice !== undefined && !exchange.capabilities.stopOrders) {
    throw new VenueCapabilityError(
      venueName,
      'stopOrders',
      `${venueName} takes no stop orders (capability stopOrders is off), so the ${order.intent} order with stopPrice ${order.stopPrice} for bot ${order.botId} is refused; nothing was recorded`,
    );
  }
}

/** How far before an order's creation a listing starts, for a venue clock a little behind ours. */
export const LISTING_SLACK_MS = 60_000;

/** What the venue said about an order, and how it was asked (`client order id`, or a sentence saying why not). */
export interface VenueLookup {
  readonly report: OrderStatusReport | undefined;
  readonly lookup: string;
}

/**
 * Finds an order at the venue and says how: by client order id (with the exchange order id when
 * known) on a venue that can look one up that way; else by exchange order id; else, for an order
 * the venue never acknowledged, by listing the venue's orders of its symbol since it was made and
 * matching the client order id.
 *
 * @example
 * const { report, lookup } = await findAtVenue(paper, 'Paper exchange', order);
 */
export async function findAtVenue(exchange: ExchangeAdapter, venueName: string, order: Order): Promise<VenueLookup> {
  if (exchange.capabilities.fetchByClientOrderId) {
    const ref = { symbol: order.symbol, clientOrderId: order.clientOrderId, exchangeOrderId: order.exchangeOrderId ?? undefined };
    return { report: await exchange.fetchOrder(ref), lookup: 'client order id' };
  }
  const why = `${venueName} cannot look an order up by client order id`;
  if (order.exchangeOrderId !== null) {
    const report = await exchange.fetchOrder({ symbol: order.symbol, exchangeOrderId: order.exchangeOrderId });
    return { report, lookup: `asked by exchange order id ${order.exchangeOrderId}: ${why}` };
  }
  const since = Date.parse(order.createdAt) - LISTING_SLACK_MS;
  const listed = await exchange.fetchOrders({ symbol: order.symbol, since });
  return {
    report: listed.find((report) => report.clientOrderId === order.clientOrderId),
    lookup: `searched its ${order.symbol} orders since ${new Date(since).toISOString()}: ${why}`,
  };
}
