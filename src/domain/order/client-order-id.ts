/**
 * Client order ids, made before an order is placed (nautilus_trader, Hummingbot): the venue echoes
 * it on every report, so an event can be matched to its order even before the venue's own id is
 * known, and reconciliation can ask "do you have bl-b7-1z?" after a timeout.
 *
 * Format: `bl-<botId>-<sequence in base 36>`. The sequence is the bot's own counter, so the id is
 * unique per bot; bot ids are unique, and the sequence never contains "-", so splitting at the
 * last "-" recovers both. Only [A-Za-z0-9_-], which every venue accepts.
 */
import { DomainError } from '../errors.ts';

/** Prefix of every botledger client order id. */
export const CLIENT_ORDER_ID_PREFIX = 'bl-';

/** The smallest limit among common venues (OKX 32; Binance and Bybit 36). */
export const DEFAULT_CLIENT_ORDER_ID_MAX_LENGTH = 32;

/** Characters a bot id may use to be embedded in a client order id. */
export const BOT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export interface ClientOrderIdInput {
  readonly botId: string;
  /** The bot's order counter: a positive safe integer, never reused for that bot. */
  readonly sequence: number;
  /** The venue's limit (ExchangeCapabilities.maxClientOrderIdLength). */
  readonly maxLength?: number;
}

/**
 * Makes the client order id of a bot's n-th order. Throws INVALID_CLIENT_ORDER_ID naming what does
 * not fit (a bot id with other characters, or too long for the venue's limit).
 *
 * @example
 * makeClientOrderId({ botId: 'scalper1', sequence: 71 }); // 'bl-scalper1-1z'
 */
export function makeClientOrderId(input: ClientOrderIdInput): string {
  const { botId, sequence } = input;
  const maxLength = input.maxLength ?? DEFAULT_CLIENT_ORDER_ID_MAX_LENGTH;
  if (!BOT_ID_PATTERN.test(botId)) {
    throw new DomainError(
      'INVALID_CLIENT_ORDER_ID',
      `bot id "${botId}" cannot be part of a client order id: only letters, digits, "-" and "_" are allowed`,
      {
        field: 'botId',
      },
    );
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new DomainError('INVALID_CLIENT_ORDER_ID', `sequence must be a positive integer, got ${sequence}`, { field: 'sequence' });
  }
  const id = `${CLIENT_ORDER_ID_PREFIX}${botId}-${sequence.toString(36)}`;
  if (id.length > maxLength) {
    const room = maxLength - CLIENT_ORDER_ID_PREFIX.length - 1 - sequence.toString(36).length;
    throw new DomainError(
      'INVALID_CLIENT_ORDER_ID',
      `client order id "${id}" is ${id.length} characters; the venue allows at most ${maxLength} (bot id "${botId}" must be at most ${Math.max(room, 0)} characters)`,
      { field: 'botId', maxLength },
    );
  }
  return id;
}

/** What a client order id says. */
export interface ParsedClientOrderId {
  readonly botId: string;
  readonly sequence: number;
}

/**
 * Recovers the bot and sequence from a botledger client order id; undefined for an id botledger
 * did not make (an order placed by hand at the venue).
 *
 * @example
 * parseClientOrderId('bl-scalper1-1z'); // { botId: 'scalper1', sequence: 71 }
 * parseClientOrderId('web_123');        // undefined
 */
export function parseClientOrderId(clientOrderId: string): ParsedClientOrderId | undefined {
  if (!clientOrderId.startsWith(CLIENT_ORDER_ID_PREFIX)) return undefined;
  const rest = clientOrderId.slice(CLIENT_ORDER_ID_PREFIX.length);
  const cut = rest.lastIndexOf('-');
  if (cut <= 0) return undefined;
  const botId = rest.slice(0, cut);
  const encoded = rest.slice(cut + 1);
  if (!BOT_ID_PATTERN.test(botId) || !/^[0-9a-z]+$/.test(encoded)) return undefined;
  const sequence = Number.parseInt(encoded, 36);
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence.toString(36) !== encoded) return undefined;
  return { botId, sequence };
}
