/**
 * Issue 9, item 6: after a scripted session on a real ledger with its paper exchange (placements,
 * rejections, a retry that works and one that fails, an expiry, fills, API errors), GET /metrics
 * shows the matching counts, on both dialects. The routes are a bare Fastify app with the metrics
 * plugin (the real API's routes are checked by their own tests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createBot, showBot } from '../../src/app/bots.ts';
import { httpStatusOf } from '../../src/app/error-catalog.ts';
import { builtInPlugins, type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { retryOrder } from '../../src/app/orders.ts';
import { syncNow } from '../../src/app/sync.ts';
import { type ApiMetrics, createApiMetrics, createMetricsProbes } from '../../src/api/metrics.ts';
import { registerMetrics } from '../../src/api/metrics-plugin.ts';
import type { Order } from '../../src/domain/order/order.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import type { StrategyPlugin } from '../../src/plugins/plugin-api.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';

const SYMBOL = 'BTC/USDT';
const MARKETS = { [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } };

/** A strategy that does nothing: the test places the orders. */
const MANUAL: StrategyPlugin<Record<string, never>> = {
  id: 'manual',
  description: 'test: orders placed by the test',
  configSchema: z.object({}).strict(),
  onStart: () => [],
  onTick: () => [],
  onOrderUpdate: () => [],
};

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** What a scrape shows: the value of the one series with these labels (0 and a failure if there is none or several). */
class Scrape {
  readonly samples: Sample[];
  constructor(readonly text: string) {
    this.samples = parseMetrics(text);
  }

  matching(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.matching(name, labels);
    assert.equal(
      found.length,
      1,
      `one series ${name}${JSON.stringify(labels)}, found ${found.length}:\n${found.map((s) => JSON.stringify(s)).join('\n')}`,
    );
    return found[0].value;
  }
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((total, s) => total + s.value, 0);
  }
}

/** A bare Fastify app with the metrics plugin and three routes: a bot (404 when unknown) and one that fails. */
async function appWith(ledger: Ledger, metrics: ApiMetrics): Promise<FastifyInstance> {
  const app = Fastify();
  registerMetrics(app, metrics);
  app.get('/api/v1/bots/:id', async (request, reply) => {
    try {
      const { bot } = await showBot(ledger, (request.params as { id: string }).id);
      return { id: bot.id, status: bot.status };
    } catch (error) {
      return reply.code(httpStatusOf(error)).send({ error: { code: (error as { code?: string }).code } });
    }
  });
  app.get('/api/v1/boom', async () => {
    throw new Error('a bug');
  });
  await app.ready();
  return app;
}

async function scrape(app: FastifyInstance): Promise<Scrape> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return new Scrape(response.body);
}

