/**
 * The live stream's messages (src/api/stream.ts): what a client may send, checked field by field
 * (a bad message gets REQUEST_INVALID naming the field, and the socket stays open), and the event
 * message the server sends for one event-log row.
 */
import { botView } from '../app/bots.ts';
import type { FeedChange } from '../app/change-feed.ts';
import { STREAM_TOPICS, type StreamTopic, topicOf } from '../app/event-audience.ts';
import type { CommittedEvent } from '../storage/committed-changes.ts';

export interface StreamFilters {
  readonly botId?: string;
  readonly pluginId?: string;
  readonly symbol?: string;
}

export type ClientMessage =
  | { readonly type: 'auth'; readonly token: string }
  | { readonly type: 'subscribe'; readonly topics: readonly StreamTopic[]; readonly filters: StreamFilters; readonly since?: string };

/** A message refused: sent back as `{ type: 'error', code, message, field }`. */
export class StreamRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code = 'REQUEST_INVALID',
  ) {
    super(message);
  }
}

const FILTER_FIELDS = ['botId', 'pluginId', 'symbol'] as const;
const MAX_TEXT = 200;

/** An event_log id (a non-negative integer, as a string or a number), or throws naming `field`. */
export function parseSince(value: unknown, field = 'since'): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,19}$/.test(text) || BigInt(text) > 9_223_372_036_854_775_807n)
    throw new StreamRequestError(field, `${field} must be an event_log id (a non-negative integer)`);
  return BigInt(text).toString();
}

function onlyFields(object: Record<string, unknown>, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(object))
    if (!allowed.includes(key)) throw new StreamRequestError(`${prefix}${key}`, `unknown field "${prefix}${key}"`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFilters(value: unknown): StreamFilters {
  if (value === undefined) return {};
  if (!isObject(value)) throw new StreamRequestError('filters', 'filters must be an object of botId, pluginId, symbol');
  onlyFields(value, FILTER_FIELDS, 'filters.');
  const filters: Record<string, string> = {};
  for (const key of FILTER_FIELDS) {
    const given = value[key];
    if (given === undefined) continue;
    if (typeof given !== 'string' || given.length === 0 || given.length > MAX_TEXT)
      throw new StreamRequestError(`filters.${key}`, `filters.${key} must be a non-empty string of at most ${MAX_TEXT} characters`);
    filters[key] = given;
  }
  return filters;
}

/**
 * A client's message, parsed from the text frame; throws {@link StreamRequestError}.
 *
 * @example
 * parseClientMessage('{"type":"subscribe","topics":["orders"],"since":"42"}')
 */
export function parseClientMessage(text: string): ClientMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StreamRequestError('message', 'the message is not JSON');
  }
  if (!isObject(parsed)) throw new StreamRequestError('message', 'the message must be a JSON object with a "type"');
  if (parsed.type === 'auth') {
    onlyFields(parsed, ['type', 'token']);
    if (typeof parsed.token !== 'string' || parsed.token.length === 0 || parsed.token.length > 512)
      throw new StreamRequestError('token', 'token must be the bearer token (a non-empty string)');
    return { type: 'auth', token: parsed.token };
  }
  if (parsed.type === 'subscribe') {
    onlyFields(parsed, ['type', 'topics', 'filters', 'since']);
    const topics = parsed.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.length > STREAM_TOPICS.length * 2)
      throw new StreamRequestError('topics', `topics must be a non-empty list of ${STREAM_TOPICS.join(', ')}`);
    topics.forEach((topic, index) => {
      if (!STREAM_TOPICS.includes(topic as StreamTopic))
        throw new StreamRequestError(
          `topics.${index}`,
          `topics.${index}: "${String(topic).slice(0, 40)}" is not one of ${STREAM_TOPICS.join(', ')}`,
        );
    });
    return {
      type: 'subscribe',
      topics: [...new Set(topics as StreamTopic[])],
      filters: parseFilters(parsed.filters),
      ...(parsed.since !== undefined ? { since: parseSince(parsed.since) } : {}),
    };
  }
  throw new StreamRequestError('type', 'type must be "auth" or "subscribe"');
}

/** What a subscription lets through. */
export interface Subscription {
  readonly topics: ReadonlySet<StreamTopic>;
  readonly filters: StreamFilters;
}

/** True when the event fits the subscription ('events' is every topic); `symbol` is the event's market, if known. */
export function matches(subscription: Subscription, event: CommittedEvent, symbol: string | undefined): boolean {
  const topic = topicOf(event);
  if (!subscription.topics.has('events') && !subscription.topics.has(topic)) return false;
  const { botId, pluginId, symbol: wanted } = subscription.filters;
  if (botId !== undefined && event.botId !== botId) return false;
  if (pluginId !== undefined && event.pluginId !== pluginId) return false;
  if (wanted !== undefined && symbol !== wanted) return false;
  return true;
}

/** The market an event is about: its order's (live) or its bot's. */
export function symbolOf(event: CommittedEvent, change: FeedChange, botSymbol: string | undefined): string | undefined {
  const order = event.orderId ? change.orders.find((candidate) => candidate.id === event.orderId) : undefined;
  return order?.symbol ?? botSymbol;
}

function positionIdOf(event: CommittedEvent): string | undefined {
  const payload = event.payload as { positionId?: unknown } | null;
  return payload && typeof payload === 'object' && typeof payload.positionId === 'string' ? payload.positionId : undefined;
}

/**
 * The rows written with the event, when it was heard live (a replayed change carries none): its
 * order, the order's fills, its bot, its position and the trade that position closed.
 */
function rowsOf(event: CommittedEvent, change: FeedChange): Record<string, unknown> {
  const rows: Record<string, unknown> = {};
  if (change.origin !== 'live') return rows;
  const order = event.orderId ? change.orders.find((candidate) => candidate.id === event.orderId) : undefined;
  if (order) rows.order = order;
  const fills = event.orderId ? change.fills.filter((fill) => fill.orderId === event.orderId) : [];
  if (fills.length > 0 && topicOf(event) === 'fills') rows.fills = fills;
  const bot = event.botId ? change.bots.find((candidate) => candidate.id === event.botId) : undefined;
  if (bot) rows.bot = botView(bot);
  const positionId = positionIdOf(event);
  const position = positionId ? change.positions.find((candidate) => candidate.id === positionId) : undefined;
  if (position) rows.position = position;
  const trade = positionId ? change.trades.find((candidate) => candidate.positionId === positionId) : undefined;
  if (trade) rows.trade = trade;
  return rows;
}

/**
 * Messages already made, by event object: a live change's events are the same objects for every
 * subscriber, so the text is made once, not once per client.
 */
const madeMessages = new WeakMap<CommittedEvent, { live?: string; replay?: string }>();

/** The server's message for one event-log row (the same text for every client). */
export function eventMessage(event: CommittedEvent, change: FeedChange): string {
  const made = madeMessages.get(event) ?? {};
  const known = made[change.origin];
  if (known !== undefined) return known;
  const text = messageText(event, change);
  made[change.origin] = text;
  madeMessages.set(event, made);
  return text;
}

function messageText(event: CommittedEvent, change: FeedChange): string {
  return JSON.stringify({
    type: 'event',
    id: event.id,
    topic: topicOf(event),
    eventType: event.type,
    at: event.createdAt,
    occurredAt: event.occurredAt,
    source: event.source,
    botId: event.botId,
    orderId: event.orderId,
    pluginId: event.pluginId,
    message: event.message,
    applied: event.applied,
    replayed: change.origin === 'replay',
    data: { payload: event.payload ?? null, ...rowsOf(event, change) },
  });
}
