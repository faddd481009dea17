/**
 * The wire forms of the paper exchange's control (admins): markets, hand actions at the venue and
 * the faults armed there. Money is a decimal string exactly as the venue holds it.
 */
import { Type } from '@sinclair/typebox';
import { Decimal } from './common.ts';
import { OrderBody } from './orders.ts';

export const MarketBody = Type.Object({
  symbol: Type.String(),
  price: Decimal,
  bid: Decimal,
  ask: Decimal,
  tickSize: Decimal,
  amountStep: Decimal,
  minAmount: Decimal,
  minNotional: Decimal,
});

export const HandActionBody = Type.Object({
  venueOrder: Type.Object({ exchangeOrderId: Type.String(), clientOrderId: Type.String(), state: Type.String(), filledAmount: Decimal }),
  order: Type.Union([OrderBody, Type.Null()], {
    description: "the ledger's order after it committed the venue's events (null: not a ledger order, or not yours)",
  }),
});

/** The explicit faults armed at the venue (src/app/paper.ts PaperFaultsView). */
export const PaperFaultsBody = Type.Object({
  rejectOrders: Type.Integer({ description: 'order placements still to be rejected (a retry uses one too)' }),
  message: Type.Union([Type.String(), Type.Null()], { description: "the venue's words of the next rejection" }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'the whole text the next rejected order gets as its reason' }),
  otherFaults: Type.Integer({ description: 'other explicit call faults queued (not armed by this route)' }),
});

export const ArmFaultsRequest = Type.Object(
  {
    rejectOrders: Type.Integer({
      minimum: 1,
      maximum: 1000 /* app/paper.ts MAX_ARMED_REJECTIONS */,
      description: 'how many of the next order placements to reject',
    }),
    message: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        pattern: '^[^\\x00-\\x1f\\x7f]+$',
        description: 'the venue\'s words (default: "API key is invalid.")',
      }),
    ),
  },
  { additionalProperties: false },
);
