/** The wire forms of positions, their stop-loss, sync state and round trip (trade). */
import { Type } from '@sinclair/typebox';
import { Decimal, Instant } from './common.ts';
import { CancellationReason, EventBody, Nullable, OrderStatus } from './orders.ts';

export const PositionStatus = Type.Union([Type.Literal('open'), Type.Literal('closed')]);

export const PositionBody = Type.Object({
  id: Type.String(),
  userId: Nullable(Type.String()),
  botId: Nullable(Type.String()),
  pluginId: Type.String(),
  exchangeAccountId: Nullable(Type.String()),
  symbol: Type.String(),
  side: Type.Union([Type.Literal('long'), Type.Literal('short')]),
  amount: Decimal,
  entryCost: Decimal,
  closedAmount: Decimal,
  entryPrice: Decimal,
  exitPrice: Nullable(Decimal),
  realizedPnl: Decimal,
  fees: Decimal,
  stopLossPrice: Nullable(Decimal),
  status: PositionStatus,
  exitReason: Nullable(Type.String({ description: 'why it closed, or the last error; never cut' })),
  errorDetails: Type.Unknown({ description: "the venue's whole last error, as stored (null: none)" }),
  retryCount: Type.Integer(),
  lastErrorAt: Nullable(Instant),
  lastSyncAt: Nullable(Instant),
  syncStatus: Nullable(Type.String()),
  exchangeOrderId: Nullable(Type.String({ description: 'the order that opened it' })),
  slOrderId: Nullable(Type.String({ description: 'the stop-loss order protecting it' })),
  openedAt: Instant,
  closedAt: Nullable(Instant),
  updatedAt: Instant,
  version: Type.Integer(),
});

/** A position in the list and detail answers: marked to the venue's last price while open. */
export const MarkedPositionBody = Type.Object({
  ...PositionBody.properties,
  markPrice: Nullable(Decimal),
  unrealizedPnl: Nullable(
    Type.String({
      description: "open: exact pnl of what is held at markPrice (long: amount x markPrice - entryCost; short: the opposite), exit fees left out; null when closed or the venue gave no price",
    }),
  ),
});

export const TradeBody = Type.Object({
  id: Type.String(),
  positionId: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  botId: Nullable(Type.String()),
  pluginId: Type.String(),
  symbol: Type.String(),
  side: Type.Union([Type.Literal('long'), Type.Literal('short')]),
  amount: Decimal,
  entryPrice: Decimal,
  exitPrice: Decimal,
  pnl: Decimal,
  fees: Decimal,
  exitReason: Nullable(Type.String()),
  openedAt: Instant,
  closedAt: Instant,
  createdAt: Instant,
});

const StopOrderBody = Type.Object({
  id: Type.String(),
  clientOrderId: Type.String(),
  status: OrderStatus,
  cancellationReason: Nullable(CancellationReason),
  stopPrice: Nullable(Decimal),
  amount: Decimal,
  reason: Type.String(),
});

export const PositionDetailBody = Type.Object({
  position: MarkedPositionBody,
  stopLoss: Type.Object({
    state: Type.Union([Type.Literal('none'), Type.Literal('unprotected'), Type.Literal('protected')]),
    price: Nullable(Decimal),
    order: Nullable(StopOrderBody),
    retryCount: Type.Integer(),
    lastErrorAt: Nullable(Instant),
    errorDetails: Type.Unknown({ description: "the venue's whole error, as stored" }),
  }),
  sync: Type.Object({ status: Nullable(Type.String()), lastSyncAt: Nullable(Instant) }),
  trade: Nullable(TradeBody),
  events: Type.Array(EventBody),
});
