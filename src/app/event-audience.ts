/**
 * Who may see an event-log row, and what it is about: for the live stream (src/api/stream.ts).
 *
 * - Owner: an event belongs to the user who owns its bot (bots.user_id). An event without a bot
 *   (venue stream, unknown orders, sync of the shared venue) has no owner: admins only. A bot never
 *   changes owner, so the answer is cached for the life of the process.
 * - Topic: every event has one topic, from its type alone, so that a replayed row and the same row
 *   heard live get the same one (the stream's `topic` field and its subscriptions).
 */
import type { Kysely } from 'kysely';
import type { CommittedEvent } from '../storage/committed-changes.ts';
import { getBot } from '../storage/repositories/bots.ts';
import { latestEventId } from '../storage/repositories/event-tail.ts';
import type { LedgerSchema } from '../storage/schema.ts';

export const STREAM_TOPICS = ['orders', 'fills', 'bots', 'positions', 'trades', 'events', 'sync'] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

const FILL_TYPES = new Set(['OrderFilled', 'OrderPartiallyFilled', 'FillDuplicate']);
const SYNC_TYPES = new Set([
  'SyncDiscrepancy',
  'SyncFixed',
  'SyncPerformed',
  'SyncFailed',
  'PositionMismatch',
  'StreamDisconnected',
  'StreamReconnected',
]);
const POSITION_PREFIXES = ['Position', 'StopLoss', 'EmergencyExit'];
const ORDER_TYPES = new Set(['UnknownOrder', 'UnknownBotOrder']);

/**
 * The topic of an event, from its type (and, for PositionClosed, whether it closed a round trip:
 * the position keeper's PositionClosed carries the trade's pnl; the one an order gets when its
 * position closes does not).
 *
 * @example
 * topicOf({ type: 'OrderFilled', ... }) // 'fills'
 */
export function topicOf(event: Pick<CommittedEvent, 'type' | 'payload'>): StreamTopic {
  const type = event.type;
  if (FILL_TYPES.has(type)) return 'fills';
  if (SYNC_TYPES.has(type)) return 'sync';
  if (type === 'PositionClosed') {
    const payload = event.payload as { pnl?: unknown } | null;
    return payload && typeof payload === 'object' && payload.pnl !== undefined ? 'trades' : 'orders';
  }
  if (type.startsWith('Order') || ORDER_TYPES.has(type)) return 'orders';
  if (type.startsWith('Bot')) return 'bots';
  if (POSITION_PREFIXES.some((prefix) => type.startsWith(prefix))) return 'positions';
  return 'events';
}

/** What the stream needs of an event's bot. */
export interface BotAudience {
  /** The owning user; null for a bot of no user (admins only). */
  readonly userId: string | null;
  readonly symbol: string;
}

/** A cache of bot -> owner (and symbol) over the ledger's bots table. */
export class EventAudience {
  readonly #db: Kysely<LedgerSchema>;
  readonly #bots = new Map<string, BotAudience | null>();
  readonly #maxSize: number;

  constructor(db: Kysely<LedgerSchema>, options: { maxSize?: number } = {}) {
    this.#db = db;
    this.#maxSize = options.maxSize ?? 100_000;
  }

  /** Known without a read (the answer, or null for a missing bot); undefined: ask {@link load}. */
  cached(botId: string): BotAudience | null | undefined {
    return this.#bots.get(botId);
  }

  /** Remembers bots a live change carried (their owner and current symbol). */
  remember(bots: readonly { id: string; userId: string | null; symbol: string }[]): void {
    for (const bot of bots) this.#set(bot.id, { userId: bot.userId, symbol: bot.symbol });
  }

  /** Reads the bot's owner; null when the bot does not exist. */
  async load(botId: string): Promise<BotAudience | null> {
    const known = this.#bots.get(botId);
    if (known !== undefined) return known;
    const bot = await getBot(this.#db, botId);
    const audience = bot ? { userId: bot.userId, symbol: bot.symbol } : null;
    // A bot that does not exist yet may be created later under that id: only found ones are cached.
    if (audience) this.#set(botId, audience);
    return audience;
  }

  #set(botId: string, audience: BotAudience): void {
    if (this.#bots.size >= this.#maxSize && !this.#bots.has(botId)) this.#bots.delete(this.#bots.keys().next().value as string);
    this.#bots.set(botId, audience);
  }
}

/**
 * The highest event-log id now ('0' for an empty log): where a stream that starts "from now" says
 * its replay ended.
 */
export function latestEventIdOf(db: Kysely<LedgerSchema>): Promise<string> {
  return latestEventId(db);
}
