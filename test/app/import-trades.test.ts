/**
 * `import trades` end to end: the seed-003 scenario's generated trading_bot.db (always SQLite: it
 * is the user's file) imported into a ledger of each dialect, before and after the legacy file's
 * own plugin_id migration. Expected counts come from the legacy file itself: before the
 * migration by a CASE written here, after it from the plugin_id column the migration filled.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exitCodeOf } from '../../src/app/error-catalog.ts';
import { importLegacyTrades, parsePluginMap } from '../../src/app/import-trades.ts';
import { type Ledger, openLedger } from '../../src/app/open-ledger.ts';
import type { BotledgerDatabase } from '../../src/storage/database.ts';
import { allPluginStatistics } from '../../src/storage/repositories/plugin-stats.ts';
import { listTrades, pluginStats } from '../../src/storage/repositories/trades.ts';
import { engineFor, legacyDatabase } from '../scenarios/support/scenario-suite.ts';
import { scenario } from '../scenarios/plugin-isolation/scenario.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';

const ROWS = 3_000;

/** PART 6.1 as SQL, written here independently of src/domain/legacy. */
const PLUGIN_CASE = `case lower(trim(coalesce(logic_type, '')))
  when 'combinedlogic-1' then 'v3-logic-01-5min' when 'logic1' then 'v3-logic-01-5min'
  when 'combinedlogic-2' then 'v3-logic-02-15min' when 'logic2' then 'v3-logic-02-15min'
  when 'combinedlogic-3' then 'v3-logic-03-1h' when 'logic3' then 'v3-logic-03-1h'
  else 'legacy' end`;

/** A row written by hand, whose every imported value is known. */
const CRAFTED_ID = 900_001;
const LONG_COMMENT = `Closed by TP2 after re-entry — ünïcode ${'x'.repeat(300)} end`;

interface LegacyFile {
  readonly url: string;
  /** Legacy ids of the rows made unreadable, and the reason the import must give. */
  readonly bad: { id: string; reason: string }[];
}

/** Makes three closed rows unreadable (a bad number, a missing time, an unknown side) and adds the crafted row. */
function damage(database: BotledgerDatabase): LegacyFile['bad'] {
  const raw = database.sqlite!;
  const ids = (raw.prepare(`select id from trades where lower(trim(status)) = 'closed' order by id limit 3`).all() as { id: number }[]).map(
    (r) => r.id,
  );
  raw.prepare(`update trades set pnl = 'n/a' where id = ?`).run(ids[0]);
  raw.prepare(`update trades set close_time = null where id = ?`).run(ids[1]);
  raw.prepare(`update trades set direction = 'HOLD' where id = ?`).run(ids[2]);
  raw
    .prepare(
      `insert into trades (id, trade_id, symbol, entry_price, exit_price, lot_size, direction, pnl, commission, swap, comment, status,
         open_time, close_time, logic_type) values (?, '555', 'EURUSD', 1.1, 1.2, 0.1, 'sell', 12.34, -0.7, 0.25, ?, 'Closed',
         '2025-06-01 12:30:00.123456', '2025-06-02T08:00:00+02:00', ' Logic2 ')`,
    )
    .run(CRAFTED_ID, LONG_COMMENT);
  return [
    { id: String(ids[0]), reason: 'pnl is not a number: "n/a"' },
    { id: String(ids[1]), reason: 'close_time is missing (NULL)' },
    { id: String(ids[2]), reason: 'direction "HOLD" is neither BUY nor SELL' },
  ];
}

async function countsBy(database: BotledgerDatabase, pluginExpression: string, bad: LegacyFile['bad']): Promise<Record<string, number>> {
  const rows = database
    .sqlite!.prepare(
      `select ${pluginExpression} as plugin, count(*) as n from trades where lower(trim(status)) = 'closed'
       and id not in (${bad.map((b) => b.id).join(', ')}) group by 1 order by 1`,
    )
    .all() as { plugin: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.plugin, r.n]));
}

