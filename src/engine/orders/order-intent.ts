/**
 * The first half of intent before call (docs/architecture.md, decision 1): the order, with the
 * client order id made for it, recorded in a unit of work the caller holds. The caller COMMITs
 * and only then calls the venue (`ExecutionEngine.placeRecorded`). Kept apart from execution.ts
 * so that a caller can record an order together with rows of its own in ONE transaction (the
 * stop-loss manager records the stop order and the position's `sl_order_id` together).
 */
import { makeClientOrderId } from '../../domain/order/client-order-id.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import { createOrder, type Order } from '../../domain/order/order.ts';
import type { ExchangeCapabilities } from '../../exchange/exchange-adapter.ts';
import type { UnitOfWork } from '../../storage/unit-of-work.ts';
import { BotNotActiveError, newOrderId, type PlaceOrderInput } from './execution-types.ts';

/** What recording an intent needs from the engine. */
export interface IntentContext {
  readonly now: Date;
  readonly capabilities: Pick<ExchangeCapabilities, 'maxClientOrderIdLength'>;
  readonly venueName: string;
  readonly source: EventSource;
}

/**
 * Records `input` as a pending order with its OrderSubmitted event in `uow` (not committed).
 * Throws BotNotActiveError for a bot that does not exist, or is not active and the order is not
 * `protective` (a stop-loss or an exit, which a stopped bot's position needs; never an entry).
 *
 * @example
 * const order = await execution.transact((uow) => recordOrderIntent(uow, input, { now, capabilities, venueName, source: 'engine' }));
 */
export async function recordOrderIntent(uow: UnitOfWork, input: PlaceOrderInput, context: IntentContext): Promise<Order> {
  if (input.protective && input.intent === 'entry') throw new Error(`an entry order cannot be protective (bot ${input.botId})`);
  const bot = await uow.bot(input.botId);
  if (!bot) throw new BotNotActiveError(`bot ${input.botId} does not exist`);
  if (bot.status !== 'active' && !input.protective) {
    throw new BotNotActiveError(`bot ${bot.id} is ${bot.status}, so it cannot place orders (${bot.stopReason ?? 'no reason recorded'})`);
  }
  const sequence = await uow.nextOrderSequence(bot.id);
  const clientOrderId = makeClientOrderId({ botId: bot.id, sequence, maxLength: context.capabilities.maxClientOrderIdLength });
  const created = createOrder(
    {
      id: newOrderId(context.now.getTime()),
      clientOrderId,
      symbol: input.symbol ?? bot.symbol,
      side: input.side,
      type: input.type,
      intent: input.intent,
      amount: input.amount,
      price: input.price ?? null,
      stopPrice: input.stopPrice ?? null,
      userId: bot.userId,
      botId: bot.id,
      pluginId: bot.pluginId,
      expiresAt: input.expiresAt,
      ttlMs: bot.orderTtlMs,
    },
    context.now,
  );
  uow.insertOrder(created);
  const what = `${created.side} ${created.amount} ${created.symbol} ${created.type}${created.price ? ` at ${created.price}` : ''}${created.stopPrice ? ` stop ${created.stopPrice}` : ''}`;
  const forStopped = bot.status === 'active' ? '' : ` for ${bot.status} bot ${bot.id}, to protect its position`;
  uow.appendEvent({
    source: context.source,
    type: 'OrderSubmitted',
    message: `Order ${clientOrderId} recorded (${what}, ${created.intent})${forStopped} - placing it at ${context.venueName}`,
    orderId: created.id,
    botId: bot.id,
    pluginId: bot.pluginId,
    payload: input,
    applied: true,
    at: created.createdAt,
  });
  return created;
}
