import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFill, openPosition, type Position, recordPositionError, setStopLoss } from '../../../src/domain/position/position.ts';
import { tradeFromClosedPosition } from '../../../src/domain/position/trade.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { getExchangeAccount, insertExchangeAccount } from '../../../src/storage/repositories/accounts.ts';
import { findOpenPosition, getPosition, listPositions } from '../../../src/storage/repositories/positions.ts';
import { UnitOfWork } from '../../../src/storage/unit-of-work.ts';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import { StaleRowError } from '../../../src/storage/stale-row-error.ts';
import { getSyncStatus, listSyncStatus, upsertSyncStatus } from '../../../src/storage/repositories/sync-status.ts';
import { getTrade, insertTradesIfAbsent, listTrades, pluginStats } from '../../../src/storage/repositories/trades.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

/** Writes through the unit of work, as the engine does. */
const insertPosition = (database: BotledgerDatabase, position: Position) => UnitOfWork.run(database, async (uow) => void uow.positions.insertPosition(position));
const updatePosition = (database: BotledgerDatabase, position: Position) =>
  UnitOfWork.run(database, async (uow) => {
    await uow.positions.positionById(position.id);
    // The caller's copy carries the version it read: a stale one is refused like an order's.
    uow.positions.savePosition(position, { ...position });
  });

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

forEachDialect('positions, trades and statistics repositories', (target) => {
  test('a position round-trips through its life: fills, stop-loss, a whole error, close; version checked', async () => {
    const ledger = await openLedgerDatabase(target);
    const other = await openDatabase(ledger.test.url);
    try {
      const opened = openPosition(
        { id: 'p1', pluginId: 'scalper', symbol: 'BTC/USDT', side: 'buy', price: '100', amount: '0.000000000000000001' },
        T0,
      );
      await insertPosition(ledger, opened);
      assert.deepEqual(await getPosition(ledger.db, 'p1'), opened);
      const error = `Failed to place stop-loss after 3 attempts: bybit {'retCode':10003,'retMsg':'API key is invalid.'}${'x'.repeat(5_000)}`;
      const protectedPosition = recordPositionError(
        setStopLoss(opened, { stopLossPrice: '95', slOrderId: 'sl-1' }, at(1)),
        error,
        { attempt: 3 },
        at(1),
      );
      await updatePosition(ledger, protectedPosition);
      const stored = (await getPosition(ledger.db, 'p1')) as Position;
      assert.deepEqual(stored, { ...protectedPosition, version: 2 });
      await assert.rejects(updatePosition(other, { ...protectedPosition, syncStatus: 'stale' }), StaleRowError, 'a stale version is refused');
      const { position: closed } = applyFill(stored, { side: 'sell', price: '110', amount: '0.000000000000000001' }, at(2), 'take-profit');
      await updatePosition(ledger, closed);
      assert.equal((await getPosition(ledger.db, 'p1'))?.realizedPnl, '0.00000000000000001');
      assert.equal(await findOpenPosition(ledger.db, { botId: 'b1', symbol: 'BTC/USDT' }), undefined);
      assert.equal((await listPositions(ledger.db, { status: 'closed', pluginId: 'scalper' })).items.length, 1);
    } finally {
      await other.close();
      await ledger.close();
    }
  });

  test('per-plugin statistics are exact on both dialects (0.1 + 0.2 = 0.3, 18-decimal pnl)', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const pnls: [string, string][] = [
        ['scalper', '0.1'],
        ['scalper', '0.2'],
        ['scalper', '-0.000000000000000001'],
        ['grid', '12345678901234567890.123456789012345678'],
        ['grid', '-1'],
      ];
      for (const [i, [pluginId, pnl]] of pnls.entries()) {
        const position = openPosition({ id: `p${i}`, pluginId, symbol: 'S', side: 'buy', price: '1', amount: '1' }, at(i));
        const { position: closed } = applyFill(position, { side: 'sell', price: '1', amount: '1' }, at(i + 1));
        await insertPosition(ledger, closed);
        await insertTradesIfAbsent(ledger, [{ ...tradeFromClosedPosition(closed, `t${i}`, at(i + 1)), pnl }]);
      }
      assert.equal((await getTrade(ledger.db, 't3'))?.pnl, '12345678901234567890.123456789012345678');
      const stats = await pluginStats(ledger.db);
      assert.deepEqual(stats, [
        {
          pluginId: 'grid',
          total: 2,
          wins: 1,
          losses: 1,
          breakeven: 0,
          totalPnl: '12345678901234567889.123456789012345678',
          avgPnl: '6172839450617283944.561728394506172839',
          bestPnl: '12345678901234567890.123456789012345678',
          worstPnl: '-1',
          winRate: '0.5',
          grossProfit: '12345678901234567890.123456789012345678',
          grossLoss: '-1',
          profitFactor: '12345678901234567890.123456789012345678',
          maxDrawdown: '1',
        },
        {
          pluginId: 'scalper',
          total: 3,
          wins: 2,
          losses: 1,
          breakeven: 0,
          totalPnl: '0.299999999999999999',
          avgPnl: '0.1',
          bestPnl: '0.2',
          worstPnl: '-0.000000000000000001',
          winRate: '0.666666666666666667',
          grossProfit: '0.3',
          grossLoss: '-0.000000000000000001',
          profitFactor: '300000000000000000',
          maxDrawdown: '0.000000000000000001',
        },
      ]);
      assert.deepEqual(await pluginStats(ledger.db, { pluginId: 'nobody' }), []);
      assert.deepEqual(
        (await listTrades(ledger.db, { pluginId: 'scalper' })).items.map((t) => t.id),
        ['t2', 't1', 't0'],
      );
      assert.equal((await pluginStats(ledger.db, { from: at(3).toISOString() }))[0].total, 2, 'closed_at filter');
    } finally {
      await ledger.close();
    }
  });

  test('sync status per exchange account: insert, replace, read', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const now = T0.toISOString();
      await insertExchangeAccount(ledger.db, {
        id: 'acc1',
        userId: null,
        name: 'Paper',
        exchange: 'paper',
        sandbox: true,
        credentialsRef: null,
        createdAt: now,
        updatedAt: now,
      });
      assert.equal((await getExchangeAccount(ledger.db, 'acc1'))?.sandbox, true);
      const status = {
        exchangeAccountId: 'acc1',
        lastSyncAt: now,
        positionsSynced: 3,
        discrepanciesFound: 1,
        discrepanciesFixed: 0,
        status: 'error',
        error: 'e'.repeat(3_000),
        updatedAt: now,
      };
      await upsertSyncStatus(ledger.db, status);
      await upsertSyncStatus(ledger.db, { ...status, discrepanciesFixed: 1, status: 'ok', error: null, updatedAt: at(5).toISOString() });
      assert.deepEqual(await getSyncStatus(ledger.db, 'acc1'), {
        ...status,
        discrepanciesFixed: 1,
        status: 'ok',
        error: null,
        updatedAt: at(5).toISOString(),
      });
      assert.equal((await listSyncStatus(ledger.db)).length, 1);
      await assert.rejects(upsertSyncStatus(ledger.db, { ...status, exchangeAccountId: 'ghost' }), /foreign key/i);
    } finally {
      await ledger.close();
    }
  });
});