let beforeMigration: LegacyFile;
let afterMigration: LegacyFile;
/** Trades per plugin, from the legacy file before its migration (CASE above) and after it (its plugin_id). */
let expectedBefore: Record<string, number>;
let expectedAfter: Record<string, number>;

/** The legacy files, kept in a folder of this file's own (the scenario helper's folders go when its hook ends). */
const legacyDir = mkdtempSync(join(tmpdir(), 'botledger-import-'));
after(() => rmSync(legacyDir, { recursive: true, force: true }));

function keep(url: string, name: string): string {
  const path = join(legacyDir, name);
  copyFileSync(url.replace(/^sqlite:/, ''), path);
  return `sqlite:${path}`;
}

before(async () => {
  const plain = await legacyDatabase(scenario, 'sqlite', ROWS);
  const badPlain = damage(plain.database);
  expectedBefore = await countsBy(plain.database, PLUGIN_CASE, badPlain);
  plain.database.sqlite!.pragma('wal_checkpoint(TRUNCATE)'); // the file is copied below
  await plain.database.close();
  beforeMigration = { url: keep(plain.url, 'trading_bot.db'), bad: badPlain };

  // The same generated data (same seed), then the scenario's own plugin_id migration (PART 3).
  const migrated = await legacyDatabase(scenario, 'sqlite', ROWS);
  const badMigrated = damage(migrated.database);
  await engineFor(scenario, migrated).up();
  expectedAfter = await countsBy(migrated.database, `coalesce(nullif(plugin_id, ''), 'legacy')`, badMigrated);
  migrated.database.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
  await migrated.database.close();
  afterMigration = { url: keep(migrated.url, 'trading_bot-migrated.db'), bad: badMigrated };
});

async function ledgerOn(database: BotledgerDatabase & { test: { url: string } }): Promise<Ledger> {
  await database.close();
  return openLedger({ url: database.test.url, access: 'write' });
}

