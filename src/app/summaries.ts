/**
 * What a bot did, as `botledger run` summarizes it: the orders by status, fills, round trips and
 * the realized pnl NET of fees, in the quote currency, with the fees on their own (issue 6,
 * defect 7). Computed exactly by the domain (domain/position/round-trips.ts, whose statistics are
 * domain/position/stats.ts) from the stored fills of closed orders; no pnl is computed in SQL.
 */
import { realizedFromFills, symbolCurrencies } from '../domain/position/round-trips.ts';
import { getBot } from '../storage/repositories/bots.ts';
import { countFillsOfBot, listClosedOrderFillsOfBot } from '../storage/repositories/fills.ts';
import { countOrdersByStatus } from '../storage/repositories/orders.ts';
import type { Ledger } from './open-ledger.ts';
import { type OwnerOption, ownedBy } from './ownership.ts';

/** What one bot did, as the summary shows it. */
export interface BotSummary {
  readonly id: string;
  readonly symbol: string;
  readonly status: string;
  /** Why it is stopped (a protection, a broken plugin, a person); null while active. */
  readonly stopReason: string | null;
  readonly orders: Record<string, number>;
  readonly fills: number;
  /** Closed round trips: positions opened and closed again. */
  readonly roundTrips: number;
  readonly wins: number;
  readonly losses: number;
  /** Since the bot was created, net of the fees of its round trips, in `quoteCurrency`. */
  readonly realizedPnl: string;
  /** The fees of those round trips, in `quoteCurrency`. */
  readonly fees: string;
  readonly quoteCurrency: string;
  /** Fees paid in other currencies (not in the pnl: no rate to value them), by currency. */
  readonly otherFees: Record<string, string>;
}

/**
 * The summary of one bot.
 *
 * @example
 * const summary = await summarizeBot(ledger, 'scalp1');
 * `${summary.realizedPnl} ${summary.quoteCurrency}`; // '-0.6 USDT'
 */
export async function summarizeBot(ledger: Pick<Ledger, 'database'>, botId: string, options: OwnerOption = {}): Promise<BotSummary> {
  const db = ledger.database.db;
  const found = await getBot(db, botId);
  // With an owner, another user's bot is summarized as a missing one: nothing of it is read.
  const visible = !found || ownedBy(found, options.owner);
  const bot = visible ? found : undefined;
  const symbol = bot?.symbol ?? '';
  const realized = realizedFromFills(symbol, visible ? await listClosedOrderFillsOfBot(db, botId) : []);
  return {
    id: botId,
    symbol,
    status: bot?.status ?? 'unknown',
    stopReason: bot?.stopReason ?? null,
    orders: await countOrdersByStatus(db, { botId, ...(visible ? {} : { userId: options.owner }) }),
    fills: visible ? await countFillsOfBot(db, botId) : 0,
    roundTrips: realized.roundTrips.length,
    wins: realized.wins,
    losses: realized.losses,
    realizedPnl: realized.realizedPnl,
    fees: realized.fees,
    quoteCurrency: symbolCurrencies(symbol).quote,
    otherFees: realized.otherFees,
  };
}
