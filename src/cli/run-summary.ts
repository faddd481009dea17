/**
 * The per-bot table `botledger run` prints (the summaries themselves are the app's,
 * src/app/summaries.ts): orders by status, fills, round trips, the realized pnl NET of fees in
 * the quote currency, and the fees as their own column (issue 6, defect 7).
 */
import type { BotSummary } from '../app/summaries.ts';
import { table } from './ledger-output.ts';

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
