/**
 * Positions: a keyset-paged list, one position with its stop-loss, sync state, round trip and event
 * log, and closing one by hand at market or at a limit (src/app/positions.ts).
 */
import { Type } from '@sinclair/typebox';
import { markPositions } from '../../app/position-marks.ts';
import { closePosition, listPositions, showPosition } from '../../app/positions.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ownerOf, principal } from '../auth.ts';
import { Decimal, ERROR_RESPONSES, IdParams, Page, PageQuery } from '../schemas/common.ts';
import { OrderBody } from '../schemas/orders.ts';
import { MarkedPositionBody, PositionBody, PositionDetailBody, PositionStatus, TradeBody } from '../schemas/positions.ts';
import { Nullable } from '../schemas/orders.ts';
import { symbolOf } from '../symbol-param.ts';

const tags = ['positions'];

export default async function positionRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/positions',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Your positions, newest opened first, keyset-paged, filtered by status, bot, plugin and symbol',
        querystring: Type.Object(
          {
            status: Type.Optional(PositionStatus),
            bot: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            plugin: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            symbol: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{1,20}[/-][A-Z0-9]{1,20}$', description: 'BTC/USDT (or BTC-USDT)' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(MarkedPositionBody), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await listPositions(
        ledger,
        {
          status: query.status,
          botId: query.bot,
          pluginId: query.plugin,
          symbol: query.symbol ? symbolOf(query.symbol) : undefined,
          owner: ownerOf(request),
        },
        { limit: query.limit, cursor: query.cursor },
      );
      return { ...page, items: await markPositions(app.api.ledger, page.items) };
    },
  );

  app.get(
    '/positions/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One position: its stop-loss (state, order, retries, the last error in full), sync state, round trip and event log',
        params: IdParams,
        response: { 200: PositionDetailBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const detail = await showPosition(ledger, request.params.id, { owner: ownerOf(request) });
      const [position] = await markPositions(ledger, [detail.position]);
      return { ...detail, position };
    },
  );

  app.post(
    '/positions/:id/close',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Close an open position by hand, at market or at limitPrice; its stop-loss stays until it is closed',
        params: IdParams,
        body: Type.Optional(Type.Object({ limitPrice: Type.Optional(Decimal) }, { additionalProperties: false })),
        response: {
          200: Type.Object({ position: PositionBody, order: Nullable(OrderBody), trade: Nullable(TradeBody) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      closePosition(ledger, request.params.id, {
        limitPrice: request.body?.limitPrice,
        actor: `api:${principal(request).username}`,
        owner: ownerOf(request),
      }),
  );
}
