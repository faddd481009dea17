/**
 * Bots: list, create, show, update (config), stop, start, delete. Each route calls one function of
 * the application core (src/app/bots.ts) for the logged-in user (its owner): another user's bot is
 * answered exactly as a missing one, 404.
 */
import { Type } from '@sinclair/typebox';
import { botWireView, botWireViews } from '../../app/bot-views.ts';
import { createBot, deleteBot, listBots, showBot, startBot, stopBot, updateBot } from '../../app/bots.ts';
import type { FastifyRequest } from 'fastify';
import { ownerOf, principal } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { BotBody, BotStatus, CreateBotBody, EndBotBody, UpdateBotBody } from '../schemas/bots.ts';
import { ERROR_RESPONSES, IdParams } from '../schemas/common.ts';

const tags = ['bots'];
const Loose = Type.Object({}, { additionalProperties: true });
const BotChangeBody = Type.Object(
  {
    bot: BotBody,
    before: Type.Object({ status: BotStatus }),
    cancelledOutside: Type.Optional(Loose),
    positions: Type.Optional(Type.Array(Loose)),
  },
  { additionalProperties: true },
);

/** The API user a command comes from (the event log's source and the stop reason name it). */
const originOf = (request: FastifyRequest) => ({ source: 'api' as const, actor: principal(request).username });

export default async function botRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/bots',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Your bots, oldest first',
        querystring: Type.Object({ status: Type.Optional(BotStatus) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(BotBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      items: await botWireViews(ledger, await listBots(ledger, request.query.status, { owner: ownerOf(request) })),
    }),
  );

  app.post(
    '/bots',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Create a bot; its plugin places its first orders',
        body: CreateBotBody,
        response: { 201: Loose, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await createBot(ledger, {
        id: body.id,
        pluginId: body.pluginId,
        symbol: body.symbol,
        config: body.config,
        userId: ownerOf(request),
        origin: originOf(request),
        ...(body.orderTtlSeconds ? { orderTtlMs: body.orderTtlSeconds * 1000 } : {}),
      });
      return reply
        .status(201)
        .send({ bot: await botWireView(ledger, created.bot), orders: created.orders, ...(created.failure ? { failure: created.failure } : {}) });
    },
  );

  app.get(
    '/bots/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'A bot, its order counts and latest orders',
        params: IdParams,
        response: { 200: Loose, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const shown = await showBot(ledger, request.params.id, { owner: ownerOf(request) });
      return { bot: await botWireView(ledger, shown.bot), counts: shown.counts, recentOrders: shown.recentOrders };
    },
  );

  app.put(
    '/bots/:id',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: "Update a bot's config: its live orders are replaced (cancellation reason UPDATE)",
        params: IdParams,
        body: UpdateBotBody,
        response: { 200: Loose, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const update = await updateBot(ledger, request.params.id, request.body.config, {
        allowImmediateLoss: request.body.allowImmediateLoss,
        owner: ownerOf(request),
        origin: originOf(request),
      });
      return { ...update, bot: await botWireView(ledger, update.bot) };
    },
  );

  app.post(
    '/bots/:id/stop',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Stop a bot: its orders are cancelled (STOPPED_BY_USER)',
        params: IdParams,
        body: Type.Union([EndBotBody, Type.Null()]),
        response: { 200: BotChangeBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const change = await stopBot(ledger, request.params.id, {
        closePosition: request.body?.closePosition,
        owner: ownerOf(request),
        origin: originOf(request),
      });
      return { ...change, bot: await botWireView(ledger, change.bot) };
    },
  );

  app.post(
    '/bots/:id/start',
    {
      config: { access: 'trade' },
      schema: { tags, summary: 'Start a stopped bot', params: IdParams, response: { 200: BotChangeBody, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const change = await startBot(ledger, request.params.id, { owner: ownerOf(request), origin: originOf(request) });
      return { ...change, bot: await botWireView(ledger, change.bot) };
    },
  );

  app.delete(
    '/bots/:id',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Delete a bot: its orders are cancelled (BOT_DELETED)',
        params: IdParams,
        querystring: EndBotBody,
        response: { 200: BotChangeBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const change = await deleteBot(ledger, request.params.id, {
        closePosition: request.query.closePosition,
        owner: ownerOf(request),
        origin: originOf(request),
      });
      return { ...change, bot: await botWireView(ledger, change.bot) };
    },
  );
}
