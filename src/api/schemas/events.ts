/** The wire form of event-log entries and the events list's query string. */
import { Type } from '@sinclair/typebox';
import { EVENT_SOURCES } from '../../domain/order/order-events.ts';
import { Instant } from './common.ts';

export const EventSourceSchema = Type.Union(
  EVENT_SOURCES.map((source) => Type.Literal(source)),
  { description: 'where the entry came from' },
);

export const EventsQuery = Type.Object(
  {
    bot: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "only this bot's entries" })),
    order: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "only this order's entries (its id or client order id)" }),
    ),
    source: Type.Optional(EventSourceSchema),
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z]+$',
        description: 'only entries of this type (OrderFilled, BotStopped, ...)',
      }),
    ),
    after: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,19}$',
        description: 'an event id: the entries after it, oldest first (0: from the first); without it, newest first',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'entries per page (default 50)' })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'nextCursor of the previous page (keeps its direction)' }),
    ),
  },
  { additionalProperties: false },
);

export const EventBody = Type.Object(
  {
    id: Type.String({ description: 'event_log id (grows with every entry)' }),
    occurredAt: Instant,
    createdAt: Instant,
    source: EventSourceSchema,
    type: Type.String(),
    botId: Type.Union([Type.String(), Type.Null()]),
    orderId: Type.Union([Type.String(), Type.Null()]),
    pluginId: Type.Union([Type.String(), Type.Null()]),
    message: Type.String(),
    payload: Type.Unknown({ description: "the venue's raw payload or the command's input, whole (null when none)" }),
    applied: Type.Boolean({ description: 'false for an entry that was logged but changed nothing (a repeat)' }),
  },
  { additionalProperties: false },
);
