/** Seed 004 as a conformance scenario: 9 (10) order statuses down to 5 with one unified reason, then the legacy columns dropped (SQLite and PostgreSQL). */
import { join } from 'node:path';
import { createLegacySchemaFrom, type Scenario } from '../support/scenario.ts';
import { checks, type OrderStatusFacts } from './checks.ts';
import { generate } from './generate.ts';

export const scenario: Scenario<OrderStatusFacts> = {
  name: 'order-status-simplification',
  seed: '004',
  dialects: ['sqlite', 'postgres'],
  mainTable: 'orders',
  finalVersion: '0002',
  // The two .ts migrations are portable: one folder for both dialects.
  migrationsDir: () => join(import.meta.dirname, 'migrations', 'portable'),
  createLegacySchema: (database) => createLegacySchemaFrom(import.meta.dirname, database),
  generate,
  checks,
};
