/**
 * The paper exchange's control surface, for admins (demos, tests, a newcomer trying the outside
 * cancel): markets and prices, moving a price, cancelling or filling an order by hand at the venue.
 * Each action answers once the ledger has committed what the venue pushed (src/app/paper.ts).
 */
import { Type } from '@sinclair/typebox';
import {
  armPaperRejections,
  cancelPaperOrderByHand,
  clearPaperFaults,
  fillPaperOrderByHand,
  listPaperMarkets,
  paperFaults,
  setPaperPrice,
} from '../../app/paper.ts';
import { showOrder } from '../../app/orders.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ownerOf } from '../auth.ts';
import { Decimal, ERROR_RESPONSES, IdParams } from '../schemas/common.ts';
import { ArmFaultsRequest, HandActionBody, MarketBody, PaperFaultsBody } from '../schemas/paper.ts';
import { SymbolParams, symbolOf } from '../symbol-param.ts';

const tags = ['paper'];

export default async function paperRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;
  // The ledger's order after the venue's events, when it is the admin's own (admins see only their own orders too).
  const ledgerOrder = async (clientOrderId: string, owner: string) =>
    (await showOrder(ledger, clientOrderId, { owner }).catch(() => undefined))?.order ?? null;

  app.get(
    '/paper/markets',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "The paper exchange's markets: last price, bid, ask and rules",
        response: { 200: Type.Object({ items: Type.Array(MarketBody) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ items: await listPaperMarkets(ledger) }),
  );

  app.post(
    '/paper/markets/:symbol/price',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Set a market price (on its tick grid); answers once the orders it crossed are filled in the ledger',
        params: SymbolParams,
        body: Type.Object({ price: Decimal }, { additionalProperties: false }),
        response: { 200: Type.Object({ market: MarketBody }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ market: await setPaperPrice(ledger, symbolOf(request.params.symbol), request.body.price) }),
  );

  app.post(
    '/paper/orders/:id/cancel',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary:
          "Cancel an order by hand at the venue (a person's cancel: OUTSIDE, it stops the order's bot); :id is the order id, client order id or exchange order id",
        params: IdParams,
        body: Type.Optional(Type.Object({}, { additionalProperties: false })),
        response: { 200: HandActionBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const done = await cancelPaperOrderByHand(ledger, request.params.id);
      return { ...done, order: await ledgerOrder(done.venueOrder.clientOrderId, ownerOf(request)) };
    },
  );

  app.post(
    '/paper/orders/:id/fill',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Fill an order by hand at the venue: amount (default: what remains) at price (default: the last price)',
        params: IdParams,
        body: Type.Optional(
          Type.Object({ amount: Type.Optional(Decimal), price: Type.Optional(Decimal) }, { additionalProperties: false }),
        ),
        response: { 200: HandActionBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const done = await fillPaperOrderByHand(ledger, request.params.id, { amount: request.body?.amount, price: request.body?.price });
      return { ...done, order: await ledgerOrder(done.venueOrder.clientOrderId, ownerOf(request)) };
    },
  );

  const faultsSchema = { tags, response: { 200: Type.Object({ faults: PaperFaultsBody }), ...ERROR_RESPONSES } };
  app.get(
    '/paper/faults',
    { config: { access: 'admin' }, schema: { ...faultsSchema, summary: 'The faults armed at the paper exchange' } },
    async () => ({ faults: paperFaults(ledger) }),
  );

  app.post(
    '/paper/faults',
    {
      config: { access: 'admin' },
      schema: {
        ...faultsSchema,
        summary:
          'Reject the next N order placements at the paper exchange as the venue would (the orders become failed); answers what is armed',
        body: ArmFaultsRequest,
      },
    },
    async (request) => ({ faults: armPaperRejections(ledger, { count: request.body.rejectOrders, message: request.body.message }) }),
  );

  app.delete(
    '/paper/faults',
    { config: { access: 'admin' }, schema: { ...faultsSchema, summary: 'Clear every fault armed at the paper exchange' } },
    async () => ({ faults: clearPaperFaults(ledger) }),
  );
}
