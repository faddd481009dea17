/**
 * Protections (freqtrade's word): limits the engine holds every bot to, whatever its plugin does,
 * so that a strategy caught in a loop (buy, stop out, buy again) cannot place orders and pay fees
 * without end. When one is reached the bot is stopped, with a reason that names the protection and
 * its numbers. Pure: the engine counts, this file decides.
 *
 * Both counts start again when the bot is started or updated (a person looked at it), so a bot
 * started after a protection stopped it is not stopped again at once by the same history.
 */
import type { JsonValue } from './bot.ts';
import { DomainError } from '../errors.ts';
import { DEFAULT_STOP_LOSS_ATTEMPTS } from '../position/stop-loss.ts';

/** The limits of one bot. */
export interface ProtectionLimits {
  /** Most orders the bot may place within {@link PROTECTION_WINDOW_MS}. */
  readonly maxOrdersPerMinute: number;
  /** Most losing round trips (net of fees) in a row. */
  readonly maxConsecutiveLosses: number;
  /**
   * Stop-loss placements tried (the first and its retries) before the position is closed by an
   * emergency exit at market (domain/position/stop-loss.ts).
   */
  readonly stopLossAttempts: number;
}

/** The window of the orders-per-minute protection. */
export const PROTECTION_WINDOW_MS = 60_000;

/**
 * Defaults for a scalper: a cycle is two orders (three with a stop-loss), so 60 a minute is a
 * cycle every few seconds, far more than a scalper on a real market needs and far less than a
 * loop places; five stop-outs in a row means the market is not what the config expects.
 */
export const DEFAULT_PROTECTIONS: ProtectionLimits = { maxOrdersPerMinute: 60, maxConsecutiveLosses: 5, stopLossAttempts: DEFAULT_STOP_LOSS_ATTEMPTS };

/** The key of a bot's config that overrides the defaults: `{"protections": {"maxOrdersPerMinute": 120}}`. */
export const PROTECTIONS_CONFIG_KEY = 'protections';

const FIELDS = ['maxOrdersPerMinute', 'maxConsecutiveLosses', 'stopLossAttempts'] as const;

/** The largest limit accepted (a limit is a count; anything bigger is a typo, not a wish). */
export const MAX_PROTECTION_LIMIT = 1_000_000;

/**
 * Reads (and checks) the `protections` object of a bot config; absent fields take the defaults.
 * Throws INVALID_FIELD naming `protections.<field>` for anything but a whole number from 1 to
 * {@link MAX_PROTECTION_LIMIT}, or an unknown field.
 *
 * @example
 * protectionLimits({ amount: '1', protections: { maxOrdersPerMinute: 120 } });
 * // { maxOrdersPerMinute: 120, maxConsecutiveLosses: 5, stopLossAttempts: 3 }
 */
export function protectionLimits(config: { readonly [key: string]: JsonValue | undefined } | undefined): ProtectionLimits {
  const given = config?.[PROTECTIONS_CONFIG_KEY];
  if (given === undefined) return DEFAULT_PROTECTIONS;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new DomainError('INVALID_FIELD', `protections must be an object such as {"maxOrdersPerMinute": 60, "maxConsecutiveLosses": 5, "stopLossAttempts": 3}`, {
      field: 'protections',
    });
  }
  const object = given as { readonly [key: string]: JsonValue };
  for (const key of Object.keys(object)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new DomainError('INVALID_FIELD', `protections.${key} is not a protection (known: ${FIELDS.join(', ')})`, { field: `protections.${key}` });
    }
  }
  const limits = { ...DEFAULT_PROTECTIONS };
  for (const field of FIELDS) {
    const value = object[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_PROTECTION_LIMIT) {
      throw new DomainError('INVALID_FIELD', `protections.${field} must be a whole number from 1 to ${MAX_PROTECTION_LIMIT}, got ${JSON.stringify(value)}`, {
        field: `protections.${field}`,
      });
    }
    limits[field] = value;
  }
  return limits;
}

/** What the engine counted for a bot, since it was last started or updated. */
export interface ProtectionFacts {
  /** Orders placed within the last {@link PROTECTION_WINDOW_MS}. */
  readonly ordersInWindow: number;
  /** Losing round trips in a row, the most recent last. */
  readonly consecutiveLosses: number;
  /** Their net result, in the quote currency (for the reason). */
  readonly lossesTotal?: string;
  readonly quoteCurrency?: string;
}

export type ProtectionName = 'orders-per-minute' | 'consecutive-losses';

/** The verdict on placing one more order. */
export type ProtectionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly protection: ProtectionName; readonly reason: string };

/**
 * May the bot place one more order? Refused when it has placed `maxOrdersPerMinute` orders in the
 * window already, or lost `maxConsecutiveLosses` round trips in a row; the reason is the bot's
 * stop reason.
 *
 * @example
 * checkProtections(DEFAULT_PROTECTIONS, { ordersInWindow: 60, consecutiveLosses: 0 });
 * // { allowed: false, protection: 'orders-per-minute', reason: 'Stopped by protection: 60 orders in the last 60 s (limit 60)' }
 */
export function checkProtections(limits: ProtectionLimits, facts: ProtectionFacts): ProtectionVerdict {
  if (facts.ordersInWindow >= limits.maxOrdersPerMinute) {
    return {
      allowed: false,
      protection: 'orders-per-minute',
      reason: `Stopped by protection: ${facts.ordersInWindow} orders in the last ${PROTECTION_WINDOW_MS / 1000} s (limit ${limits.maxOrdersPerMinute})`,
    };
  }
  if (facts.consecutiveLosses >= limits.maxConsecutiveLosses) {
    const total = facts.lossesTotal === undefined ? '' : `, ${facts.lossesTotal}${facts.quoteCurrency ? ` ${facts.quoteCurrency}` : ''} in all`;
    return {
      allowed: false,
      protection: 'consecutive-losses',
      reason: `Stopped by protection: ${facts.consecutiveLosses} losing round trips in a row${total} (limit ${limits.maxConsecutiveLosses})`,
    };
  }
  return { allowed: true };
}

/** True for a stop reason written by {@link checkProtections}. */
export function isProtectionStop(stopReason: string | null): boolean {
  return stopReason?.startsWith('Stopped by protection:') ?? false;
}
