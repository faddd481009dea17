/**
 * The service's Prometheus metrics (GET /metrics, src/api/metrics-plugin.ts). Fed from:
 * - the ledger's change feed: fills, failed, retried and expired orders, sync, survived failures
 *   (metrics-feed.ts);
 * - the venue adapter, timed by a decorator given to openLedger (metrics-venue.ts): placements
 *   and every venue call;
 * - the database's query timers (storage/database.ts) and its pools, read at scrape time;
 * - the API's request hooks and the stream's client count.
 *
 * Venue timing must be wired BEFORE the ledger opens (the runtime is built with its adapter):
 *
 * @example
 * const probes = createMetricsProbes();
 * const ledger = await openLedger({ url, venue: true, instrumentVenue: probes.instrumentVenue });
 * const metrics = createApiMetrics(ledger, { probes });
 * registerMetrics(app, metrics);
 * // at shutdown
 * metrics.close();
 */
import type { Ledger } from '../app/open-ledger.ts';
import type { ExchangeAdapter } from '../exchange/exchange-adapter.ts';
import type { BotledgerDatabase, QueryOperation, QueryTiming } from '../storage/database.ts';
import { APPLICATION_ERROR_KINDS, createMetricSet, type MetricSet, type PoolSource } from './metric-set.ts';
import { FeedMetrics } from './metrics-feed.ts';
import { TimedExchangeAdapter, type VenueCall, venueErrorCode } from './metrics-venue.ts';

/** The metrics made before a ledger is opened, so that its venue can be timed from the start. */
export interface MetricsProbes {
  readonly set: MetricSet;
  /** Pass as openLedger's `instrumentVenue`. */
  readonly instrumentVenue: (adapter: ExchangeAdapter) => ExchangeAdapter;
}

/** One answered HTTP request, as the Fastify plugin reports it. */
export interface RequestObservation {
  readonly method: string;
  /** The route pattern (`/api/v1/bots/:id`), or `unmatched`: never the raw URL. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

export interface ApiMetrics {
  /** This app's registry (not prom-client's global one). */
  readonly registry: MetricSet['registry'];
  /** The content type of {@link ApiMetrics.render}'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** One answered request (the Fastify plugin calls it from onResponse). A 5xx also counts as an application error `api`. */
  observeRequest(request: RequestObservation): void;
  /** The number of live-stream clients connected now (the stream calls it on connect and close). */
  setStreamClients(count: number): void;
  streamClientOpened(): void;
  streamClientClosed(): void;
  /** A failure the service survived outside the event log (a market-loop step that threw, ...). `kind`: a fixed word (a-z, 0-9, _), never an id. */
  recordApplicationError(kind: string): void;
  /** Stops listening to the ledger (feed and query timers); the registry keeps its last values. */
  close(): void;
}

export interface ApiMetricsOptions {
  /** The probes whose `instrumentVenue` was given to openLedger; default: new ones (venue calls are then not timed). */
  readonly probes?: MetricsProbes;
}

/**
 * Metrics made before the ledger: pass `instrumentVenue` to openLedger, then the probes to {@link createApiMetrics}.
 *
 * @example
 * const probes = createMetricsProbes();
 */
export function createMetricsProbes(options: { processMetrics?: boolean } = {}): MetricsProbes {
  const set = createMetricSet(options);
  const observe = (call: VenueCall): void => {
    const result = call.error === undefined ? 'ok' : 'error';
    set.venueRequestDuration.observe({ operation: call.operation, result }, call.seconds);
    if (call.error !== undefined) set.venueErrors.inc({ operation: call.operation, code: venueErrorCode(call.error) });
    if (call.operation === 'placeOrder') {
      const placement = call.error === undefined ? 'success' : 'error';
      set.placements.inc({ result: placement });
      set.placementDuration.observe({ result: placement }, call.seconds);
    }
  };
  return { set, instrumentVenue: (adapter) => new TimedExchangeAdapter(adapter, observe) };
}

function poolOf(name: string, database: BotledgerDatabase): PoolSource {
  const pool = database.pool;
  if (!pool) return { pool: name, total: () => 1 };
  return { pool: name, total: () => pool.totalCount, idle: () => pool.idleCount, waiting: () => pool.waitingCount };
}

const KIND_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

const QUERY_OPERATIONS: readonly QueryOperation[] = ['select', 'insert', 'update', 'delete', 'other'];

/**
 * The metrics of a ledger's service: listens to its change feed and times its queries until
 * {@link ApiMetrics.close}.
 *
 * @example
 * const metrics = createApiMetrics(ledger, { probes });
 * await metrics.render(); // '# HELP botledger_order_placements_total ...'
 */
export function createApiMetrics(ledger: Ledger, options: ApiMetricsOptions = {}): ApiMetrics {
  const set = (options.probes ?? createMetricsProbes()).set;
  if (set.pools.length > 0) throw new Error('internal: these metrics probes already serve a ledger; make new ones per ledger');
  const databases: [string, BotledgerDatabase][] = [['main', ledger.database]];
  if (ledger.venue) databases.push(['events', ledger.venue.eventsDatabase]);
  const stops: (() => void)[] = [];
  // One child per operation, looked up once: observing through a child skips hashing the labels
  // on every statement (the timer runs on the engine's hot path).
  const byOperation = new Map(QUERY_OPERATIONS.map((operation) => [operation, set.queryDuration.labels({ operation })]));
  const timeQuery = (timing: QueryTiming): void => {
    byOperation.get(timing.operation)?.observe(timing.durationMs / 1000);
    if (timing.failed) set.queryErrors.inc({ operation: timing.operation });
  };
  for (const [name, database] of databases) {
    set.pools.push(poolOf(name, database));
    stops.push(database.addQueryTimer(timeQuery));
  }
  const counting = new FeedMetrics(set);
  const subscription = ledger.feed.subscribe((change) => counting.observe(change));
  stops.push(() => subscription.stop());
  let clients = 0;
  const setClients = (count: number): void => {
    clients = Math.max(0, count);
    set.streamClients.set(clients);
  };
  return {
    registry: set.registry,
    contentType: set.registry.contentType,
    render: () => set.registry.metrics(),
    observeRequest({ method, route, status, seconds }) {
      const labels = { method, route, status: String(status) };
      set.apiRequestDuration.observe(labels, seconds);
      if (status >= 400) set.apiErrors.inc(labels);
      if (status >= 500) set.applicationErrors.inc({ kind: 'api' });
    },
    setStreamClients: setClients,
    streamClientOpened: () => setClients(clients + 1),
    streamClientClosed: () => setClients(clients - 1),
    recordApplicationError(kind) {
      set.applicationErrors.inc({ kind: KIND_PATTERN.test(kind) ? kind : 'other' });
    },
    close() {
      for (const stop of stops.splice(0)) stop();
      set.pools.splice(0);
    },
  };
}

export { APPLICATION_ERROR_KINDS };
