/**
 * Finding one of the ledger's orders at the venue, as the venue's capabilities allow. Real venues
 * differ: some find an order by client order id alone, others only by their own id. The engine
 * reads `capabilities.fetchByClientOrderId`, never a venue's name.
 */
import type { Order } from '../domain/order/order.ts';
import type { ExchangeAdapter, OrderStatusReport } from '../exchange/exchange-adapter.ts';

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
