/**
 * Every metric botledger exports, on a registry of its own (never prom-client's global one, so
 * two apps in one process, as in the tests, never share counts). Prometheus conventions: the
 * `botledger_` prefix, counters end in `_total`, durations are histograms in `_seconds`, and no
 * label ever holds a user id, a bot id, an order id or a raw URL (bounded label sets only).
 * The README's "Metrics and alerts" section lists them; ops/prometheus/alerts.yml alerts on them.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Venue calls and placements: milliseconds to tens of seconds (a venue that hangs). */
const VENUE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** From an order's intent to a fill: a market order fills in milliseconds, a resting limit in hours. */
const EXECUTION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400];
/** API requests: the target p99 of a list route is 20 ms. */
const API_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Queries: 1 s is a bucket boundary, so the "query time > 1 s" alert reads it exactly. */
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Venue-event lag: a healthy stream is well under a second; a backlog is seconds to minutes. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** One pool of connections as the pool gauges read it at scrape time. */
export interface PoolSource {
  /** `main` (commands and queries) or `events` (the runtime's venue-event connection). */
  readonly pool: string;
  readonly total: () => number;
  /** Absent for SQLite: one connection, whose idle time is not tracked. */
  readonly idle?: () => number;
  readonly waiting?: () => number;
}

/** The metrics, by what they measure. Created once per app by {@link createMetricSet}. */
export interface MetricSet {
  readonly registry: Registry;
  readonly placements: Counter<'result'>;
  readonly placementDuration: Histogram<'result'>;
  readonly venueRequestDuration: Histogram<'operation' | 'result'>;
  readonly venueErrors: Counter<'operation' | 'code'>;
  readonly executions: Counter<'result'>;
  readonly executionDuration: Histogram;
  readonly ordersFailed: Counter<'reason'>;
  readonly ordersRetriable: Counter;
  readonly ordersExpired: Counter<'by'>;
  readonly retries: Counter<'result'>;
  readonly venueEventLag: Histogram;
  readonly apiRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly apiErrors: Counter<'method' | 'route' | 'status'>;
  readonly queryDuration: Histogram<'operation'>;
  readonly queryErrors: Counter<'operation'>;
  readonly applicationErrors: Counter<'kind'>;
  readonly streamClients: Gauge;
  readonly syncs: Counter<'result'>;
  readonly syncDiscrepanciesFound: Counter;
  readonly syncDiscrepanciesFixed: Counter;
  /** The pools the pool gauges report; filled in when a ledger is attached. */
  readonly pools: PoolSource[];
}

/** Kinds of application error counted without being asked (from the event log); others come through `recordApplicationError`. */
export const APPLICATION_ERROR_KINDS = ['api', 'bot_step', 'ticker', 'retry', 'reconcile', 'stop_loss_check', 'stop_loss', 'sync'] as const;

/**
 * A fresh registry with every botledger metric, the result-labelled ones already at 0 (a rate
 * over a series that does not exist yet is no rate at all: the alerts need both series).
 *
 * @example
 * const set = createMetricSet();
 * set.placements.inc({ result: 'success' });
 * await set.registry.metrics();
 */
