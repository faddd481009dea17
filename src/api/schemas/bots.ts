/** The wire forms of bots. */
import { Type } from '@sinclair/typebox';
import { Instant } from './common.ts';

export const BotStatus = Type.Union([Type.Literal('active'), Type.Literal('stopped'), Type.Literal('deleted')]);

export const BotBody = Type.Object(
  {
    id: Type.String(),
    pluginId: Type.String(),
    symbol: Type.String(),
    status: BotStatus,
    stopReason: Type.Union([Type.String(), Type.Null()]),
    orderTtlSeconds: Type.Number(),
    config: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Instant,
    updatedAt: Instant,
    autoStopped: Type.Boolean({
      description: 'stopped by botledger itself (an order cancelled outside botledger, a failing plugin, a protection), not by a person',
    }),
    stoppedByOrderId: Type.Union([Type.String(), Type.Null()], {
      description: 'the order whose cancel outside botledger stopped the bot (GET /orders/:id), else null',
    }),
    stoppedByClientOrderId: Type.Union([Type.String(), Type.Null()], { description: "that order's client order id, else null" }),
  },
  { $id: 'Bot' },
);

/** POST /bots. Money fields of a config are decimal strings; the plugin's schema checks them. */
export const CreateBotBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 16, description: 'your name for the bot (letters, digits, - and _)' }),
    pluginId: Type.String({ minLength: 1, maxLength: 64 }),
    symbol: Type.String({ minLength: 3, maxLength: 41, description: 'BASE/QUOTE in capitals, such as BTC/USDT' }),
    config: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64 }),
    orderTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
);

/** PUT /bots/:id. */
export const UpdateBotBody = Type.Object(
  {
    config: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64 }),
    allowImmediateLoss: Type.Optional(
      Type.Boolean({ description: 'accept a new take-profit that would sell what the bot holds at a loss' }),
    ),
  },
  { additionalProperties: false },
);

/** POST /bots/:id/stop, and DELETE /bots/:id's query. */
export const EndBotBody = Type.Object(
  { closePosition: Type.Optional(Type.Boolean({ description: "also close the bot's open position at market" })) },
  { additionalProperties: false },
);
