/**
 * The live stream: a WebSocket at GET /api/v1/stream that sends one message per event-log row the
 * user may see, in id order, exactly once, resumable with `since=<id>` (README, "Live stream").
 * Built on the ledger's change feed (src/app/change-feed.ts), which replays the rows after an id
 * and then goes live without a gap or a duplicate. One client: stream-connection.ts; messages:
 * stream-messages.ts.
 *
 * @example
 * const app = await buildApp({ ledger, plugins: [streamPlugin({ onClientsChanged: (n) => gauge.set(n) })] });
 */
import websocket from '@fastify/websocket';
import { EventAudience, latestEventIdOf } from '../app/event-audience.ts';
import type { ApiInstance } from './api-instance.ts';
import { API_VERSION_PREFIX } from './version.ts';
import { CLOSE_GOING_AWAY, StreamConnection, type StreamLimits } from './stream-connection.ts';

/** The stream's query: the token (browsers cannot set headers on a WebSocket) and where to resume. */
const STREAM_QUERY = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 512 }, since: { type: 'string', maxLength: 32 } },
  additionalProperties: false,
};

export { CLOSE_BEHIND, CLOSE_GOING_AWAY, CLOSE_UNAUTHENTICATED } from './stream-connection.ts';

export interface StreamOptions extends Partial<StreamLimits> {
  /** Called with the number of connected stream clients whenever it changes (for the metrics). */
  readonly onClientsChanged?: (clients: number) => void;
}

export const STREAM_PATH = `${API_VERSION_PREFIX}/stream`;

/** Largest client message; subscriptions are small. */
const MAX_CLIENT_MESSAGE = 16 * 1024;

/**
 * Registers the stream on the app (before it is ready). On app close every client is closed with
 * 1001 and its feed subscription stopped.
 */
export async function registerStream(app: ApiInstance, options: StreamOptions = {}): Promise<void> {
  const limits: StreamLimits = {
    maxQueued: options.maxQueued ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
    highWaterBytes: options.highWaterBytes ?? 1024 * 1024,
    authTimeoutMs: options.authTimeoutMs ?? 5000,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    gapGraceMs: options.gapGraceMs ?? 1000,
  };
  const ledger = app.api.ledger;
  const db = ledger.database.db;
  const services = {
    feed: ledger.feed,
    audience: new EventAudience(db),
    authenticate: app.apiAuth.authenticate,
    actAs: app.apiAuth.actAs,
    latestEventId: () => latestEventIdOf(db),
    limits,
  };
  const clients = new Set<StreamConnection>();
  const changed = (): void => options.onClientsChanged?.(clients.size);

  await app.register(websocket, {
    options: { maxPayload: MAX_CLIENT_MESSAGE },
    preClose(done) {
      for (const client of [...clients]) client.close(CLOSE_GOING_AWAY, 'server stopping');
      app.websocketServer.close(() => done());
    },
  });
  app.get(
    STREAM_PATH,
    { websocket: true, config: { access: 'public' }, schema: { hide: true, querystring: STREAM_QUERY } },
    (socket, request) => {
      const client: StreamConnection = new StreamConnection(socket, request, services, () => {
        clients.delete(client);
        changed();
      });
      clients.add(client);
      changed();
    },
  );
}

/** The stream as a `buildApp({ plugins })` entry. */
export function streamPlugin(options: StreamOptions = {}): (app: ApiInstance) => Promise<void> {
  return (app) => registerStream(app, options);
}
