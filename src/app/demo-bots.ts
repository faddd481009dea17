/**
 * `serve --demo`: a few scalper bots on the paper exchange, so that a newcomer sees orders move at
 * once. Their prices are set around the market's price now (a venue that has run for a while has
 * wandered far from its start), a few steps of the random walk away, so entries and take-profits
 * fill within seconds.
 */
import { mul } from '../domain/money.ts';
import { type CreateBotRequest, createBot, listBots } from './bots.ts';
import { type Ledger, venueOf } from './open-ledger.ts';

/** One demo bot: its symbol, amount, and how far below and above the price it buys and sells. */
interface DemoBotPlan {
  readonly id: string;
  readonly symbol: string;
  readonly amount: string;
  /** Fraction of the price below it for the entry, above it for the take-profit. */
  readonly spread: string;
  /** Fraction below the price for a stop-loss (absent: none). */
  readonly stopLoss?: string;
}

/** Three bots: a tight and a wide one on BTC/USDT (the wide one with a stop-loss), one on ETH/USDT. */
export const DEMO_BOTS: readonly DemoBotPlan[] = [
  { id: 'demo-btc-tight', symbol: 'BTC/USDT', amount: '0.001', spread: '0.0004' },
  { id: 'demo-btc-wide', symbol: 'BTC/USDT', amount: '0.002', spread: '0.0015', stopLoss: '0.01' },
  { id: 'demo-eth', symbol: 'ETH/USDT', amount: '0.02', spread: '0.0008' },
];

/** A price on the paper market's 0.01 grid. */
function onGrid(value: string): string {
  return Number(value).toFixed(2);
}

/** The scalper config of a demo bot at the market's price `last`. */
export function demoConfig(plan: DemoBotPlan, last: string): Record<string, unknown> {
  const offset = (fraction: string) => onGrid(mul(last, fraction));
  return {
    amount: plan.amount,
    entryPrice: offset(String(1 - Number(plan.spread))),
    takeProfitPrice: offset(String(1 + Number(plan.spread))),
    ...(plan.stopLoss ? { stopLossPrice: offset(String(1 - Number(plan.stopLoss))) } : {}),
  };
}

/**
 * Creates the demo bots when the ledger has no bot at all (a ledger in use is left as it is), owned
 * by `owner` when given. Resolves with the ids created (empty when there were bots already).
 *
 * @example
 * const created = await createDemoBots(ledger, adminId);
 */
export async function createDemoBots(ledger: Ledger, owner?: string): Promise<string[]> {
  if ((await listBots(ledger)).length > 0) return [];
  const { paper } = venueOf(ledger);
  const created: string[] = [];
  for (const plan of DEMO_BOTS) {
    const request: CreateBotRequest & { userId?: string } = {
      id: plan.id,
      pluginId: 'scalper',
      symbol: plan.symbol,
      config: demoConfig(plan, paper.control.ticker(plan.symbol).last),
      // The ownership change (issue 9) gives bots an owner: the first admin.
      ...(owner ? { userId: owner } : {}),
    };
    await createBot(ledger, request);
    created.push(plan.id);
  }
  return created;
}
