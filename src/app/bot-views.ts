/**
 * Bots as the REST API sends them: {@link botView} plus what stopped a stopped bot. The bot row
 * keeps only the stop reason's sentence; whether botledger stopped the bot by itself (an outside
 * cancel, a failing plugin, a protection) and which order's cancel did it are in the event log's
 * `BotStopped` entry, so a dashboard can make an auto-stopped bot stand out and link its order.
 */
import type { Bot } from '../domain/bot/bot.ts';
import { lastBotStops } from '../storage/repositories/bot-stops.ts';
import { botView } from './bots.ts';
import type { Ledger } from './open-ledger.ts';

/** A bot on the wire (BotBody). */
export type BotWireView = ReturnType<typeof botView> & {
  /** Stopped by botledger itself, not by a person (false unless the bot is stopped). */
  readonly autoStopped: boolean;
  /** The order whose cancel outside botledger stopped the bot (its id), else null. */
  readonly stoppedByOrderId: string | null;
  /** That order's client order id, else null. */
  readonly stoppedByClientOrderId: string | null;
};

/**
 * The wire form of each bot, in the order given; only stopped bots cost a look at the event log.
 *
 * @example
 * const [view] = await botWireViews(ledger, [bot]); // { ..., status: 'stopped', autoStopped: true, stoppedByClientOrderId: 'bl-s1-1' }
 */
export async function botWireViews(ledger: Pick<Ledger, 'database'>, bots: readonly Bot[]): Promise<BotWireView[]> {
  const stopped = bots.filter((bot) => bot.status === 'stopped').map((bot) => bot.id);
  const stops = stopped.length > 0 ? await lastBotStops(ledger.database.db, stopped) : new Map();
  return bots.map((bot) => {
    const stop = bot.status === 'stopped' ? stops.get(bot.id) : undefined;
    const auto = stop?.source === 'engine';
    return {
      ...botView(bot),
      autoStopped: auto,
      stoppedByOrderId: auto ? (stop?.orderId ?? null) : null,
      stoppedByClientOrderId: auto ? (stop?.clientOrderId ?? null) : null,
    };
  });
}

/** One bot's wire form. */
export async function botWireView(ledger: Pick<Ledger, 'database'>, bot: Bot): Promise<BotWireView> {
  const [view] = await botWireViews(ledger, [bot]);
  return view;
}