export function createMetricSet(options: { processMetrics?: boolean } = {}): MetricSet {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'botledger_' });
    // Gauges named like counters (a `_total` that can go down); the unsuffixed gauges say the same.
    for (const name of ['active_resources_total', 'active_handles_total', 'active_requests_total'])
      registry.removeSingleMetric(`botledger_nodejs_${name}`);
  }
  const pools: PoolSource[] = [];
  const poolGauge = (name: string, help: string, read: (source: PoolSource) => (() => number) | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const source of pools) {
          const value = read(source);
          if (value) this.set({ pool: source.pool }, value());
        }
      },
    });
  poolGauge('botledger_database_pool_connections', 'Connections the database pool holds (SQLite: 1 per connection).', (s) => s.total);
  poolGauge('botledger_database_pool_idle_connections', 'Connections of the pool not in use (PostgreSQL only).', (s) => s.idle);
  poolGauge(
    'botledger_database_pool_waiting_requests',
    'Queries waiting for a free connection of the pool (PostgreSQL only).',
    (s) => s.waiting,
  );
  const set: MetricSet = {
    registry,
    pools,
    placements: new Counter({
      name: 'botledger_order_placements_total',
      help: 'Orders sent to the venue (new and retried): result success = the venue took it, error = rejected, rate-limited or no clear answer.',
      labelNames: ['result'],
      registers,
    }),
    placementDuration: new Histogram({
      name: 'botledger_order_placement_duration_seconds',
      help: 'Time of the venue call that places an order.',
      labelNames: ['result'],
      buckets: VENUE_BUCKETS,
      registers,
    }),
    venueRequestDuration: new Histogram({
      name: 'botledger_venue_request_duration_seconds',
      help: 'Time of every venue call, by operation (placeOrder, cancelOrder, fetchTicker...) and result (ok, error).',
      labelNames: ['operation', 'result'],
      buckets: VENUE_BUCKETS,
      registers,
    }),
    venueErrors: new Counter({
      name: 'botledger_venue_request_errors_total',
      help: 'Venue calls that failed, by operation and error code (ORDER_REJECTED, RATE_LIMITED, OUTCOME_UNCLEAR, ...).',
      labelNames: ['operation', 'code'],
      registers,
    }),
    executions: new Counter({
      name: 'botledger_order_executions_total',
      help: 'Fills: success = recorded; error = a fill the ledger refused (it contradicts the order) or a venue report about an order the ledger does not know.',
      labelNames: ['result'],
      registers,
    }),
    executionDuration: new Histogram({
      name: 'botledger_order_execution_duration_seconds',
      help: "Time from an order's intent being recorded to each of its fills being recorded.",
      buckets: EXECUTION_BUCKETS,
      registers,
    }),
    ordersFailed: new Counter({
      name: 'botledger_orders_failed_total',
      help: 'Orders that became failed: reason rejected (the venue refused) or placement_failed (rate limit, validation).',
      labelNames: ['reason'],
      registers,
    }),
    ordersRetriable: new Counter({
      name: 'botledger_orders_retriable_total',
      help: 'Orders that became failed with a retry scheduled (before their expires_at).',
      registers,
    }),
    ordersExpired: new Counter({
      name: 'botledger_orders_expired_total',
      help: 'Orders cancelled with EXPIRED: by ttl (a failed order past its expires_at) or by the venue (time in force).',
      labelNames: ['by'],
      registers,
    }),
    retries: new Counter({
      name: 'botledger_order_retries_total',
      help: 'Retried orders by outcome: success = the venue took it, error = it failed again.',
      labelNames: ['result'],
      registers,
    }),
    venueEventLag: new Histogram({
      name: 'botledger_venue_event_lag_seconds',
      help: "Time from a pushed venue event's exchange timestamp to its commit in the ledger.",
      buckets: LAG_BUCKETS,
      registers,
    }),
    apiRequestDuration: new Histogram({
      name: 'botledger_api_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (unmatched for a 404 without a route) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: API_BUCKETS,
      registers,
    }),
    apiErrors: new Counter({
      name: 'botledger_api_errors_total',
      help: 'HTTP responses with status >= 400, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    queryDuration: new Histogram({
      name: 'botledger_database_query_duration_seconds',
      help: 'Database queries by operation (select, insert, update, delete, other), failed ones included.',
      labelNames: ['operation'],
      buckets: QUERY_BUCKETS,
      registers,
    }),
    queryErrors: new Counter({
      name: 'botledger_database_query_errors_total',
      help: 'Database queries that failed, by operation.',
      labelNames: ['operation'],
      registers,
    }),
    applicationErrors: new Counter({
      name: 'botledger_application_errors_total',
      help: 'Failures the service survived: api (a 5xx answer), bot_step, ticker, retry, reconcile, stop_loss_check, stop_loss, sync, ...',
      labelNames: ['kind'],
      registers,
    }),
    streamClients: new Gauge({ name: 'botledger_stream_clients', help: 'WebSocket clients connected to the live stream.', registers }),
    syncs: new Counter({
      name: 'botledger_syncs_total',
      help: 'Position syncs with the venue that found or synced something (ok) or could not run (failed).',
      labelNames: ['result'],
      registers,
    }),
    syncDiscrepanciesFound: new Counter({
      name: 'botledger_sync_discrepancies_found_total',
      help: 'Differences between the ledger and the venue found by position sync.',
      registers,
    }),
    syncDiscrepanciesFixed: new Counter({
      name: 'botledger_sync_discrepancies_fixed_total',
      help: 'Differences position sync fixed by itself.',
      registers,
    }),
  };
  for (const result of ['success', 'error']) {
    set.placements.inc({ result }, 0);
    set.executions.inc({ result }, 0);
    set.retries.inc({ result }, 0);
  }
  for (const reason of ['rejected', 'placement_failed']) set.ordersFailed.inc({ reason }, 0);
  for (const by of ['ttl', 'venue']) set.ordersExpired.inc({ by }, 0);
  for (const result of ['ok', 'failed']) set.syncs.inc({ result }, 0);
  for (const kind of APPLICATION_ERROR_KINDS) set.applicationErrors.inc({ kind }, 0);
  return set;
}
