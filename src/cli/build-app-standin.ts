/**
 * TEMPORARY stand-in for src/api/build-app.ts (the lead's, issue 9), with the signature of
 * design9.md, so that `botledger serve` runs before it lands: liveness and readiness only. At
 * merge, src/cli/serve.ts imports buildApp from '../api/build-app.ts' and this file is deleted.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Ledger } from '../app/open-ledger.ts';
import type { LedgerService } from '../app/service.ts';

export interface BuildAppOptions {
  ledger: Ledger;
  service?: LedgerService;
  logger?: boolean;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = options.service ? await options.service.readiness() : { ready: true, checks: {} };
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
  return app;
}
