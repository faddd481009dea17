import { createRequire } from 'node:module';
import { PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { DialectCapabilities } from './capabilities.ts';

/** Capabilities of PostgreSQL 13 or newer. */
export const POSTGRES_CAPABILITIES: DialectCapabilities = {
  advisoryLocks: true,
  concurrentIndexes: true,
  alterColumnType: true,
  namedSchemas: true,
  pragmaForeignKeys: false,
  moneyType: 'numeric(38,18)',
  jsonType: 'jsonb',
  timestampType: 'timestamptz',
  autoIdType: 'bigserial',
  rowLocks: true,
  singleWriter: false,
  placeholder: (index) => `$${index}`,
};

/**
 * The pg driver, loaded on first use: a command on SQLite never pays its start-up time (pg is
 * CommonJS, so a synchronous require keeps postgresDialect synchronous).
 */
export function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/** Connections per process. Small on purpose: botledger is one process per machine. */
export const POSTGRES_POOL_SIZE = 10;

/**
 * A Kysely dialect over a pg pool. `numeric` and `bigint` come back as strings (pg's default),
 * which is what money needs: no amount ever passes through a JS number.
 *
 * @example
 * const { dialect, pool } = postgresDialect('postgres://postgres@127.0.0.1:5432/botledger');
 */
export function postgresDialect(connectionString: string): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new (loadPg().Pool)({ connectionString, max: POSTGRES_POOL_SIZE });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return { dialect: new PostgresDialect({ pool }), pool };
}
