/**
 * What every conformance scenario provides, so that the shared test flows (scenario-suite.ts)
 * and the benchmark (bench/migrate.bench.ts) can run any of them the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BotledgerDatabase, DialectName } from '../../../src/storage/database.ts';
import { runScript } from './bulk-insert.ts';

export interface ScenarioChecks<Facts> {
  /** Facts about the legacy data, read before migrating (counts per status, per logic_type, ...). */
  before(database: BotledgerDatabase): Promise<Facts>;
  /** The document's verification queries as assertions, after every migration of the scenario. */
  after(database: BotledgerDatabase, facts: Facts): Promise<void>;
}

export interface Scenario<Facts = unknown> {
  /** Folder name under test/scenarios, also the migration source name. */
  readonly name: string;
  /** Which seed document it reproduces. */
  readonly seed: string;
  /** Dialects the document's migration runs on (tests and bench). */
  readonly dialects: readonly DialectName[];
  /** The table `rows` refers to in generate(). */
  readonly mainTable: string;
  /** PostgreSQL: back up only this schema (EngineOptions.schema). */
  readonly schema?: string;
  /** Tracking table, when the document names its own (seed 002: monitoring.schema_migrations). */
  readonly trackingTable?: string;
  /** The last version of the scenario's migrations. */
  readonly finalVersion: string;
  /** Migration folder of a dialect. */
  migrationsDir(dialect: DialectName): string;
  /** Creates the legacy schema, as the document describes it. */
  createLegacySchema(database: BotledgerDatabase): Promise<void>;
  /** Fills the legacy tables with `rows` rows of realistic data (deterministic for a seed). */
  generate(database: BotledgerDatabase, rows: number, seed?: number): Promise<void>;
  readonly checks: ScenarioChecks<Facts>;
}

/**
 * Runs `<dir>/legacy-schema.sql`, or `<dir>/legacy-schema.<dialect>.sql` when the scenario has one per dialect.
 *
 * @example
 * await createLegacySchemaFrom(import.meta.dirname, database);
 */
export async function createLegacySchemaFrom(dir: string, database: BotledgerDatabase): Promise<void> {
  let script: string;
  try {
    script = readFileSync(join(dir, `legacy-schema.${database.dialect}.sql`), 'utf8');
  } catch {
    script = readFileSync(join(dir, 'legacy-schema.sql'), 'utf8');
  }
  await runScript(database, script);
}
