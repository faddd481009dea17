/**
 * The summary `botledger run` prints: per bot, the orders by status, fills, round trips, and the
 * realized pnl NET of fees, in the quote currency, with the fees as their own column (issue 6,
 * defect 7). Computed exactly from the stored fills of closed orders through the position rules
 * (domain/position/round-trips.ts), since the engine does not write positions and trades yet.
 */
import { realizedFromFills, symbolCurrencies } from '../domain/position/round-trips.ts';
import type { BotledgerDatabase } from '../storage/database.ts';
import { getBot } from '../storage/repositories/bots.ts';
import { countFillsOfBot, listClosedOrderFillsOfBot } from '../storage/repositories/fills.ts';
import { countOrdersByStatus } from '../storage/repositories/orders.ts';
import { table } from './ledger-output.ts';

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
 * const summary = await summarizeBot(database, 'scalp1');
 * `${summary.realizedPnl} ${summary.quoteCurrency}`; // '-0.6 USDT'
 */
export async function summarizeBot(database: BotledgerDatabase, botId: string): Promise<BotSummary> {
  const bot = await getBot(database.db, botId);
  const symbol = bot?.symbol ?? '';
  const realized = realizedFromFills(symbol, await listClosedOrderFillsOfBot(database.db, botId));
  return {
    id: botId,
    symbol,
    status: bot?.status ?? 'unknown',
    stopReason: bot?.stopReason ?? null,
    orders: await countOrdersByStatus(database.db, { botId }),
    fills: await countFillsOfBot(database.db, botId),
    roundTrips: realized.roundTrips.length,
    wins: realized.wins,
    losses: realized.losses,
    realizedPnl: realized.realizedPnl,
    fees: realized.fees,
    quoteCurrency: symbolCurrencies(symbol).quote,
    otherFees: realized.otherFees,
  };
}

/** The per-bot table, then one line per stopped bot with its reason. */
export function formatBotSummaries(bots: readonly BotSummary[]): string {
  const money = (value: string, currency: string) => `${value} ${currency}`.trim();
  const lines = [
    table(
      ['bot', 'symbol', 'status', 'pending', 'ongoing', 'closed', 'failed', 'cancelled', 'fills', 'round trips', 'realized pnl (net)', 'fees'],
      bots.map((b) => [
        b.id,
        b.symbol,
        b.status,
        ...['pending', 'ongoing', 'closed', 'failed', 'cancelled'].map((s) => String(b.orders[s] ?? 0)),
        String(b.fills),
        String(b.roundTrips),
        money(b.realizedPnl, b.quoteCurrency),
        [money(b.fees, b.quoteCurrency), ...Object.entries(b.otherFees).map(([currency, fee]) => `${fee} ${currency}`)].join(' + '),
      ]),
    ),
  ];
  for (const b of bots) if (b.status !== 'active' && b.stopReason) lines.push(`${b.id} ${b.status}: ${b.stopReason}`);
  return lines.join('\n');
}
