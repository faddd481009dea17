/** An engine fixture on a venue with the built-in markets' rules, and the row counts that show nothing was written. */
import type { DialectTarget } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL } from './engine-fixture.ts';

/** The built-in venue's BTC/USDT rules (tick 0.01, lot 0.00001, minimum notional 5, highest price 1,000,000). */
const MARKETS = {
  [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0', amountStep: '0.00001', minAmount: '0.00001', maxAmount: '9000', minNotional: '5', maxPrice: '1000000' },
  'ETH/USDT': { startPrice: '3000', tickSize: '0.01', volatility: '0.001', spread: '0', amountStep: '0.0001', minAmount: '0.0001', maxAmount: '9000', minNotional: '5', maxPrice: '1000000' },
};

/** An engine fixture whose venue has the built-in markets' rules. */
export const openRulesFixture = (target: DialectTarget) => openEngineFixture(target, { paper: { markets: MARKETS } });

const TABLES = ['bots', 'orders', 'fills', 'positions', 'trades', 'event_log'];

/** Row counts of every ledger table: what "nothing was written" is checked against. */
export async function tableCounts(f: EngineFixture): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await f.observer.read((q) => q.get<{ n: number | string }>(`select count(*) as n from ${table}`));
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

