/**
 * PostgreSQL backup and restore through pg_dump / pg_restore / psql. The password never appears
 * on a command line (it goes in PGPASSWORD), and every failure names the command and its stderr.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactUrl } from '../../storage/database.ts';
import { EXIT_FAILED, MigrateError, MigrationInputError } from '../errors.ts';

/** Environment variable naming the directory of pg_dump, pg_restore and psql (else they come from PATH). */
export const PG_BINDIR_ENV = 'BOTLEDGER_PG_BINDIR';

interface Command {
  readonly bin: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** For messages: the command with the URL redacted. */
  readonly shown: string;
}

function command(bin: string, url: string, args: readonly string[]): Command {
  const env = { ...process.env };
  let dbname = url;
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      env.PGPASSWORD = decodeURIComponent(parsed.password);
      parsed.password = '';
      dbname = parsed.toString();
    }
  } catch {
    // Not a URL pg understands either; let the tool say so.
  }
  const path = process.env[PG_BINDIR_ENV] ? join(process.env[PG_BINDIR_ENV]!, bin) : bin;
  const full = [...args, `--dbname=${dbname}`];
  return { bin: path, args: full, env, shown: [bin, ...args, `--dbname=${redactUrl(url)}`].join(' ') };
}

function explain(bin: string, error: { code?: string | number | null; message: string }, stderr: string): string {
  if (error.code === 'ENOENT') {
    return `${bin} was not found: install the PostgreSQL client tools of the server's major version (Debian: apt-get install postgresql-client) or set ${PG_BINDIR_ENV} to their directory`;
  }
  return (stderr || error.message).trim();
}

function run(cmd: Command, code: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd.bin, cmd.args, { env: cmd.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = explain(cmd.bin, error, stderr);
      reject(new MigrateError(code, `${what}: \`${cmd.shown}\` failed: ${detail}`, EXIT_FAILED, { command: cmd.shown, stderr: detail }));
    });
  });
}

function runPlain(bin: string, args: readonly string[], code: string, what: string, input = false): Promise<string> {
  const path = process.env[PG_BINDIR_ENV] ? join(process.env[PG_BINDIR_ENV]!, bin) : bin;
  const shown = [bin, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(path, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = explain(bin, error, stderr);
      const message = `${what}: \`${shown}\` failed: ${detail}`;
      const details = { command: shown, stderr: detail };
      // A bad archive given to restore is an input error (exit 2); a failing tool is a failure (exit 1).
      reject(input ? new MigrationInputError(code, message, details) : new MigrateError(code, message, EXIT_FAILED, details));
    });
  });
}

/**
 * gzip level of `pg_dump -Fc`. Level 1 dumps 1M rows about 2.5x faster than the default (6) for a
 * file about 18% bigger (measured by bench:migrate); the backup sits on the migration's critical path.
 */
export const PG_DUMP_COMPRESSION = 1;

/**
 * `pg_dump -Fc --compress=1 --no-owner [--schema S]` into `dest`, then `pg_restore --list` to prove it reads back.
 *
 * @example
 * await backupPostgres('postgres://u@h/db', '/srv/backups/db-...dump.partial', 'monitoring');
 */
export async function backupPostgres(url: string, dest: string, schema?: string): Promise<void> {
  const args = ['-Fc', `--compress=${PG_DUMP_COMPRESSION}`, '--no-owner', ...(schema ? [`--schema=${schema}`] : []), `--file=${dest}`];
  try {
    await run(command('pg_dump', url, args), 'BACKUP_FAILED', `backup of ${redactUrl(url)} failed`);
    await checkPostgresBackup(dest, false);
  } catch (error) {
    rmSync(dest, { force: true });
    throw error;
  }
}

/** `pg_restore --list` of a dump: a missing or unreadable file is refused before anything is touched. */
export async function checkPostgresBackup(file: string, input = true): Promise<void> {
  await runPlain(
    'pg_restore',
    ['--list', file],
    input ? 'BACKUP_CORRUPT' : 'BACKUP_CHECK_FAILED',
    `backup ${file} is not a readable pg_dump archive${input ? ' (the live database was not touched)' : ''}`,
    input,
  );
}

/**
 * What runs before the dump's own statements, in the same transaction: objects created after the
 * backup are dropped too, so the database ends exactly as it was (pg_restore --clean alone drops
 * only the objects that are in the dump).
 */
function prelude(schema: string | undefined): string {
  if (schema) return `drop schema if exists "${schema}" cascade;\n`;
  return `do $$
declare s text;
begin
  for s in select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' loop
    execute format('drop schema %I cascade', s);
  end loop;
  if exists (select 1 from pg_roles where rolname = 'pg_database_owner') then
    create schema public authorization pg_database_owner;
  else
    create schema public;
  end if;
  grant usage on schema public to public;
  if current_setting('server_version_num')::int < 150000 then
    grant create on schema public to public;
  end if;
end $$;
`;
}

/**
 * Restores a pg_dump archive over the database at `url` in ONE transaction: either the database
 * is exactly the backup afterwards, or (on any error) it is unchanged. The archive's statements
 * come from `pg_restore --clean --if-exists --no-owner` and run through `psql --single-transaction`
 * after a prelude that drops what the backup did not have. A schema backup replaces that schema only.
 *
 * @example
 * await restorePostgres('/srv/backups/db-...-v0003.dump', 'postgres://u@h/db');
 */
export async function restorePostgres(file: string, url: string, schema: string | undefined, workDir: string): Promise<void> {
  await checkPostgresBackup(file);
  const script = join(workDir, `.restore-${process.pid}-${Date.now()}.sql`);
  const first = join(workDir, `.restore-${process.pid}-${Date.now()}.prelude.sql`);
  try {
    await runPlain(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', `--file=${script}`, file],
      'RESTORE_FAILED',
      `restore of ${file} failed`,
    );
    writeFileSync(first, prelude(schema));
    await run(
      command('psql', url, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', `--file=${first}`, `--file=${script}`]),
      'RESTORE_FAILED',
      `restore of ${file} failed and was rolled back (the database is unchanged)`,
    );
  } finally {
    rmSync(script, { force: true });
    rmSync(first, { force: true });
  }
}
