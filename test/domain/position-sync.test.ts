import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAccount, compareSymbol, describeSize, positionSyncStatus } from '../../src/domain/position/sync.ts';

const venueName = 'Paper exchange';

test('equal net sizes are in sync; positions of several bots are summed per symbol', () => {
  const [btc] = compareAccount({
    ledger: [
      { symbol: 'BTC/USDT', side: 'long', amount: '0.01' },
      { symbol: 'BTC/USDT', side: 'long', amount: '0.02' },
    ],
    venue: [{ symbol: 'BTC/USDT', side: 'long', amount: '0.03' }],
    missingFills: [],
    venueName,
  });
  assert.equal(btc?.comparison, 'in_sync');
  assert.equal(btc?.action, 'none');
  assert.equal(positionSyncStatus(btc as never), 'in_sync');
});

test('flat on both sides is not listed; a venue position the ledger lacks is unknown at the ledger and left for a person', () => {
  const symbols = compareAccount({
    ledger: [],
    venue: [
      { symbol: 'BTC/USDT', side: 'flat', amount: '0' },
      { symbol: 'ETH/USDT', side: 'short', amount: '1.5' },
    ],
    missingFills: [],
    venueName,
  });
  assert.equal(symbols.length, 1);
  assert.equal(symbols[0]?.comparison, 'unknown_at_ledger');
  assert.equal(symbols[0]?.venueSize, '-1.5');
  assert.equal(symbols[0]?.action, 'leave_for_person');
  assert.match(symbols[0]?.explanation ?? '', /ETH\/USDT: Paper exchange has a position the ledger does not know \(the ledger holds flat, Paper exchange reports short 1\.5\); no fill the ledger lacks explains it: marked mismatch and left for a person/);
});

test('missing fills of botledger orders that explain the difference are applied', () => {
  const result = compareSymbol({
    symbol: 'BTC/USDT',
    ledgerSize: '0.004',
    venueSize: '0.01',
    missingFills: [{ symbol: 'BTC/USDT', side: 'buy', amount: '0.006', knownOrder: true }],
    venueName,
  });
  assert.equal(result.comparison, 'mismatch');
  assert.equal(result.action, 'apply_fills');
  assert.match(result.explanation, /sizes differ \(the ledger holds long 0\.004, Paper exchange reports long 0\.01\); fills of botledger's orders that the ledger lacks \(net long 0\.006\) explain it/);
});

test('a position closed at the venue by an order botledger does not know is closed with those fills', () => {
  const result = compareSymbol({
    symbol: 'BTC/USDT',
    ledgerSize: '0.01',
    venueSize: '0',
    missingFills: [
      { symbol: 'BTC/USDT', side: 'sell', amount: '0.004', knownOrder: false },
      { symbol: 'BTC/USDT', side: 'sell', amount: '0.006', knownOrder: false },
      { symbol: 'ETH/USDT', side: 'sell', amount: '1', knownOrder: false },
    ],
    venueName,
  });
  assert.equal(result.comparison, 'missing_at_venue');
  assert.equal(result.action, 'apply_outside_fills');
  assert.equal(result.outsideFillsSize, '-0.01');
  assert.match(result.explanation, /closed at Paper exchange outside botledger/);
});

test('outside fills that would open or grow a position, or a difference nothing explains, are left for a person', () => {
  const grow = compareSymbol({ symbol: 'S', ledgerSize: '1', venueSize: '2', missingFills: [{ symbol: 'S', side: 'buy', amount: '1', knownOrder: false }], venueName });
  assert.equal(grow.action, 'leave_for_person');
  const flip = compareSymbol({ symbol: 'S', ledgerSize: '1', venueSize: '-1', missingFills: [{ symbol: 'S', side: 'sell', amount: '2', knownOrder: false }], venueName });
  assert.equal(flip.action, 'leave_for_person');
  const nothing = compareSymbol({ symbol: 'S', ledgerSize: '1', venueSize: '0.7', missingFills: [], venueName });
  assert.equal(nothing.action, 'leave_for_person');
  assert.equal(nothing.ledgerSize, '1');
  assert.equal(nothing.venueSize, '0.7');
  assert.equal(positionSyncStatus(nothing), 'mismatch');
});

test('sizes read as words', () => {
  assert.equal(describeSize('0'), 'flat');
  assert.equal(describeSize('-0.5'), 'short 0.5');
  assert.equal(describeSize('2'), 'long 2');
});