forEachDialect('metrics', (target) => {
  test('a scripted session: /metrics counts its placements, rejections, retries, expiry, fills, queries and API errors', async () => {
    const { url } = await target.create();
    const clock = new ManualClock(Date.now());
    const plugins = builtInPlugins();
    plugins.register(MANUAL);
    const probes = createMetricsProbes();
    const ledger = await openLedger({
      url,
      migrate: true,
      venue: { seed: 7, dir: tempDir(), markets: MARKETS },
      plugins,
      clock,
      syncEveryMs: 0,
      instrumentVenue: probes.instrumentVenue,
    });
    const metrics = createApiMetrics(ledger, { probes });
    const app = await appWith(ledger, metrics);
    try {
      const { paper, runtime } = venueOf(ledger);
      const { execution } = runtime;
      await createBot(ledger, { id: 'm', pluginId: 'manual', symbol: SYMBOL, config: {} });
      const place = async (input: { type: 'limit' | 'market'; price?: string; expiresAt?: string }): Promise<Order> => {
        const order = await execution.placeOrder({ botId: 'm', side: 'buy', intent: 'entry', amount: '0.01', ...input });
        await ledger.settle();
        return order;
      };
      // 1. A limit order that rests, and a market order that fills: two placements, one fill.
      const resting = await place({ type: 'limit', price: '59000' });
      await place({ type: 'market' });
      // The resting order is filled by a person at the venue: the fill arrives only on the venue's stream.
      paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: resting.clientOrderId });
      await ledger.settle();
      // 2. A rejection, then a retry by hand that the venue takes.
      paper.control.rejectNext('placeOrder');
      const rejected = await place({ type: 'limit', price: '59000' });
      assert.equal(rejected.status, 'failed');
      assert.equal((await retryOrder(ledger, rejected.id, 'test')).status, 'pending');
      // 3. A rejection whose retry is rejected too.
      paper.control.rejectNext('placeOrder');
      const twice = await place({ type: 'limit', price: '59000' });
      paper.control.rejectNext('placeOrder');
      assert.equal((await retryOrder(ledger, twice.id, 'test')).status, 'failed');
      // 4. A rejection that expires: its retry window ends in a minute, and the retry loop expires it
      // (a minute later, when the other failed order is due for a retry too).
      paper.control.rejectNext('placeOrder');
      const expiring = await place({ type: 'limit', price: '59000', expiresAt: new Date(clock.now() + 60_000).toISOString() });
      clock.advance(61_000);
      const step = await runtime.step({ reconcile: false, sync: false });
      await ledger.settle();
      // The same pass retries the order whose retry was rejected: the venue takes it this time.
      assert.deepEqual(
        step.retries.expired.map((o) => o.id),
        [expiring.id],
      );
      assert.deepEqual(
        step.retries.retried.map((o) => [o.id, o.status]),
        [[twice.id, 'pending']],
      );
      // 5. API: one answer, one 404 of a route, one 404 of no route, one 500.
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/bots/m' })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/bots/nobody-1234' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/no-such-route/5678' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/boom' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/boom' })).statusCode, 500);
      metrics.streamClientOpened();
      metrics.streamClientOpened();
      metrics.streamClientClosed();

      const s = await scrape(app);
      // Placements: limit, market, the two retries that worked = 4 taken; 4 rejections (3 new orders, 1 retry).
      assert.equal(s.value('botledger_order_placements_total', { result: 'success' }), 4);
      assert.equal(s.value('botledger_order_placements_total', { result: 'error' }), 4);
      assert.equal(s.value('botledger_order_placement_duration_seconds_count', { result: 'success' }), 4);
      assert.equal(s.value('botledger_order_placement_duration_seconds_count', { result: 'error' }), 4);
      assert.equal(s.value('botledger_venue_request_errors_total', { operation: 'placeOrder', code: 'ORDER_REJECTED' }), 4);
      assert.equal(s.value('botledger_venue_request_duration_seconds_count', { operation: 'placeOrder', result: 'ok' }), 4);
      // Failed orders: every rejection moved an order to failed, each with a retry scheduled.
      assert.equal(s.value('botledger_orders_failed_total', { reason: 'rejected' }), 4);
      assert.equal(s.value('botledger_orders_failed_total', { reason: 'placement_failed' }), 0);
      assert.equal(s.value('botledger_orders_retriable_total'), 4);
      assert.equal(s.value('botledger_order_retries_total', { result: 'success' }), 2);
      assert.equal(s.value('botledger_order_retries_total', { result: 'error' }), 1);
      assert.equal(s.value('botledger_orders_expired_total', { by: 'ttl' }), 1);
      assert.equal(s.value('botledger_orders_expired_total', { by: 'venue' }), 0);
      // The market order's fill and the fill by hand, each timed from its order's intent; the fill
      // by hand came on the venue's stream, so its lag from the venue's timestamp is measured.
      assert.equal(s.value('botledger_order_executions_total', { result: 'success' }), 2);
      assert.equal(s.value('botledger_order_executions_total', { result: 'error' }), 0);
      assert.equal(s.value('botledger_order_execution_duration_seconds_count'), 2);
      assert.ok(s.value('botledger_venue_event_lag_seconds_count') >= 1, 'pushed venue events are timed');
      assert.ok(s.value('botledger_venue_event_lag_seconds_sum') < 5, 'the lag is of the order of milliseconds here');
      // API: route patterns, never raw URLs; 4xx and 5xx are errors, a 5xx is an application error too.
      const api = { method: 'GET', route: '/api/v1/bots/:id' };
      assert.equal(s.value('botledger_api_request_duration_seconds_count', { ...api, status: '200' }), 1);
      assert.equal(s.value('botledger_api_errors_total', { ...api, status: '404' }), 1);
      assert.equal(s.sum('botledger_api_errors_total', { route: 'unmatched', status: '404' }), 2);
      assert.equal(s.value('botledger_api_errors_total', { method: 'GET', route: '/api/v1/boom', status: '500' }), 1);
      assert.equal(s.matching('botledger_api_errors_total', { status: '200' }).length, 0, 'a 200 is no error');
      assert.equal(s.value('botledger_application_errors_total', { kind: 'api' }), 1);
      assert.doesNotMatch(s.text, /nobody-1234|5678/, 'no raw URL in any label');
      assert.doesNotMatch(s.text, new RegExp(`${rejected.id}|bl-m-`), 'no order id in any label');
      // The database: queries by kind, and its pools (SQLite: one connection each).
      assert.ok(s.value('botledger_database_query_duration_seconds_count', { operation: 'select' }) > 0);
      assert.ok(s.value('botledger_database_query_duration_seconds_count', { operation: 'insert' }) > 0);
      assert.ok(s.value('botledger_database_query_duration_seconds_count', { operation: 'update' }) > 0);
      assert.ok(s.value('botledger_database_query_duration_seconds_count', { operation: 'other' }) > 0, 'BEGIN and COMMIT');
      for (const pool of ['main', 'events']) {
        const total = s.value('botledger_database_pool_connections', { pool });
        if (target.dialect === 'sqlite') assert.equal(total, 1, pool);
        else {
          assert.ok(total >= 1, `${pool}: ${total}`);
          assert.ok(s.value('botledger_database_pool_idle_connections', { pool }) <= total);
          assert.equal(s.value('botledger_database_pool_waiting_requests', { pool }), 0);
        }
      }
      assert.equal(s.value('botledger_stream_clients'), 1);
      assert.ok(s.matching('botledger_process_cpu_user_seconds_total').length === 1, 'process metrics, prefixed');
      for (const sample of s.samples) assert.match(sample.name, /^botledger_/, `${sample.name} has the prefix`);

      // Closed: the feed no longer counts (another rejection is not seen), the registry keeps its values.
      metrics.close();
      paper.control.rejectNext('placeOrder');
      await place({ type: 'limit', price: '59000' });
      const after = await scrape(app);
      assert.equal(after.value('botledger_orders_failed_total', { reason: 'rejected' }), 4);
    } finally {
      metrics.close();
      await app.close();
      await ledger.close();
    }
  });
});

