/**
 * The context a `.ts` migration receives next to Kysely: the dialect, its capabilities, the
 * migration itself, and the data helpers bound to the migration's connection (see data-helpers.ts).
 */
import type { Kysely } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { backfill, remapValues } from './data-helpers.ts';
import { MigrationInputError } from '../errors.ts';
import type { BackfillOptions, Migration, MigrationContext } from '../migration.ts';

export interface MigrationContextOptions {
  /** Allow the backfill progress bar (it only ever appears when stderr is a terminal). Default true. */
  readonly progress?: boolean;
}

/**
 * Builds the {@link MigrationContext} handed to a `.ts` migration's `up`/`down`/`verify`. `db` is the
 * connection the migration runs on (a transaction unless the migration opted out). `verifySql`
 * collects the queries added by `addVerify` and `remapValues`; the engine runs them after `up`,
 * before commit, and each must return zero rows.
 *
 * Backfills are keyed `<source>:<version>:<table>:<columns>` in the progress table, so a rerun of
 * the same migration resumes its own backfill and never another's. In a migration with
 * `transaction: false` each batch commits on its own; otherwise all of it commits with the migration.
 *
 * @example
 * const { context, verifySql } = createMigrationContext(trx, database, migration);
 * await module.up(trx, context);
 * for (const query of verifySql) await sql.raw(query).execute(trx); // each must return no rows
 */
export function createMigrationContext(
  db: Kysely<any>,
  database: Pick<BotledgerDatabase, 'dialect' | 'capabilities'>,
  migration: Migration,
  options: MigrationContextOptions = {},
): { context: MigrationContext; verifySql: string[] } {
  const verifySql: string[] = [];
  const { capabilities } = database;
  const context: MigrationContext = {
    dialect: database.dialect,
    capabilities,
    migration: { version: migration.version, name: migration.name, source: migration.source, fileName: migration.fileName },
    addVerify(query: string): void {
      if (typeof query !== 'string' || !query.trim()) {
        throw new MigrationInputError('VERIFY_QUERY_INVALID', `${migration.fileName}: addVerify needs a non-empty SQL query`, {
          file: migration.fileName,
        });
      }
      verifySql.push(query);
    },
    async remapValues(table, column, mapping, remapOptions) {
      const { changed, verifySql: check } = await remapValues(db, capabilities, table, column, mapping, remapOptions);
      if (check) verifySql.push(check);
      return changed;
    },
    async backfill(table: string, set: Readonly<Record<string, string>>, backfillOptions: BackfillOptions = {}) {
      const columns = Object.keys(set ?? {}).join(',');
      return backfill(db, capabilities, table, set, {
        ...backfillOptions,
        // either side may switch the bar off: the engine (--json, no terminal) or the migration itself
        progress: options.progress !== false && (backfillOptions as { progress?: boolean }).progress !== false,
        progressKey: `${migration.source}:${migration.version}:${table}:${columns}`,
        batchTransactions: !migration.config.transaction && !db.isTransaction,
      });
    },
  };
  return { context, verifySql };
}
