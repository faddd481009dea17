/**
 * Liveness, readiness and version. /healthz answers while the process serves; /readyz only when
 * the database answers, the venue's stream is connected and no core migration is pending (the
 * running service says; without one, the database alone is asked).
 */
import { Type } from '@sinclair/typebox';
import { pingDatabase } from '../../storage/health.ts';
import type { ApiInstance } from '../api-instance.ts';
import { API_VERSION_PREFIX, packageVersion } from '../version.ts';

const Readiness = Type.Object({ ready: Type.Boolean(), checks: Type.Record(Type.String(), Type.String()) });

export default async function healthRoutes(app: ApiInstance): Promise<void> {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const readiness = app.api.readiness ? await app.api.readiness() : await databaseReadiness(app);
      return reply.status(readiness.ready ? 200 : 503).send(readiness);
    },
  );

  app.get(
    `${API_VERSION_PREFIX}/version`,
    {
      config: { access: 'public' },
      schema: { tags: ['health'], response: { 200: Type.Object({ version: Type.String(), api: Type.String() }) } },
    },
    async () => ({ version: packageVersion(), api: 'v1' }),
  );
}

async function databaseReadiness(app: ApiInstance) {
  try {
    await pingDatabase(app.api.ledger.database.db);
    return { ready: true, checks: { database: 'ok' } };
  } catch (error) {
    return { ready: false, checks: { database: `error: ${(error as Error).message}` } };
  }
}
