/**
 * Seed 004's validation queries (Step 1.3, 3.2, 3.3) as assertions after both migrations: only the
 * five statuses, the count per old status moved where the appendix says, no legacy status left,
 * `reason` is TEXT and holds every legacy reason (primary first, never truncated), the same
 * orders, users and symbols as before, and the legacy reason columns gone.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import type { ScenarioChecks } from '../support/scenario.ts';

const MAP: Readonly<Record<string, string>> = {
  amo: 'pending',
  pending_execution: 'pending',
  retry_pending: 'failed',
  rejected: 'failed',
  pending: 'pending',
  ongoing: 'ongoing',
  closed: 'closed',
  failed: 'failed',
  cancelled: 'cancelled',
};

interface LegacyOrder {
  id: number;
  status: string;
  side: string | null;
  failure_reason: string | null;
  rejection_reason: string | null;
  cancelled_reason: string | null;
}

/** The appendix's status mapping, in JS: sell -> pending only for sell orders. */
export function expectedStatus(order: Pick<LegacyOrder, 'status' | 'side'>): string {
  const s = order.status.trim().toLowerCase();
  if (s === 'sell') return order.side?.trim().toLowerCase() === 'sell' ? 'pending' : order.status;
  return MAP[s] ?? order.status;
}

/** The unified reason migration 1 promises, in JS. */
export function expectedReason(order: LegacyOrder): string | null {
  const s = order.status.trim().toLowerCase();
  const columns: (keyof LegacyOrder)[] =
    s === 'rejected'
      ? ['rejection_reason', 'failure_reason', 'cancelled_reason']
      : s === 'cancelled'
        ? ['cancelled_reason', 'failure_reason', 'rejection_reason']
        : ['failure_reason', 'rejection_reason', 'cancelled_reason'];
  const has = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
  const primaryColumn = columns.find((c) => has(order[c]));
  if (!primaryColumn) return null;
  const primary = order[primaryColumn] as string;
  let reason = primary;
  for (const c of ['failure_reason', 'rejection_reason', 'cancelled_reason'] as const) {
    if (has(order[c]) && order[c] !== primary) reason += ` | ${c}: ${order[c]}`;
  }
  return reason;
}

export interface OrderStatusFacts {
  readonly total: number;
  readonly users: number;
  readonly symbols: number;
  readonly expectedByStatus: Readonly<Record<string, number>>;
  readonly expected: ReadonlyMap<number, { status: string; reason: string | null }>;
}

async function integrity(
  database: BotledgerDatabase,
): Promise<{ total: number; withStatus: number; withTimestamp: number; users: number; symbols: number }> {
  // Step 3.3, "Check for data loss" and "Verify order relationships intact".
  const { rows } = await sql<Record<string, string | number>>`
    SELECT (SELECT COUNT(*) FROM orders) as total_orders,
           (SELECT COUNT(*) FROM orders WHERE status IS NOT NULL) as orders_with_status,
           (SELECT COUNT(*) FROM orders WHERE created_at IS NOT NULL) as orders_with_timestamp,
           (SELECT COUNT(DISTINCT user_id) FROM orders) as unique_users,
           (SELECT COUNT(DISTINCT symbol) FROM orders) as unique_symbols`.execute(database.db);
  const r = rows[0];
  return {
    total: Number(r.total_orders),
    withStatus: Number(r.orders_with_status),
    withTimestamp: Number(r.orders_with_timestamp),
    users: Number(r.unique_users),
    symbols: Number(r.unique_symbols),
  };
}

export const checks: ScenarioChecks<OrderStatusFacts> = {
  async before(database) {
    const { rows } = await sql<LegacyOrder>`
      select id, status, side, failure_reason, rejection_reason, cancelled_reason from orders`.execute(database.db);
    const expected = new Map<number, { status: string; reason: string | null }>();
    const expectedByStatus: Record<string, number> = {};
    for (const row of rows) {
      const status = expectedStatus(row);
      expected.set(Number(row.id), { status, reason: expectedReason(row) });
      expectedByStatus[status] = (expectedByStatus[status] ?? 0) + 1;
    }
    const facts = await integrity(database);
    return { total: facts.total, users: facts.users, symbols: facts.symbols, expectedByStatus, expected };
  },
  async after(database, facts) {
    const { rows: byStatus } = await sql<{ status: string; count: string | number }>`
      SELECT status, COUNT(*) as count FROM orders GROUP BY status ORDER BY count DESC`.execute(database.db);
    const counts = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.count)]));
    assert.deepEqual(Object.keys(counts).sort(), Object.keys(facts.expectedByStatus).sort(), 'statuses present');
    for (const status of Object.keys(counts))
      assert.ok(['pending', 'ongoing', 'closed', 'failed', 'cancelled'].includes(status), `only the 5 statuses remain, found ${status}`);
    assert.deepEqual(counts, facts.expectedByStatus, 'each old status counted under the new status the appendix maps it to');
    const { rows: old } = await sql<{ old_status_count: string | number }>`
      SELECT COUNT(*) as old_status_count FROM orders WHERE status IN ('amo', 'pending_execution', 'retry_pending', 'rejected', 'sell')`.execute(
      database.db,
    );
    assert.equal(Number(old[0].old_status_count), 0, 'no legacy status remains');

    const { rows: type } = database.capabilities.namedSchemas
      ? await sql<{
          type: string;
          len: number | null;
        }>`SELECT data_type as type, character_maximum_length as len FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'orders' AND column_name = 'reason'`.execute(
          database.db,
        )
      : await sql<{
          type: string;
          len: number | null;
        }>`SELECT lower(type) as type, null as len FROM pragma_table_info('orders') WHERE name = 'reason'`.execute(database.db);
    assert.deepEqual(type, [{ type: 'text', len: null }], 'reason is TEXT, no length limit');

    const { rows: orders } = await sql<{
      id: number;
      status: string;
      reason: string | null;
    }>`select id, status, reason from orders`.execute(database.db);
    const wrong = orders.filter((o) => {
      const e = facts.expected.get(Number(o.id));
      return !e || e.status !== o.status || e.reason !== o.reason;
    });
    assert.deepEqual(wrong.slice(0, 3), [], 'every order has its mapped status and its full unified reason');
    const longest = orders.reduce((max, o) => Math.max(max, o.reason?.length ?? 0), 0);
    let expectedLongest = 0;
    for (const e of facts.expected.values()) expectedLongest = Math.max(expectedLongest, e.reason?.length ?? 0);
    assert.equal(longest, expectedLongest, 'no reason truncated');

    const after = await integrity(database);
    assert.equal(after.total, facts.total, 'total rows unchanged');
    assert.equal(after.withStatus, facts.total, 'every order has a status');
    assert.equal(after.withTimestamp, facts.total, 'every order keeps created_at');
    assert.equal(after.users, facts.users, 'unique users unchanged');
    assert.equal(after.symbols, facts.symbols, 'unique symbols unchanged');

    const { rows: columns } = database.capabilities.namedSchemas
      ? await sql<{
          name: string;
        }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'orders'`.execute(
          database.db,
        )
      : await sql<{ name: string }>`select name from pragma_table_info('orders')`.execute(database.db);
    const names = columns.map((c) => c.name);
    for (const legacy of ['failure_reason', 'rejection_reason', 'cancelled_reason', 'legacy_status'])
      assert.ok(!names.includes(legacy), `${legacy} is gone`);
  },
};
