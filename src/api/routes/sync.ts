/**
 * Sync with the exchange: each account's last sync (GET /sync) and a sync run now (POST /sync),
 * which applies what fills explain and reports the rest. Calls src/app/sync.ts.
 */
import { Type } from '@sinclair/typebox';
import { listSyncStates, syncNow } from '../../app/sync.ts';
import { ownerOf } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES, ErrorBody } from '../schemas/common.ts';
import { AccountSyncBody, SyncNowBody, SyncReportBody, SyncStatusBody } from '../schemas/sync.ts';

const tags = ['sync'];

export default async function syncRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/sync',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Each exchange account and its last sync with the venue (null: never synced)',
        response: { 200: Type.Object({ items: Type.Array(AccountSyncBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      items: (await listSyncStates(ledger, { owner: ownerOf(request) })).map(({ status, ...account }) => ({ ...account, sync: status })),
    }),
  );

  app.post(
    '/sync',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary:
          'Sync an account with the venue now: fills the stream lost are applied, the rest reported (SYNC_FAILED 503 when the venue does not answer)',
        // No body at all is Fastify's null: a bare POST /sync syncs the venue's account.
        body: Type.Union([SyncNowBody, Type.Null()]),
        response: {
          200: Type.Object({ report: SyncReportBody, status: Type.Union([SyncStatusBody, Type.Null()]) }),
          ...ERROR_RESPONSES,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const result = await syncNow(ledger, { account: request.body?.account, owner: ownerOf(request) });
      const { report } = result;
      return { report: { ...report, discrepancies: [...report.discrepancies], notes: [...report.notes] }, status: result.status ?? null };
    },
  );
}
