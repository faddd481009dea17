/** Seed 003 as a conformance scenario: plugin isolation of trading_bot.db (SQLite; the migration is portable, so PostgreSQL too). */
import { join } from 'node:path';
import { createLegacySchemaFrom, type Scenario } from '../support/scenario.ts';
import { checks, type PluginFacts } from './checks.ts';
import { generate } from './generate.ts';

export const scenario: Scenario<PluginFacts> = {
  name: 'plugin-isolation',
  seed: '003',
  dialects: ['sqlite', 'postgres'],
  mainTable: 'trades',
  finalVersion: '0001',
  // One .ts migration for both dialects.
  migrationsDir: () => join(import.meta.dirname, 'migrations', 'portable'),
  createLegacySchema: (database) => createLegacySchemaFrom(import.meta.dirname, database),
  generate,
  checks,
};
