/**
 * The stream's messages without a socket: what a client may send (each refusal names the field),
 * the topic of each event type, and what a subscription lets through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicOf } from '../../src/app/event-audience.ts';
import { matches, parseClientMessage, StreamRequestError } from '../../src/api/stream-messages.ts';
import type { CommittedEvent } from '../../src/storage/committed-changes.ts';

function refusedField(text: string): string {
  try {
    parseClientMessage(text);
  } catch (error) {
    assert.ok(error instanceof StreamRequestError);
    assert.equal(error.code, 'REQUEST_INVALID');
    return error.field;
  }
  assert.fail(`accepted ${text}`);
}

test('client messages: good ones parse, bad ones name their field', () => {
  assert.deepEqual(parseClientMessage('{"type":"auth","token":"blt_x"}'), { type: 'auth', token: 'blt_x' });
  assert.deepEqual(parseClientMessage('{"type":"subscribe","topics":["orders","orders","fills"],"since":12,"filters":{"botId":"b1"}}'), {
    type: 'subscribe',
    topics: ['orders', 'fills'],
    filters: { botId: 'b1' },
    since: '12',
  });
  const cases: [string, string][] = [
    ['nope', 'message'],
    ['[1]', 'message'],
    ['{"type":"hello"}', 'type'],
    ['{"type":"auth"}', 'token'],
    ['{"type":"auth","token":"x","extra":1}', 'extra'],
    ['{"type":"subscribe"}', 'topics'],
    ['{"type":"subscribe","topics":[]}', 'topics'],
    ['{"type":"subscribe","topics":["orders",7]}', 'topics.1'],
    ['{"type":"subscribe","topics":["orders"],"since":"1e3"}', 'since'],
    ['{"type":"subscribe","topics":["orders"],"since":"99999999999999999999"}', 'since'],
    ['{"type":"subscribe","topics":["orders"],"since":1.5}', 'since'],
    ['{"type":"subscribe","topics":["orders"],"filters":[]}', 'filters'],
    ['{"type":"subscribe","topics":["orders"],"filters":{"symbol":""}}', 'filters.symbol'],
    [`{"type":"subscribe","topics":["orders"],"filters":{"botId":"${'x'.repeat(300)}"}}`, 'filters.botId'],
  ];
  for (const [text, field] of cases) assert.equal(refusedField(text), field, text.slice(0, 80));
});

const event = (type: string, extra: Partial<CommittedEvent> = {}): CommittedEvent => ({
  id: '1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  source: 'engine',
  type,
  botId: 'b1',
  orderId: null,
  pluginId: 'scalper',
  message: type,
  payload: null,
  applied: true,
  ...extra,
});

test('each event type has one topic; a closed round trip is a trade', () => {
  const topics: [string, unknown, string][] = [
    ['OrderSubmitted', null, 'orders'],
    ['OrderCanceled', null, 'orders'],
    ['OrderFilled', null, 'fills'],
    ['OrderPartiallyFilled', null, 'fills'],
    ['BotStopped', null, 'bots'],
    ['PositionOpened', { positionId: 'p1' }, 'positions'],
    ['StopLossPlaced', null, 'positions'],
    ['PositionClosed', { positionId: 'p1', pnl: '1.2' }, 'trades'],
    ['PositionClosed', { positionId: 'p1' }, 'orders'],
    ['SyncDiscrepancy', null, 'sync'],
    ['StreamDisconnected', null, 'sync'],
    ['Whatever', null, 'events'],
  ];
  for (const [type, payload, topic] of topics) assert.equal(topicOf(event(type, { payload })), topic, type);
});

test('a subscription lets through its topics ("events" is all) and its filters', () => {
  const orders = { topics: new Set(['orders'] as const), filters: {} };
  assert.equal(matches(orders, event('OrderAccepted'), undefined), true);
  assert.equal(matches(orders, event('OrderFilled'), undefined), false);
  assert.equal(matches({ topics: new Set(['events'] as const), filters: {} }, event('OrderFilled'), undefined), true);
  const filtered = { topics: new Set(['events'] as const), filters: { botId: 'b1', symbol: 'BTC/USDT' } };
  assert.equal(matches(filtered, event('OrderAccepted'), 'BTC/USDT'), true);
  assert.equal(matches(filtered, event('OrderAccepted'), 'ETH/USDT'), false);
  assert.equal(matches(filtered, event('OrderAccepted', { botId: 'b2' }), 'BTC/USDT'), false);
  assert.equal(matches({ topics: new Set(['events'] as const), filters: { pluginId: 'grid' } }, event('OrderAccepted'), undefined), false);
});
