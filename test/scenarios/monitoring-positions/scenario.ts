/** Seed 002 as a conformance scenario: monitoring.positions changes plus event_log, schema_migrations and sync_status (PostgreSQL). */
import { join } from 'node:path';
import { createLegacySchemaFrom, type Scenario } from '../support/scenario.ts';
import { checks, type MonitoringFacts } from './checks.ts';
import { generate } from './generate.ts';

export const scenario: Scenario<MonitoringFacts> = {
  name: 'monitoring-positions',
  seed: '002',
  dialects: ['postgres'],
  mainTable: 'monitoring.positions',
  schema: 'monitoring',
  trackingTable: 'monitoring.schema_migrations',
  finalVersion: '0003',
  migrationsDir: (dialect) => join(import.meta.dirname, 'migrations', dialect),
  createLegacySchema: (database) => createLegacySchemaFrom(import.meta.dirname, database),
  generate,
  checks,
};