forEachDialect('metrics of sync and of survived failures', (target) => {
  test('sync discrepancies found and fixed, a failed sync, a failed ticker and errors told by the service are counted', async () => {
    const { url } = await target.create();
    const plugins = builtInPlugins();
    plugins.register(MANUAL);
    const probes = createMetricsProbes({ processMetrics: false });
    const ledger = await openLedger({
      url,
      migrate: true,
      venue: { seed: 7, dir: tempDir(), markets: MARKETS },
      plugins,
      syncEveryMs: 0,
      instrumentVenue: probes.instrumentVenue,
    });
    const metrics = createApiMetrics(ledger, { probes });
    try {
      const { paper, runtime } = venueOf(ledger);
      await createBot(ledger, { id: 'm', pluginId: 'manual', symbol: SYMBOL, config: {} });
      await runtime.execution.placeOrder({ botId: 'm', side: 'buy', type: 'market', intent: 'entry', amount: '0.01' });
      await ledger.settle();
      // The venue says the account holds more than the ledger's position.
      paper.control.setPosition(SYMBOL, '0.05');
      const { report } = await syncNow(ledger);
      assert.ok(report.discrepanciesFound >= 1, JSON.stringify(report));
      // The venue does not answer: the sync fails, and says so.
      paper.control.failNext('fetchPositions', { kind: 'timeout-before' }, 2);
      await assert.rejects(syncNow(ledger), { code: 'SYNC_FAILED' });
      paper.control.clearFaults();
      // The venue does not give a price: the step goes on without it, and logs the failure.
      paper.control.failNext('fetchTicker', { kind: 'timeout-before' });
      const step = await runtime.step({ reconcile: false, sync: false });
      assert.deepEqual(
        step.failures.map((f) => f.scope),
        ['ticker'],
      );
      metrics.recordApplicationError('market_loop');
      metrics.recordApplicationError('Bad Kind! 42');

      const s = new Scrape(await metrics.render());
      assert.equal(s.value('botledger_sync_discrepancies_found_total'), report.discrepanciesFound);
      assert.equal(s.value('botledger_sync_discrepancies_fixed_total'), report.discrepanciesFixed);
      assert.equal(s.value('botledger_syncs_total', { result: 'ok' }), 1);
      assert.equal(s.value('botledger_syncs_total', { result: 'failed' }), 1);
      assert.equal(s.value('botledger_application_errors_total', { kind: 'sync' }), 1);
      assert.equal(s.value('botledger_application_errors_total', { kind: 'ticker' }), 1);
      assert.equal(s.value('botledger_application_errors_total', { kind: 'bot_step' }), 0);
      assert.equal(s.value('botledger_application_errors_total', { kind: 'market_loop' }), 1);
      assert.equal(s.value('botledger_application_errors_total', { kind: 'other' }), 1, 'a kind that is not a plain word is not a label');
      assert.ok(s.value('botledger_venue_request_errors_total', { operation: 'fetchPositions', code: 'OUTCOME_UNCLEAR' }) >= 1);
      assert.equal(s.value('botledger_venue_request_errors_total', { operation: 'fetchTicker', code: 'OUTCOME_UNCLEAR' }), 1);
      assert.equal(s.matching('botledger_process_cpu_user_seconds_total').length, 0, 'process metrics can be left out');
    } finally {
      metrics.close();
      await ledger.close();
    }
  });
});

