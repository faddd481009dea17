/** The wire forms of the migration status and of backups (read-only; no server paths). */
import { Type } from '@sinclair/typebox';
import { Instant } from './common.ts';

const MigrationFile = Type.Object(
  { version: Type.String(), name: Type.String(), fileName: Type.String(), irreversible: Type.Boolean() },
  { additionalProperties: false },
);

export const MigrationStatusBody = Type.Object(
  {
    dialect: Type.String({ description: 'sqlite or postgres' }),
    current: Type.Union([Type.String(), Type.Null()], { description: 'the newest applied core version (schema version)' }),
    applied: Type.Array(
      Type.Object(
        {
          version: Type.String(),
          name: Type.String(),
          appliedAt: Instant,
          durationMs: Type.Number(),
          state: Type.Union([Type.Literal('ok'), Type.Literal('edited'), Type.Literal('missing')], {
            description: 'ok: the file is unchanged; edited: its checksum differs; missing: no file of that version',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    pending: Type.Array(MigrationFile),
    drift: Type.Array(
      Type.Object({ code: Type.String(), version: Type.String(), message: Type.String() }, { additionalProperties: false }),
      { description: 'what makes `migrate up` refuse (an edited or missing applied file, a newer database)' },
    ),
  },
  { additionalProperties: false },
);

export const BackupBody = Type.Object(
  {
    file: Type.String({ description: "the backup's file name in the data folder's backups/" }),
    bytes: Type.Integer(),
    createdAt: Instant,
    atVersion: Type.Union([Type.String(), Type.Null()], { description: 'the core version the database was at' }),
    schema: Type.Union([Type.String(), Type.Null()], { description: 'PostgreSQL: the schema of a schema-only backup' }),
  },
  { additionalProperties: false },
);
