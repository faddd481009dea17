/** Seed 000 as a conformance scenario: the scalper bot's orders plus cancellation_reason (PostgreSQL). */
import { join } from 'node:path';
import { createLegacySchemaFrom, type Scenario } from '../support/scenario.ts';
import { checks, type ScalperFacts } from './checks.ts';
import { generate } from './generate.ts';

export const scenario: Scenario<ScalperFacts> = {
  name: 'scalper-cancellation-reason',
  seed: '000',
  dialects: ['postgres'],
  mainTable: 'orders',
  finalVersion: '0001',
  migrationsDir: (dialect) => join(import.meta.dirname, 'migrations', dialect),
  createLegacySchema: (database) => createLegacySchemaFrom(import.meta.dirname, database),
  generate,
  checks,
};
