/**
 * Runs `botledger migrate up` in a child process and kills it with SIGKILL as soon as it prints
 * that it is applying a migration: a crash in the middle of a migration, as a power cut or an
 * OOM kill would cause it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';

export const CLI = join(import.meta.dirname, '..', '..', '..', 'bin', 'botledger.js');

/** Longest wait for the child to reach the migration (it is killed anyway afterwards). */
export const REACH_MIGRATION_TIMEOUT_MS = 60_000;

/**
 * Spawns the CLI with `args`, waits for a line containing `applying <fileStem>`, then kills it
 * with SIGKILL. Resolves with everything it printed; rejects (after killing it) if it exits or
 * the timeout passes first.
 *
 * @example
 * await killWhileApplying(['migrate', 'up', '--db', url, '--dir', dir, '--yes', '--json'], '0001_add_plugin_id', env);
 */
export function killWhileApplying(args: readonly string[], fileStem: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.once('exit', () => (error ? reject(error) : resolve(output)));
      if (child.exitCode !== null || child.signalCode !== null) error ? reject(error) : resolve(output);
    };
    const timer = setTimeout(
      () => finish(new Error(`the CLI did not reach "applying ${fileStem}" in ${REACH_MIGRATION_TIMEOUT_MS} ms; output:\n${output}`)),
      REACH_MIGRATION_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`applying ${fileStem}`)) finish();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      if (!done) finish(new Error(`the CLI exited (code ${code}, signal ${signal}) before "applying ${fileStem}"; output:\n${output}`));
    });
  });
}

/**
 * PostgreSQL: waits until no other session is connected to `database` (the killed client's
 * backend notices it is gone through client_connection_check_interval and rolls back).
 */
export async function waitForOrphanBackends(serverUrl: string, database: string, timeoutMs = 60_000): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query(
        'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      if (rows[0].n === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${rows[0].n} session(s) of the killed run still connected to ${database} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.end();
  }
}
