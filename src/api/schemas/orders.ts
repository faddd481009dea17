/**
 * The wire forms of orders, fills and event-log entries: every field of the order as the ledger
 * records it (money as decimal strings exactly as stored, instants ISO-8601 UTC, null when unset).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { CANCELLATION_REASONS } from '../../domain/order/reasons.ts';
import { ORDER_INTENTS, ORDER_STATUSES } from '../../domain/order/order-status.ts';
import { Decimal, Instant } from './common.ts';

const literals = (values: readonly string[]) => Type.Union(values.map((value) => Type.Literal(value)));
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const OrderStatus = literals(ORDER_STATUSES);
export const OrderSide = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);
export const CancellationReason = literals(CANCELLATION_REASONS);

export const OrderBody = Type.Object({
  id: Type.String({ description: "botledger's id of the order" }),
  clientOrderId: Type.String({ description: 'the id botledger gave the venue (bl-<bot>-<sequence>)' }),
  exchangeOrderId: Nullable(Type.String({ description: "the venue's id, once it acknowledged the order" })),
  userId: Nullable(Type.String()),
  botId: Nullable(Type.String()),
  pluginId: Nullable(Type.String()),
  symbol: Type.String(),
  side: OrderSide,
  type: Type.Union([Type.Literal('limit'), Type.Literal('market')]),
  intent: literals(ORDER_INTENTS),
  price: Nullable(Decimal),
  stopPrice: Nullable(Decimal),
  amount: Decimal,
  filledAmount: Decimal,
  averagePrice: Nullable(Decimal),
  status: OrderStatus,
  reason: Type.String({ description: 'why the order is where it is, in one whole sentence (never cut)' }),
  cancellationReason: Nullable(CancellationReason),
  retryCount: Type.Integer(),
  firstFailedAt: Nullable(Instant),
  nextRetryAt: Nullable(Instant),
  expiresAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
  version: Type.Integer({ description: 'bumped on every change' }),
});

export const FillBody = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  exchangeTradeId: Type.String(),
  price: Decimal,
  amount: Decimal,
  fee: Decimal,
  feeCurrency: Nullable(Type.String()),
  occurredAt: Instant,
  createdAt: Instant,
});

export const EventBody = Type.Object({
  id: Type.String({ description: 'event_log id (a decimal string)' }),
  occurredAt: Instant,
  createdAt: Instant,
  source: Type.String(),
  type: Type.String(),
  botId: Nullable(Type.String()),
  orderId: Nullable(Type.String()),
  pluginId: Nullable(Type.String()),
  message: Type.String(),
  payload: Type.Unknown(),
  applied: Type.Boolean({ description: 'false: logged, but it changed nothing' }),
});

export const OrderDetailBody = Type.Object({ order: OrderBody, fills: Type.Array(FillBody), events: Type.Array(EventBody) });

const idText = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 128, description }));

/** GET /orders. */
export const OrderListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        pattern: `^(${ORDER_STATUSES.join('|')})(,(${ORDER_STATUSES.join('|')}))*$`,
        maxLength: 64,
        description: 'one status or a comma list: pending,ongoing,closed,failed,cancelled',
      }),
    ),
    bot: idText('bot id'),
    plugin: idText('plugin id'),
    symbol: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{1,20}[/-][A-Z0-9]{1,20}$', description: 'BTC/USDT (or BTC-USDT)' })),
    side: Type.Optional(OrderSide),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after (ISO-8601)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'created before (ISO-8601)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'rows per page (default 50)' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

/** GET /orders/counts: the filters of GET /orders except status and paging (every status is counted). */
export const OrderCountsQuery = Type.Omit(OrderListQuery, ['status', 'limit', 'cursor'], { additionalProperties: false });

const count = Type.Integer({ minimum: 0 });
export const OrderCountsBody = Type.Object({
  counts: Type.Object({ pending: count, ongoing: count, closed: count, failed: count, cancelled: count }, { description: 'orders per status; all five always present' }),
});
