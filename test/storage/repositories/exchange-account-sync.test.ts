/**
 * The venue's exchange account and the sync marks, on both dialects: the account row is ensured
 * idempotently and takes the bots that have none (one event says so, once); the marks set every
 * in-sync open position of the account in one statement, leave a mismatched symbol to its own
 * marks with both sizes, and leave alone positions opened after the sync read them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../../src/domain/bot/bot.ts';
import { openPosition } from '../../../src/domain/position/position.ts';
import { ensureLedgerAccount, listExchangeAccounts } from '../../../src/storage/repositories/accounts.ts';
import { getBot, insertBots } from '../../../src/storage/repositories/bots.ts';
import { markAccountPositionsSynced, openPositionsOfAccount } from '../../../src/storage/repositories/position-sync.ts';
import { getPosition } from '../../../src/storage/repositories/positions.ts';
import { insertPositions } from '../../../src/storage/repositories/positions-batch.ts';
import { writeTransaction } from '../../../src/storage/sql/executor.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:05:00.000Z');
const account = { id: 'paper', userId: null, name: 'Paper exchange', exchange: 'paper', sandbox: true, credentialsRef: null, createdAt: T0.toISOString(), updatedAt: T0.toISOString() };

forEachDialect('exchange account and sync marks', (target) => {
  test('the venue account is ensured once and takes the bots without one', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await writeTransaction(ledger, (q) => insertBots(q, [createBot({ id: 'old1', pluginId: 'scalper', symbol: 'BTC/USDT' }, T0)]));
      assert.deepEqual(await ensureLedgerAccount(ledger, account), { bots: 1, positions: 0 });
      assert.deepEqual(await ensureLedgerAccount(ledger, { ...account, name: 'renamed' }), { bots: 0, positions: 0 }, 'idempotent');
      assert.deepEqual((await listExchangeAccounts(ledger.db)).map((a) => [a.id, a.name, a.sandbox]), [['paper', 'Paper exchange', true]]);
      const bot = await getBot(ledger.db, 'old1');
      assert.equal(bot?.exchangeAccountId, 'paper');
      assert.equal(bot?.version, 2, 'a new version: a command holding the old copy retries');
      const events = await ledger.db.selectFrom('event_log').select(['type', 'message']).execute();
      assert.deepEqual(events.map((e) => e.type), ['AccountAssigned']);
      assert.match(String(events[0]?.message), /^1 bot\(s\) and 0 position\(s\) made before exchange accounts were kept now trade on account paper/);
    } finally {
      await ledger.close();
    }
  });

  test('sync marks: in-sync positions in one statement, a mismatched symbol with both sizes, a later position left alone', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await ensureLedgerAccount(ledger, account);
      const bots = ['b1', 'b2', 'b3'].map((id) => createBot({ id, pluginId: 'scalper', symbol: 'BTC/USDT', exchangeAccountId: 'paper' }, T0));
      const open = (id: string, botId: string, symbol: string, at: Date) =>
        openPosition({ id, pluginId: 'scalper', symbol, side: 'buy', price: '100', amount: '1', botId, exchangeAccountId: 'paper' }, at);
      await writeTransaction(ledger, async (q) => {
        await insertBots(q, bots);
        await insertPositions(q, [open('p1', 'b1', 'BTC/USDT', T0), open('p2', 'b2', 'ETH/USDT', T0), open('p3', 'b3', 'BTC/USDT', T1)]);
      });
      assert.deepEqual((await openPositionsOfAccount(ledger.db, 'paper')).map((p) => [p.id, p.symbol, p.amount]), [['p1', 'BTC/USDT', '1'], ['p2', 'ETH/USDT', '1'], ['p3', 'BTC/USDT', '1']]);
      const at = T0.toISOString();
      const marked = await writeTransaction(ledger, (q) =>
        markAccountPositionsSynced(q, {
          accountId: 'paper',
          at,
          openedBy: T0.toISOString(),
          mismatchedSymbols: ['ETH/USDT'],
          mismatches: [{ id: 'p2', errorDetails: { ledgerSize: '1', venueSize: '0.7', message: 'ETH/USDT: sizes differ' } }],
        }),
      );
      assert.equal(marked, 2);
      const [p1, p2, p3] = await Promise.all(['p1', 'p2', 'p3'].map((id) => getPosition(ledger.db, id)));
      assert.deepEqual([p1?.syncStatus, p1?.lastSyncAt, p1?.version], ['in_sync', at, 1]);
      assert.deepEqual([p2?.syncStatus, p2?.lastErrorAt], ['mismatch', at]);
      assert.deepEqual(p2?.errorDetails, { ledgerSize: '1', venueSize: '0.7', message: 'ETH/USDT: sizes differ' });
      assert.deepEqual([p3?.syncStatus, p3?.lastSyncAt], [null, null], 'opened after the sync read the positions');
    } finally {
      await ledger.close();
    }
  });
});
