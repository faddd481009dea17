/**
 * Enforcement of the protections (the rules are in domain/bot/protections.ts): before a bot's
 * plugin command places an order, the engine counts what the bot did since it was last started or
 * updated, and a bot over a limit is stopped instead (BotService cancels its live orders with
 * STOP, as any stop does). Whatever the plugin does, a bot cannot place more than its limit of
 * orders a minute, nor keep losing round trip after round trip.
 */
import type { Bot } from '../../domain/bot/bot.ts';
import { checkProtections, PROTECTION_WINDOW_MS, type ProtectionLimits, type ProtectionVerdict, protectionLimits } from '../../domain/bot/protections.ts';
import { realizedFromFills, symbolCurrencies, trailingLosses } from '../../domain/position/round-trips.ts';
import type { ExecutionEngine } from '../orders/execution.ts';

/** Closed orders read per check: enough for the streak limit (two orders a round trip) plus room. */
function ordersToRead(limits: ProtectionLimits): number {
  return Math.min(2 * limits.maxConsecutiveLosses + 4, 10_000);
}

/**
 * @example
 * const guard = new ProtectionGuard(execution);
 * const verdict = await guard.check(bot);
 * if (!verdict.allowed) await bots.stop(bot.id, verdict.reason, 'engine');
 */
export class ProtectionGuard {
  readonly #execution: ExecutionEngine;

  constructor(execution: ExecutionEngine) {
    this.#execution = execution;
  }

  /** May `bot` place one more order now? */
  async check(bot: Bot): Promise<ProtectionVerdict> {
    const execution = this.#execution;
    // A bad `protections` object cannot stop the guard: the defaults hold (create and update refuse it anyway).
    let limits: ProtectionLimits;
    try {
      limits = protectionLimits(bot.config);
    } catch {
      limits = protectionLimits(undefined);
    }
    const now = execution.clock.now();
    const windowStart = new Date(Math.max(now - PROTECTION_WINDOW_MS, Date.parse(bot.updatedAt))).toISOString();
    const ordersInWindow = await execution.ledger.countOrdersOfBotSince(bot.id, windowStart);
    const fills = await execution.ledger.recentClosedFillsOfBot(bot.id, bot.updatedAt, ordersToRead(limits));
    const streak = trailingLosses(realizedFromFills(bot.symbol, fills).roundTrips);
    return checkProtections(limits, {
      ordersInWindow,
      consecutiveLosses: streak.count,
      lossesTotal: streak.total,
      quoteCurrency: symbolCurrencies(bot.symbol).quote,
    });
  }
}
