/**
 * The API side of the metrics: every answered request is timed and counted by method, route
 * PATTERN (`/api/v1/bots/:id`, never the raw URL, whose ids would make a series per object) and
 * status, and GET /metrics serves the Prometheus text, without authentication (it holds no user
 * data: no ids in labels, counts only).
 *
 * Call it on the root instance (buildApp's `plugins`): a root hook covers every route, those of
 * plugins registered before it included, and the 404 handler. /metrics is `access: 'public'` for
 * the auth hook (src/api/auth.ts) and hidden from the OpenAPI document (it is not JSON).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { ApiMetrics } from './metrics.ts';

/** The route label of a request no route matched (a 404 from Fastify's not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Left out of the OpenAPI document (@fastify/swagger's `hide`). */
const HIDDEN = { hide: true } as FastifySchema;

export interface MetricsPluginOptions {
  /** Where the text is served; default /metrics. */
  readonly path?: string;
}

/**
 * The route label of a request: its pattern, or {@link UNMATCHED_ROUTE}.
 *
 * @example
 * routeLabel(request); // '/api/v1/orders/:id'
 */
export function routeLabel(request: FastifyRequest): string {
  if (request.is404) return UNMATCHED_ROUTE;
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Adds the request hook and GET /metrics.
 *
 * @example
 * const app = Fastify();
 * registerMetrics(app, metrics);
 */
export function registerMetrics(
  app: FastifyInstance<any, any, any, any, any>,
  metrics: ApiMetrics,
  options: MetricsPluginOptions = {},
): void {
  // reply.elapsedTime runs from the moment Fastify took the request (its onRequest) to now.
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.observeRequest({
      method: request.method,
      route: routeLabel(request),
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });
  app.get(
    options.path ?? '/metrics',
    { schema: HIDDEN, config: { access: 'public' } },
    async (_request: FastifyRequest, reply: FastifyReply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  );
}
