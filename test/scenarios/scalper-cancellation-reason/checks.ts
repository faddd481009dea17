/**
 * Seed 000's verification as assertions: `orders.cancellation_reason` exists as character
 * varying (50), nullable, and every existing order is untouched (same rows per status, no reason
 * invented for old cancels: a NULL reason still reads as "manual" to the auto-stop rule).
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import type { ScenarioChecks } from '../support/scenario.ts';

export interface ScalperFacts {
  readonly orders: number;
  readonly bots: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

async function countByStatus(database: BotledgerDatabase): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: string }>`select status, count(*) as n from orders group by status`.execute(database.db);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export const checks: ScenarioChecks<ScalperFacts> = {
  async before(database) {
    const { rows } = await sql<{ orders: string; bots: string }>`
      select (select count(*) from orders) as orders, (select count(*) from bots) as bots`.execute(database.db);
    return { orders: Number(rows[0].orders), bots: Number(rows[0].bots), byStatus: await countByStatus(database) };
  },
  async after(database, facts) {
    // The document's query, with its expected output.
    const { rows: columns } = await sql<{ column_name: string; data_type: string; character_maximum_length: number; is_nullable: string }>`
      SELECT column_name, data_type, character_maximum_length, is_nullable
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'orders' AND column_name = 'cancellation_reason'`.execute(database.db);
    assert.deepEqual(columns, [
      { column_name: 'cancellation_reason', data_type: 'character varying', character_maximum_length: 50, is_nullable: 'YES' },
    ]);
    const { rows } = await sql<{ orders: string; bots: string; with_reason: string }>`
      select (select count(*) from orders) as orders, (select count(*) from bots) as bots,
             (select count(*) from orders where cancellation_reason is not null) as with_reason`.execute(database.db);
    assert.equal(Number(rows[0].orders), facts.orders, 'orders: no row lost or added');
    assert.equal(Number(rows[0].bots), facts.bots, 'bots: no row lost or added');
    assert.equal(Number(rows[0].with_reason), 0, 'no existing order gets a cancellation reason it never had');
    assert.deepEqual(await countByStatus(database), facts.byStatus, 'orders per status unchanged');
  },
};
