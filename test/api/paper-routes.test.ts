/**
 * The paper control routes (admins only) and THE SEED-001 RACE through the API, on both dialects:
 * the venue delivers the cancel event, committed on the events connection, BEFORE the cancel call
 * returns (paper `eventsBeforeResponse`). An update keeps the bot active (old order UPDATE, new
 * one live), a stop and a delete record STOP and DELETE, and a cancel by hand through
 * POST /paper/orders/:id/cancel stops the bot with its reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { venueOf } from '../../src/app/open-ledger.ts';
import type { AddressInfo } from 'node:net';
import { streamPlugin } from '../../src/api/stream.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { connectStream } from './stream-client.ts';
import { type ApiFixture, openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

type Api = ApiFixture;
type User = Awaited<ReturnType<Api['user']>>;

async function liveOrders(api: Api, user: User, bot: string) {
  return (await api.call(user, 'GET', `/api/v1/orders?bot=${bot}&status=pending`)).json.items as {
    id: string;
    clientOrderId: string;
    exchangeOrderId: string;
    price: string;
  }[];
}

async function cancelEvent(api: Api, user: User, orderId: string) {
  const { events } = (await api.call(user, 'GET', `/api/v1/orders/${orderId}`)).json as {
    events: { id: string; type: string; applied: boolean; source: string; message: string }[];
  };
  return { applied: events.find((event) => event.type === 'OrderCanceled' && event.applied), events };
}

forEachDialect('the seed-001 race through the API', (target) => {
  test('the venue delivers the cancel event before the cancel call returns', async (t) => {
    const api = await openApi(await target.create(), { plugins: [streamPlugin()] });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const root = await api.user('root', 'admin');
    // A client on the live stream the whole time: what it shows is compared with the event log.
    const stream = await connectStream(`http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`, '', {
      authorization: `Bearer ${root.token}`,
    });
    stream.send({ type: 'subscribe', topics: ['orders', 'bots', 'events'] });
    await stream.waitFor((message) => message.type === 'ready');
    t.after(() => stream.socket.close());
    // The venue pushes the cancel event and the ledger commits it before cancelOrder resolves.
    venueOf(api.ledger).paper.control.configure({ eventsBeforeResponse: true });

    await t.test('PUT /bots/:id: the bot stays active, the old order shows UPDATE, the new one is live', async () => {
      assert.equal(
        (await api.call(root, 'POST', '/api/v1/bots', { id: 'race1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
        201,
      );
      const [old] = await liveOrders(api, root, 'race1');
      assert.ok(old?.exchangeOrderId, 'the entry is live at the venue');
      const update = await api.call(root, 'PUT', '/api/v1/bots/race1', { config: { ...SCALPER_CONFIG, entryPrice: '59900' } });
      assert.equal(update.status, 200, update.body);
      assert.equal(update.json.bot.status, 'active', `stopped by its own update: ${update.json.bot.stopReason}`);
      assert.equal(update.json.cancelledOutside, undefined);
      const bot = (await api.call(root, 'GET', '/api/v1/bots/race1')).json.bot;
      assert.equal(bot.status, 'active');
      const before = (await api.call(root, 'GET', `/api/v1/orders/${old.id}`)).json.order;
      assert.equal(before.status, 'cancelled');
      assert.equal(before.cancellationReason, 'UPDATE');
      const { applied, events } = await cancelEvent(api, root, old.id);
      assert.equal(applied?.source, 'exchange-ws', 'the pushed event (before the REST answer) applied the cancel');
      assert.ok(!events.some((event) => /outside botledger/.test(event.message)));
      const [replacement] = await liveOrders(api, root, 'race1');
      assert.equal(replacement?.price, '59900');
      // The stream shows both, in order: the old order's cancel (UPDATE), then the new order.
      const cancelled = await stream.waitFor(
        (message) => message.type === 'event' && message.orderId === old.id && message.id === applied?.id,
      );
      const placed = await stream.waitFor((message) => message.type === 'event' && message.orderId === replacement.id);
      assert.ok(BigInt(cancelled.id as string) < BigInt(placed.id as string), 'the cancel comes before the new order on the stream');
      assert.equal(
        venueOf(api.ledger).paper.control.order({ symbol: SYMBOL, clientOrderId: replacement.clientOrderId })?.state,
        'open',
        'the new order is live at the venue',
      );
    });

    for (const [command, reason, status] of [
      ['stop', 'STOP', 'stopped'],
      ['delete', 'DELETE', 'deleted'],
    ] as const) {
      await t.test(`${command}: the order shows ${reason}, the bot is ${status} by the user, not by an outside cancel`, async () => {
        const id = `race-${command}`;
        assert.equal(
          (await api.call(root, 'POST', '/api/v1/bots', { id, pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
          201,
        );
        const [order] = await liveOrders(api, root, id);
        const answer =
          command === 'stop'
            ? await api.call(root, 'POST', `/api/v1/bots/${id}/stop`)
            : await api.call(root, 'DELETE', `/api/v1/bots/${id}`);
        assert.equal(answer.status, 200, answer.body);
        assert.equal(answer.json.bot.status, status);
        assert.equal(answer.json.cancelledOutside, undefined);
        const after = (await api.call(root, 'GET', `/api/v1/orders/${order.id}`)).json.order;
        assert.equal(after.cancellationReason, reason);
        const { applied, events } = await cancelEvent(api, root, order.id);
        assert.equal(applied?.source, 'exchange-ws');
        assert.ok(!events.some((event) => /outside botledger/.test(event.message)));
      });
    }

    await t.test('a cancel by hand through POST /paper/orders/:id/cancel stops the bot with its reason', async () => {
      assert.equal(
        (await api.call(root, 'POST', '/api/v1/bots', { id: 'race-hand', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG }))
          .status,
        201,
      );
      const [order] = await liveOrders(api, root, 'race-hand');
      const answer = await api.call(root, 'POST', `/api/v1/paper/orders/${order.exchangeOrderId}/cancel`);
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.json.venueOrder.state, 'cancelled');
      assert.equal(answer.json.order.cancellationReason, 'OUTSIDE');
      const bot = (await api.call(root, 'GET', '/api/v1/bots/race-hand')).json.bot;
      assert.equal(bot.status, 'stopped');
      assert.equal(bot.stopReason, `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`);
      assert.equal((await liveOrders(api, root, 'race-hand')).length, 0, 'a stopped bot places nothing');
      const stopped = await stream.waitFor(
        (message) => message.type === 'event' && message.botId === 'race-hand' && message.eventType === 'BotStopped',
      );
      assert.match(stopped.message as string, /cancelled outside botledger/, 'the stream shows the stop with its reason');
    });
  });
});

test('paper control: markets, a price move fills an order, fill by hand, admins only, bad input named', async () => {
  const api = await openApi({ url: `sqlite:${tempDir('api-paper')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-paper-venue') });
  const root = await api.user('root', 'admin');
  const alice = await api.user('alice');
  for (const [method, url] of [
    ['GET', '/api/v1/paper/markets'],
    ['POST', '/api/v1/paper/markets/BTC-USDT/price'],
    ['POST', '/api/v1/paper/orders/x/cancel'],
    ['POST', '/api/v1/paper/orders/x/fill'],
  ] as const) {
    const answer = await api.call(alice, method, url, method === 'POST' ? { price: '1' } : undefined);
    assert.equal(answer.status, 403, `${url}: ${answer.body}`);
    assert.equal(answer.json.error.code, 'FORBIDDEN');
    assert.equal((await api.call(undefined, method, url)).status, 401);
  }
  const markets = await api.call(root, 'GET', '/api/v1/paper/markets');
  assert.equal(markets.status, 200, markets.body);
  const btc = markets.json.items.find((market: { symbol: string }) => market.symbol === SYMBOL);
  assert.equal(btc.price, '60000');
  assert.equal(btc.tickSize, '0.01');

  assert.equal(
    (await api.call(alice, 'POST', '/api/v1/bots', { id: 'pp1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
    201,
  );
  const moved = await api.call(root, 'POST', '/api/v1/paper/markets/BTC%2FUSDT/price', { price: '59950' });
  assert.equal(moved.status, 200, moved.body);
  assert.equal(moved.json.market.price, '59950');
  const entry = (await api.call(alice, 'GET', '/api/v1/orders?bot=pp1&side=buy')).json.items[0];
  assert.equal(entry.status, 'ongoing', 'the price move filled the entry, committed before the answer');
  const exit = (await api.call(alice, 'GET', '/api/v1/orders?bot=pp1&side=sell&status=pending')).json.items[0];
  assert.ok(exit, 'the plugin placed its take-profit');

  const partial = await api.call(root, 'POST', `/api/v1/paper/orders/${exit.clientOrderId}/fill`, { amount: '0.004' });
  assert.equal(partial.status, 200, partial.body);
  assert.equal(partial.json.order, null, "alice's order is not shown to the admin");
  assert.equal((await api.call(alice, 'GET', `/api/v1/orders/${exit.id}`)).json.order.filledAmount, '0.004');
  const tooMuch = await api.call(root, 'POST', `/api/v1/paper/orders/${exit.id}/fill`, { amount: '1' });
  assert.equal(tooMuch.status, 400, tooMuch.body);
  assert.equal(tooMuch.json.error.field, 'amount');
  const negative = await api.call(root, 'POST', `/api/v1/paper/orders/${exit.id}/fill`, { amount: '-1' });
  assert.equal(negative.status, 400, negative.body);
  assert.equal(negative.json.error.field, 'amount');
  const rest = await api.call(root, 'POST', `/api/v1/paper/orders/${exit.id}/fill`, { price: '60050' });
  assert.equal(rest.status, 200, rest.body);
  assert.equal(rest.json.venueOrder.state, 'filled');
  assert.equal((await api.call(alice, 'GET', `/api/v1/orders/${exit.id}`)).json.order.status, 'closed');
  const notOpen = await api.call(root, 'POST', `/api/v1/paper/orders/${exit.id}/cancel`);
  assert.equal(notOpen.status, 409, notOpen.body);
  assert.equal(notOpen.json.error.code, 'ORDER_NOT_OPEN');

  for (const [url, body, field] of [
    ['/api/v1/paper/markets/BTC-USDT/price', { price: '60000.001' }, 'price'],
    ['/api/v1/paper/markets/BTC-USDT/price', { price: 'cheap' }, 'price'],
    ['/api/v1/paper/markets/BTC-USDT/price', {}, 'price'],
    ['/api/v1/paper/markets/DOGE-USDT/price', { price: '1' }, 'symbol'],
    ['/api/v1/paper/markets/btc_usdt/price', { price: '1' }, 'symbol'],
  ] as const) {
    const answer = await api.call(root, 'POST', url, body);
    assert.equal(answer.status, 400, `${url} ${JSON.stringify(body)}: ${answer.body}`);
    assert.equal(answer.json.error.field, field, answer.body);
  }
  const missing = await api.call(root, 'POST', '/api/v1/paper/orders/nope/cancel');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ORDER_NOT_FOUND');
  assert.equal(
    (await api.call(root, 'GET', '/api/v1/paper/markets')).json.items.find((m: { symbol: string }) => m.symbol === SYMBOL).price,
    '59950',
    'refused moves changed nothing',
  );
});
