/**
 * The live stream over a real listening server and the `ws` client, on both dialects: refused
 * without a valid token (4001), orders of a bot created over REST, the acceptance (kill the client
 * mid-flow, resume with since: the received ids equal the user's event_log ids exactly), another
 * user sees nothing of it, a slow client is closed with 4008 and resumes, and the app's close
 * closes every client with 1001.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { streamPlugin } from '../../src/api/stream.ts';
import { readEventsAfter } from '../../src/storage/repositories/event-tail.ts';
import { type EventEntry, insertEvents } from '../../src/storage/repositories/events.ts';
import { listBots } from '../../src/storage/repositories/bots.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { commitHubFor } from '../../src/storage/committed-changes.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type ApiFixture, type ApiUser, openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';
import { connectStream, type TestStreamClient } from './stream-client.ts';

const MAX_QUEUED = 1000;

/** A user of the ledger with a token of every scope of its role. */
async function userOf(api: ApiFixture, name: string, role: 'admin' | 'trader' = 'trader'): Promise<ApiUser> {
  return api.user(name, role);
}

/** Every event_log id of the user's bots, in id order, read from the database. */
async function eventIdsOf(api: ApiFixture, userId: string): Promise<string[]> {
  const db = api.ledger.database.db;
  const bots = new Set((await listBots(db, { userId }, { limit: 1000 })).items.map((bot) => bot.id));
  const ids: string[] = [];
  let after = '0';
  for (;;) {
    const rows = await readEventsAfter(db, after, 5000);
    if (rows.length === 0) return ids;
    for (const row of rows) if (row.botId !== null && bots.has(row.botId)) ids.push(row.id);
    after = rows[rows.length - 1].id;
  }
}

/** Commits rows to event_log, then publishes them as the storage unit of work does after COMMIT. */
async function commitAndPublish(api: ApiFixture, rows: readonly EventEntry[]): Promise<string[]> {
  const ids = await writeTransaction(api.ledger.database, (q) => insertEvents(q, rows, { ids: true }));
  const events = (await readEventsAfter(api.ledger.database.db, (BigInt(ids[0]) - 1n).toString(), ids.length)).filter((row) =>
    ids.includes(row.id),
  );
  commitHubFor(api.ledger.database).publish({ events, orders: [], fills: [], bots: [], positions: [], trades: [] });
  return ids;
}

const bearer = (user: ApiUser) => ({ authorization: `Bearer ${user.token}` });

async function createBot(api: ApiFixture, user: ApiUser, id: string): Promise<void> {
  const created = await api.call(user, 'POST', '/api/v1/bots', { id, pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG });
  assert.equal(created.status, 201, created.body);
}

