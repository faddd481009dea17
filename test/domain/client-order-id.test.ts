import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BOT_ID_LENGTH } from '../../src/domain/bot/bot.ts';
import { makeClientOrderId, parseClientOrderId } from '../../src/domain/order/client-order-id.ts';

test('deterministic, only [A-Za-z0-9_-], and parseable back to the bot and sequence', () => {
  assert.equal(makeClientOrderId({ botId: 'scalper1', sequence: 71 }), 'bl-scalper1-1z');
  assert.equal(makeClientOrderId({ botId: 'scalper1', sequence: 71 }), makeClientOrderId({ botId: 'scalper1', sequence: 71 }));
  for (const botId of ['a', 'a-b', 'a_b-c', 'X'.repeat(MAX_BOT_ID_LENGTH)]) {
    for (const sequence of [1, 35, 36, 1_000_000, 999_999_999]) {
      const id = makeClientOrderId({ botId, sequence, maxLength: 32 });
      assert.match(id, /^[A-Za-z0-9_-]+$/);
      assert.ok(id.length <= 32, `${id} is ${id.length}`);
      assert.deepEqual(parseClientOrderId(id), { botId, sequence });
    }
  }
});

test('unique per (bot, sequence), also when one bot id is a prefix of another', () => {
  const seen = new Set<string>();
  for (const botId of ['a', 'a-1', 'a-b', 'a1', 'b']) {
    for (let sequence = 1; sequence <= 200; sequence++) seen.add(makeClientOrderId({ botId, sequence }));
  }
  assert.equal(seen.size, 5 * 200);
});

test('too long for the venue, or bad characters: a clear error naming the limit', () => {
  assert.throws(
    () => makeClientOrderId({ botId: 'x'.repeat(40), sequence: 1, maxLength: 36 }),
    /at most 36 \(bot id "x+" must be at most 31 characters\)/,
  );
  assert.throws(() => makeClientOrderId({ botId: 'bot 1', sequence: 1 }), /only letters, digits, "-" and "_"/);
  assert.throws(() => makeClientOrderId({ botId: 'b', sequence: 0 }), /sequence must be a positive integer/);
});

test('ids botledger did not make are not parsed', () => {
  for (const id of ['web_123', 'bl-', 'bl-abc', 'bl--1', 'bl-a-0', 'bl-a-01', 'bl-a-Z'])
    assert.equal(parseClientOrderId(id), undefined, id);
});
