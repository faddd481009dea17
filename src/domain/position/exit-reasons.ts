/**
 * Why a position closed: one whole sentence, stored in positions.exit_reason and trades.exit_reason
 * (TEXT, never cut; seed 002's VARCHAR(100) cut the venue errors that mattered most).
 */
import type { OrderIntent } from '../order/order-status.ts';

/** @example takeProfitFilled('60050'); // 'Take-profit filled at 60050' */
export function takeProfitFilled(price: string): string {
  return `Take-profit filled at ${price}`;
}

/** @example stopLossTriggered('59000'); // 'Stop-loss triggered at 59000' */
export function stopLossTriggered(price: string): string {
  return `Stop-loss triggered at ${price}`;
}

/** @example closedAtMarket('101'); // 'Closed at market at 101' */
export function closedAtMarket(price: string): string {
  return `Closed at market at ${price}`;
}

/**
 * The venue's whole message, as the exit reason of a position that could not be protected.
 *
 * @example
 * emergencyExit("bybit {'retCode':10003,...}"); // "Emergency exit at market after the stop-loss could not be placed: bybit {'retCode':10003,...}"
 */
export function emergencyExit(venueMessage: string): string {
  return `Emergency exit at market after the stop-loss could not be placed: ${venueMessage}`;
}

/**
 * A position closed at the venue by an order botledger never placed (a person on the venue's
 * website, another program on the account), found by sync with the exchange.
 *
 * @example
 * closedOutside('Paper exchange', 'web-1', '59990'); // 'Closed at Paper exchange outside botledger by order web-1 at 59990 (found by sync)'
 */
export function closedOutside(venue: string, orderRef: string, price: string): string {
  return `Closed at ${venue} outside botledger by order ${orderRef} at ${price} (found by sync)`;
}

/**
 * A close someone asked for (a person, a plugin, a bot stop), decided before the closing order is
 * placed, so the closing fill keeps it.
 *
 * @example
 * closedOnRequest('by hand', 'cli', '101'); // 'Closed by hand at limit 101 (cli)'
 * closedOnRequest('by plugin', 'scalper', undefined, 'RSI above 70'); // 'Closed by plugin at market (scalper: RSI above 70)'
 */
export function closedOnRequest(why: string, actor: string, limitPrice?: string, detail?: string): string {
  return `Closed ${why} at ${limitPrice ? `limit ${limitPrice}` : 'market'} (${actor}${detail ? `: ${detail}` : ''})`;
}

/**
 * A bot stopped or deleted with `--close-position`: its position closed at market.
 *
 * @example
 * closedWhenBotEnded('scalp1', 'stopped', 'cli'); // 'Closed at market when bot scalp1 was stopped (cli)'
 */
export function closedWhenBotEnded(botId: string, done: 'stopped' | 'deleted', actor: string): string {
  return `Closed at market when bot ${botId} was ${done} (${actor})`;
}

/**
 * The exit reason of a position its closing fill closed: a reason decided before (an emergency
 * exit, a close by hand) wins; otherwise the closing order's intent and type say it.
 *
 * @example
 * exitReasonForFill(null, { intent: 'exit', type: 'limit' }, '60050'); // 'Take-profit filled at 60050'
 */
export function exitReasonForFill(decided: string | null, order: { readonly intent: OrderIntent; readonly type: string }, exitPrice: string): string {
  if (decided) return decided;
  if (order.intent === 'stop_loss') return stopLossTriggered(exitPrice);
  return order.type === 'limit' ? takeProfitFilled(exitPrice) : closedAtMarket(exitPrice);
}