forEachDialect('live stream', (target) => {
  describe('over a listening app', async () => {
    const clientCounts: number[] = [];
    const api = await openApi(await target.create(), {
      plugins: [streamPlugin({ authTimeoutMs: 300, maxQueued: MAX_QUEUED, onClientsChanged: (n) => clientCounts.push(n) })],
    });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;

    test('no token, a bad token, a late or wrong first message: closed with 4001', async () => {
      const silent = await connectStream(base);
      assert.equal((await silent.closed).code, 4001);
      const badQuery = await connectStream(base, '?token=nope');
      assert.equal((await badQuery.closed).code, 4001);
      const badHeader = await connectStream(base, '', { authorization: 'Bearer nope' });
      assert.equal((await badHeader.closed).code, 4001);
      const subscribeFirst = await connectStream(base);
      subscribeFirst.send({ type: 'subscribe', topics: ['orders'] });
      const refused = await subscribeFirst.closed;
      assert.equal(refused.code, 4001);
      assert.match(refused.reason, /unauthenticated/);
      for (const client of [silent, badQuery, badHeader, subscribeFirst]) assert.equal(client.eventIds().length, 0);
    });

    test('auth by first message; bad messages get REQUEST_INVALID naming the field and the socket stays open', async () => {
      const alice = await userOf(api, 'alice');
      const client = await connectStream(base);
      client.send({ type: 'auth', token: alice.token });
      await client.waitFor((message) => message.type === 'authenticated');
      client.send({ type: 'subscribe', topics: ['orders', 'gossip'] });
      const error = await client.waitFor((message) => message.type === 'error');
      assert.deepEqual([error.code, error.field], ['REQUEST_INVALID', 'topics.1']);
      client.socket.send('{not json');
      client.send({ type: 'subscribe', topics: ['orders'], filters: { colour: 'red' } });
      client.send({ type: 'subscribe', topics: ['orders'], since: -4 });
      await client.waitFor(() => client.messages.filter((message) => message.type === 'error').length === 4);
      const fields = client.messages.filter((message) => message.type === 'error').map((message) => message.field);
      assert.deepEqual(fields, ['topics.1', 'message', 'filters.colour', 'since']);
      client.send({ type: 'subscribe', topics: ['orders'] });
      const ready = await client.waitFor((message) => message.type === 'ready');
      assert.match(ready.lastId, /^\d+$/);
      client.socket.close();
    });

    test('a subscriber receives the orders of a bot created over REST, with the order written', async () => {
      const alice = await userOf(api, 'alice');
      const client = await connectStream(base, `?token=${alice.token}`);
      client.send({ type: 'subscribe', topics: ['orders'], filters: { botId: 'rest1' } });
      await client.waitFor((message) => message.type === 'ready');
      await createBot(api, alice, 'rest1');
      const accepted = await client.waitFor((message) => message.type === 'event' && message.eventType === 'OrderAccepted');
      assert.equal(accepted.topic, 'orders');
      assert.equal(accepted.botId, 'rest1');
      assert.equal(accepted.data.order.id, accepted.orderId);
      assert.equal(accepted.data.order.symbol, SYMBOL);
      assert.ok(client.messages.every((message) => message.type !== 'event' || (message.topic === 'orders' && message.botId === 'rest1')));
      client.socket.close();
    });

    test('acceptance: kill the client mid-flow, resume with since: exactly the user event_log, in order; another user sees none of it', async () => {
      const alice = await userOf(api, 'alice');
      const bob = await userOf(api, 'bob');
      const received: string[] = [];
      const take = (client: TestStreamClient): void => {
        client.socket.on('message', (data) => {
          const message = JSON.parse(data.toString());
          if (message.type === 'event') received.push(message.id);
        });
      };
      const first = await connectStream(base, '?since=0', bearer(alice));
      take(first);
      first.send({ type: 'subscribe', topics: ['events'] });
      const bobClient = await connectStream(base, '?since=0', bearer(bob));
      bobClient.send({ type: 'subscribe', topics: ['orders', 'fills', 'bots', 'positions', 'trades', 'sync', 'events'] });
      await createBot(api, alice, 'alice-a');
      await createBot(api, alice, 'alice-b');
      await createBot(api, bob, 'bob-a');
      const prices = ['59900', '60100', '59900', '60100', '59940', '60060', '59900', '60100', '59900', '60100', '59900', '60100'];
      let second: TestStreamClient | undefined;
      for (const [index, price] of prices.entries()) {
        await api.move(price);
        if (index === 4) first.socket.terminate();
        if (index === 8) {
          const since = received.at(-1) ?? '0';
          second = await connectStream(base, '', bearer(alice));
          take(second);
          second.send({ type: 'subscribe', topics: ['events'], since });
        }
      }
      assert.ok(second);
      const expected = await eventIdsOf(api, alice.userId);
      assert.ok(expected.length > 40, `a real flow (${expected.length} events)`);
      const last = expected.at(-1);
      await second.waitFor((message) => message.type === 'event' && message.id === last, 15_000);
      assert.deepEqual(received, expected, 'no gap, no duplicate, in id order');
      const bobExpected = await eventIdsOf(api, bob.userId);
      await bobClient.waitFor((message) => message.type === 'event' && message.id === bobExpected.at(-1), 15_000);
      assert.deepEqual(bobClient.eventIds(), bobExpected, "bob's own events, all of them");
      const aliceIds = new Set(expected);
      assert.equal(bobClient.eventIds().filter((id) => aliceIds.has(id)).length, 0, "none of alice's events reach bob");
      assert.ok(bobClient.messages.every((message) => message.type !== 'event' || message.botId === 'bob-a'));
      second.socket.close();
      bobClient.socket.close();
    });

    test("events of no bot reach admins only; an admin does not see a trader's events", async () => {
      const alice = await userOf(api, 'alice');
      const root = await userOf(api, 'root', 'admin');
      await createBot(api, alice, 'alice-n');
      const clients = [await connectStream(base, '', bearer(alice)), await connectStream(base, '', bearer(root))];
      for (const client of clients) client.send({ type: 'subscribe', topics: ['events'] });
      for (const client of clients) await client.waitFor((message) => message.type === 'ready');
      const at = new Date().toISOString();
      const [venueId, aliceId] = await commitAndPublish(api, [
        { source: 'exchange-ws', type: 'StreamDisconnected', message: 'the venue stream dropped', applied: true, at },
        { source: 'engine', type: 'BotNote', message: 'a note of alice', botId: 'alice-n', applied: true, at },
      ]);
      const [aliceClient, rootClient] = clients;
      const venue = await rootClient.waitFor((message) => message.type === 'event' && message.id === venueId);
      assert.equal(venue.topic, 'sync');
      await aliceClient.waitFor((message) => message.type === 'event' && message.id === aliceId);
      // Both came in one transaction: by the time either is seen, the other was handled too.
      assert.deepEqual(aliceClient.eventIds(), [aliceId]);
      assert.deepEqual(rootClient.eventIds(), [venueId]);
      for (const client of clients) client.socket.close();
    });

    test('a slow client is closed with 4008 saying where to resume; resuming there misses nothing', async () => {
      const carol = await userOf(api, 'carol');
      await createBot(api, carol, 'carol-a');
      const fast = await connectStream(base, '', bearer(carol));
      fast.send({ type: 'subscribe', topics: ['events'] });
      const slow = await connectStream(base, '', bearer(carol));
      slow.send({ type: 'subscribe', topics: ['events'] });
      const { lastId } = await fast.waitFor((message) => message.type === 'ready');
      await slow.waitFor((message) => message.type === 'ready');
      slow.socket.pause();
      // A burst of live rows, committed then published as the unit of work does: enough to fill
      // the kernel's socket buffers (a few MB) and then the stream's queue of the paused client.
      const at = new Date().toISOString();
      for (let chunk = 0; chunk < 40; chunk++) {
        const rows = Array.from({ length: 500 }, (_, i) => ({
          source: 'engine' as const,
          type: 'BotNote',
          message: `note ${chunk * 500 + i} of a chatty bot, long enough to weigh something on the wire`,
          botId: 'carol-a',
          pluginId: 'scalper',
          payload: { n: chunk * 500 + i },
          applied: true,
          at,
        }));
        const ids = await writeTransaction(api.ledger.database, (q) => insertEvents(q, rows, { ids: true }));
        const events = (await readEventsAfter(api.ledger.database.db, (BigInt(ids[0]) - 1n).toString(), ids.length)).filter((row) =>
          ids.includes(row.id),
        );
        commitHubFor(api.ledger.database).publish({ events, orders: [], fills: [], bots: [], positions: [], trades: [] });
        // A writer does I/O between its transactions (SQLite's driver is synchronous): sockets flush.
        await sleep(5);
      }
      const expected = (await eventIdsOf(api, carol.userId)).filter((id) => BigInt(id) > BigInt(lastId));
      assert.equal(expected.length, 20_000);
      await fast.waitFor((message) => message.type === 'event' && message.id === expected.at(-1), 20_000);
      assert.deepEqual(fast.eventIds(), expected, 'a client that keeps up gets it all, with the same limits');
      fast.socket.close();

      slow.socket.resume();
      const closed = await slow.closed;
      assert.equal(closed.code, 4008);
      const match = /^behind; reconnect with since=(\d+)$/.exec(closed.reason);
      assert.ok(match, closed.reason);
      const got = slow.eventIds();
      assert.ok(got.length < expected.length, 'it was closed before the end');
      assert.equal(match[1], got.at(-1), 'since= is the last id delivered');
      const resumed = await connectStream(base, `?since=${match[1]}`, bearer(carol));
      resumed.send({ type: 'subscribe', topics: ['events'] });
      await resumed.waitFor((message) => message.type === 'ready', 20_000);
      assert.deepEqual([...got, ...resumed.eventIds()], expected);
      resumed.socket.close();
    });

    test('closing the app closes every client with 1001 and counts them down', async () => {
      const alice = await userOf(api, 'alice');
      // The earlier tests' clients closed from their side: wait until the server has seen them go.
      for (let i = 0; i < 100 && (clientCounts.at(-1) ?? 0) !== 0; i++) await sleep(20);
      assert.equal(clientCounts.at(-1) ?? 0, 0);
      const client = await connectStream(base, '', bearer(alice));
      await client.waitFor((message) => message.type === 'authenticated');
      assert.ok(clientCounts.length > 0 && clientCounts.at(-1) === 1, `clients ${clientCounts.slice(-3)}`);
      await api.app.close();
      const closed = await client.closed;
      assert.equal(closed.code, 1001);
      assert.equal(clientCounts.at(-1), 0);
    });
  });
});
