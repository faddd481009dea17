/**
 * The Database page (read-only): the schema version, the core migrations applied and pending,
 * drift that makes `migrate up` refuse, and the recent backups. Applying and restoring stay with
 * the command line (on a stopped server), so a pending migration shows the command that applies it.
 */
import { useQuery } from '@tanstack/react-query';
import { type Backup, fetchBackups, fetchMigrations, type MigrationStatus } from '../api/admin.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Badge, Facts, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import './admin.css';

type Applied = MigrationStatus['applied'][number];
type Pending = MigrationStatus['pending'][number];

/** A file size for reading (the exact byte count is on hover). */
function Size({ bytes }: { bytes: number }) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return <span title={`${bytes.toLocaleString()} bytes`}>{unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`}</span>;
}

const APPLIED_COLUMNS: Columns<Applied> = [
  { header: 'Version', cell: ({ row }) => <code>{row.original.version}</code> },
  { header: 'Name', cell: ({ row }) => row.original.name },
  { header: 'Applied', cell: ({ row }) => <Time at={row.original.appliedAt} /> },
  { header: 'Took', cell: ({ row }) => `${row.original.durationMs} ms` },
  {
    header: 'File',
    cell: ({ row }) => <Badge value={row.original.state} tone={row.original.state === 'ok' ? 'ok' : 'bad'} />,
  },
];

const PENDING_COLUMNS: Columns<Pending> = [
  { header: 'Version', cell: ({ row }) => <code>{row.original.version}</code> },
  { header: 'Name', cell: ({ row }) => row.original.name },
  { header: 'File', cell: ({ row }) => <code>{row.original.fileName}</code> },
  { header: 'Reversible', cell: ({ row }) => (row.original.irreversible ? 'no (restore a backup to undo)' : 'yes') },
];

const BACKUP_COLUMNS: Columns<Backup> = [
  { header: 'File', cell: ({ row }) => <code className="file-name">{row.original.file}</code> },
  {
    header: 'Version',
    cell: ({ row }) => (row.original.atVersion ? <code>{row.original.atVersion}</code> : <span className="muted">none</span>),
  },
  { header: 'Made', cell: ({ row }) => <Time at={row.original.createdAt} /> },
  { header: 'Size', cell: ({ row }) => <Size bytes={row.original.bytes} /> },
  { header: 'Schema', cell: ({ row }) => row.original.schema ?? <span className="muted">whole database</span> },
];

export function DatabasePage() {
  const migrations = useQuery({ queryKey: ['migrations'], queryFn: fetchMigrations });
  const backups = useQuery({ queryKey: ['backups'], queryFn: () => fetchBackups(20) });
  const status = migrations.data;
  return (
    <>
      <PageTitle>Database</PageTitle>
      {migrations.isPending ? <Loading what="Reading the migration status" /> : null}
      <ErrorBox error={migrations.error} />
      {status ? (
        <>
          <section className="panel" aria-labelledby="schema-title">
            <h2 id="schema-title">Schema</h2>
            <Facts
              items={[
                [
                  'Schema version',
                  <code key="value" data-testid="schema-version">
                    {status.current ?? 'none'}
                  </code>,
                ],
                ['Database', status.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'],
                ['Applied', String(status.applied.length)],
                [
                  'Pending',
                  status.pending.length === 0 ? (
                    <Badge key="value" value="none" tone="ok" />
                  ) : (
                    <Badge key="value" value={String(status.pending.length)} tone="warn" />
                  ),
                ],
                [
                  'Drift',
                  status.drift.length === 0 ? (
                    <Badge key="value" value="none" tone="ok" />
                  ) : (
                    <Badge key="value" value={String(status.drift.length)} tone="bad" />
                  ),
                ],
              ]}
            />
          </section>
          {status.pending.length > 0 ? <PendingMigrations pending={status.pending} /> : null}
          {status.drift.length > 0 ? (
            <section className="panel stand-out" aria-labelledby="drift-title">
              <h2 id="drift-title">Drift: `migrate up` refuses until this is resolved</h2>
              <ul>
                {status.drift.map((drift) => (
                  <li key={`${drift.code}-${drift.version}`}>
                    <code>{drift.code}</code> <code>{drift.version}</code>: <span className="reason">{drift.message}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <h2>Applied migrations</h2>
          {status.applied.length === 0 ? (
            <Empty>No core migration is applied.</Empty>
          ) : (
            <DataTable label="applied migrations" rows={status.applied} columns={APPLIED_COLUMNS} rowId={(row) => row.version} />
          )}
        </>
      ) : null}
      <h2>Recent backups</h2>
      <p className="muted">
        Made before each migration and by <code>botledger migrate backup</code>, in the data folder's <code>backups/</code>. Restore one
        with <code>botledger migrate restore FILE</code> on a stopped server.
      </p>
      {backups.isPending ? <Loading what="Reading the backups" /> : null}
      <ErrorBox error={backups.error} />
      {backups.data && backups.data.length === 0 ? <Empty>No backup yet.</Empty> : null}
      {backups.data && backups.data.length > 0 ? (
        <DataTable label="backups" rows={backups.data} columns={BACKUP_COLUMNS} rowId={(row) => row.file} />
      ) : null}
    </>
  );
}

function PendingMigrations({ pending }: { pending: readonly Pending[] }) {
  return (
    <section className="panel stand-out" aria-labelledby="pending-title">
      <h2 id="pending-title">
        {pending.length === 1 ? 'A migration is pending' : `${pending.length} migrations are pending`}: the server reports not ready
        (/readyz) until it is applied
      </h2>
      <p>Stop the server, then apply it (a backup is made first), or start the server with --migrate:</p>
      <pre className="command">botledger migrate up --db &lt;the database URL serve uses&gt;</pre>
      <DataTable label="pending migrations" rows={pending} columns={PENDING_COLUMNS} rowId={(row) => row.version} />
    </section>
  );
}