/** Trades per plugin in the ledger, after checking that the plugin_stats aggregate equals a recomputation from the trades rows. */
async function storedPerPlugin(ledger: Ledger): Promise<Record<string, number>> {
  const fromTrades = await pluginStats(ledger.database.ledger);
  assert.deepEqual(await allPluginStatistics(ledger.database), fromTrades, 'plugin_stats is up to date with the trades');
  return Object.fromEntries(fromTrades.map((s) => [s.pluginId, s.total]));
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

test('the legacy file and its migrated copy attribute the same trades to the same plugins', () => {
  assert.deepEqual(expectedAfter, expectedBefore, "the scenario's migration and PART 6.1 agree");
  assert.deepEqual(Object.keys(expectedBefore), ['legacy', 'v3-logic-01-5min', 'v3-logic-02-15min', 'v3-logic-03-1h']);
});

forEachDialect('import trades', (target) => {
  test('imports the generated trading_bot.db with exact counts per plugin; a re-run, also after the legacy migration, adds nothing', async () => {
    const ledger = await ledgerOn(await openLedgerDatabase(target));
    try {
      const progress: [number, number][] = [];
      const first = await importLegacyTrades(ledger, {
        from: beforeMigration.url,
        onProgress: (done, total) => progress.push([done, total]),
      });
      assert.deepEqual(first.perPlugin, expectedBefore);
      assert.equal(first.imported, sum(expectedBefore));
      assert.equal(first.skipped, 0);
      assert.deepEqual(first.bad, beforeMigration.bad);
      assert.equal(first.source.rows, ROWS + 1);
      assert.equal(first.source.pluginIdColumn, false);
      assert.equal(first.imported + first.bad.length + first.notClosed.count, ROWS + 1, 'every row is accounted for');
      assert.ok(first.notClosed.byStatus.open > 0 && first.notClosed.byStatus.cancelled > 0);
      assert.deepEqual(progress.at(-1), [ROWS + 1, ROWS + 1]);
      assert.deepEqual(await storedPerPlugin(ledger), expectedBefore);

      const again = await importLegacyTrades(ledger, { from: beforeMigration.url });
      assert.equal(again.imported, 0);
      assert.equal(again.skipped, first.imported);
      assert.deepEqual(again.bad, beforeMigration.bad, 'bad rows are listed again, every run');

      // After its plugin_id migration the legacy file holds the same trades: same ids, nothing new.
      const migrated = await importLegacyTrades(ledger, { from: afterMigration.url });
      assert.equal(migrated.source.pluginIdColumn, true);
      assert.equal(migrated.imported, 0);
      assert.equal(migrated.skipped, first.imported);
      assert.deepEqual(migrated.perPlugin, expectedAfter);
      assert.deepEqual(await storedPerPlugin(ledger), expectedBefore);
    } finally {
      await ledger.close();
    }
  });

  test('after the legacy migration: counts from its plugin_id column, and a plugin_id the legacy row carries wins', async () => {
    const ledger = await ledgerOn(await openLedgerDatabase(target));
    try {
      const summary = await importLegacyTrades(ledger, { from: afterMigration.url });
      assert.deepEqual(summary.perPlugin, expectedAfter);
      assert.deepEqual(summary.bad, afterMigration.bad);
      assert.deepEqual(await storedPerPlugin(ledger), expectedAfter);

      // A trade the bot wrote after the migration carries its own plugin_id, whatever logic_type says;
      // --map does not override it. Same trade ids: the re-import adds nothing, so a new ledger is used.
      const own = join(tempDir(), 'own-plugin.db');
      copyFileSync(afterMigration.url.replace(/^sqlite:/, ''), own);
      const raw = await openLedgerSource(`sqlite:${own}`, true);
      const changed = raw
        .prepare(
          `update trades set plugin_id = 'v6-logic-01-1min' where lower(trim(status)) = 'closed' and logic_type = 'LOGIC1' and id not in (${afterMigration.bad.map((b) => b.id).join(', ')})`,
        )
        .run().changes;
      raw.close();
      const fresh = await ledgerOn(await openLedgerDatabase(target));
      try {
        const mine = await importLegacyTrades(fresh, { from: `sqlite:${own}`, map: parsePluginMap('LOGIC1=other') });
        assert.ok(changed > 0);
        assert.equal(mine.perPlugin['v6-logic-01-1min'], changed);
        assert.equal(mine.perPlugin['v3-logic-01-5min'], expectedAfter['v3-logic-01-5min'] - changed);
        assert.equal(mine.perPlugin.other, undefined);
      } finally {
        await fresh.close();
      }
    } finally {
      await ledger.close();
    }
  });

  test('--map attributes other logic_type values; documented ones keep their plugin', async () => {
    const ledger = await ledgerOn(await openLedgerDatabase(target));
    try {
      const map = parsePluginMap('manual=hand-trades, LOGIC4=v3-logic-04');
      const summary = await importLegacyTrades(ledger, { from: beforeMigration.url, map });
      const legacyDb = await openLedgerSource(beforeMigration.url);
      const manual = countClosed(legacyDb, 'manual', beforeMigration.bad);
      const logic4 = countClosed(legacyDb, 'logic4', beforeMigration.bad);
      legacyDb.close();
      assert.ok(manual > 0 && logic4 > 0, 'the generated data has both');
      assert.deepEqual(summary.perPlugin, {
        ...expectedBefore,
        legacy: expectedBefore.legacy - manual - logic4,
        'hand-trades': manual,
        'v3-logic-04': logic4,
      });
      assert.deepEqual(await storedPerPlugin(ledger), summary.perPlugin);
    } finally {
      await ledger.close();
    }
  });

  test('values are exact: decimals from the REAL columns, fees, times to UTC, side, the whole comment', async () => {
    const ledger = await ledgerOn(await openLedgerDatabase(target));
    try {
      await importLegacyTrades(ledger, { from: beforeMigration.url });
      const { items } = await listTrades(ledger.database.ledger, {
        symbol: 'EURUSD',
        from: '2025-06-02T05:59:59Z',
        to: '2025-06-02T06:00:01Z',
      });
      const crafted = items.find((trade) => trade.exitReason === LONG_COMMENT);
      assert.ok(crafted, 'the crafted row was imported with its whole comment');
      assert.match(crafted.id, /^legacy-[0-9a-f]{32}$/);
      assert.deepEqual(
        { ...crafted, id: undefined, createdAt: undefined },
        {
          id: undefined,
          createdAt: undefined,
          positionId: null,
          userId: null,
          botId: null,
          pluginId: 'v3-logic-02-15min',
          symbol: 'EURUSD',
          side: 'short',
          amount: '0.1',
          entryPrice: '1.1',
          exitPrice: '1.2',
          pnl: '12.34',
          fees: '0.45',
          exitReason: LONG_COMMENT,
          openedAt: '2025-06-01T12:30:00.123Z',
          closedAt: '2025-06-02T06:00:00.000Z',
        },
      );
    } finally {
      await ledger.close();
    }
  });

  test('a bad --from says what is wrong and changes nothing', async () => {
    const ledger = await ledgerOn(await openLedgerDatabase(target));
    try {
      const dir = tempDir();
      const rejects = (from: string, code: string, exit: number, message: RegExp) =>
        assert.rejects(importLegacyTrades(ledger, { from }), (error: Error & { code?: string }) => {
          assert.equal(error.code, code, error.message);
          assert.equal(exitCodeOf(error), exit);
          assert.match(error.message, message);
          return true;
        });
      await rejects(
        'postgres://postgres@127.0.0.1:5432/trading',
        'IMPORT_SOURCE_INVALID',
        2,
        /--from must be sqlite:<path to trading_bot\.db>/,
      );
      await rejects(`sqlite:${join(dir, 'nowhere.db')}`, 'DATABASE_MISSING', 2, /^--from: no database at .*nowhere\.db/);
      writeFileSync(join(dir, 'notes.db'), 'not a database, just text '.repeat(100));
      await rejects(`sqlite:${join(dir, 'notes.db')}`, 'DATABASE_NOT_A_DATABASE', 2, /^--from: /);
      const other = await openLedgerSource(`sqlite:${join(dir, 'other.db')}`, true);
      other.exec('create table orders (id integer primary key)');
      other.close();
      await rejects(`sqlite:${join(dir, 'other.db')}`, 'IMPORT_SOURCE_INVALID', 2, /has no trades table/);
      const partial = await openLedgerSource(`sqlite:${join(dir, 'partial.db')}`, true);
      partial.exec('create table trades (id integer primary key, symbol text, direction text, status text)');
      partial.close();
      await rejects(
        `sqlite:${join(dir, 'partial.db')}`,
        'IMPORT_SOURCE_INVALID',
        2,
        /trades has no entry_price, exit_price, lot_size, pnl, open_time, close_time columns/,
      );
      assert.deepEqual(await storedPerPlugin(ledger), {});
    } finally {
      await ledger.close();
    }
  });
});

/** The legacy file's raw handle, for the test's own counts. */
async function openLedgerSource(url: string, create = false) {
  const { default: Database } = await import('better-sqlite3');
  return new Database(url.replace(/^sqlite:/, ''), { readonly: !create });
}

function countClosed(raw: import('better-sqlite3').Database, logicKey: string, bad: LegacyFile['bad']): number {
  const row = raw
    .prepare(
      `select count(*) as n from trades where lower(trim(status)) = 'closed' and lower(trim(logic_type)) = ? and id not in (${bad.map((b) => b.id).join(', ')})`,
    )
    .get(logicKey) as { n: number };
  return row.n;
}
