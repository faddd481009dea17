/** The pure rules of importing seed 003's legacy trades: plugin ids, --map, numbers, times, sides, ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainError } from '../../src/domain/errors.ts';
import { LEGACY_PLUGIN_ID, legacyPluginId, parsePluginMap } from '../../src/domain/legacy/legacy-plugin-map.ts';
import {
  type LegacyTradeRow,
  legacyDecimal,
  legacyInstant,
  legacySide,
  legacyTradeIdentity,
  legacyTradeOutcome,
} from '../../src/domain/legacy/legacy-trade.ts';

const NOW = new Date('2026-11-29T12:00:00Z');

const row = (overrides: Partial<LegacyTradeRow> = {}): LegacyTradeRow => ({
  id: 7,
  tradeId: '100007',
  logicType: 'LOGIC1',
  symbol: 'EURUSD',
  direction: 'BUY',
  status: 'closed',
  entryPrice: 1.08512,
  exitPrice: 1.08734,
  lotSize: 0.5,
  pnl: 111,
  commission: -3.5,
  swap: null,
  openTime: '2025-06-01 09:00:00',
  closeTime: '2025-06-01 10:15:30.5',
  comment: null,
  ...overrides,
});

const reasonOf = (r: LegacyTradeRow) => {
  const outcome = legacyTradeOutcome(r, { id: 'legacy-x', now: NOW });
  assert.equal(outcome.kind, 'bad', JSON.stringify(outcome));
  return outcome.kind === 'bad' ? outcome.reason : '';
};

test('PART 6.1 mapping, trimmed and case-blind; NULL, empty and unknown values are legacy', () => {
  assert.equal(legacyPluginId({ logicType: 'combinedlogic-1' }), 'v3-logic-01-5min');
  assert.equal(legacyPluginId({ logicType: 'combinedlogic-2' }), 'v3-logic-02-15min');
  assert.equal(legacyPluginId({ logicType: 'combinedlogic-3' }), 'v3-logic-03-1h');
  assert.equal(legacyPluginId({ logicType: 'LOGIC1' }), 'v3-logic-01-5min');
  assert.equal(legacyPluginId({ logicType: 'Logic2' }), 'v3-logic-02-15min');
  assert.equal(legacyPluginId({ logicType: ' LOGIC3 ' }), 'v3-logic-03-1h');
  assert.equal(legacyPluginId({ logicType: 'CombinedLogic-1' }), 'v3-logic-01-5min');
  for (const logicType of [null, '', '   ', 'manual', 'LOGIC4']) assert.equal(legacyPluginId({ logicType }), LEGACY_PLUGIN_ID);
});

test('a plugin_id the row carries wins; --map fills in only what would be legacy', () => {
  const map = parsePluginMap('manual=hand-trades,LOGIC1=other');
  assert.equal(legacyPluginId({ logicType: 'manual' }, map), 'hand-trades');
  assert.equal(legacyPluginId({ logicType: 'LOGIC1', pluginId: 'v6-logic-01-1min' }, map), 'v6-logic-01-1min');
  assert.equal(legacyPluginId({ logicType: 'manual', pluginId: 'legacy' }, map), 'hand-trades');
  assert.equal(legacyPluginId({ logicType: 'manual', pluginId: '' }, map), 'hand-trades');
  assert.equal(legacyPluginId({ logicType: 'LOGIC1', pluginId: 'v3-logic-01-5min' }, map), 'v3-logic-01-5min', 'migrated rows keep theirs');
});

test('--map is validated and every error names the flag', () => {
  assert.deepEqual(parsePluginMap(' Manual = hand-trades , LOGIC4=v3-logic-04,'), { manual: 'hand-trades', logic4: 'v3-logic-04' });
  const bad = (value: string, message: RegExp) =>
    assert.throws(
      () => parsePluginMap(value),
      (error: DomainError) => error.code === 'INVALID_FIELD' && error.details.field === '--map' && message.test(error.message),
    );
  bad('', /--map is empty/);
  bad('LOGIC4', /--map entry "LOGIC4" is not logic_type=plugin_id/);
  bad('=x', /--map entry "=x" has no logic_type/);
  bad('LOGIC4=', /--map entry "LOGIC4=": plugin id "" must be/);
  bad('LOGIC4=has space', /plugin id "has space" must be/);
  bad('a=x,A=y', /--map maps logic_type "a" twice/);
});

test('REAL values become the shortest decimal that is the same double; text must be a plain decimal', () => {
  assert.equal(legacyDecimal(1.08512, 'entry_price'), '1.08512');
  assert.equal(legacyDecimal(0.1 + 0.2, 'pnl'), '0.30000000000000004', 'the double as the legacy bot had it, not rounded away');
  assert.equal(legacyDecimal(1e-7, 'pnl'), '0.0000001');
  assert.equal(legacyDecimal(-0, 'pnl'), '0');
  assert.equal(legacyDecimal(123456789012.5, 'pnl'), '123456789012.5');
  assert.equal(legacyDecimal(12n, 'lot_size'), '12');
  assert.equal(legacyDecimal(' 2.50 ', 'pnl'), '2.5');
  assert.equal(legacyDecimal(null, 'pnl'), undefined);
  assert.match(reasonOf(row({ pnl: 'n/a' })), /^pnl is not a number: "n\/a"$/);
  assert.match(reasonOf(row({ pnl: '' })), /^pnl is not a number: ""$/);
  assert.match(reasonOf(row({ pnl: '1e5' })), /^pnl is not a number/);
  assert.match(reasonOf(row({ entryPrice: Number.POSITIVE_INFINITY })), /^entry_price is not a finite number/);
  assert.match(reasonOf(row({ pnl: 1e-20 })), /^pnl .* has 20 digits after the point; at most 18/);
  assert.match(reasonOf(row({ pnl: null })), /^pnl is missing \(NULL\)$/);
  assert.match(reasonOf(row({ lotSize: 0 })), /^lot_size must be greater than 0, got 0$/);
  assert.match(reasonOf(row({ exitPrice: Buffer.from('x') })), /^exit_price is not a number: a 1-byte BLOB$/);
});

test('times: the space and T forms, fractions cut to milliseconds, no offset is UTC; anything else is a bad row', () => {
  assert.equal(legacyInstant('2025-06-01 12:30:00.123456', 'open_time'), '2025-06-01T12:30:00.123Z');
  assert.equal(legacyInstant('2025-06-01T12:30', 'open_time'), '2025-06-01T12:30:00.000Z');
  assert.equal(legacyInstant('2025-06-02T08:00:00+02:00', 'open_time'), '2025-06-02T06:00:00.000Z');
  assert.equal(legacyInstant('2025-06-02T08:00:00.5Z', 'open_time'), '2025-06-02T08:00:00.500Z');
  assert.match(reasonOf(row({ closeTime: null })), /^close_time is missing \(NULL\)$/);
  assert.match(reasonOf(row({ openTime: '' })), /^open_time is missing \(empty\)$/);
  assert.match(reasonOf(row({ openTime: 'yesterday' })), /^open_time is not a date and time: "yesterday"$/);
  assert.match(reasonOf(row({ openTime: '2025-02-30 10:00:00' })), /^open_time is not a date and time/);
  assert.match(reasonOf(row({ openTime: 1_700_000_000 })), /^open_time is not a date and time: "1700000000"$/);
});

test('sides: BUY/SELL in any case; anything else is a bad row', () => {
  assert.equal(legacySide('BUY'), 'long');
  assert.equal(legacySide(' sell '), 'short');
  assert.equal(legacySide('Long'), 'long');
  assert.match(reasonOf(row({ direction: 'HOLD' })), /^direction "HOLD" is neither BUY nor SELL$/);
  assert.match(reasonOf(row({ direction: null })), /^direction NULL is neither BUY nor SELL$/);
});

test('a closed row becomes a trade; others are not closed, with their status', () => {
  const outcome = legacyTradeOutcome(row({ comment: '  TP1 hit ' }), { id: 'legacy-1', now: NOW });
  assert.equal(outcome.kind, 'trade');
  if (outcome.kind !== 'trade') return;
  assert.deepEqual(outcome.trade, {
    id: 'legacy-1',
    positionId: null,
    userId: null,
    botId: null,
    pluginId: 'v3-logic-01-5min',
    symbol: 'EURUSD',
    side: 'long',
    amount: '0.5',
    entryPrice: '1.08512',
    exitPrice: '1.08734',
    pnl: '111',
    fees: '3.5',
    exitReason: '  TP1 hit ',
    openedAt: '2025-06-01T09:00:00.000Z',
    closedAt: '2025-06-01T10:15:30.500Z',
    createdAt: NOW.toISOString(),
  });
  const withReason = legacyTradeOutcome(row({ exitReason: 'Stop-loss hit', comment: 'entry', swap: 1.25 }), { id: 'x', now: NOW });
  assert.equal(withReason.kind === 'trade' && withReason.trade.exitReason, 'Stop-loss hit', 'an exit_reason column wins over comment');
  assert.equal(withReason.kind === 'trade' && withReason.trade.fees, '2.25', 'a swap credit lowers the fees');
  assert.equal(legacyTradeOutcome(row({ comment: null }), { id: 'x', now: NOW }).kind === 'trade', true);
  assert.deepEqual(legacyTradeOutcome(row({ status: 'open', exitPrice: null }), { id: 'x', now: NOW }), {
    kind: 'not-closed',
    id: '7',
    status: 'open',
  });
  assert.deepEqual(legacyTradeOutcome(row({ status: null }), { id: 'x', now: NOW }), { kind: 'not-closed', id: '7', status: '' });
  assert.equal(legacyTradeOutcome(row({ status: ' CLOSED ' }), { id: 'x', now: NOW }).kind, 'trade');
});

test("a trade's identity does not depend on plugin_id, logic_type or values that may be corrected", () => {
  const base = legacyTradeIdentity(row());
  assert.equal(legacyTradeIdentity(row({ pluginId: 'v3-logic-01-5min', logicType: 'x', pnl: 5 })), base);
  assert.notEqual(legacyTradeIdentity(row({ id: 8 })), base);
  assert.notEqual(legacyTradeIdentity(row({ tradeId: null })), base);
  assert.notEqual(legacyTradeIdentity(row({ openTime: '2025-06-01 09:00:01' })), base);
});
