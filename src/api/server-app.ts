/**
 * The app `botledger serve` runs: the REST API (build-app.ts) with the Prometheus metrics at
 * /metrics, the live stream at /api/v1/stream and the dashboard at / (dashboard.ts), over a ledger opened with the metrics' probes
 * (so its venue calls are timed). Closing the app closes the stream's sockets and the metrics'
 * feed subscription.
 */
import type { Readiness } from './api-instance.ts';
import type { Ledger } from '../app/open-ledger.ts';
import { type ApiInstance, buildApp } from './build-app.ts';
import { dashboardPlugin } from './dashboard.ts';
import { createApiMetrics, type MetricsProbes } from './metrics.ts';
import { registerMetrics } from './metrics-plugin.ts';
import { streamPlugin } from './stream.ts';

export interface ServerAppOptions {
  readonly ledger: Ledger;
  readonly readiness?: () => Promise<Readiness>;
  /** The probes the ledger's venue was instrumented with (createMetricsProbes). */
  readonly probes?: MetricsProbes;
}

/**
 * @example
 * const probes = createMetricsProbes();
 * const ledger = await openLedger({ venue: true, instrumentVenue: probes.instrumentVenue });
 * const app = await buildServerApp({ ledger, probes });
 */
export async function buildServerApp(options: ServerAppOptions): Promise<ApiInstance> {
  const metrics = createApiMetrics(options.ledger, { probes: options.probes });
  const app = await buildApp({
    ledger: options.ledger,
    readiness: options.readiness,
    plugins: [
      (instance) => registerMetrics(instance, metrics),
      streamPlugin({ onClientsChanged: (count) => metrics.setStreamClients(count) }),
      dashboardPlugin(),
    ],
  });
  app.addHook('onClose', async () => metrics.close());
  return app;
}