test('the timed venue adapter answers as the venue does: same reports, same errors, same optional methods', async () => {
  const { PaperExchange } = await import('../../src/exchange/paper/index.ts');
  const { TimedExchangeAdapter } = await import('../../src/api/metrics-venue.ts');
  const paper = new PaperExchange({ file: `${tempDir()}/paper.db`, seed: 1, markets: MARKETS });
  try {
    const calls: { operation: string; code?: string }[] = [];
    const timed = new TimedExchangeAdapter(paper, ({ operation, seconds, error }) => {
      assert.ok(seconds >= 0);
      calls.push(error === undefined ? { operation } : { operation, code: (error as { code?: string }).code });
    });
    assert.equal(timed.id, paper.id);
    assert.equal(timed.displayName, paper.displayName);
    assert.deepEqual(timed.capabilities, paper.capabilities);
    for (const optional of ['fetchBalance', 'fetchPositions', 'fetchFillsSince'] as const) {
      assert.equal(typeof timed[optional], typeof paper[optional], optional);
    }
    const placed = await timed.placeOrder({
      clientOrderId: 'c-1',
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: '0.01',
      price: '59000',
    });
    assert.equal(placed.clientOrderId, 'c-1');
    assert.equal(placed.state, 'open');
    paper.control.rejectNext('placeOrder');
    const request = { clientOrderId: 'c-2', symbol: SYMBOL, side: 'buy', type: 'limit', amount: '0.01', price: '59000' } as const;
    const thrown = await timed.placeOrder(request).catch((error: unknown) => error);
    assert.equal((thrown as { code?: string }).code, 'ORDER_REJECTED');
    assert.deepEqual(
      (await timed.fetchPositions?.(SYMBOL))?.map((p) => p.side),
      ['flat'],
    );
    assert.deepEqual(calls, [
      { operation: 'placeOrder' },
      { operation: 'placeOrder', code: 'ORDER_REJECTED' },
      { operation: 'fetchPositions' },
    ]);
  } finally {
    await paper.close();
  }
});

test('names follow Prometheus conventions, and the README lists every botledger metric', async () => {
  const { readFileSync } = await import('node:fs');
  const probes = createMetricsProbes();
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const metrics = await probes.set.registry.getMetricsAsJSON();
  assert.ok(metrics.length > 20);
  for (const metric of metrics) {
    const { name } = metric;
    const type = String(metric.type);
    assert.match(name, /^botledger_[a-z0-9_]+$/, name);
    assert.equal(name.endsWith('_total'), type === 'counter', `${name} (${type}): counters, and only counters, end in _total`);
    if (type === 'histogram') assert.match(name, /_seconds$/, name);
    const own = !/^botledger_(process|nodejs)_/.test(name);
    if (own) assert.ok(readme.includes(`\`${name}\``), `README's "Metrics and alerts" lists ${name}`);
  }
});

test('database query timers: failed queries are counted by kind, and a removed timer hears nothing', async () => {
  const { openDatabase, queryOperation } = await import('../../src/storage/database.ts');
  const { sql } = await import('kysely');
  assert.equal(queryOperation('  SELECT 1'), 'select');
  assert.equal(queryOperation('with t as (select 1) update x set a = 1'), 'update');
  assert.equal(queryOperation('insert into x values (1)'), 'insert');
  assert.equal(queryOperation('/*compiled*/ delete from x'), 'delete');
  assert.equal(queryOperation('create table x (a int)'), 'other');
  const database = await openDatabase(`sqlite:${tempDir()}/q.db`);
  try {
    const heard: { operation: string; failed: boolean }[] = [];
    const stop = database.addQueryTimer(({ operation, failed, durationMs }) => {
      assert.ok(durationMs >= 0);
      heard.push({ operation, failed });
    });
    await sql`select 1`.execute(database.db);
    await assert.rejects(sql`select * from no_such_table`.execute(database.db));
    stop();
    await sql`select 2`.execute(database.db);
    assert.deepEqual(heard, [
      { operation: 'select', failed: false },
      { operation: 'select', failed: true },
    ]);
  } finally {
    await database.close();
  }
});
