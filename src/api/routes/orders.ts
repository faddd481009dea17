/**
 * Orders: a keyset-paged list with filters, one order with its fills and event log, and the three
 * actions on one order: cancel (a pending order, through the engine, recorded before the venue is
 * called), retry and drop (a failed order). Each route calls one function of src/app/orders.ts;
 * the event log names the user who acted (`api:<username>`).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { OrderStatus } from '../../domain/order/order-status.ts';
import { cancelOrder, countOrders, dropOrder, listOrders, retryOrder, showOrder } from '../../app/orders.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ownerOf, principal } from '../auth.ts';
import { ERROR_RESPONSES, IdParams, Page } from '../schemas/common.ts';
import { OrderBody, OrderCountsBody, OrderCountsQuery, OrderDetailBody, OrderListQuery } from '../schemas/orders.ts';
import { symbolOf } from '../symbol-param.ts';

const tags = ['orders'];
const OrderAnswer = Type.Object({ order: OrderBody });
const NoBody = Type.Optional(Type.Object({}, { additionalProperties: false }));

/** The filters GET /orders and GET /orders/counts share, as the ledger's query (instants normalized to ISO UTC). */
function orderFilters(query: Static<typeof OrderCountsQuery>) {
  return {
    ...(query.bot ? { botId: query.bot } : {}),
    ...(query.plugin ? { pluginId: query.plugin } : {}),
    ...(query.symbol ? { symbol: symbolOf(query.symbol) } : {}),
    ...(query.side ? { side: query.side } : {}),
    ...(query.from ? { from: new Date(query.from).toISOString() } : {}),
    ...(query.to ? { to: new Date(query.to).toISOString() } : {}),
  };
}

export default async function orderRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;
  const actor = (request: Parameters<typeof principal>[0]) => `api:${principal(request).username}`;

  app.get(
    '/orders',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Your orders, newest first, keyset-paged (nextCursor), filtered by status, bot, plugin, symbol, side and creation time',
        querystring: OrderListQuery,
        response: { 200: Page(OrderBody), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const query = request.query;
      const statuses = query.status ? ([...new Set(query.status.split(','))] as OrderStatus[]) : undefined;
      return listOrders(
        ledger,
        { ...(statuses ? { status: statuses } : {}), ...orderFilters(query), owner: ownerOf(request) },
        { limit: query.limit, cursor: query.cursor },
      );
    },
  );

  // Registered before '/orders/:id' for readers; find-my-way prefers the static segment anyway.
  app.get(
    '/orders/counts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'How many of your orders match the filters, per status (all five always present): the same filters as GET /orders, without status',
        querystring: OrderCountsQuery,
        response: { 200: OrderCountsBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ counts: await countOrders(ledger, { ...orderFilters(request.query), owner: ownerOf(request) }) }),
  );

  app.get(
    '/orders/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One order (by id or client order id) with its fills and its event log, oldest first',
        params: IdParams,
        response: { 200: OrderDetailBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => showOrder(ledger, request.params.id, { owner: ownerOf(request) }),
  );

  app.post(
    '/orders/:id/cancel',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary:
          'Cancel a pending order through botledger (cancellation reason REPLACED, recorded before the venue is called; the bot is not stopped and its plugin may place it again)',
        params: IdParams,
        body: NoBody,
        response: { 200: OrderAnswer, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ order: await cancelOrder(ledger, request.params.id, { actor: actor(request), owner: ownerOf(request) }) }),
  );

  app.post(
    '/orders/:id/retry',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Place a failed order again (retryCount + 1)',
        params: IdParams,
        body: NoBody,
        response: { 200: OrderAnswer, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ order: await retryOrder(ledger, request.params.id, actor(request), { owner: ownerOf(request) }) }),
  );

  app.post(
    '/orders/:id/drop',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Give a failed order up (cancelled, DROPPED)',
        params: IdParams,
        body: NoBody,
        response: { 200: OrderAnswer, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ order: await dropOrder(ledger, request.params.id, actor(request), { owner: ownerOf(request) }) }),
  );
}
