/**
 * A million orders for the benchmarks that read them (bench:api, bench:web): one user's orders of
 * one stopped bot of their own ('hist'), spread over the last 30 days, written in batches of
 * 10,000 straight into the ledger (the venue never saw them), then ANALYZE so the planner knows.
 */
import { createBot, stopBot } from '../src/app/bots.ts';
import type { Ledger } from '../src/app/open-ledger.ts';
import { createOrder, type Order } from '../src/domain/order/order.ts';
import type { OrderStatus } from '../src/domain/order/order-status.ts';
import { newOrderId } from '../src/engine/orders/execution.ts';
import { analyzeDatabase } from '../src/storage/health.ts';
import { insertOrders } from '../src/storage/repositories/orders-batch.ts';
import { writeTransaction } from '../src/storage/sql/executor.ts';

export const BENCH_SYMBOL = 'BTC/USDT';
export const HISTORY_BOT = 'hist';

/** Of every 20 orders: 2 pending, 12 closed, 4 cancelled, 1 failed, 1 ongoing. */
export const STATUS_CYCLE: readonly OrderStatus[] = [
  'pending',
  'closed',
  'closed',
  'cancelled',
  'closed',
  'closed',
  'closed',
  'cancelled',
  'closed',
  'failed',
  'pending',
  'closed',
  'closed',
  'cancelled',
  'closed',
  'ongoing',
  'closed',
  'closed',
  'cancelled',
  'closed',
];

/**
 * The cycle of a history a `botledger serve` can start on: no pending order (reconciliation at
 * start asks the venue about every pending order, and the venue never saw these), the rest as in
 * STATUS_CYCLE (the two pending become closed).
 */
export const FINISHED_STATUS_CYCLE: readonly OrderStatus[] = STATUS_CYCLE.map((status) => (status === 'pending' ? 'closed' : status));

const YEAR_MS = 365 * 86_400_000;

/**
 * The stopped bot 'hist' of `userId` (an update of a live bot cancels its orders at the venue,
 * and these were never placed there) and `count` orders of it; answers a sample of their ids
 * (every 997th). A failed order's next retry is a year away, so the retry loop leaves them be.
 *
 * @example
 * const sample = await seedOrderHistory(ledger, admin.id, 1_000_000);
 */
export async function seedOrderHistory(
  ledger: Ledger,
  userId: string,
  count: number,
  options: { cycle?: readonly OrderStatus[]; progress?: (line: string) => void } = {},
): Promise<string[]> {
  const cycle = options.cycle ?? STATUS_CYCLE;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  await createBot(ledger, {
    id: HISTORY_BOT,
    pluginId: 'scalper',
    symbol: BENCH_SYMBOL,
    config: { amount: '0.01', entryPrice: '50000', takeProfitPrice: '70000' },
    userId,
  });
  await stopBot(ledger, HISTORY_BOT);
  const start = Date.now() - 30 * 86_400_000;
  const sample: string[] = [];
  for (let done = 0; done < count; done += 10_000) {
    const batch: Order[] = [];
    for (let i = done; i < Math.min(count, done + 10_000); i++) {
      const at = new Date(start + Math.floor((i / count) * 30 * 86_400_000));
      const order = createOrder(
        {
          id: newOrderId(at.getTime()),
          clientOrderId: `bl-${HISTORY_BOT}-h${i.toString(36)}`,
          symbol: BENCH_SYMBOL,
          side: i % 2 ? 'sell' : 'buy',
          type: 'limit',
          intent: 'entry',
          amount: '0.01',
          price: '60000.5',
          botId: HISTORY_BOT,
          pluginId: 'scalper',
          userId,
        },
        at,
      );
      const status = cycle[i % cycle.length];
      const failed =
        status === 'failed'
          ? {
              retryCount: 1,
              firstFailedAt: at.toISOString(),
              nextRetryAt: new Date(Date.now() + YEAR_MS).toISOString(),
              expiresAt: new Date(Date.now() + 2 * YEAR_MS).toISOString(),
              reason: 'Paper exchange rejected the order: {"retCode":10003,"retMsg":"API key is invalid."}',
            }
          : {};
      batch.push({ ...order, status, ...failed } as Order);
      if (i % 997 === 0) sample.push(order.id);
    }
    await writeTransaction(ledger.database, (q) => insertOrders(q, batch));
    if (done % 200_000 === 0) progress(`  seeded ${done.toLocaleString('en')} orders`);
  }
  await analyzeDatabase(ledger.database.db);
  return sample;
}
