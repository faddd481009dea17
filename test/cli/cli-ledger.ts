/** A ledger the CLI tests drive: its folder, its URL, the CLI on it, its table row counts and its venue file. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sql } from 'kysely';
import { paperFileForLedger } from '../../src/app/venue.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { readLedgerId } from '../../src/storage/repositories/ledger-identity.ts';
import { tempDir } from '../support/dialects.ts';
import { type CliResult, runCli } from './cli-support.ts';

const TABLES = ['bots', 'orders', 'fills', 'positions', 'trades', 'event_log'];

export interface CliLedger {
  readonly dir: string;
  readonly db: string;
  cli(...args: string[]): Promise<CliResult>;
  /** Runs the command with --json; asserts it exited 0 and returns the parsed document. */
  json<T = any>(...args: string[]): Promise<T>;
  counts(): Promise<Record<string, number>>;
  /** Opens the venue's state file in this process (no botledger command may be running). */
  withVenue<T>(work: (paper: PaperExchange) => Promise<T> | T): Promise<T>;
}

/** A ledger in a new temporary folder (SQLite there, or the PostgreSQL `url`). */
export function cliLedger(url?: string): CliLedger {
  const dir = tempDir('botledger-bots-input-');
  const db = url ?? `sqlite:${join(dir, 'ledger.db')}`;
  return {
    dir,
    db,
    cli: (...args) => runCli([...args, '--db', db], dir),
    async json(...args) {
      const result = await runCli([...args, '--json', '--db', db], dir);
      assert.equal(result.code, 0, `botledger ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
      return JSON.parse(result.stdout);
    },
    async counts() {
      const database = await openDatabase(db);
      try {
        const counts: Record<string, number> = {};
        for (const table of TABLES) {
          const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(database.db);
          counts[table] = Number(rows[0]?.n ?? 0);
        }
        return counts;
      } finally {
        await database.close();
      }
    },
    async withVenue(work) {
      const paper = new PaperExchange({ file: await ledgerVenueFile(db, dir) });
      try {
        return await work(paper);
      } finally {
        await paper.close();
      }
    },
  };
}


/**
 * The paper exchange's state file of the ledger at `db` when the CLI runs with BOTLEDGER_DATA_DIR
 * `dataDir` (the ledger must exist: its id is read from the database).
 */
export async function ledgerVenueFile(db: string, dataDir: string): Promise<string> {
  const database = await openDatabase(db);
  try {
    return paperFileForLedger(database.target, await readLedgerId(database.db), { BOTLEDGER_DATA_DIR: dataDir });
  } finally {
    await database.close();
  }
}
