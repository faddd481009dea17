/**
 * Migration status and backups, read-only (what `botledger migrate status` shows and the backups
 * `migrate restore` picks from). Applying or restoring stays with the command line, on a stopped
 * server. Calls src/app/migrations.ts.
 */
import { Type } from '@sinclair/typebox';
import { migrationStatus, recentBackups } from '../../app/migrations.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import { BackupBody, MigrationStatusBody } from '../schemas/migrations.ts';

const tags = ['migrations'];

export default async function migrationRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/migrations',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Schema version, applied and pending core migrations, and any drift',
        response: { 200: MigrationStatusBody, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const status = await migrationStatus(ledger);
      return {
        dialect: status.dialect,
        current: status.current,
        applied: status.applied.map((m) => ({
          version: m.version,
          name: m.name,
          appliedAt: m.appliedAt,
          durationMs: m.durationMs,
          state: m.state,
        })),
        pending: status.pending.map((m) => ({ version: m.version, name: m.name, fileName: m.fileName, irreversible: m.irreversible })),
        drift: status.drift.map((d) => ({ code: d.code, version: d.version, message: d.message })),
      };
    },
  );

  app.get(
    '/backups',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Backups of the database (made before each migration and by `migrate backup`), newest first',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many (default 50)' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(BackupBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ items: await recentBackups(ledger, request.query.limit) }),
  );
}
